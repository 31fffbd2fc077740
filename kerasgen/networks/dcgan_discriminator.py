"""The DCGAN discriminator, optionally with a class projection."""

import keras
from keras import layers

from kerasgen.networks import _blocks
from kerasgen.networks.network import Network
from kerasgen.utils import argument_validation as av

_DEFAULT_FILTERS = {
    28: (64, 128),
    32: (64, 128, 256),
    64: (64, 128, 256, 512),
}
_POOLINGS = ("flatten", "global_max", "global_average")


@keras.saving.register_keras_serializable(package="kerasgen")
class DCGANDiscriminator(Network):
    """Image (and class label) to one real/fake logit, DCGAN style.

    Stride-2 convolutions with leaky ReLU (slope 0.2), normalization after
    every convolution but the first (Radford et al. 2015), then `pooling`
    to a feature vector `h` and a dense layer to one logit.

    With `num_classes` it is a projection discriminator (Miyato & Koyama
    2018): `logit = dense(h) + <embedding(label), h>`, an inner product of
    the features with a learned class embedding.

    For the Wasserstein loss with gradient penalty keep `normalization` at
    `None` or `"layer"`: batch normalization makes each logit depend on the
    other images of the batch, which the per-example penalty assumes it does
    not (Gulrajani et al. 2017, section 4).

    Args:
        image_shape: tuple `(height, width, channels)`. Defaults to
            `(28, 28, 1)`.
        num_classes: int or `None`. Number of classes of a conditional
            (projection) discriminator. Defaults to `None`.
        filters: tuple of int or `None`. Filters of each stride-2
            convolution. `None` picks `(64, 128)` for 28x28, `(64, 128, 256)`
            for 32x32 and `(64, 128, 256, 512)` for 64x64. Defaults to
            `None`.
        kernel_size: int. Defaults to 4.
        normalization: `None`, `"batch"` or `"layer"`. Defaults to `None`.
        pooling: `"flatten"`, `"global_max"` or `"global_average"`. How the
            last map becomes `h`. Defaults to `"flatten"`.
        dropout: float in `[0, 1)`. Dropout after each block. Defaults to 0.

    Call arguments:
        inputs: images `(batch, height, width, channels)` float in
            `[-1, 1]`, or for a conditional discriminator a dict
            `{"images": ..., "labels": (batch,) int}`.

    Returns:
        Logits `(batch, 1)`, float32.

    Example:
    >>> discriminator = DCGANDiscriminator((28, 28, 1), filters=(4, 8))
    >>> tuple(discriminator(keras.ops.zeros((2, 28, 28, 1))).shape)
    (2, 1)

    References:
        Radford et al. 2015, "Unsupervised Representation Learning with
        Deep Convolutional Generative Adversarial Networks"; Miyato & Koyama
        2018, "cGANs with Projection Discriminator".
    """

    image_input = True

    def __init__(
        self,
        image_shape=(28, 28, 1),
        num_classes=None,
        filters=None,
        kernel_size=4,
        normalization=None,
        pooling="flatten",
        dropout=0.0,
        **kwargs,
    ):
        image_shape = _blocks.check_image_shape(image_shape)
        num_classes = av.check_int("num_classes", num_classes, 1, None, True)
        filters = _blocks.default_filters(
            _DEFAULT_FILTERS, image_shape, filters
        )
        kernel_size = av.check_positive_int("kernel_size", kernel_size)
        av.check_choice(
            "normalization", normalization, (None, "batch", "layer")
        )
        av.check_choice("pooling", pooling, _POOLINGS)
        dropout = _blocks.check_dropout("dropout", dropout)
        dtype = kwargs.pop("dtype", None)

        # === Functional model ===
        images = keras.Input(shape=image_shape, name="images")
        inputs = images
        x = images
        for index, num_filters in enumerate(filters):
            x = layers.Conv2D(
                num_filters,
                kernel_size,
                strides=2,
                padding="same",
                name=f"conv_{index}",
                dtype=dtype,
            )(x)
            if index > 0 and normalization == "batch":
                x = _blocks.batch_normalization(f"conv_{index}_norm", dtype)(x)
            elif index > 0 and normalization == "layer":
                x = layers.LayerNormalization(
                    axis=(-3, -2, -1), name=f"conv_{index}_norm", dtype=dtype
                )(x)
            x = layers.LeakyReLU(0.2, name=f"conv_{index}_act", dtype=dtype)(x)
            if dropout:
                x = layers.Dropout(
                    dropout, name=f"conv_{index}_dropout", dtype=dtype
                )(x)
        if pooling == "flatten":
            features = layers.Flatten(name="flatten", dtype=dtype)(x)
        elif pooling == "global_max":
            features = layers.GlobalMaxPooling2D(name="pool", dtype=dtype)(x)
        else:
            features = layers.GlobalAveragePooling2D(name="pool", dtype=dtype)(
                x
            )
        logits = layers.Dense(1, name="logit", dtype="float32")(features)
        if num_classes is not None:
            labels = keras.Input(shape=(), dtype="int32", name="labels")
            inputs = {"images": images, "labels": labels}
            class_embedding = layers.Embedding(
                num_classes,
                features.shape[-1],
                name="class_embedding",
                dtype="float32",
            )(labels)
            projection = layers.Dot(axes=1, name="projection", dtype="float32")(
                [features, class_embedding]
            )
            logits = layers.Add(name="logit_plus_projection", dtype="float32")(
                [logits, projection]
            )
        super().__init__(inputs=inputs, outputs=logits, dtype=dtype, **kwargs)

        # === Config ===
        self.image_shape = image_shape
        self.num_classes = num_classes
        self.filters = filters
        self.kernel_size = kernel_size
        self.normalization = normalization
        self.pooling = pooling
        self.dropout = dropout
