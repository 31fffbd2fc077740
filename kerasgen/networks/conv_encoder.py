"""A convolutional image encoder."""

import keras
from keras import layers

from kerasgen.networks import _blocks
from kerasgen.networks.network import Network
from kerasgen.utils import argument_validation as av


@keras.saving.register_keras_serializable(package="kerasgen")
class ConvEncoder(Network):
    """Strided convolutions, then dense layers, to a flat output vector.

    Each entry of `filters` is a `kernel_size` convolution with stride 2, so
    the image side is divided by `2 ** len(filters)` (the keras.io VAE encoder
    is `filters=(32, 64)`, `hidden_dim=16`).

    Args:
        image_shape: tuple `(height, width, channels)`.
        output_dim: int. Size of the output vector (a VAE asks for
            `2 * latent_dim`: mean and log-variance).
        filters: tuple of int. Filters of each strided convolution.
            Defaults to `(32, 64)`.
        hidden_dim: int or `None`. Width of a dense layer before the output;
            `None` for none. Defaults to 256.
        kernel_size: int. Defaults to 3.
        activation: str. Defaults to `"relu"`.

    Call arguments:
        images: float tensor `(batch, height, width, channels)` in `[-1, 1]`.

    Returns:
        `(batch, output_dim)`.

    Example:
    >>> encoder = ConvEncoder((28, 28, 1), output_dim=4)
    >>> tuple(encoder(keras.ops.zeros((2, 28, 28, 1))).shape)
    (2, 4)
    """

    image_input = True

    def __init__(
        self,
        image_shape,
        output_dim,
        filters=(32, 64),
        hidden_dim=256,
        kernel_size=3,
        activation="relu",
        **kwargs,
    ):
        image_shape = _blocks.check_image_shape(image_shape)
        output_dim = av.check_positive_int("output_dim", output_dim)
        filters = av.check_int_tuple("filters", filters)
        hidden_dim = av.check_int("hidden_dim", hidden_dim, 0, allow_none=True)
        kernel_size = av.check_positive_int("kernel_size", kernel_size)
        dtype = kwargs.pop("dtype", None)
        # === Functional model ===
        images = keras.Input(shape=tuple(image_shape), name="images")
        x = images
        for index, num_filters in enumerate(filters):
            x = layers.Conv2D(
                num_filters,
                kernel_size,
                strides=2,
                padding="same",
                activation=activation,
                name=f"conv_{index}",
                dtype=dtype,
            )(x)
        x = layers.Flatten(name="flatten", dtype=dtype)(x)
        if hidden_dim:
            x = layers.Dense(
                hidden_dim, activation=activation, name="hidden", dtype=dtype
            )(x)
        outputs = layers.Dense(output_dim, name="output", dtype=dtype)(x)
        super().__init__(inputs=images, outputs=outputs, dtype=dtype, **kwargs)

        # === Config ===
        self.image_shape = tuple(image_shape)
        self.output_dim = output_dim
        self.filters = tuple(filters)
        self.hidden_dim = hidden_dim
        self.kernel_size = kernel_size
        self.activation = activation
