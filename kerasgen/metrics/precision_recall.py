"""Improved precision and recall of generative models (k-NN manifolds)."""

import keras
import numpy as np

from kerasgen.metrics._metric_utils import StoredFeatureMetric
from kerasgen.metrics._metric_utils import scalar_result
from kerasgen.utils import argument_validation as av


def _squared_distances(rows, columns):
    # |a - b|^2 = |a|^2 + |b|^2 - 2 a.b, clipped at 0 against rounding.
    distances = (
        (rows * rows).sum(axis=1)[:, None]
        + (columns * columns).sum(axis=1)[None, :]
        - 2.0 * rows @ columns.T
    )
    return np.maximum(distances, 0.0)


def knn_radii(features, nearest_k, row_batch_size=1024):
    """Squared distance of each sample to its `nearest_k`-th neighbour.

    The sample itself is not counted as a neighbour (a duplicate is).

    Args:
        features: array `(n, d)`, `n > nearest_k`.
        nearest_k: int.
        row_batch_size: int. Rows of the distance matrix held at once.

    Returns:
        float64 array `(n,)` of squared radii.
    """
    radii = np.empty(features.shape[0], "float64")
    for start in range(0, features.shape[0], row_batch_size):
        distances = _squared_distances(
            features[start : start + row_batch_size], features
        )
        # Index 0 of the sorted row is the sample itself (distance 0).
        radii[start : start + row_batch_size] = np.partition(
            distances, nearest_k, axis=1
        )[:, nearest_k]
    return radii


def manifold_coverage(manifold, radii, samples, row_batch_size=1024):
    """Fraction of `samples` inside the union of balls around `manifold`.

    A sample is inside when `|sample - m|^2 <= radius(m)^2` for some
    manifold point `m` (Kynkäänniemi et al. 2019, eq. 1).

    Args:
        manifold: array `(m, d)`.
        radii: array `(m,)` of squared radii.
        samples: array `(n, d)`.
        row_batch_size: int. Rows of the distance matrix held at once.

    Returns:
        float in `[0, 1]`.
    """
    inside = 0
    for start in range(0, samples.shape[0], row_batch_size):
        distances = _squared_distances(
            samples[start : start + row_batch_size], manifold
        )
        inside += int((distances <= radii[None, :]).any(axis=1).sum())
    return inside / samples.shape[0]


@keras.saving.register_keras_serializable(package="kerasgen")
class PrecisionRecall(StoredFeatureMetric):
    """Improved precision and recall as a streaming Keras metric.

    The real manifold is the union of balls around every real feature
    vector, each with the radius to its `nearest_k`-th nearest real
    neighbour; the fake manifold likewise. Precision is the fraction of
    generated samples inside the real manifold (quality), recall the
    fraction of real samples inside the fake manifold (coverage).

    `result()` returns the **precision** (a scalar, so it can be a
    `ModelCheckpoint` monitor); `recall()` and `result_dict()` give the
    rest. Features are stored on the host (float64) until `reset_state()`;
    distances are computed in row blocks of `row_batch_size`. A fixed real
    set given with `set_reference_features` survives `reset_state()`.

    Args:
        feature_extractor: `FeatureExtractor`, `keras.Model`,
            `"inception_v3"`, `"fmnist_features"` or `None` (features
            passed directly). Defaults
            to `None`.
        nearest_k: int. Neighbour that sets each radius. Defaults to 3.
        row_batch_size: int. Rows of a distance block. Defaults to 1024.
        name: str. Metric name. Defaults to `"precision_recall"`.
        dtype: dtype of `result()`. Defaults to `None` (floatx).

    Call arguments of `update_state`:
        real_images, fake_images: images `(batch, height, width,
            channels)`, uint8 `[0, 255]` or float `[-1, 1]`; either may be
            `None`.
        real_features, fake_features: `(batch, feature_dim)` features given
            instead of images.

    Returns of `result()`:
        scalar tensor, the precision in `[0, 1]`.

    Example:
    >>> metric = PrecisionRecall(nearest_k=1)
    >>> points = np.arange(8, dtype="float64").reshape(4, 2)
    >>> metric.update_state(real_features=points, fake_features=points)
    >>> metric.result_dict()
    {'precision': 1.0, 'recall': 1.0}

    References:
        Kynkäänniemi et al. 2019, "Improved Precision and Recall Metric for
        Assessing Generative Models".
    """

    def __init__(
        self,
        feature_extractor=None,
        nearest_k=3,
        row_batch_size=1024,
        name="precision_recall",
        dtype=None,
    ):
        super().__init__(
            feature_extractor=feature_extractor, name=name, dtype=dtype
        )
        self.nearest_k = av.check_int("nearest_k", nearest_k, minimum=1)
        self.row_batch_size = av.check_int(
            "row_batch_size", row_batch_size, minimum=1
        )

    def _compute(self):
        real = self.real_features()
        fake = self.fake_features()
        for side, features in (("real", real), ("fake", fake)):
            if features.shape[0] <= self.nearest_k:
                raise ValueError(
                    f"nearest_k={self.nearest_k} needs more than nearest_k "
                    f"{side} samples; received {features.shape[0]} {side} "
                    "samples"
                )
        real_radii = knn_radii(real, self.nearest_k, self.row_batch_size)
        fake_radii = knn_radii(fake, self.nearest_k, self.row_batch_size)
        precision = manifold_coverage(
            real, real_radii, fake, self.row_batch_size
        )
        recall = manifold_coverage(fake, fake_radii, real, self.row_batch_size)
        return {"precision": precision, "recall": recall}

    def result(self):
        return scalar_result(self._cached_compute()["precision"], self.dtype)

    def precision(self):
        """Fraction of fake samples inside the real manifold, a float."""
        return self._cached_compute()["precision"]

    def recall(self):
        """Fraction of real samples inside the fake manifold, a float."""
        return self._cached_compute()["recall"]

    def result_dict(self):
        """`{"precision": float, "recall": float}`."""
        return dict(self._cached_compute())

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "nearest_k": self.nearest_k,
                "row_batch_size": self.row_batch_size,
            }
        )
        return config
