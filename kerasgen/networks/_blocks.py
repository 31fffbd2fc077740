"""Functional building blocks shared by the convolutional networks."""

from keras import layers


def check_group_norm(filters, num_groups):
    """Raises a `ValueError` unless every width divides into `num_groups`."""
    for width in filters:
        if width % num_groups:
            raise ValueError(
                f"num_groups={num_groups} must divide every entry of filters; "
                f"received filters={tuple(filters)}"
            )


def residual_block(x, filters, num_groups, dropout, name, dtype):
    """Pre-activation residual block: (GroupNorm, swish, conv 3x3) x 2.

    A 1x1 convolution projects the shortcut when the width changes (the
    ResnetBlock of Esser et al. 2021 and of the DDPM U-Net).
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
    if shortcut.shape[-1] != filters:
        shortcut = layers.Conv2D(
            filters, 1, name=f"{name}_shortcut", dtype=dtype
        )(shortcut)
    return layers.Add(name=f"{name}_add", dtype=dtype)([shortcut, x])


def check_levels(image_shape, latent_dim, filters, num_res_blocks):
    """Checks the arguments of a resolution-level encoder or decoder."""
    if len(image_shape) != 3:
        raise ValueError(
            "image_shape must be (height, width, channels); received "
            f"{image_shape}"
        )
    if not filters or not all(isinstance(f, int) and f > 0 for f in filters):
        raise ValueError(
            f"filters must be a non-empty tuple of positive ints; received "
            f"{filters}"
        )
    factor = 2 ** (len(filters) - 1)
    if image_shape[0] % factor or image_shape[1] % factor:
        raise ValueError(
            f"image_shape {image_shape} must have a height and width "
            f"divisible by the downsampling factor {factor} "
            f"(2 ** (len(filters) - 1) with filters={filters})"
        )
    if not isinstance(latent_dim, int) or latent_dim < 1:
        raise ValueError(
            f"latent_dim must be a positive int; received {latent_dim!r}"
        )
    if not isinstance(num_res_blocks, int) or num_res_blocks < 1:
        raise ValueError(
            f"num_res_blocks must be a positive int; received "
            f"{num_res_blocks!r}"
        )
