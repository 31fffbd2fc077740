"""Gaussian statistics of features, and their on-disk cache.

FID compares the mean and covariance of generated features with those of a
reference set (the training or test split of a dataset). Computing the
reference side runs the feature network over the whole split, so it is done
once per dataset, split and feature extractor and cached as an `.npz` file
with arrays `mu` and `sigma` (the format of the original TTUR code), under
`$KERASGEN_CACHE_DIR/reference_statistics/` (default
`~/.cache/kerasgen/reference_statistics/`).
"""

import os
import re

import numpy as np

from kerasgen.metrics._metric_utils import GaussianAccumulator
from kerasgen.metrics._metric_utils import validate_features

_SAFE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$")


def default_cache_dir():
    """`$KERASGEN_CACHE_DIR`, or `~/.cache/kerasgen` when it is unset."""
    directory = os.environ.get("KERASGEN_CACHE_DIR")
    if directory:
        return os.path.expanduser(directory)
    return os.path.join(os.path.expanduser("~"), ".cache", "kerasgen")


def compute_statistics(features):
    """Mean and covariance of feature vectors, in float64.

    Args:
        features: array `(num_samples, feature_dim)`, `num_samples >= 2`.

    Returns:
        tuple `(mu, sigma)`: `(feature_dim,)` and `(feature_dim,
        feature_dim)` (unbiased covariance, divided by `num_samples - 1`).

    Example:
    >>> mu, sigma = compute_statistics(np.eye(3))
    >>> mu.shape, sigma.shape
    ((3,), (3, 3))
    """
    array = validate_features(features, "features", "compute_statistics")
    if array.shape[0] < 2:
        raise ValueError(
            "features must hold at least 2 samples to estimate a "
            f"covariance; received shape {array.shape}"
        )
    accumulator = GaussianAccumulator()
    accumulator.update(array)
    return accumulator.mean(), accumulator.covariance()


def validate_statistics(mu, sigma, name="reference_statistics"):
    """Checks a `(mu, sigma)` pair and returns it as float64 arrays."""
    mu = np.asarray(mu, dtype="float64")
    sigma = np.asarray(sigma, dtype="float64")
    if mu.ndim != 1:
        raise ValueError(
            f"{name} mu must have rank 1 (feature_dim,); received shape "
            f"{mu.shape}"
        )
    if sigma.shape != (mu.shape[0], mu.shape[0]):
        raise ValueError(
            f"{name} sigma must have shape (feature_dim, feature_dim) = "
            f"{(mu.shape[0], mu.shape[0])} to match mu; received shape "
            f"{sigma.shape}"
        )
    if not (np.all(np.isfinite(mu)) and np.all(np.isfinite(sigma))):
        raise ValueError(f"{name} contains NaN or infinite values")
    return mu, sigma


def reference_statistics_path(dataset, split, extractor_name, cache_dir=None):
    """Path of the cached statistics of one dataset split.

    Args:
        dataset: str. Dataset name, e.g. `"fashion_mnist"`.
        split: str. Split name, e.g. `"train"` or `"test"`.
        extractor_name: str. `FeatureExtractor.name`, e.g.
            `"inception_v3"`.
        cache_dir: str or `None`. Defaults to `default_cache_dir()`.

    Returns:
        str: `<cache_dir>/reference_statistics/<dataset>_<split>_
        <extractor_name>.npz`.
    """
    for name, value in (
        ("dataset", dataset),
        ("split", split),
        ("extractor_name", extractor_name),
    ):
        if not isinstance(value, str) or not _SAFE_NAME.match(value):
            raise ValueError(
                f"{name} must be a non-empty name of letters, digits, '_', "
                f"'-' or '.'; received {value!r}"
            )
    directory = os.path.join(
        cache_dir or default_cache_dir(), "reference_statistics"
    )
    return os.path.join(directory, f"{dataset}_{split}_{extractor_name}.npz")


