"""Image Transformer (Parmar et al. 2018)."""

import keras

from kerasgen.models.autoregressive.autoregressive_model import (
    AutoregressiveModel,
)
from kerasgen.networks.image_transformer_network import ImageTransformerNetwork


@keras.saving.register_keras_serializable(package="kerasgen")
class ImageTransformer(AutoregressiveModel):
    """Image Transformer: causal self-attention over the pixels.

    Parmar et al. 2018, "Image Transformer": the image is a sequence of
    pixels in raster order, modelled by a decoder-only transformer
    (`ImageTransformerNetwork`, a `CausalTransformer` with full, 1D-local
    or 2D-local attention, section 3.2) that predicts every pixel from the
    ones before it, all pixels in one pass at training time. Sampling runs
    one transformer position per pixel against a key/value cache (the
    same parameters as the full pass). See `AutoregressiveModel` for
    `log_prob`, training, `generate` and completion.

    Args:
        image_shape: tuple. Defaults to `(28, 28, 1)`.
        num_classes: int or `None` (a class token that every position
            attends to). Defaults to `None`.
        likelihood: `"categorical"` (default; R, G, B in turn within a
            pixel) or `"logistic_mixture"`.
        num_layers, num_heads, hidden_dim, intermediate_dim, dropout,
        position_embedding, attention, query_block, memory, block_shape,
        memory_shape: the `ImageTransformerNetwork` arguments (defaults 4,
            4, 64, 128, 0, `"learned"`, `"local_2d"`, 56, 112, `(4, 7)`,
            `(4, 7)`: sized for 28 x 28 images).
        network: an `ImageTransformerNetwork` (or any
            `AutoregressiveNetwork`) instead of the arguments above.
        seed: int or `None`. Seed of the training noise (dropout).

    Example:
    >>> import numpy as np
    >>> model = ImageTransformer(image_shape=(4, 4, 1), num_layers=1,
    ...                          num_heads=2, hidden_dim=8,
    ...                          intermediate_dim=16)
    >>> model.compile()
    >>> x = np.random.randint(0, 256, (8, 4, 4, 1), dtype="uint8")
    >>> history = model.fit(x, epochs=1, batch_size=4, verbose=0)
    >>> model.generate(num_samples=2, seed=0).shape
    (2, 4, 4, 1)
    >>> model.log_prob(x[:2]).shape
    (2,)

    References:
        - Parmar et al. 2018, "Image Transformer", ICML.
    """

    network_class = ImageTransformerNetwork
