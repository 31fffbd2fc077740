"""The diffusion U-Net (Ho et al. 2020; Dhariwal & Nichol 2021)."""

import math

import keras
from keras import layers
from keras import ops

from kerasgen.networks import _blocks
from kerasgen.networks.network import Network
from kerasgen.utils import argument_validation as av


def timestep_embedding(timesteps, dim, max_period=10000.0):
    """Sinusoidal embedding of float timesteps, `(batch,) -> (batch, dim)`.

    `[cos(t w_k), sin(t w_k)]` with `w_k = max_period ** (-k / (dim / 2))`
    (the Transformer's position encoding, DDPM's time embedding; the order
    of guided-diffusion's `timestep_embedding`).

    Example:
    >>> emb = timestep_embedding(keras.ops.array([0.0, 10.0]), 4)
    >>> [round(float(v), 3) for v in emb[0]]
    [1.0, 1.0, 0.0, 0.0]
    """
    half = dim // 2
    frequencies = ops.exp(
        -math.log(max_period) * ops.arange(half, dtype="float32") / half
    )
    angles = ops.cast(timesteps, "float32")[:, None] * frequencies[None]
    embedding = ops.concatenate([ops.cos(angles), ops.sin(angles)], axis=-1)
    if dim % 2:
        embedding = ops.pad(embedding, ((0, 0), (0, 1)))
    return embedding


def check_level_options(
    filters, attention_levels, num_heads, dropout, num_groups
):
    """`(attention_levels, num_groups, dropout)` of a U-Net's levels,
    checked, with the defaults filled in (self-attention at the last level;
    32 GroupNorm groups where they divide every width, else 8)."""
    if attention_levels is None:
        attention_levels = (False,) * (len(filters) - 1) + (True,)
    attention_levels = tuple(attention_levels)
    if len(attention_levels) != len(filters) or not all(
        isinstance(a, bool) for a in attention_levels
    ):
        raise ValueError(
            "attention_levels must be one bool per entry of filters "
            f"({len(filters)}); received {attention_levels!r}"
        )
    if num_groups is None:
        num_groups = 32 if all(f % 32 == 0 for f in filters) else 8
    _blocks.check_group_norm(filters, num_groups)
    av.check_positive_int("num_heads", num_heads)
    return (
        attention_levels,
        num_groups,
        _blocks.check_dropout("dropout", dropout),
    )


def time_embedding(
    timesteps, base_dim, labels=None, dtype=None, num_classes=None
):
    """The U-Net's conditioning vector `(batch, 4 * base_dim)`, after swish.

    The sinusoidal embedding of `timesteps` through two dense layers; with
    `labels`, plus a class embedding of `num_classes + 1` rows (the last is
    the null class). Builds layers named `time_dense_0/1`,
    `class_embedding` and `time_act` (shared by `UNet` and
    `UNetClassifier`).
    """
    width = 4 * base_dim
    emb = timestep_embedding(timesteps, base_dim)
    emb = layers.Dense(
        width, activation="swish", name="time_dense_0", dtype=dtype
    )(emb)
    emb = layers.Dense(width, name="time_dense_1", dtype=dtype)(emb)
    if labels is not None:
        emb = emb + layers.Embedding(
            num_classes + 1, width, name="class_embedding", dtype=dtype
        )(labels)
    return layers.Activation("swish", name="time_act", dtype=dtype)(emb)


def encoder_levels(
    images, filters, num_res_blocks, attention_levels, res, attend, dtype
):
    """The U-Net's downward path and middle: `(x, skips)`.

    `conv_in`, then per level `num_res_blocks` blocks `res(x, width, name)`
    (each followed by `attend(x, name)` at the levels of
    `attention_levels`) and a stride-2 convolution between levels; then
    the middle `res`, `attend`, `res`. `skips` are the outputs the upward
    path concatenates, in order.
    """
    x = layers.Conv2D(
        filters[0], 3, padding="same", name="conv_in", dtype=dtype
    )(images)
    skips = [x]
    for level, out in enumerate(filters):
        for block in range(num_res_blocks):
            x = res(x, out, f"down_{level}_{block}")
            if attention_levels[level]:
                x = attend(x, f"down_{level}_{block}_attn")
            skips.append(x)
        if level + 1 < len(filters):
            x = layers.Conv2D(
                out,
                3,
                strides=2,
                padding="same",
                name=f"down_{level}_sample",
                dtype=dtype,
            )(x)
            skips.append(x)
    x = res(x, filters[-1], "mid_0")
    x = attend(x, "mid_attn")
    x = res(x, filters[-1], "mid_1")
    return x, skips


