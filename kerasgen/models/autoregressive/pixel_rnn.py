"""PixelRNN (van den Oord et al. 2016a)."""

import keras

from kerasgen.models.autoregressive.autoregressive_model import (
    AutoregressiveModel,
)
from kerasgen.networks.pixel_rnn_network import PixelRNNNetwork


@keras.saving.register_keras_serializable(package="kerasgen")
class PixelRNN(AutoregressiveModel):
    """PixelRNN: two-dimensional LSTMs and a 256-way softmax per sub-pixel.

    van den Oord et al. 2016, "Pixel Recurrent Neural Networks", sections
    3.1-3.3: a mask-A convolution, residual Row LSTM or Diagonal BiLSTM
    layers and `1 x 1` output convolutions (`PixelRNNNetwork`) predict
    every pixel from those before it. Training runs the recurrences over
    whole images (rows, or the columns of the skewed map); sampling keeps
    the LSTM states and computes one pixel's states per step. See
    `AutoregressiveModel` for `log_prob`, training, `generate` and
    completion.

    Args:
        image_shape: tuple. Defaults to `(28, 28, 1)`.
        num_classes: int or `None` (a learned bias per class on every
            layer's gates). Defaults to `None`.
        likelihood: `"categorical"` (default) or `"logistic_mixture"`.
        cell: `"row_lstm"` or `"diagonal_bilstm"` (default).
        hidden_dim, num_layers, kernel_size, first_kernel_size,
        output_filters: the `PixelRNNNetwork` arguments (defaults 16, 2,
            3, 7, 64).
        network: a `PixelRNNNetwork` (or any `AutoregressiveNetwork`)
            instead of the arguments above.
        seed: int or `None`.

    Example:
    >>> import numpy as np
    >>> model = PixelRNN(image_shape=(3, 3, 1), cell="row_lstm",
    ...                  hidden_dim=2, num_layers=1, output_filters=4)
    >>> model.compile()
    >>> x = np.random.randint(0, 256, (4, 3, 3, 1), dtype="uint8")
    >>> history = model.fit(x, epochs=1, batch_size=4, verbose=0)
    >>> model.generate(num_samples=2, seed=0).shape
    (2, 3, 3, 1)
    >>> model.log_prob(x[:2]).shape
    (2,)

    References:
        van den Oord, Kalchbrenner, Kavukcuoglu. "Pixel Recurrent Neural
        Networks". ICML 2016.
    """

    network_class = PixelRNNNetwork
