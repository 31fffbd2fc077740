"""Private helpers shared by the evaluation metrics.

The metrics of `kerasgen.metrics` keep their statistics on the host in
float64 NumPy: they are evaluation metrics, computed a few times per run, and
a covariance of 2048 features or a matrix square root needs float64. Only the
feature network runs as a Keras model.
"""

import keras
import numpy as np

from kerasgen.metrics.feature_extractor import FeatureExtractor


def to_numpy(value, name, metric_name):
    """Converts an eager tensor or array-like to NumPy, or explains why not.

    Args:
        value: tensor or array-like.
        name: str. Argument name for error messages.
        metric_name: str. Class name of the calling metric.

    Returns:
        A NumPy array.
    """
    try:
        return np.asarray(keras.ops.convert_to_numpy(value))
    except Exception as error:  # symbolic tensors inside a compiled function
        raise RuntimeError(
            f"{metric_name} computes its statistics on the host in NumPy and "
            f"needs eager values for {name}; received {type(value).__name__}. "
            "Call it outside a compiled function (standalone, in a callback, "
            "or with `model.compile(..., run_eagerly=True)`)."
        ) from error


def validate_features(
    features, name, metric_name, feature_dim=None, expected_from=None
):
    """Checks a batch of feature vectors and returns it as float64.

    Args:
        features: array-like `(batch, feature_dim)`.
        name: str. Argument name for error messages.
        metric_name: str. Class name of the calling metric.
        feature_dim: int or `None`. Required number of columns.
        expected_from: str or `None`. Where `feature_dim` comes from, for the
            error message.

    Returns:
        float64 NumPy array `(batch, feature_dim)`.
    """
    array = to_numpy(features, name, metric_name)
    if array.ndim != 2:
        raise ValueError(
            f"{name} must have rank 2 (batch, feature_dim); received shape "
            f"{array.shape}"
        )
    if not (np.issubdtype(array.dtype, np.number) or array.dtype == bool):
        raise ValueError(
            f"{name} must be numeric; received dtype {array.dtype}"
        )
    array = array.astype("float64")
    if not np.all(np.isfinite(array)):
        raise ValueError(f"{name} contains NaN or infinite values")
    if feature_dim is not None and array.shape[1] != feature_dim:
        source = f" ({expected_from})" if expected_from else ""
        raise ValueError(
            f"{name} must have feature_dim={feature_dim}{source}; received "
            f"shape {array.shape}"
        )
    return array


# Names accepted wherever a metric takes a `feature_extractor`.
FEATURE_EXTRACTOR_NAMES = ("inception_v3", "fmnist_features")


def get_feature_extractor(identifier):
    """Resolves a metric's `feature_extractor` argument.

    Args:
        identifier: `None`, a `FeatureExtractor`, a `keras.Model` (wrapped
            with default settings), a serialized `FeatureExtractor` config
            dict, or a name from
            `FEATURE_EXTRACTOR_NAMES`: `"inception_v3"` (ImageNet weights,
            downloaded by Keras on first use) or `"fmnist_features"` (the
            bundled Fashion-MNIST classifier, offline).

    Returns:
        A `FeatureExtractor` or `None`.
    """
    if identifier is None or isinstance(identifier, FeatureExtractor):
        return identifier
    if isinstance(identifier, keras.Model):
        return FeatureExtractor(identifier)
    if identifier == "inception_v3":
        return FeatureExtractor.inception_v3()
    if identifier == "fmnist_features":
        return FeatureExtractor.fmnist_features()
    if isinstance(identifier, dict):
        return keras.saving.deserialize_keras_object(identifier)
    raise ValueError(
        "feature_extractor must be None, a FeatureExtractor, a keras.Model, "
        f"a config dict or one of {list(FEATURE_EXTRACTOR_NAMES)}; received "
        f"{identifier!r}"
    )


def serialize_feature_extractor(identifier, extractor):
    """Config entry for a metric's `feature_extractor` argument."""
    if extractor is None or isinstance(identifier, str):
        return identifier
    return keras.saving.serialize_keras_object(extractor)


