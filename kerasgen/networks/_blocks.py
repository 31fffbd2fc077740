"""Functional building blocks and checks shared by the networks."""

import keras
from keras import layers

from kerasgen.utils import argument_validation as av


def check_image_shape(image_shape):
    """Checks `(height, width, channels)` of positive ints; returns it."""
    return av.check_int_tuple("image_shape", image_shape, length=3)


def check_dropout(name, value):
    """Checks a dropout rate in `[0, 1)`; returns it as a float."""
    return av.check_float(
        name, value, minimum=0.0, maximum=1.0, max_inclusive=False
    )


def check_group_norm(filters, num_groups):
    """Raises a `ValueError` unless every width divides into `num_groups`."""
    av.check_positive_int("num_groups", num_groups)
    for width in filters:
        if width % num_groups:
            raise ValueError(
                f"num_groups={num_groups} must divide every entry of filters; "
                f"received filters={tuple(filters)}"
            )


def check_levels(image_shape, latent_dim, filters, num_res_blocks):
    """Checks the arguments of a resolution-level encoder or decoder."""
    image_shape = check_image_shape(image_shape)
    filters = av.check_int_tuple("filters", filters)
    factor = 2 ** (len(filters) - 1)
    if image_shape[0] % factor or image_shape[1] % factor:
        raise ValueError(
            f"image_shape {image_shape} must have a height and width "
            f"divisible by the downsampling factor {factor} "
            f"(2 ** (len(filters) - 1) with filters={filters})"
        )
    av.check_positive_int("latent_dim", latent_dim)
    av.check_positive_int("num_res_blocks", num_res_blocks)
    return image_shape, filters


def residual_block(x, filters, num_groups, dropout, name, dtype, emb=None):
    """Pre-activation residual block: (GroupNorm, swish, conv 3x3) x 2.

    A 1x1 convolution projects the shortcut when the width changes (the
    ResnetBlock of Esser et al. 2021 and of the DDPM U-Net). With `emb`
    (`(batch, dim)`, a diffusion U-Net's time embedding) a dense
    projection of it is added per channel after the first convolution.
    """
    shortcut = x
    for index in range(2):
        x = layers.GroupNormalization(
            num_groups, epsilon=1e-6, name=f"{name}_norm_{index}", dtype=dtype
        )(x)
        x = layers.Activation("swish", name=f"{name}_act_{index}", dtype=dtype)(
            x
        )
        if index == 1 and dropout:
            x = layers.Dropout(dropout, name=f"{name}_dropout", dtype=dtype)(x)
        x = layers.Conv2D(
            filters,
            3,
            padding="same",
            name=f"{name}_conv_{index}",
            dtype=dtype,
        )(x)
        if index == 0 and emb is not None:
            bias = layers.Dense(filters, name=f"{name}_time", dtype=dtype)(emb)
            x = x + bias[:, None, None, :]
    if shortcut.shape[-1] != filters:
        shortcut = layers.Conv2D(
            filters, 1, name=f"{name}_shortcut", dtype=dtype
        )(shortcut)
    return layers.Add(name=f"{name}_add", dtype=dtype)([shortcut, x])


def norm_swish(x, num_groups, dtype):
    """The output head's group normalization and swish."""
    x = layers.GroupNormalization(
        num_groups, epsilon=1e-6, name="norm_out", dtype=dtype
    )(x)
    return layers.Activation("swish", name="act_out", dtype=dtype)(x)


def default_filters(table, image_shape, filters):
    """`filters`, or the table's entry for the image height when `None`."""
    if filters is None:
        if image_shape[0] not in table:
            raise ValueError(
                "filters=None picks defaults for "
                f"{', '.join(map(str, sorted(table)))} pixels; received "
                f"image_shape={image_shape}: pass filters"
            )
        filters = table[image_shape[0]]
    return av.check_int_tuple("filters", filters)


def batch_normalization(name, dtype):
    """Batch normalization, synchronized across replicas on TensorFlow."""
    return layers.BatchNormalization(
        synchronized=keras.backend.backend() == "tensorflow",
        name=name,
        dtype=dtype,
    )


def check_residual_levels(
    image_shape, latent_dim, filters, num_res_blocks, num_groups, dropout
):
    """Checks the arguments of `ResidualEncoder` / `ResidualDecoder`."""
    image_shape, filters = check_levels(
        image_shape, latent_dim, filters, num_res_blocks
    )
    check_group_norm(filters, num_groups)
    return image_shape, filters, check_dropout("dropout", dropout)
