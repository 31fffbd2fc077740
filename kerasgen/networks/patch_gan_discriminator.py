"""The PatchGAN discriminator (pix2pix, VQ-GAN)."""

import keras
from keras import layers

from kerasgen.networks import _blocks
from kerasgen.networks.network import Network
from kerasgen.utils import argument_validation as av

_NORMALIZATIONS = (None, "batch", "group", "layer")


@keras.saving.register_keras_serializable(package="kerasgen")
class PatchGANDiscriminator(Network):
    """Images to a grid of real/fake logits, one per overlapping patch.

    A 4x4 stride-2 convolution with leaky ReLU (slope 0.2), `num_layers - 1`
    more stride-2 convolutions whose width doubles up to `8 * filters`, one
    stride-1 convolution, each followed by normalization and leaky ReLU, and
    a stride-1 4x4 convolution to one logit per position (the
    `NLayerDiscriminator` of Isola et al. 2017, used by Esser et al. 2021).
    Each logit judges one receptive-field patch, so the discriminator
    penalises local texture rather than global layout.

    Args:
        image_shape: tuple `(height, width, channels)`. Defaults to
            `(28, 28, 1)`.
        filters: int. Width of the first convolution. Defaults to 64.
        num_layers: int. Stride-2 convolutions. Defaults to 2 (28x28 to a
            7x7 logit grid).
        normalization: `None`, `"batch"`, `"group"` or `"layer"`. Batch
            normalization is synchronized across replicas on TensorFlow.
            Defaults to `"batch"` (as in pix2pix and taming-transformers).

    Call arguments:
        images: float tensor `(batch, height, width, channels)` in `[-1, 1]`.

    Returns:
        Logits `(batch, height / 2 ** num_layers, width / 2 ** num_layers,
        1)`, float32.

    Example:
    >>> discriminator = PatchGANDiscriminator((16, 16, 1), filters=4)
    >>> tuple(discriminator(keras.ops.zeros((2, 16, 16, 1))).shape)
    (2, 4, 4, 1)

    References:
        Isola et al. 2017, "Image-to-Image Translation with Conditional
        Adversarial Networks"; Esser et al. 2021, "Taming Transformers for
        High-Resolution Image Synthesis".
    """

    image_input = True

    def __init__(
        self,
        image_shape=(28, 28, 1),
        filters=64,
        num_layers=2,
        normalization="batch",
        **kwargs,
    ):
        image_shape = _blocks.check_image_shape(image_shape)
        filters = av.check_positive_int("filters", filters)
        num_layers = av.check_positive_int("num_layers", num_layers)
        av.check_choice("normalization", normalization, _NORMALIZATIONS)
        dtype = kwargs.pop("dtype", None)

        # === Functional model ===
        images = keras.Input(shape=image_shape, name="images")
        x = images
        strides = [2] * num_layers + [1]
        for index, stride in enumerate(strides):
            width = filters * min(2**index, 8)
            x = layers.Conv2D(
                width,
                4,
                strides=stride,
                padding="same",
                use_bias=index == 0 or normalization is None,
                name=f"conv_{index}",
                dtype=dtype,
            )(x)
            if index > 0 and normalization is not None:
                x = _normalization(
                    normalization, width, f"norm_{index}", dtype
                )(x)
            x = layers.LeakyReLU(0.2, name=f"act_{index}", dtype=dtype)(x)
        logits = layers.Conv2D(
            1, 4, padding="same", name="logits", dtype="float32"
        )(x)
        super().__init__(inputs=images, outputs=logits, dtype=dtype, **kwargs)

        # === Config ===
        self.image_shape = image_shape
        self.filters = filters
        self.num_layers = num_layers
        self.normalization = normalization


def _normalization(kind, width, name, dtype):
    if kind == "batch":
        return _blocks.batch_normalization(name, dtype)
    if kind == "group":
        return layers.GroupNormalization(min(32, width), name=name, dtype=dtype)
    return layers.LayerNormalization(axis=(-3, -2, -1), name=name, dtype=dtype)