def scalar_result(value, dtype):
    """A metric result as a backend scalar tensor."""
    return keras.ops.convert_to_tensor(float(value), dtype=dtype)


class MeanStdResult:
    """Mixin of a metric whose `_compute()` returns `(mean, std)`.

    `result()` is the mean, `std()` the standard deviation over the
    metric's splits or subsets, `result_dict()` both under the names in
    `result_names`; the computation is cached in `_cached_result` until
    the state changes.
    """

    result_names = ("mean", "std")

    def _cached_compute(self):
        if self._cached_result is None:
            self._cached_result = self._compute()
        return self._cached_result

    def result(self):
        return scalar_result(self._cached_compute()[0], self.dtype)

    def std(self):
        """Standard deviation over the splits or subsets, as a float."""
        return self._cached_compute()[1]

    def result_dict(self):
        """`{result_names[0]: mean, result_names[1]: std}`, floats."""
        return dict(zip(self.result_names, self._cached_compute()))


class GaussianAccumulator:
    """Streaming mean and covariance of feature vectors, in float64.

    Sums are taken around a shift (the mean of the first batch), which
    keeps the covariance accurate when the features are far from zero (the
    textbook `E[x x^T] - mu mu^T` loses digits there).
    """

    def __init__(self):
        self.reset()

    def reset(self):
        self.count = 0
        self.shift = None
        self.sum = None
        self.outer_sum = None

    @property
    def feature_dim(self):
        return None if self.shift is None else self.shift.shape[0]

    def update(self, features):
        if features.shape[0] == 0:
            return
        if self.shift is None:
            feature_dim = features.shape[1]
            self.shift = features.mean(axis=0)
            self.sum = np.zeros(feature_dim, "float64")
            self.outer_sum = np.zeros((feature_dim, feature_dim), "float64")
        centered = features - self.shift
        self.count += features.shape[0]
        self.sum += centered.sum(axis=0)
        self.outer_sum += centered.T @ centered

    def mean(self):
        return self.shift + self.sum / self.count

    def covariance(self):
        centered_mean = self.sum / self.count
        covariance = self.outer_sum - self.count * np.outer(
            centered_mean, centered_mean
        )
        covariance /= self.count - 1
        return (covariance + covariance.T) / 2.0


