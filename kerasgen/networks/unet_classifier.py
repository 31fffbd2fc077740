"""The U-Net's encoder as a classifier of noisy images (guided-diffusion)."""

import keras
from keras import layers

from kerasgen.networks import _blocks
from kerasgen.networks import unet
from kerasgen.networks.network import Network
from kerasgen.utils import argument_validation as av


@keras.saving.register_keras_serializable(package="kerasgen")
class UNetClassifier(Network):
    """Class logits of noisy images `x_t` at their timesteps.

    The downward half and middle of `UNet` (the same time embedding in every
    residual block, self-attention at the levels of `attention_levels`),
    then GroupNorm, swish, global average pooling and a dense layer to
    `num_classes` logits: guided-diffusion's `EncoderUNetModel` with its
    "adaptive" pooling. Trained on `x_t` drawn from the forward process
    (`kerasgen.models.NoiseAwareClassifier`), its `grad log p(y | x_t)`
    guides a diffusion model towards a class (Dhariwal & Nichol 2021).

    Args:
        image_shape: tuple `(height, width, channels)`; the height and
            width must be divisible by `2 ** (len(filters) - 1)`.
        num_classes: int >= 2. Number of classes.
        filters: tuple of int. Width of each level. Defaults to
            `(32, 64, 64)`.
        num_res_blocks: int. Defaults to 1.
        attention_levels: tuple of bool, one per level. Defaults to
            self-attention at the last level only.
        num_heads: int. Attention heads. Defaults to 4.
        dropout: float in `[0, 1)`. Defaults to 0.1.
        num_groups: int. GroupNorm groups, dividing every width. Defaults
            to 32 if it divides every width, else 8.

    Call arguments:
        inputs: dict with `"images"` (float `(batch, height, width,
            channels)`, in `[-1, 1]` at `t = 0`) and `"timesteps"` (float or
            int `(batch,)`).

    Returns:
        float logits `(batch, num_classes)`.

    Example:
    >>> net = UNetClassifier((8, 8, 1), num_classes=3, filters=(8, 16),
    ...                      num_groups=4)
    >>> out = net({"images": keras.ops.zeros((2, 8, 8, 1)),
    ...            "timesteps": keras.ops.array([1.0, 500.0])})
    >>> tuple(out.shape)
    (2, 3)

    References:
        Dhariwal & Nichol 2021, "Diffusion Models Beat GANs on Image
        Synthesis" (the noise-aware classifier, section 4).
    """

    def __init__(
        self,
        image_shape,
        num_classes,
        filters=(32, 64, 64),
        num_res_blocks=1,
        attention_levels=None,
        num_heads=4,
        dropout=0.1,
        num_groups=None,
        **kwargs,
    ):
        image_shape, filters = _blocks.check_levels(
            image_shape, 1, filters, num_res_blocks
        )
        av.check_int("num_classes", num_classes, 2)
        attention_levels, num_groups, dropout = unet.check_level_options(
            filters, attention_levels, num_heads, dropout, num_groups
        )
        dtype = kwargs.pop("dtype", None)

        # === Functional model ===
        inputs = {
            "images": keras.Input(shape=image_shape, name="images"),
            "timesteps": keras.Input(shape=(), name="timesteps"),
        }
        emb = unet.time_embedding(inputs["timesteps"], filters[0], dtype=dtype)

        def res(x, out, name):
            return _blocks.residual_block(
                x, out, num_groups, dropout, name, dtype, emb=emb
            )

        def attend(x, name):
            return unet.attention_block(
                x, None, num_heads, num_groups, name, dtype
            )

        x, _ = unet.encoder_levels(
            inputs["images"],
            filters,
            num_res_blocks,
            attention_levels,
            res,
            attend,
            dtype,
        )
        x = _blocks.norm_swish(x, num_groups, dtype)
        x = layers.GlobalAveragePooling2D(name="pool", dtype=dtype)(x)
        outputs = layers.Dense(num_classes, name="logits", dtype=dtype)(x)
        super().__init__(inputs=inputs, outputs=outputs, dtype=dtype, **kwargs)

        # === Config ===
        self.image_shape = image_shape
        self.num_classes = num_classes
        self.filters = filters
        self.num_res_blocks = num_res_blocks
        self.attention_levels = attention_levels
        self.num_heads = num_heads
        self.dropout = dropout
        self.num_groups = num_groups
