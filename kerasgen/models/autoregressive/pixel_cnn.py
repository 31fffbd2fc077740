"""PixelCNN (van den Oord et al. 2016a)."""

import keras

from kerasgen.models.autoregressive.autoregressive_model import (
    AutoregressiveModel,
)
from kerasgen.networks.pixel_cnn_network import PixelCNNNetwork


@keras.saving.register_keras_serializable(package="kerasgen")
class PixelCNN(AutoregressiveModel):
    """PixelCNN: masked convolutions and a 256-way softmax per sub-pixel.

    van den Oord et al. 2016, "Pixel Recurrent Neural Networks", section
    3.4: a stack of masked convolutions (`PixelCNNNetwork`) predicts every
    pixel from those above and to its left, all pixels in one pass at
    training time; sampling runs one cached step per pixel (Ramachandran et
    al. 2017). See `AutoregressiveModel` for `log_prob`, training,
    `generate` and completion.

    Args:
        image_shape: tuple. Defaults to `(28, 28, 1)`.
        num_classes: int or `None` (a learned bias per class in every
            block). Defaults to `None`.
        likelihood: `"categorical"` (default) or `"logistic_mixture"`.
        filters, num_blocks, kernel_size, first_kernel_size,
        output_filters: the `PixelCNNNetwork` arguments (defaults 64, 6, 3,
            7, 128).
        network: a `PixelCNNNetwork` (or any `AutoregressiveNetwork`)
            instead of the arguments above.
        seed: int or `None`.

    Example:
    >>> import numpy as np
    >>> model = PixelCNN(image_shape=(4, 4, 1), filters=8, num_blocks=1,
    ...                  output_filters=8)
    >>> model.compile()
    >>> x = np.random.randint(0, 256, (8, 4, 4, 1), dtype="uint8")
    >>> history = model.fit(x, epochs=1, batch_size=4, verbose=0)
    >>> model.generate(num_samples=2, seed=0).shape
    (2, 4, 4, 1)
    >>> model.log_prob(x[:2]).shape
    (2,)
    """

    network_class = PixelCNNNetwork