def save_reference_statistics(path, mu, sigma, num_samples=None):
    """Writes `mu` and `sigma` (and `num_samples`) to an `.npz` file.

    Args:
        path: str. Output file; parent folders are created.
        mu: array `(feature_dim,)`.
        sigma: array `(feature_dim, feature_dim)`.
        num_samples: int or `None`. Number of samples behind the
            statistics, stored for the record.

    Returns:
        The path written.
    """
    mu, sigma = validate_statistics(mu, sigma, name="statistics")
    directory = os.path.dirname(os.path.abspath(path))
    os.makedirs(directory, exist_ok=True)
    arrays = {"mu": mu, "sigma": sigma}
    if num_samples is not None:
        arrays["num_samples"] = np.asarray(num_samples, "int64")
    temporary = f"{path}.tmp.{os.getpid()}.npz"
    np.savez(temporary, **arrays)
    os.replace(temporary, path)
    return path


def load_reference_statistics(path):
    """Reads `(mu, sigma)` from an `.npz` file with arrays `mu`, `sigma`.

    Args:
        path: str. File written by `save_reference_statistics` (or the
            original TTUR FID code).

    Returns:
        tuple `(mu, sigma)` of float64 arrays.
    """
    with np.load(path) as data:
        if "mu" not in data or "sigma" not in data:
            raise ValueError(
                f"path must be an .npz file with arrays 'mu' and 'sigma'; "
                f"received {path!r} with arrays {sorted(data.files)}"
            )
        return validate_statistics(data["mu"], data["sigma"], name=path)


def cached_reference_statistics(
    dataset, split, feature_extractor, images, cache_dir=None
):
    """Loads cached reference statistics, computing and saving on a miss.

    Args:
        dataset: str. Dataset name, part of the cache key.
        split: str. Split name, part of the cache key.
        feature_extractor: `FeatureExtractor`. Its `name` is part of the
            cache key.
        images: the split's images, only read on a cache miss: an array
            `(num_images, height, width, channels)` (uint8 `[0, 255]` or
            float `[-1, 1]`), an iterable of such batches, or a
            zero-argument callable returning either.
        cache_dir: str or `None`. Defaults to `default_cache_dir()`.

    Returns:
        tuple `(mu, sigma)` of float64 arrays.

    Example:
    >>> import tempfile
    >>> from kerasgen.metrics import FeatureExtractor
    >>> inputs = keras.Input((4, 4, 1))
    >>> network = keras.Model(inputs, keras.layers.Flatten()(inputs))
    >>> extractor = FeatureExtractor(network, name="flatten")
    >>> test_images = np.random.default_rng(0).integers(
    ...     0, 256, (32, 4, 4, 1), dtype="uint8"
    ... )
    >>> mu, sigma = cached_reference_statistics(
    ...     "toy", "test", extractor, lambda: test_images,
    ...     cache_dir=tempfile.mkdtemp(),
    ... )
    >>> mu.shape, sigma.shape
    ((16,), (16, 16))
    """
    path = reference_statistics_path(
        dataset, split, feature_extractor.name, cache_dir=cache_dir
    )
    if os.path.exists(path):
        return load_reference_statistics(path)
    if callable(images):
        images = images()
    if isinstance(images, np.ndarray) or hasattr(images, "shape"):
        batches = [images]
    else:
        batches = images
    accumulator = GaussianAccumulator()
    for batch in batches:
        features = validate_features(
            feature_extractor.features(batch),
            "features of images",
            "cached_reference_statistics",
            feature_extractor.feature_dim,
        )
        accumulator.update(features)
    if accumulator.count < 2:
        raise ValueError(
            "images must hold at least 2 images to estimate a covariance; "
            f"received {accumulator.count}"
        )
    mu, sigma = accumulator.mean(), accumulator.covariance()
    save_reference_statistics(path, mu, sigma, num_samples=accumulator.count)
    return mu, sigma