class FeatureMetric(keras.metrics.Metric):
    """Base of the metrics that compare real and fake feature vectors.

    Handles the shared `update_state` contract: real and fake batches given
    as images (run through `feature_extractor`) or as features, with
    checks of rank, finiteness and feature dimension. Subclasses implement
    `_add_real(features)`, `_add_fake(features)`, `_reset_samples()` and
    `_compute()`.
    """

    def __init__(self, feature_extractor=None, name=None, dtype=None):
        super().__init__(name=name, dtype=dtype)
        self.feature_extractor = feature_extractor
        self._extractor = get_feature_extractor(feature_extractor)
        self._feature_dim = None
        self._feature_dim_from = None
        self._cached_result = None

    @property
    def reference_is_set(self):
        return False

    def _expected_dim(self):
        if self._feature_dim is not None:
            return self._feature_dim, self._feature_dim_from
        if self._extractor is not None:
            return self._extractor.feature_dim, "the feature_extractor output"
        return None, None

    def _set_feature_dim(self, feature_dim, source):
        if self._feature_dim is None:
            self._feature_dim = feature_dim
            self._feature_dim_from = source

    def _features(self, images, features, images_name, features_name):
        metric_name = type(self).__name__
        if images is not None and features is not None:
            raise ValueError(
                f"Pass either {images_name} or {features_name}, not both; "
                f"received both to {metric_name}.update_state"
            )
        if images is None and features is None:
            return None
        if images is not None:
            if self._extractor is None:
                raise ValueError(
                    f"{images_name} needs a feature_extractor; received "
                    f"feature_extractor=None. Pass {features_name} or build "
                    f"{metric_name}(feature_extractor=...)"
                )
            features = self._extractor.features(
                to_numpy(images, images_name, metric_name)
            )
            features_name = f"features of {images_name}"
        feature_dim, source = self._expected_dim()
        array = validate_features(
            features, features_name, metric_name, feature_dim, source
        )
        self._set_feature_dim(array.shape[1], f"the first {features_name}")
        return array

    def update_state(
        self,
        real_images=None,
        fake_images=None,
        sample_weight=None,
        *,
        real_features=None,
        fake_features=None,
    ):
        """Adds a batch of real and/or fake samples.

        Args:
            real_images: uint8 `[0, 255]` or float `[-1, 1]` images
                `(batch, height, width, channels)`, or `None`.
            fake_images: same, for generated images, or `None`.
            sample_weight: must be `None` (accepted for the
                `update_state(y_true, y_pred, sample_weight)` protocol).
            real_features: `(batch, feature_dim)` features of real images,
                instead of `real_images`.
            fake_features: `(batch, feature_dim)` features of generated
                images, instead of `fake_images`.
        """
        if sample_weight is not None:
            raise ValueError(
                f"{type(self).__name__} does not support sample_weight; "
                "received a value, expected None"
            )
        real = self._features(
            real_images, real_features, "real_images", "real_features"
        )
        fake = self._features(
            fake_images, fake_features, "fake_images", "fake_features"
        )
        if real is None and fake is None:
            raise ValueError(
                f"{type(self).__name__}.update_state needs at least one of "
                "real_images, fake_images, real_features, fake_features; "
                "received none"
            )
        if real is not None:
            if self.reference_is_set:
                raise ValueError(
                    "real_images/real_features were passed but the real "
                    "side is already fixed by the reference; pass only fake "
                    "samples or clear the reference first"
                )
            self._add_real(real)
        if fake is not None:
            self._add_fake(fake)
        self._cached_result = None

    def reset_state(self):
        """Forgets the streamed samples; a reference set by the user stays."""
        self._reset_samples()
        self._cached_result = None
        if not self.reference_is_set:
            self._feature_dim = None
            self._feature_dim_from = None

    def _cached_compute(self):
        if self._cached_result is None:
            self._cached_result = self._compute()
        return self._cached_result

    def get_config(self):
        config = super().get_config()
        config["feature_extractor"] = serialize_feature_extractor(
            self.feature_extractor, self._extractor
        )
        return config


class StoredFeatureMetric(FeatureMetric):
    """A `FeatureMetric` that keeps every real and fake feature vector."""

    def __init__(self, feature_extractor=None, name=None, dtype=None):
        super().__init__(
            feature_extractor=feature_extractor, name=name, dtype=dtype
        )
        self._real = []
        self._fake = []
        self._reference = None

    @property
    def reference_is_set(self):
        return self._reference is not None

    def set_reference_features(self, features):
        """Fixes the real side to `features` `(num_samples, feature_dim)`.

        The reference survives `reset_state()`, so a callback only streams
        generated samples.

        Args:
            features: array, or `None` to stream real samples again.
        """
        if features is None:
            self._reference = None
            self.reset_state()
            return
        feature_dim, source = None, None
        if self._fake:
            feature_dim, source = self._fake[0].shape[1], "the fake features"
        elif self._extractor is not None:
            feature_dim = self._extractor.feature_dim
            source = "the feature_extractor output"
        self._reference = validate_features(
            features, "features", type(self).__name__, feature_dim, source
        )
        self._real = []
        self._feature_dim = self._reference.shape[1]
        self._feature_dim_from = "the reference features"
        self._cached_result = None

    def _add_real(self, features):
        self._real.append(features)

    def _add_fake(self, features):
        self._fake.append(features)

    def _reset_samples(self):
        self._real = []
        self._fake = []

    def real_features(self):
        """All real features `(num_real, feature_dim)`, float64."""
        if self._reference is not None:
            return self._reference
        return self._concatenate(self._real)

    def fake_features(self):
        """All fake features `(num_fake, feature_dim)`, float64."""
        return self._concatenate(self._fake)

    def _concatenate(self, batches):
        if not batches:
            return np.zeros((0, self._feature_dim or 0), "float64")
        return np.concatenate(list(batches))
