"""A residual convolutional decoder from a spatial latent grid."""

import keras
from keras import layers

from kerasgen.networks import _blocks
from kerasgen.networks._blocks import residual_block
from kerasgen.networks.network import Network


@keras.saving.register_keras_serializable(package="kerasgen")
class ResidualDecoder(Network):
    """A grid of latent vectors to images (the VQ-VAE / VQ-GAN decoder).

    The mirror of `ResidualEncoder`: a 3x3 convolution to `filters[-1]`, a
    residual block, then from the last level to the first `num_res_blocks`
    residual blocks at that level's width with a nearest-neighbour 2x
    upsampling and a 3x3 convolution between levels; then group
    normalization, swish and a 3x3 convolution to the image channels. The
    latent side is multiplied by `2 ** (len(filters) - 1)`.

    Args:
        image_shape: tuple `(height, width, channels)` of the output.
        latent_dim: int. Channels of each input latent vector.
        filters: tuple of int. Width of each resolution level, listed from
            the image resolution down (as for the encoder). Defaults to
            `(32, 64, 128)`.
        num_res_blocks: int. Residual blocks per level. Defaults to 1.
        num_groups: int. Groups of the group normalizations. Defaults to 8.
        dropout: float in `[0, 1)`. Defaults to 0.

    Call arguments:
        latents: `(batch, height / f, width / f, latent_dim)`.

    Returns:
        Images `(batch, height, width, channels)`, float32, unbounded (a
        reconstruction loss pulls them into `[-1, 1]`).

    Example:
    >>> decoder = ResidualDecoder((8, 8, 1), 4, filters=(8, 16))
    >>> tuple(decoder(keras.ops.zeros((2, 4, 4, 4))).shape)
    (2, 8, 8, 1)

    References:
        Esser et al. 2021, "Taming Transformers for High-Resolution Image
        Synthesis".
    """

    def __init__(
        self,
        image_shape,
        latent_dim,
        filters=(32, 64, 128),
        num_res_blocks=1,
        num_groups=8,
        dropout=0.0,
        **kwargs,
    ):
        image_shape, filters, dropout = _blocks.check_residual_levels(
            image_shape,
            latent_dim,
            filters,
            num_res_blocks,
            num_groups,
            dropout,
        )
        dtype = kwargs.pop("dtype", None)
        factor = 2 ** (len(filters) - 1)
        latent_shape = (
            image_shape[0] // factor,
            image_shape[1] // factor,
            latent_dim,
        )

        # === Functional model ===
        latents = keras.Input(shape=latent_shape, name="latents")
        x = layers.Conv2D(
            filters[-1], 3, padding="same", name="conv_in", dtype=dtype
        )(latents)
        x = residual_block(x, filters[-1], num_groups, dropout, "mid", dtype)
        for level in reversed(range(len(filters))):
            for block in range(num_res_blocks):
                x = residual_block(
                    x,
                    filters[level],
                    num_groups,
                    dropout,
                    f"level_{level}_{block}",
                    dtype,
                )
            if level > 0:
                x = layers.UpSampling2D(
                    2, name=f"upsample_{level}", dtype=dtype
                )(x)
                x = layers.Conv2D(
                    filters[level],
                    3,
                    padding="same",
                    name=f"upsample_{level}_conv",
                    dtype=dtype,
                )(x)
        x = _blocks.norm_swish(x, num_groups, dtype)
        images = layers.Conv2D(
            image_shape[-1], 3, padding="same", name="conv_out", dtype="float32"
        )(x)
        super().__init__(inputs=latents, outputs=images, dtype=dtype, **kwargs)

        # === Config ===
        self.image_shape = image_shape
        self.latent_dim = latent_dim
        self.filters = filters
        self.num_res_blocks = num_res_blocks
        self.num_groups = num_groups
        self.dropout = dropout

    @property
    def last_layer(self):
        """The output convolution (VQ-GAN's adaptive weight is taken here)."""
        return self.get_layer("conv_out")
