"""Fréchet distance between Gaussians fitted to real and fake features."""

import os

import keras
import numpy as np

from kerasgen.metrics._metric_utils import FeatureMetric
from kerasgen.metrics._metric_utils import GaussianAccumulator
from kerasgen.metrics._metric_utils import scalar_result
from kerasgen.metrics.matrix_sqrt import trace_sqrt_product
from kerasgen.metrics.reference_statistics import load_reference_statistics
from kerasgen.metrics.reference_statistics import validate_statistics


def frechet_distance(mu1, sigma1, mu2, sigma2):
    """Fréchet (2-Wasserstein) distance between two Gaussians.

    `|mu1 - mu2|^2 + trace(sigma1) + trace(sigma2)
    - 2 trace(sqrt(sigma1 sigma2))`, clipped at 0 against rounding.

    Args:
        mu1: array `(d,)`.
        sigma1: array `(d, d)`, symmetric PSD.
        mu2: array `(d,)`.
        sigma2: array `(d, d)`, symmetric PSD.

    Returns:
        float.

    Example:
    >>> frechet_distance(np.zeros(2), np.eye(2), np.ones(2), 4 * np.eye(2))
    4.0
    """
    mu1, sigma1 = validate_statistics(mu1, sigma1, name="mu1/sigma1")
    mu2, sigma2 = validate_statistics(mu2, sigma2, name="mu2/sigma2")
    if mu1.shape != mu2.shape:
        raise ValueError(
            f"mu2 must have the dimension of mu1 {mu1.shape}; received "
            f"{mu2.shape}"
        )
    difference = mu1 - mu2
    value = (
        difference @ difference
        + np.trace(sigma1)
        + np.trace(sigma2)
        - 2.0 * trace_sqrt_product(sigma1, sigma2)
    )
    return float(max(value, 0.0))


