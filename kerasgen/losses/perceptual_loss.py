"""Perceptual (LPIPS-style) distance in a frozen network's feature maps."""

import copy

import keras
from keras import layers
from keras import ops

FMNIST_LAYERS = ("stem_relu", "block_0_conv_0_relu", "block_1_conv_0_relu")
VGG16_LAYERS = (
    "block1_conv2",
    "block2_conv2",
    "block3_conv3",
    "block4_conv3",
    "block5_conv3",
)
_PREPROCESSING = (None, "vgg16")
# ImageNet channel means of keras.applications.vgg16.preprocess_input (BGR).
_VGG_MEAN_BGR = (103.939, 116.779, 123.68)


@keras.saving.register_keras_serializable(package="kerasgen")
class PerceptualLoss(layers.Layer):
    """Distance between images as seen by a frozen feature network.

    For feature maps `f_l` of a fixed network,

        d(x, y) = sum_l mean_{h, w} || n(f_l(x)) - n(f_l(y)) ||^2

    where `n` scales every feature vector to unit length along the
    channels: LPIPS (Zhang et al. 2018) with uniform channel weights instead
    of its learned linear heads. VQ-GAN (Esser et al. 2021) trains with
    LPIPS over VGG16; `PerceptualLoss.vgg16()` is that network,
    `PerceptualLoss.fmnist_features()` the offline Fashion-MNIST classifier
    bundled with kerasgen (for 28x28 grayscale images when ImageNet weights
    cannot be downloaded).

    The network's weights are frozen (non-trainable) and it always runs in
    inference mode. They are part of the model that holds this layer, so a
    `.keras` file reloads without a download.

    Args:
        network: `keras.Model` from images to a list of feature maps
            `(batch, h_l, w_l, c_l)`.
        preprocessing: `None` (the network takes images in `[-1, 1]`) or
            `"vgg16"` (grayscale tiled to RGB, `[0, 255]`, BGR, ImageNet
            means subtracted, as `keras.applications.vgg16.preprocess_input`).
            Defaults to `None`.
        resize_to: `(height, width)` or `None`. Images are resized
            (bilinear) to this size first. Defaults to `None`.

    Call arguments:
        y_true: float images `(batch, height, width, channels)` in `[-1, 1]`.
        y_pred: float images of the same shape.

    Returns:
        float32 `(batch,)`: the distance per example.

    Example:
    >>> import numpy as np
    >>> loss = PerceptualLoss.fmnist_features()
    >>> x = np.zeros((2, 28, 28, 1), "float32")
    >>> [round(float(v), 4) for v in loss(x, x)]
    [0.0, 0.0]
    """

    def __init__(
        self,
        network=None,
        preprocessing=None,
        resize_to=None,
        preset=None,
        layer_names=None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        if (network is None) == (preset is None):
            raise ValueError(
                "give either network (a feature-map model) or preset (a "
                "classifier preset and its layer_names); received "
                f"network={type(network).__name__}, preset={preset!r}"
            )
        self.preset = None
        self.layer_names = None
        if preset is not None:
            network = self._network_from_preset(preset, layer_names)
        elif layer_names is not None:
            raise ValueError(
                "layer_names goes with preset; received layer_names="
                f"{layer_names!r} with a network"
            )
        if isinstance(network, dict):
            network = keras.saving.deserialize_keras_object(
                copy.deepcopy(network)  # deserialization consumes the dict
            )
        if not isinstance(network, keras.Model):
            raise ValueError(
                "network must be a keras.Model returning feature maps; "
                f"received {type(network).__name__}"
            )
        if preprocessing not in _PREPROCESSING:
            raise ValueError(
                f"preprocessing must be one of {_PREPROCESSING}; received "
                f"{preprocessing!r}"
            )
        if resize_to is not None:
            resize_to = tuple(resize_to)
            if len(resize_to) != 2 or min(resize_to) < 1:
                raise ValueError(
                    "resize_to must be (height, width) of positive ints or "
                    f"None; received {resize_to}"
                )
        network.trainable = False
        self.network = network
        self.preprocessing = preprocessing
        self.resize_to = resize_to
        self.built = True  # the network is built; nothing else to create

    @classmethod
    def fmnist_features(cls, preset="fmnist_features", layer_names=None):
        """Feature maps of the bundled Fashion-MNIST classifier.

        Args:
            preset: str. The classifier bundle name or folder. Defaults to
                `"fmnist_features"`.
            layer_names: tuple of str or `None` for its three convolution
                stages (28x28x32, 14x14x64, 7x7x128).
        """
        from kerasgen.networks import fashion_mnist_classifier  # noqa: F401
        from kerasgen.utils import preset_utils

        del preset_utils
        return cls(
            preset=preset,
            layer_names=layer_names or FMNIST_LAYERS,
            name="perceptual_loss",
        )

    def _network_from_preset(self, preset, layer_names):
        """Feature maps of a classifier preset, kept as a reference.

        The config then holds `{preset, sha256}` and the layer names, not
        the network, and a model holding this loss leaves the network's
        weights to the preset.
        """
        from kerasgen.utils import preset_utils

        if isinstance(preset, dict):  # a reference from a saved config
            classifier = preset_utils.load_preset(
                preset["preset"], expected_sha256=preset["sha256"]
            )
        else:
            classifier = preset_utils.load_preset(preset)
        if layer_names is None:
            raise ValueError(
                "layer_names is required with preset; received None"
            )
        self.preset = preset_utils.preset_reference(classifier)
        self.layer_names = tuple(layer_names)
        network = _feature_maps(classifier, self.layer_names)
        return preset_utils.mark_reference(
            network,
            preset_utils.resolve_preset(self.preset["preset"]),
            self.preset["sha256"],
        )

    @classmethod
    def vgg16(cls, weights="imagenet", layer_names=None, resize_to=(64, 64)):
        """VGG16 feature maps, as LPIPS and VQ-GAN use.

        Args:
            weights: `"imagenet"` (downloaded by Keras once), a weights file,
                or `None` (random; for tests).
            layer_names: tuple of str or `None` for the last convolution of
                each of the five blocks.
            resize_to: `(height, width)`. VGG16 needs at least 32x32.
                Defaults to `(64, 64)`.
        """
        vgg = keras.applications.VGG16(
            include_top=False,
            weights=weights,
            input_shape=tuple(resize_to) + (3,),
        )
        return cls(
            _feature_maps(vgg, layer_names or VGG16_LAYERS),
            preprocessing="vgg16",
            resize_to=resize_to,
            name="perceptual_loss",
        )

    def _features(self, images):
        images = ops.cast(images, "float32")
        if self.resize_to is not None:
            images = ops.image.resize(
                images, self.resize_to, interpolation="bilinear"
            )
        if self.preprocessing == "vgg16":
            if images.shape[-1] == 1:
                images = ops.tile(images, (1, 1, 1, 3))
            images = (images + 1.0) * 127.5
            images = ops.flip(images, axis=-1) - ops.convert_to_tensor(
                _VGG_MEAN_BGR, "float32"
            )
        features = self.network(images, training=False)
        if not isinstance(features, (list, tuple)):
            features = [features]
        return [ops.cast(feature, "float32") for feature in features]

    def call(self, y_true, y_pred):
        total = 0.0
        for real, fake in zip(self._features(y_true), self._features(y_pred)):
            real = real / (ops.norm(real, axis=-1, keepdims=True) + 1e-10)
            fake = fake / (ops.norm(fake, axis=-1, keepdims=True) + 1e-10)
            distance = ops.sum(ops.square(real - fake), axis=-1)
            total = total + ops.mean(distance, axis=(1, 2))
        return total

    def compute_output_spec(self, y_true, y_pred):
        return keras.KerasTensor(y_true.shape[:1], dtype="float32")

    def get_config(self):
        config = super().get_config()
        config.update(
            {"preprocessing": self.preprocessing, "resize_to": self.resize_to}
        )
        if self.preset is not None:
            config.update(
                {"preset": self.preset, "layer_names": list(self.layer_names)}
            )
        else:
            config["network"] = keras.saving.serialize_keras_object(
                self.network
            )
        return config


def _feature_maps(model, layer_names):
    """A functional model from `model`'s input to the named layers."""
    try:
        outputs = [model.get_layer(name).output for name in layer_names]
    except ValueError as error:
        raise ValueError(
            f"layer_names must name layers of {model.name}; received "
            f"{tuple(layer_names)} ({error})"
        ) from None
    inputs = model.inputs[0] if len(model.inputs) == 1 else model.inputs
    return keras.Model(inputs, outputs, name=f"{model.name}_features")
