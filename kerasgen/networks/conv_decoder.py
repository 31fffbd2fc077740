"""A convolutional image decoder."""

import keras
from keras import layers

from kerasgen.networks import _blocks
from kerasgen.networks.network import Network
from kerasgen.utils import argument_validation as av


@keras.saving.register_keras_serializable(package="kerasgen")
class ConvDecoder(Network):
    """Dense layers, then transposed convolutions, from a vector to an image.

    The mirror of `ConvEncoder`: a dense layer to a `(height / 2**n,
    width / 2**n, filters[0])` map, one stride-2 transposed convolution per
    entry of `filters`, then a `kernel_size` convolution to `output_channels`
    (for example `channels * 256` logits for a categorical pixel likelihood).

    Args:
        image_shape: tuple `(height, width, channels)` of the output image;
            height and width must be divisible by `2 ** len(filters)`.
        input_dim: int. Size of the input vector.
        output_channels: int. Channels of the output map.
        filters: tuple of int. Filters of each transposed convolution.
            Defaults to `(64, 32)`.
        hidden_dim: int or `None`. Width of a dense layer after the input;
            `None` for none. Defaults to 256.
        kernel_size: int. Defaults to 3.
        activation: str. Defaults to `"relu"`.

    Call arguments:
        latents: tensor `(batch, input_dim)`.

    Returns:
        `(batch, height, width, output_channels)`, unbounded (parameters of a
        pixel likelihood).

    Example:
    >>> decoder = ConvDecoder((28, 28, 1), input_dim=2, output_channels=256)
    >>> tuple(decoder(keras.ops.zeros((2, 2))).shape)
    (2, 28, 28, 256)
    """

    def __init__(
        self,
        image_shape,
        input_dim,
        output_channels,
        filters=(64, 32),
        hidden_dim=256,
        kernel_size=3,
        activation="relu",
        **kwargs,
    ):
        image_shape = _blocks.check_image_shape(image_shape)
        input_dim = av.check_positive_int("input_dim", input_dim)
        output_channels = av.check_positive_int(
            "output_channels", output_channels
        )
        filters = av.check_int_tuple("filters", filters)
        hidden_dim = av.check_int("hidden_dim", hidden_dim, 0, allow_none=True)
        kernel_size = av.check_positive_int("kernel_size", kernel_size)
        height, width = image_shape[0], image_shape[1]
        factor = 2 ** len(filters)
        if height % factor or width % factor:
            raise ValueError(
                f"image_shape {tuple(image_shape)} must have height and width "
                f"divisible by 2 ** len(filters) = {factor}"
            )
        dtype = kwargs.pop("dtype", None)
        # === Functional model ===
        latents = keras.Input(shape=(input_dim,), name="latents")
        x = latents
        if hidden_dim:
            x = layers.Dense(
                hidden_dim, activation=activation, name="hidden", dtype=dtype
            )(x)
        base = (height // factor, width // factor, filters[0])
        x = layers.Dense(
            base[0] * base[1] * base[2],
            activation=activation,
            name="project",
            dtype=dtype,
        )(x)
        x = layers.Reshape(base, name="reshape", dtype=dtype)(x)
        for index, num_filters in enumerate(filters):
            x = layers.Conv2DTranspose(
                num_filters,
                kernel_size,
                strides=2,
                padding="same",
                activation=activation,
                name=f"deconv_{index}",
                dtype=dtype,
            )(x)
        outputs = layers.Conv2D(
            output_channels,
            kernel_size,
            padding="same",
            name="output",
            dtype=dtype,
        )(x)
        super().__init__(inputs=latents, outputs=outputs, dtype=dtype, **kwargs)

        # === Config ===
        self.image_shape = tuple(image_shape)
        self.input_dim = input_dim
        self.output_channels = output_channels
        self.filters = tuple(filters)
        self.hidden_dim = hidden_dim
        self.kernel_size = kernel_size
        self.activation = activation
