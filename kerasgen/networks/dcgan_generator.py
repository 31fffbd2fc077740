"""The DCGAN generator, optionally class-conditional."""

import keras
from keras import layers

from kerasgen.networks import _blocks
from kerasgen.networks.network import Network
from kerasgen.utils import argument_validation as av

_DEFAULT_FILTERS = {
    28: (128, 64, 32),
    32: (128, 64, 32),
    64: (256, 128, 64, 32),
}


@keras.saving.register_keras_serializable(package="kerasgen")
class DCGANGenerator(Network):
    """Latent vector (and class label) to an image, DCGAN style.

    A dense projection to a `(height / 2**n, width / 2**n, filters[0])` map,
    then `n = len(filters) - 1` stride-2 transposed convolutions to
    `filters[1:]`, each followed by batch normalization (optional) and the
    activation, then a convolution to the image channels with `tanh`
    (Radford et al. 2015).

    With `num_classes`, the label is embedded (`label_embedding_dim`) and
    concatenated to the latent vector, the usual conditional GAN input
    (Mirza & Osindero 2014).

    Batch normalization is synchronized across replicas on TensorFlow, so a
    step under `MirroredStrategy` uses the statistics of the global batch,
    as on one device.

    Args:
        image_shape: tuple `(height, width, channels)`; height and width must
            be divisible by `2 ** (len(filters) - 1)`. Defaults to
            `(28, 28, 1)`.
        latent_dim: int. Size of the latent vector. Defaults to 128.
        num_classes: int or `None`. Number of classes of a conditional
            generator. Defaults to `None`.
        filters: tuple of int or `None`. Channels of the projected map and
            of each transposed convolution. `None` picks `(256, 128, 64)`
            for 28x28 and 32x32 (for 32x32 the map starts at 8x8) and
            `(512, 256, 128, 64)` for 64x64. Defaults to `None`.
        kernel_size: int. Kernel of the transposed convolutions. Defaults
            to 4.
        output_kernel_size: int. Kernel of the output convolution. Defaults
            to 3.
        normalization: `"batch"` or `None`. Defaults to `"batch"`.
        activation: str. Defaults to `"relu"`.
        label_embedding_dim: int. Size of the label embedding. Defaults to
            50.

    Call arguments:
        inputs: latents `(batch, latent_dim)`, or for a conditional
            generator a dict `{"latents": ..., "labels": (batch,) int}`.

    Returns:
        Images `(batch, height, width, channels)`, float in `[-1, 1]`
        (float32 also under mixed precision).

    Example:
    >>> generator = DCGANGenerator((28, 28, 1), latent_dim=8, filters=(8, 4))
    >>> tuple(generator(keras.ops.zeros((2, 8))).shape)
    (2, 28, 28, 1)

    References:
        Radford et al. 2015, "Unsupervised Representation Learning with
        Deep Convolutional Generative Adversarial Networks".
    """

    def __init__(
        self,
        image_shape=(28, 28, 1),
        latent_dim=128,
        num_classes=None,
        filters=None,
        kernel_size=4,
        output_kernel_size=3,
        normalization="batch",
        activation="relu",
        label_embedding_dim=50,
        **kwargs,
    ):
        image_shape = _blocks.check_image_shape(image_shape)
        latent_dim = av.check_positive_int("latent_dim", latent_dim)
        num_classes = av.check_int("num_classes", num_classes, 1, None, True)
        filters = _blocks.default_filters(
            _DEFAULT_FILTERS, image_shape, filters
        )
        kernel_size = av.check_positive_int("kernel_size", kernel_size)
        output_kernel_size = av.check_positive_int(
            "output_kernel_size", output_kernel_size
        )
        label_embedding_dim = av.check_positive_int(
            "label_embedding_dim", label_embedding_dim
        )
        factor = 2 ** (len(filters) - 1)
        height, width, channels = image_shape
        if height % factor or width % factor:
            raise ValueError(
                f"image_shape {image_shape} must have height and width "
                f"divisible by 2 ** (len(filters) - 1) = {factor}"
            )
        av.check_choice("normalization", normalization, ("batch", None))
        dtype = kwargs.pop("dtype", None)

        def normalize_and_activate(x, name):
            if normalization == "batch":
                x = _blocks.batch_normalization(f"{name}_norm", dtype)(x)
            return layers.Activation(
                activation, name=f"{name}_act", dtype=dtype
            )(x)

        # === Functional model ===
        latents = keras.Input(shape=(latent_dim,), name="latents")
        inputs = latents
        x = latents
        if num_classes is not None:
            labels = keras.Input(shape=(), dtype="int32", name="labels")
            inputs = {"latents": latents, "labels": labels}
            embedding = layers.Embedding(
                num_classes,
                label_embedding_dim,
                name="label_embedding",
                dtype=dtype,
            )(labels)
            x = layers.Concatenate(name="concat", dtype=dtype)([x, embedding])
        base = (height // factor, width // factor, filters[0])
        x = layers.Dense(
            base[0] * base[1] * base[2],
            use_bias=normalization is None,
            name="project",
            dtype=dtype,
        )(x)
        x = layers.Reshape(base, name="reshape", dtype=dtype)(x)
        x = normalize_and_activate(x, "project")
        for index, num_filters in enumerate(filters[1:]):
            x = layers.Conv2DTranspose(
                num_filters,
                kernel_size,
                strides=2,
                padding="same",
                use_bias=normalization is None,
                name=f"deconv_{index}",
                dtype=dtype,
            )(x)
            x = normalize_and_activate(x, f"deconv_{index}")
        outputs = layers.Conv2D(
            channels,
            output_kernel_size,
            padding="same",
            activation="tanh",
            name="output",
            dtype="float32",
        )(x)
        super().__init__(inputs=inputs, outputs=outputs, dtype=dtype, **kwargs)

        # === Config ===
        self.image_shape = image_shape
        self.latent_dim = latent_dim
        self.num_classes = num_classes
        self.filters = filters
        self.kernel_size = kernel_size
        self.output_kernel_size = output_kernel_size
        self.normalization = normalization
        self.activation = activation
        self.label_embedding_dim = label_embedding_dim
