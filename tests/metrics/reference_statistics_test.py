import keras
import numpy as np
import pytest

from kerasgen.metrics import FeatureExtractor
from kerasgen.metrics import cached_reference_statistics
from kerasgen.metrics import compute_statistics
from kerasgen.metrics import default_cache_dir
from kerasgen.metrics import load_reference_statistics
from kerasgen.metrics import reference_statistics_path
from kerasgen.metrics import save_reference_statistics


def _extractor():
    inputs = keras.Input((4, 4, 1))
    features = keras.layers.Dense(3)(keras.layers.Flatten()(inputs))
    return FeatureExtractor(keras.Model(inputs, features), name="tiny")


def test_compute_statistics_matches_numpy():
    features = np.random.default_rng(0).normal(5.0, 2.0, size=(50, 4))
    mu, sigma = compute_statistics(features)
    np.testing.assert_allclose(mu, features.mean(axis=0))
    np.testing.assert_allclose(sigma, np.cov(features, rowvar=False))


def test_compute_statistics_refuses_one_sample_and_bad_rank():
    with pytest.raises(ValueError, match="at least 2 samples"):
        compute_statistics(np.zeros((1, 3)))
    with pytest.raises(ValueError, match="features must have rank 2"):
        compute_statistics(np.zeros((4,)))


def test_cache_dir_from_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("KERASGEN_CACHE_DIR", str(tmp_path))
    assert default_cache_dir() == str(tmp_path)
    path = reference_statistics_path("fashion_mnist", "test", "tiny")
    assert path == str(
        tmp_path / "reference_statistics" / "fashion_mnist_test_tiny.npz"
    )
    monkeypatch.delenv("KERASGEN_CACHE_DIR")
    assert default_cache_dir().endswith(".cache/kerasgen")
    with pytest.raises(ValueError, match="split must be a non-empty name"):
        reference_statistics_path("mnist", "../x", "tiny")


def test_save_and_load_round_trip(tmp_path):
    mu, sigma = np.arange(3.0), np.eye(3)
    path = save_reference_statistics(str(tmp_path / "a" / "s.npz"), mu, sigma)
    loaded_mu, loaded_sigma = load_reference_statistics(path)
    np.testing.assert_array_equal(loaded_mu, mu)
    np.testing.assert_array_equal(loaded_sigma, sigma)
    np.savez(tmp_path / "bad.npz", mean=mu)
    with pytest.raises(ValueError, match="arrays 'mu' and 'sigma'"):
        load_reference_statistics(str(tmp_path / "bad.npz"))
    with pytest.raises(ValueError, match="sigma must have shape"):
        save_reference_statistics(str(tmp_path / "c.npz"), mu, np.eye(2))


def test_cached_reference_statistics_computes_once(tmp_path):
    extractor = _extractor()
    images = np.random.default_rng(0).integers(0, 256, (20, 4, 4, 1))
    images = images.astype("uint8")
    calls = []

    def load_images():
        calls.append(1)
        return [images[:7], images[7:]]  # an iterable of batches

    mu, sigma = cached_reference_statistics(
        "toy", "train", extractor, load_images, cache_dir=str(tmp_path)
    )
    expected_mu, expected_sigma = compute_statistics(extractor.features(images))
    # float32 network outputs differ slightly between batch splits.
    np.testing.assert_allclose(mu, expected_mu, atol=1e-6)
    np.testing.assert_allclose(sigma, expected_sigma, atol=1e-6)
    again = cached_reference_statistics(
        "toy", "train", extractor, load_images, cache_dir=str(tmp_path)
    )
    assert len(calls) == 1
    np.testing.assert_array_equal(again[1], sigma)
    path = reference_statistics_path("toy", "train", "tiny", str(tmp_path))
    with np.load(path) as data:
        assert int(data["num_samples"]) == 20
