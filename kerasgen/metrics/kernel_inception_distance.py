"""Kernel Inception Distance: unbiased polynomial-kernel MMD^2."""

import keras
import numpy as np

from kerasgen.metrics._metric_utils import MeanStdResult
from kerasgen.metrics._metric_utils import StoredFeatureMetric
from kerasgen.utils import argument_validation as av


def polynomial_mmd_unbiased(real_features, fake_features):
    """Unbiased MMD^2 with the kernel `k(x, y) = (x . y / d + 1)^3`.

    Args:
        real_features: array `(m, d)`, `m >= 2`.
        fake_features: array `(n, d)`, `n >= 2`.

    Returns:
        float. Unbiased, so it can be slightly negative when both sets come
        from the same distribution.
    """
    feature_dim = real_features.shape[1]
    num_real = real_features.shape[0]
    num_fake = fake_features.shape[0]
    k_rr = (real_features @ real_features.T / feature_dim + 1.0) ** 3
    k_ff = (fake_features @ fake_features.T / feature_dim + 1.0) ** 3
    k_rf = (real_features @ fake_features.T / feature_dim + 1.0) ** 3
    # Eq. 3 of Binkowski et al. 2018 without the diagonal terms k(x, x).
    term_rr = (k_rr.sum() - np.trace(k_rr)) / (num_real * (num_real - 1))
    term_ff = (k_ff.sum() - np.trace(k_ff)) / (num_fake * (num_fake - 1))
    term_rf = k_rf.sum() / (num_real * num_fake)
    return float(term_rr + term_ff - 2.0 * term_rf)


@keras.saving.register_keras_serializable(package="kerasgen")
class KernelInceptionDistance(MeanStdResult, StoredFeatureMetric):
    """Kernel Inception Distance (KID) as a streaming Keras metric.

    The squared maximum mean discrepancy between real and generated
    features under the cubic polynomial kernel
    `k(x, y) = (x . y / feature_dim + 1)^3`, estimated without bias on
    `num_subsets` random subsets of `subset_size` real and `subset_size`
    fake samples (drawn without replacement, with `seed`); `result()` is the
    mean over subsets and `std()` their standard deviation. Unlike FID the
    estimator is unbiased in the number of samples (it can be slightly
    negative for identical distributions). Lower is better.

    Features are stored on the host (float64) until `reset_state()`. A
    fixed real set given with `set_reference_features` survives
    `reset_state()`.

    Args:
        feature_extractor: `FeatureExtractor`, `keras.Model`,
            `"inception_v3"`, `"fmnist_features"` or `None` (features
            passed directly). Defaults
            to `None`.
        num_subsets: int. Number of random subsets. Defaults to 100.
        subset_size: int. Samples per side in each subset; both sides need
            at least this many. Defaults to 1000.
        seed: int. Seed of the subset draws. Defaults to 0.
        name: str. Metric name. Defaults to
            `"kernel_inception_distance"`.
        dtype: dtype of `result()`. Defaults to `None` (floatx).

    Call arguments of `update_state`:
        real_images, fake_images: images `(batch, height, width,
            channels)`, uint8 `[0, 255]` or float `[-1, 1]`; either may be
            `None`.
        real_features, fake_features: `(batch, feature_dim)` features given
            instead of images.

    Returns of `result()`:
        scalar tensor, the mean MMD^2 over the subsets.

    Example:
    >>> kid = KernelInceptionDistance(num_subsets=10, subset_size=50)
    >>> rng = np.random.default_rng(0)
    >>> kid.update_state(
    ...     real_features=rng.normal(size=(100, 8)),
    ...     fake_features=rng.normal(size=(100, 8)),
    ... )
    >>> abs(float(kid.result())) < 0.1  # close to 0
    True

    References:
        Binkowski et al. 2018, "Demystifying MMD GANs".
    """

    result_names = ("kid_mean", "kid_std")

    def __init__(
        self,
        feature_extractor=None,
        num_subsets=100,
        subset_size=1000,
        seed=0,
        name="kernel_inception_distance",
        dtype=None,
    ):
        super().__init__(
            feature_extractor=feature_extractor, name=name, dtype=dtype
        )
        self.num_subsets = av.check_int("num_subsets", num_subsets, minimum=1)
        self.subset_size = av.check_int("subset_size", subset_size, minimum=2)
        self.seed = av.check_int("seed", seed, minimum=0)

    def _compute(self):
        real = self.real_features()
        fake = self.fake_features()
        for side, features in (("real", real), ("fake", fake)):
            if features.shape[0] < self.subset_size:
                raise ValueError(
                    f"subset_size={self.subset_size} needs at least that many "
                    f"{side} samples; received {features.shape[0]} {side} "
                    f"samples (lower subset_size or add {side} samples)"
                )
        rng = np.random.default_rng(self.seed)
        values = np.empty(self.num_subsets, "float64")
        for index in range(self.num_subsets):
            real_ids = rng.choice(real.shape[0], self.subset_size, False)
            fake_ids = rng.choice(fake.shape[0], self.subset_size, False)
            values[index] = polynomial_mmd_unbiased(
                real[real_ids], fake[fake_ids]
            )
        return float(values.mean()), float(values.std())

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "num_subsets": self.num_subsets,
                "subset_size": self.subset_size,
                "seed": self.seed,
            }
        )
        return config
