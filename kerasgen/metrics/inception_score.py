"""Inception Score: exp(E_x KL(p(y|x) || p(y)))."""

import keras
import numpy as np

from kerasgen.metrics._metric_utils import MeanStdResult
from kerasgen.metrics._metric_utils import get_feature_extractor
from kerasgen.metrics._metric_utils import serialize_feature_extractor
from kerasgen.metrics._metric_utils import to_numpy
from kerasgen.metrics._metric_utils import validate_features
from kerasgen.utils import argument_validation as av


@keras.saving.register_keras_serializable(package="kerasgen")
class InceptionScore(MeanStdResult, keras.metrics.Metric):
    """Inception Score (IS) as a streaming Keras metric.

    `exp(E_x KL(p(y|x) || p(y)))` where `p(y|x)` are a classifier's class
    probabilities for a generated image and `p(y)` their mean over the
    split. The samples are cut into `num_splits` contiguous splits; the
    result is the mean score over splits (the original code's protocol),
    `std()` the spread. It lies in `[1, num_classes]`: higher is better
    (confident and diverse predictions).

    Class probabilities are stored on the host (float64) until
    `reset_state()`.

    Args:
        feature_extractor: `FeatureExtractor` with logits (e.g.
            `FeatureExtractor.inception_v3()`), a `keras.Model` returning
            `[features, logits]`, `"inception_v3"`, `"fmnist_features"`
            (10 Fashion-MNIST classes), or `None` (logits or
            probabilities passed directly). Defaults to `None`.
        num_splits: int. Number of splits. Defaults to 10.
        name: str. Metric name. Defaults to `"inception_score"`.
        dtype: dtype of `result()`. Defaults to `None` (floatx).

    Call arguments of `update_state`:
        images: generated images `(batch, height, width, channels)`, uint8
            `[0, 255]` or float `[-1, 1]`, or `None`.
        logits: `(batch, num_classes)` class logits instead of images.
        probabilities: `(batch, num_classes)` class probabilities (rows
            summing to 1) instead of images.

    Returns of `result()`:
        scalar tensor, the mean Inception Score over the splits.

    Example:
    >>> score = InceptionScore(num_splits=1)
    >>> score.update_state(probabilities=np.eye(4))
    >>> float(score.result())
    4.0

    References:
        Salimans et al. 2016, "Improved Techniques for Training GANs".
    """

    result_names = ("inception_score_mean", "inception_score_std")

    def __init__(
        self,
        feature_extractor=None,
        num_splits=10,
        name="inception_score",
        dtype=None,
    ):
        super().__init__(name=name, dtype=dtype)
        self.feature_extractor = feature_extractor
        self._extractor = get_feature_extractor(feature_extractor)
        if self._extractor is not None and self._extractor.num_classes is None:
            raise ValueError(
                "feature_extractor must return logits for InceptionScore; "
                f"received extractor {self._extractor.name!r} without logits"
            )
        self.num_splits = av.check_int("num_splits", num_splits, minimum=1)
        self._probabilities = []
        self._num_classes = None
        self._cached_result = None

    def update_state(
        self,
        images=None,
        sample_weight=None,
        *,
        logits=None,
        probabilities=None,
    ):
        """Adds a batch of generated samples (see the class docstring)."""
        if sample_weight is not None:
            raise ValueError(
                "InceptionScore does not support sample_weight; received a "
                "value, expected None"
            )
        given = [
            name
            for name, value in (
                ("images", images),
                ("logits", logits),
                ("probabilities", probabilities),
            )
            if value is not None
        ]
        if len(given) != 1:
            raise ValueError(
                "InceptionScore.update_state needs exactly one of images, "
                f"logits, probabilities; received {given or 'none'}"
            )
        if images is not None:
            if self._extractor is None:
                raise ValueError(
                    "images need a feature_extractor; received "
                    "feature_extractor=None. Pass logits or probabilities"
                )
            logits = self._extractor.logits(
                to_numpy(images, "images", "InceptionScore")
            )
            name = "logits of images"
        else:
            name = given[0]
        values = logits if logits is not None else probabilities
        array = validate_features(
            values,
            name,
            "InceptionScore",
            self._num_classes,
            "the number of classes seen first",
        )
        if logits is not None:
            array = array - array.max(axis=1, keepdims=True)
            array = np.exp(array)
            array /= array.sum(axis=1, keepdims=True)
        else:
            row_sums = array.sum(axis=1)
            if array.size and (
                array.min() < 0.0 or np.abs(row_sums - 1.0).max() > 1e-3
            ):
                raise ValueError(
                    "probabilities must be non-negative with rows summing to "
                    f"1; received min={array.min()}, row sums in "
                    f"[{row_sums.min()}, {row_sums.max()}]"
                )
            array = array / row_sums[:, None]
        self._num_classes = array.shape[1]
        self._probabilities.append(array)
        self._cached_result = None

    def reset_state(self):
        self._probabilities = []
        self._num_classes = None
        self._cached_result = None

    def _compute(self):
        probabilities = (
            np.concatenate(list(self._probabilities))
            if self._probabilities
            else np.zeros((0, 0))
        )
        if probabilities.shape[0] < self.num_splits:
            raise ValueError(
                f"num_splits={self.num_splits} needs at least that many "
                f"samples; received {probabilities.shape[0]} samples"
            )
        scores = []
        for split in np.array_split(probabilities, self.num_splits):
            marginal = split.mean(axis=0, keepdims=True)
            # KL(p(y|x) || p(y)) per sample, with 0 log 0 = 0.
            ratio = np.where(split > 0, split / np.maximum(marginal, 1e-300), 1)
            kl = (split * np.log(ratio)).sum(axis=1)
            scores.append(np.exp(kl.mean()))
        return float(np.mean(scores)), float(np.std(scores))

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "feature_extractor": serialize_feature_extractor(
                    self.feature_extractor, self._extractor
                ),
                "num_splits": self.num_splits,
            }
        )
        return config
