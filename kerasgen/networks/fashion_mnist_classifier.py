"""A small CNN classifier whose penultimate layer gives metric features."""

import keras
from keras import layers

from kerasgen.networks import _blocks
from kerasgen.networks.network import Network
from kerasgen.utils import argument_validation as av


@keras.saving.register_keras_serializable(package="kerasgen")
class FashionMNISTClassifier(Network):
    """A stem, convolution blocks, a dense feature layer and class logits.

    A feature network for the evaluation metrics on small grayscale images
    (the `fmnist_features` application is this network trained on
    Fashion-MNIST). Every convolution is followed by batch normalization and
    a ReLU. The stem halves the image side: a `stem_kernel_size`
    convolution (`stem_filters`) with stride 2, or with stride 1 followed by
    a 2x2 max pooling (`stem_strides=1`: more work at full resolution, more
    detail kept). Each entry of `filters` is a block of `convs_per_block`
    3x3 convolutions and a 2x2 max pooling. The
    last feature map is flattened into a dense layer of `feature_dim` units
    (the `"features"` output, after its ReLU), then dropout and a dense layer
    of `num_classes` logits. With the defaults a 28x28 image goes
    28 -> 14 (stem) -> 7 -> 4 (blocks) -> 2048 values -> 128 features.

    Args:
        image_shape: tuple `(height, width, channels)`. Defaults to
            `(28, 28, 1)`.
        num_classes: int. Number of logits. Defaults to 10.
        stem_filters: int. Filters of the stem convolution. Defaults to
            32.
        stem_kernel_size: int. Kernel size of the stem convolution.
            Defaults to 3.
        stem_strides: int, 1 or 2. Stride of the stem convolution; 1 adds a
            2x2 max pooling after it. Defaults to 1.
        filters: tuple of int. Filters of each block. Defaults to
            `(64, 128)`.
        convs_per_block: int. 3x3 convolutions per block. Defaults to 1.
        feature_dim: int. Size of the feature vector. Defaults to 128.
        dropout_rate: float in `[0, 1)`. Dropout between the features and
            the logits (training only). Defaults to 0.3.

    Call arguments:
        images: float tensor `(batch, height, width, channels)` in `[-1, 1]`.
        training: bool. Dropout and batch statistics on or off.

    Returns:
        dict with `"features"` `(batch, feature_dim)` (non-negative, after
        the ReLU) and `"logits"` `(batch, num_classes)`.

    Example:
    >>> classifier = FashionMNISTClassifier(
    ...     (8, 8, 1), stem_filters=4, filters=(4,), feature_dim=6
    ... )
    >>> outputs = classifier(keras.ops.zeros((2, 8, 8, 1)))
    >>> tuple(outputs["features"].shape), tuple(outputs["logits"].shape)
    ((2, 6), (2, 10))
    """

    image_input = True

    def __init__(
        self,
        image_shape=(28, 28, 1),
        num_classes=10,
        stem_filters=32,
        stem_kernel_size=3,
        stem_strides=1,
        filters=(64, 128),
        convs_per_block=1,
        feature_dim=128,
        dropout_rate=0.3,
        **kwargs,
    ):
        image_shape = _blocks.check_image_shape(image_shape)
        filters = av.check_int_tuple("filters", filters, allow_empty=True)
        for name, value in (
            ("num_classes", num_classes),
            ("stem_filters", stem_filters),
            ("stem_kernel_size", stem_kernel_size),
            ("convs_per_block", convs_per_block),
            ("feature_dim", feature_dim),
        ):
            av.check_positive_int(name, value)
        av.check_int("stem_strides", stem_strides, minimum=1, maximum=2)
        dropout_rate = _blocks.check_dropout("dropout_rate", dropout_rate)
        dtype = kwargs.pop("dtype", None)

        def conv_bn_relu(x, num_filters, kernel_size, strides, prefix):
            x = layers.Conv2D(
                num_filters,
                kernel_size,
                strides=strides,
                padding="same",
                use_bias=False,
                name=prefix,
                dtype=dtype,
            )(x)
            x = layers.BatchNormalization(name=f"{prefix}_bn", dtype=dtype)(x)
            return layers.ReLU(name=f"{prefix}_relu", dtype=dtype)(x)

        # === Functional model ===
        images = keras.Input(shape=image_shape, name="images")
        x = conv_bn_relu(
            images, stem_filters, stem_kernel_size, stem_strides, "stem"
        )
        if stem_strides == 1:
            x = layers.MaxPooling2D(
                2, padding="same", name="stem_pool", dtype=dtype
            )(x)
        for block, num_filters in enumerate(filters):
            for index in range(convs_per_block):
                x = conv_bn_relu(
                    x, num_filters, 3, 1, f"block_{block}_conv_{index}"
                )
            x = layers.MaxPooling2D(
                2, padding="same", name=f"block_{block}_pool", dtype=dtype
            )(x)
        x = layers.Flatten(name="flatten", dtype=dtype)(x)
        x = layers.Dense(
            feature_dim, use_bias=False, name="feature_dense", dtype=dtype
        )(x)
        x = layers.BatchNormalization(name="feature_bn", dtype=dtype)(x)
        features = layers.ReLU(name="features", dtype=dtype)(x)
        x = features
        if dropout_rate:
            x = layers.Dropout(
                dropout_rate, name="feature_dropout", dtype=dtype
            )(x)
        logits = layers.Dense(num_classes, name="logits", dtype=dtype)(x)
        super().__init__(
            inputs=images,
            outputs={"features": features, "logits": logits},
            dtype=dtype,
            **kwargs,
        )

        # === Config ===
        self.image_shape = image_shape
        self.num_classes = num_classes
        self.stem_filters = stem_filters
        self.stem_kernel_size = stem_kernel_size
        self.stem_strides = stem_strides
        self.filters = filters
        self.convs_per_block = convs_per_block
        self.feature_dim = feature_dim
        self.dropout_rate = dropout_rate