@keras.saving.register_keras_serializable(package="kerasgen")
class UNet(Network):
    """The DDPM / guided-diffusion U-Net: noisy images and timesteps to
    the denoiser's output (noise, `x_0` or `v`).

    A 3x3 convolution to `filters[0]`; at each resolution level
    `num_res_blocks` residual blocks (GroupNorm, swish, 3x3 convolution,
    plus a projection of the time embedding added per channel, GroupNorm,
    swish, dropout, 3x3 convolution), each followed by self-attention at
    the levels of `attention_levels` (and cross-attention to `context`
    when `context_dim` is set), then a stride-2 convolution; a middle of
    residual block, attention, residual block; the mirror path upwards
    with `num_res_blocks + 1` blocks a level on the concatenated skip
    connections and nearest-neighbour upsampling; GroupNorm, swish and a
    zero-initialised 3x3 convolution to `output_channels`.

    The time embedding is the sinusoidal embedding of the (float)
    timestep through two dense layers (width `4 * filters[0]`); with
    `num_classes`, a class embedding of `num_classes + 1` rows (the last
    is the null class of classifier-free guidance) is added to it.

    Args:
        image_shape: tuple `(height, width, channels)`; the height and
            width must be divisible by `2 ** (len(filters) - 1)`.
        filters: tuple of int. Width of each level. Defaults to
            `(64, 128, 128)` (28x28 -> 14x14 -> 7x7).
        num_res_blocks: int. Defaults to 2.
        attention_levels: tuple of bool, one per level. Defaults to
            self-attention at the last (lowest) level only.
        num_heads: int. Attention heads. Defaults to 4.
        dropout: float in `[0, 1)`. Defaults to 0.1 (DDPM's CIFAR-10).
        num_groups: int. GroupNorm groups, dividing every width. Defaults
            to 32 if it divides every width, else 8.
        num_classes: int or `None`. Adds the `"labels"` input.
        context_dim: int or `None`. Adds the `"context"` input `(batch,
            context_length, context_dim)` (e.g. a text encoder's states)
            and cross-attention after every self-attention block and at
            the levels of `attention_levels`.
        context_length: int or `None`. Sequence length of `context`
            (`None`: any).
        output_channels: int or `None`. Defaults to the image's channels
            (twice them for a learned-variance model).

    Call arguments:
        inputs: dict with `"images"` (float `(batch, height, width,
            channels)`), `"timesteps"` (float or int `(batch,)`), and
            `"labels"` (int `(batch,)`, `num_classes` for the null class)
            and `"context"` when configured.

    Returns:
        `(batch, height, width, output_channels)`.

    Example:
    >>> unet = UNet((8, 8, 1), filters=(8, 16), num_res_blocks=1,
    ...             num_groups=4, num_classes=3)
    >>> out = unet({"images": keras.ops.zeros((2, 8, 8, 1)),
    ...             "timesteps": keras.ops.array([1.0, 500.0]),
    ...             "labels": keras.ops.array([0, 3])})
    >>> tuple(out.shape)
    (2, 8, 8, 1)

    References:
        Ho et al. 2020, "Denoising Diffusion Probabilistic Models".
        Dhariwal & Nichol 2021, "Diffusion Models Beat GANs on Image
        Synthesis".
        Rombach et al. 2022, "High-Resolution Image Synthesis with Latent
        Diffusion Models" (cross-attention to a context).
    """

    def __init__(
        self,
        image_shape,
        filters=(64, 128, 128),
        num_res_blocks=2,
        attention_levels=None,
        num_heads=4,
        dropout=0.1,
        num_groups=None,
        num_classes=None,
        context_dim=None,
        context_length=None,
        output_channels=None,
        **kwargs,
    ):
        image_shape, filters = _blocks.check_levels(
            image_shape, 1, filters, num_res_blocks
        )
        attention_levels, num_groups, dropout = check_level_options(
            filters, attention_levels, num_heads, dropout, num_groups
        )
        av.check_positive_int("num_classes", num_classes, allow_none=True)
        av.check_positive_int("context_dim", context_dim, allow_none=True)
        av.check_positive_int("context_length", context_length, allow_none=True)
        if output_channels is None:
            output_channels = image_shape[-1]
        av.check_positive_int("output_channels", output_channels)
        dtype = kwargs.pop("dtype", None)

        # === Functional model ===
        inputs = {
            "images": keras.Input(shape=image_shape, name="images"),
            "timesteps": keras.Input(shape=(), name="timesteps"),
        }
        if num_classes is not None:
            inputs["labels"] = keras.Input(
                shape=(), dtype="int32", name="labels"
            )
        context = None
        if context_dim is not None:
            context = inputs["context"] = keras.Input(
                shape=(context_length, context_dim), name="context"
            )
        emb = time_embedding(
            inputs["timesteps"],
            filters[0],
            inputs.get("labels"),
            dtype,
            num_classes,
        )

        def res(x, out, name):
            return _blocks.residual_block(
                x, out, num_groups, dropout, name, dtype, emb=emb
            )

        def attend(x, name):
            x = attention_block(x, None, num_heads, num_groups, name, dtype)
            if context is not None:
                x = attention_block(
                    x, context, num_heads, num_groups, f"{name}_cross", dtype
                )
            return x

        x, skips = encoder_levels(
            inputs["images"],
            filters,
            num_res_blocks,
            attention_levels,
            res,
            attend,
            dtype,
        )
        for level in reversed(range(len(filters))):
            for block in range(num_res_blocks + 1):
                x = layers.Concatenate(
                    name=f"up_{level}_{block}_concat", dtype=dtype
                )([x, skips.pop()])
                x = res(x, filters[level], f"up_{level}_{block}")
                if attention_levels[level]:
                    x = attend(x, f"up_{level}_{block}_attn")
            if level > 0:
                x = layers.UpSampling2D(
                    2, name=f"up_{level}_sample", dtype=dtype
                )(x)
                x = layers.Conv2D(
                    filters[level],
                    3,
                    padding="same",
                    name=f"up_{level}_sample_conv",
                    dtype=dtype,
                )(x)
        x = _blocks.norm_swish(x, num_groups, dtype)
        outputs = layers.Conv2D(
            output_channels,
            3,
            padding="same",
            kernel_initializer="zeros",
            name="conv_out",
            dtype=dtype,
        )(x)
        super().__init__(inputs=inputs, outputs=outputs, dtype=dtype, **kwargs)

        # === Config ===
        self.image_shape = image_shape
        self.filters = filters
        self.num_res_blocks = num_res_blocks
        self.attention_levels = attention_levels
        self.num_heads = num_heads
        self.dropout = dropout
        self.num_groups = num_groups
        self.num_classes = num_classes
        self.context_dim = context_dim
        self.context_length = context_length
        self.output_channels = output_channels


def attention_block(x, context, num_heads, num_groups, name, dtype):
    """Pre-norm multi-head attention over the pixels, residual: self-
    attention, or cross-attention to `context` `(batch, length, dim)`."""
    height, width, channels = x.shape[1:]
    h = layers.GroupNormalization(
        num_groups, epsilon=1e-6, name=f"{name}_norm", dtype=dtype
    )(x)
    h = layers.Reshape((height * width, channels), dtype=dtype)(h)
    source = h if context is None else context
    h = layers.MultiHeadAttention(
        num_heads,
        max(channels // num_heads, 1),
        output_shape=channels,
        name=f"{name}_mha",
        dtype=dtype,
    )(h, source)
    h = layers.Reshape((height, width, channels), dtype=dtype)(h)
    return layers.Add(name=f"{name}_add", dtype=dtype)([x, h])