@keras.saving.register_keras_serializable(package="kerasgen")
class FrechetDistance(FeatureMetric):
    """Fréchet Inception Distance (FID) as a streaming Keras metric.

    Fits a Gaussian to the features of real images and one to the features
    of generated images and returns the Fréchet distance between them
    (lower is better). Batches are streamed through `update_state`; only
    the sums and the sums of outer products are kept, in float64 on the
    host, so memory does not grow with the number of images. The real side
    can instead be fixed once with precomputed statistics
    (`reference_statistics` or `set_reference_statistics`), which survive
    `reset_state()`: a callback then streams only generated images.

    Images are uint8 `[0, 255]` or float `[-1, 1]`; with InceptionV3 ImageNet
    features this is the FID of Heusel et al. 2017 (values depend on the
    resizing and the number of samples: compare like with like).

    Args:
        feature_extractor: `FeatureExtractor`, `keras.Model`,
            `"inception_v3"`, `"fmnist_features"` or `None` (features
            passed directly). Defaults
            to `None`.
        reference_statistics: `None`, a tuple `(mu, sigma)`, a dict with
            keys `"mu"` and `"sigma"`, or a path to an `.npz` file with
            those arrays. Defaults to `None`.
        name: str. Metric name. Defaults to `"frechet_distance"`.
        dtype: dtype of `result()`. Defaults to `None` (floatx).

    Call arguments of `update_state`:
        real_images, fake_images: images `(batch, height, width,
            channels)`, either may be `None`.
        real_features, fake_features: `(batch, feature_dim)` features given
            instead of images.

    Returns of `result()`:
        scalar tensor, the FID. Raises `ValueError` when a side has fewer
        than 2 samples.

    Example:
    >>> fid = FrechetDistance()
    >>> rng = np.random.default_rng(0)
    >>> fid.update_state(real_features=rng.normal(size=(64, 4)))
    >>> fid.update_state(fake_features=rng.normal(1.0, size=(64, 4)))
    >>> round(float(fid.result()))  # about |1|^2 * 4 = 4
    4

    References:
        Heusel et al. 2017, "GANs Trained by a Two Time-Scale Update Rule
        Converge to a Local Nash Equilibrium".
    """

    def __init__(
        self,
        feature_extractor=None,
        reference_statistics=None,
        name="frechet_distance",
        dtype=None,
    ):
        super().__init__(
            feature_extractor=feature_extractor, name=name, dtype=dtype
        )
        self._real = GaussianAccumulator()
        self._fake = GaussianAccumulator()
        self._reference = None
        self.reference_statistics = None
        if reference_statistics is not None:
            self.set_reference_statistics(reference_statistics)

    @property
    def reference_is_set(self):
        return self._reference is not None

    def set_reference_statistics(self, reference_statistics):
        """Fixes the real side to precomputed `(mu, sigma)`.

        Args:
            reference_statistics: tuple `(mu, sigma)`, dict with `"mu"` and
                `"sigma"`, a path to an `.npz` file, or `None` to stream real
                samples again.
        """
        if reference_statistics is None:
            self._reference = None
            self.reference_statistics = None
            self.reset_state()
            return
        if isinstance(reference_statistics, (str, os.PathLike)):
            mu, sigma = load_reference_statistics(reference_statistics)
            stored = os.fspath(reference_statistics)
        else:
            if isinstance(reference_statistics, dict):
                mu = reference_statistics.get("mu")
                sigma = reference_statistics.get("sigma")
            elif (
                isinstance(reference_statistics, (tuple, list))
                and len(reference_statistics) == 2
            ):
                mu, sigma = reference_statistics
            else:
                raise ValueError(
                    "reference_statistics must be (mu, sigma), a dict with "
                    "'mu' and 'sigma', or an .npz path; received "
                    f"{type(reference_statistics).__name__}"
                )
            if mu is None or sigma is None:
                raise ValueError(
                    "reference_statistics must hold both 'mu' and 'sigma'"
                )
            mu, sigma = validate_statistics(mu, sigma)
            stored = {"mu": mu.tolist(), "sigma": sigma.tolist()}
        feature_dim, source = None, None
        if self._fake.count:
            feature_dim, source = self._fake.feature_dim, "the fake features"
        elif self._extractor is not None:
            feature_dim = self._extractor.feature_dim
            source = "the feature_extractor output"
        if feature_dim is not None and mu.shape[0] != feature_dim:
            raise ValueError(
                f"reference_statistics must have feature_dim={feature_dim} "
                f"({source}); received mu of shape {mu.shape}"
            )
        self._real.reset()
        self._reference = (mu, sigma)
        self.reference_statistics = stored
        self._feature_dim = mu.shape[0]
        self._feature_dim_from = "the reference_statistics"
        self._cached_result = None

    def _add_real(self, features):
        self._real.update(features)

    def _add_fake(self, features):
        self._fake.update(features)

    def _reset_samples(self):
        self._real.reset()
        self._fake.reset()

    def real_statistics(self):
        """`(mu, sigma)` of the real side (reference or streamed)."""
        if self._reference is not None:
            return self._reference
        return self._statistics(self._real, "real")

    def fake_statistics(self):
        """`(mu, sigma)` of the streamed generated samples."""
        return self._statistics(self._fake, "fake")

    @staticmethod
    def _statistics(accumulator, side):
        if accumulator.count < 2:
            raise ValueError(
                f"FrechetDistance needs at least 2 {side} samples to "
                f"estimate a covariance; received {accumulator.count} "
                f"{side} samples (pass {side}_images or {side}_features)"
            )
        return accumulator.mean(), accumulator.covariance()

    def _compute(self):
        mu_real, sigma_real = self.real_statistics()
        mu_fake, sigma_fake = self.fake_statistics()
        return frechet_distance(mu_real, sigma_real, mu_fake, sigma_fake)

    def result(self):
        return scalar_result(self._cached_compute(), self.dtype)

    def get_config(self):
        config = super().get_config()
        config["reference_statistics"] = self.reference_statistics
        return config
