"""A Keras model that maps images to feature vectors (and class logits)."""

import os

import keras
import numpy as np

from kerasgen.utils import argument_validation as av
from kerasgen.utils.image_utils import validate_images

_OUTPUT_KEYS = ("features", "logits")


@keras.saving.register_keras_serializable(package="kerasgen")
class FeatureExtractor:
    """Runs a feature network on images for the evaluation metrics.

    Images come in as uint8 `[0, 255]` or float `[-1, 1]`
    `(batch, height, width, channels)`. They are converted to float
    `[-1, 1]`, resized (bilinear) to the network's input size, grayscale is
    repeated to RGB when the network wants 3 channels, and the values are
    mapped linearly to `input_range` before the network sees them.

    The wrapped `model` returns either the features `(batch, feature_dim)`,
    or a list/tuple `[features, logits]`, or a dict with keys `"features"`
    and `"logits"`; logits `(batch, num_classes)` are what `InceptionScore`
    needs.

    Args:
        model: `keras.Model`. The feature network.
        input_size: tuple `(height, width)` or `None`. Size images are
            resized to. `None` uses the model's input size when it is fixed
            and otherwise feeds images at their own size. Defaults to
            `None`.
        input_range: tuple `(low, high)`. Value range the model expects;
            `(-1, 1)` (InceptionV3's preprocessing), `(0, 1)` or `(0, 255)`.
            Defaults to `(-1.0, 1.0)`.
        batch_size: int. Images per forward pass. Defaults to 64.
        name: str or `None`. Identifies the features, e.g. in cached
            reference statistics. Defaults to the model's name.

    Example:
    >>> inputs = keras.Input((8, 8, 1))
    >>> x = keras.layers.Conv2D(4, 3)(inputs)
    >>> x = keras.layers.GlobalAveragePooling2D()(x)
    >>> extractor = FeatureExtractor(keras.Model(inputs, x))
    >>> extractor.features(np.zeros((2, 16, 16, 1), "uint8")).shape
    (2, 4)

    Note:
        `get_config()` stores the architecture of a generic `model`, not
        its weights: rebuild a trained extractor from its weights file (the
        `inception_v3` and `fmnist_features` constructors are rebuilt with
        their weights).
    """

    def __init__(
        self,
        model,
        input_size=None,
        input_range=(-1.0, 1.0),
        batch_size=64,
        name=None,
    ):
        if not isinstance(model, keras.Model):
            raise ValueError(
                f"model must be a keras.Model; received {type(model)}"
            )
        if input_size is not None:
            input_size = tuple(int(size) for size in input_size)
            if len(input_size) != 2 or min(input_size) < 1:
                raise ValueError(
                    "input_size must be (height, width) with positive sizes "
                    f"or None; received {input_size}"
                )
        input_range = tuple(float(value) for value in input_range)
        if len(input_range) != 2 or not input_range[0] < input_range[1]:
            raise ValueError(
                "input_range must be (low, high) with low < high; received "
                f"{input_range}"
            )
        batch_size = av.check_positive_int("batch_size", batch_size)
        self.model = model
        self.input_size = input_size
        self.input_range = input_range
        self.batch_size = int(batch_size)
        self.name = name or model.name
        self._builder = None

        model_shape = self._model_input_shape()
        self._num_input_channels = model_shape[-1]
        if self.input_size is None and None not in model_shape[:2]:
            self._resize_to = tuple(model_shape[:2])
        else:
            self._resize_to = self.input_size
        outputs = model.outputs if hasattr(model, "outputs") else None
        self._feature_dim, self._num_classes = self._output_dims(outputs)

    # ---- constructors -------------------------------------------------

    @classmethod
    def inception_v3(cls, weights="imagenet", include_top=True, batch_size=64):
        """InceptionV3 pool features (2048) and ImageNet logits (1000).

        Builds `keras.applications.InceptionV3` at 299x299 with average
        pooling; images are resized to 299x299 and gray is repeated to RGB.
        With `weights="imagenet"` Keras downloads the weights on first use.

        Args:
            weights: `"imagenet"`, `None` (random, for tests) or a path to a
                weights file. Defaults to `"imagenet"`.
            include_top: bool. Also return the 1000 class logits (needed for
                `InceptionScore`). Defaults to `True`.
            batch_size: int. Images per forward pass. Defaults to 64.

        Returns:
            A `FeatureExtractor` named `"inception_v3"` (ImageNet weights),
            `"inception_v3_untrained"` (`weights=None`) or
            `"inception_v3_<file stem>"`.
        """
        application = keras.applications.InceptionV3(
            include_top=include_top,
            weights=weights,
            input_shape=(299, 299, 3),
            pooling="avg",
            classifier_activation=None,
        )
        if include_top:
            features = application.get_layer("avg_pool").output
            model = keras.Model(
                application.input,
                {"features": features, "logits": application.output},
                name="inception_v3",
            )
        else:
            model = application
        if weights == "imagenet":
            name = "inception_v3"
        elif weights is None:
            name = "inception_v3_untrained"
        else:
            stem = os.path.basename(str(weights)).split(".")[0]
            name = f"inception_v3_{stem}"
        extractor = cls(
            model,
            input_size=(299, 299),
            input_range=(-1.0, 1.0),
            batch_size=batch_size,
            name=name,
        )
        extractor._builder = {
            "builder": "inception_v3",
            "weights": weights,
            "include_top": include_top,
            "batch_size": batch_size,
        }
        return extractor

    @classmethod
    def fmnist_features(cls, preset="fmnist_features", batch_size=256):
        """Fashion-MNIST classifier features (128) and class logits (10).

        Loads the bundled `fmnist_features` application (a
        `kerasgen.networks.FashionMNISTClassifier` trained on Fashion-MNIST;
        see its model card, `kerasgen.applications.model_card(
        "fmnist_features")`) offline, after checking the sha256 of its
        weights. Images are 28x28 grayscale (other sizes are resized).
        Numbers measured with it are comparable with each other, not with
        InceptionV3 FID/IS values.

        Args:
            preset: str. The bundle name or a bundle folder. Defaults to
                `"fmnist_features"`.
            batch_size: int. Images per forward pass. Defaults to 256.

        Returns:
            A `FeatureExtractor` named `"fmnist_features_<first 8 hex digits
            of the weights' sha256>"`, so that cached reference statistics
            are never reused across retrained weights.
        """
        from kerasgen.networks import fashion_mnist_classifier  # noqa: F401
        from kerasgen.utils import preset_utils

        preset_dir = preset_utils.resolve_preset(preset)
        model = preset_utils.load_preset(preset_dir)
        if not isinstance(model, keras.Model):
            raise ValueError(
                f"preset must hold a keras.Model feature network; received "
                f"{preset!r} holding a {type(model).__name__}"
            )
        digest = preset_utils.read_metadata(preset_dir)["weights_sha256"]
        extractor = cls(
            model,
            input_size=None,
            input_range=(-1.0, 1.0),
            batch_size=batch_size,
            name=f"fmnist_features_{digest[:8]}",
        )
        extractor._builder = {
            "builder": "fmnist_features",
            "preset": preset,
            "batch_size": batch_size,
        }
        return extractor

    # ---- properties ---------------------------------------------------

    @property
    def feature_dim(self):
        """Length of a feature vector."""
        return self._feature_dim

    @property
    def num_classes(self):
        """Number of logits, or `None` when the model gives none."""
        return self._num_classes

    # ---- extraction ---------------------------------------------------

    def features(self, images):
        """Feature vectors of a batch of images.

        Args:
            images: uint8 `[0, 255]` or float `[-1, 1]` array
                `(batch, height, width, channels)`.

        Returns:
            float64 NumPy array `(batch, feature_dim)`.
        """
        return self.extract(images)["features"]

    def logits(self, images):
        """Class logits of a batch of images, or `None` without a head.

        Args:
            images: uint8 `[0, 255]` or float `[-1, 1]` array
                `(batch, height, width, channels)`.

        Returns:
            float64 NumPy array `(batch, num_classes)` or `None`.
        """
        if self._num_classes is None:
            return None
        return self.extract(images)["logits"]

    def extract(self, images):
        """Features and logits in one pass.

        Args:
            images: uint8 `[0, 255]` or float `[-1, 1]` array
                `(batch, height, width, channels)`.

        Returns:
            dict with `"features"` (float64 `(batch, feature_dim)`) and
            `"logits"` (float64 `(batch, num_classes)` or `None`).
        """
        images = validate_images(images, name="images")
        channels = images.shape[-1]
        wanted = self._num_input_channels
        if wanted is not None and channels != wanted:
            if channels == 1 and wanted == 3:
                images = np.repeat(images, 3, axis=-1)
            else:
                allowed = (
                    "1 channel" if wanted == 1 else f"1 or {wanted} channels"
                )
                raise ValueError(
                    f"images must have {allowed} for feature extractor "
                    f"{self.name!r}; received shape {images.shape}"
                )
        features, logits = [], []
        for start in range(0, images.shape[0], self.batch_size):
            batch = self._prepare(images[start : start + self.batch_size])
            outputs = self._split_outputs(self.model(batch, training=False))
            features.append(self._to_array(outputs[0], "features"))
            if outputs[1] is not None:
                logits.append(self._to_array(outputs[1], "logits"))
        if not features:
            empty = np.zeros((0, self.feature_dim or 0), "float64")
            return {"features": empty, "logits": None}
        return {
            "features": np.concatenate(features),
            "logits": np.concatenate(logits) if logits else None,
        }

    # ---- config -------------------------------------------------------

    def get_config(self):
        if self._builder is not None:
            return dict(self._builder)
        return {
            "model": keras.saving.serialize_keras_object(self.model),
            "input_size": self.input_size,
            "input_range": self.input_range,
            "batch_size": self.batch_size,
            "name": self.name,
        }

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        builder = config.pop("builder", None)
        if builder == "inception_v3":
            return cls.inception_v3(**config)
        if builder == "fmnist_features":
            return cls.fmnist_features(**config)
        config["model"] = keras.saving.deserialize_keras_object(config["model"])
        return cls(**config)

    # ---- helpers ------------------------------------------------------

    def _model_input_shape(self):
        shape = getattr(self.model, "input_shape", None)
        if isinstance(shape, list):
            shape = shape[0]
        if shape is None or len(shape) != 4:
            raise ValueError(
                "model must take one image input (batch, height, width, "
                f"channels); received input_shape={shape}"
            )
        return tuple(shape[1:])

    def _output_dims(self, outputs):
        if outputs is None:
            raise ValueError(
                "model must be a built functional or sequential keras.Model "
                "with known outputs"
            )
        output = self.model.output
        if isinstance(output, dict):
            unknown = set(output) - set(_OUTPUT_KEYS)
            if "features" not in output or unknown:
                raise ValueError(
                    "a dict model output must have keys 'features' and "
                    f"optionally 'logits'; received {sorted(output)}"
                )
            features, logits = output["features"], output.get("logits")
        elif isinstance(output, (list, tuple)):
            if len(output) != 2:
                raise ValueError(
                    "a list model output must be [features, logits]; "
                    f"received {len(output)} outputs"
                )
            features, logits = output
        else:
            features, logits = output, None
        if len(features.shape) != 2:
            raise ValueError(
                "model features must have rank 2 (batch, feature_dim), e.g. "
                "after a GlobalAveragePooling2D; received shape "
                f"{features.shape}"
            )
        if logits is not None and len(logits.shape) != 2:
            raise ValueError(
                "model logits must have rank 2 (batch, num_classes); "
                f"received shape {logits.shape}"
            )
        return features.shape[-1], (
            None if logits is None else logits.shape[-1]
        )

    def _prepare(self, batch):
        if self._resize_to is not None and batch.shape[1:3] != (
            self._resize_to
        ):
            batch = keras.ops.image.resize(
                batch, self._resize_to, interpolation="bilinear"
            )
        low, high = self.input_range
        if (low, high) != (-1.0, 1.0):
            batch = low + (batch + 1.0) * ((high - low) / 2.0)
        return batch

    @staticmethod
    def _split_outputs(outputs):
        if isinstance(outputs, dict):
            return outputs["features"], outputs.get("logits")
        if isinstance(outputs, (list, tuple)):
            return outputs[0], outputs[1]
        return outputs, None

    @staticmethod
    def _to_array(tensor, name):
        array = keras.ops.convert_to_numpy(tensor).astype("float64")
        return array.reshape(array.shape[0], -1)
