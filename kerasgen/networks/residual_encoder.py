"""A residual convolutional encoder to a spatial latent grid."""

import keras
from keras import layers

from kerasgen.networks import _blocks
from kerasgen.networks._blocks import residual_block
from kerasgen.networks.network import Network


@keras.saving.register_keras_serializable(package="kerasgen")
class ResidualEncoder(Network):
    """Images to a grid of latent vectors (the VQ-VAE / VQ-GAN encoder).

    A 3x3 convolution to `filters[0]`, then for each entry of `filters`
    `num_res_blocks` residual blocks at that width, with a stride-2
    convolution between consecutive levels; then a residual block, group
    normalization, swish and a 1x1 convolution to `latent_dim` channels
    (the taming-transformers `Encoder` layout without attention). The image
    side is divided by `downsampling_factor = 2 ** (len(filters) - 1)`:
    `(32, 64)` turns 28x28 into 14x14, `(32, 64, 128)` into 7x7.

    Args:
        image_shape: tuple `(height, width, channels)`; height and width
            must be divisible by the downsampling factor.
        latent_dim: int. Channels of each latent vector.
        filters: tuple of int. Width of each resolution level. Defaults to
            `(32, 64, 128)`.
        num_res_blocks: int. Residual blocks per level. Defaults to 1.
        num_groups: int. Groups of the group normalizations; must divide
            every width. Defaults to 8.
        dropout: float in `[0, 1)`. Dropout inside residual blocks.
            Defaults to 0.

    Call arguments:
        images: float tensor `(batch, height, width, channels)` in `[-1, 1]`.

    Returns:
        `(batch, height / f, width / f, latent_dim)`, `f` the downsampling
        factor.

    Example:
    >>> encoder = ResidualEncoder((8, 8, 1), 4, filters=(8, 16))
    >>> tuple(encoder(keras.ops.zeros((2, 8, 8, 1))).shape)
    (2, 4, 4, 4)

    References:
        Esser et al. 2021, "Taming Transformers for High-Resolution Image
        Synthesis"; van den Oord et al. 2017, "Neural Discrete
        Representation Learning".
    """

    image_input = True

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

        # === Functional model ===
        images = keras.Input(shape=image_shape, name="images")
        x = layers.Conv2D(
            filters[0], 3, padding="same", name="conv_in", dtype=dtype
        )(images)
        for level, width in enumerate(filters):
            if level > 0:
                x = layers.Conv2D(
                    width,
                    3,
                    strides=2,
                    padding="same",
                    name=f"downsample_{level}",
                    dtype=dtype,
                )(x)
            for block in range(num_res_blocks):
                x = residual_block(
                    x,
                    width,
                    num_groups,
                    dropout,
                    f"level_{level}_{block}",
                    dtype,
                )
        x = residual_block(x, filters[-1], num_groups, dropout, "mid", dtype)
        x = _blocks.norm_swish(x, num_groups, dtype)
        latents = layers.Conv2D(latent_dim, 1, name="conv_out", dtype=dtype)(x)
        super().__init__(inputs=images, outputs=latents, dtype=dtype, **kwargs)

        # === Config ===
        self.image_shape = image_shape
        self.latent_dim = latent_dim
        self.filters = filters
        self.num_res_blocks = num_res_blocks
        self.num_groups = num_groups
        self.dropout = dropout

    @property
    def downsampling_factor(self):
        return 2 ** (len(self.filters) - 1)
