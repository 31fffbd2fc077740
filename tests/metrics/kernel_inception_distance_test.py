import keras
import numpy as np
import pytest

from kerasgen.metrics import FeatureExtractor
from kerasgen.metrics import KernelInceptionDistance
from kerasgen.metrics import polynomial_mmd_unbiased


def _reference_mmd(x, y):
    # Direct O(n^2) double loop over the definition.
    d = x.shape[1]

    def k(a, b):
        return (a @ b / d + 1.0) ** 3

    m, n = len(x), len(y)
    xx = sum(k(x[i], x[j]) for i in range(m) for j in range(m) if i != j)
    yy = sum(k(y[i], y[j]) for i in range(n) for j in range(n) if i != j)
    xy = sum(k(x[i], y[j]) for i in range(m) for j in range(n))
    return xx / (m * (m - 1)) + yy / (n * (n - 1)) - 2 * xy / (m * n)


def test_mmd_matches_direct_reference():
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(12, 5)), rng.normal(0.5, size=(9, 5))
    assert polynomial_mmd_unbiased(x, y) == pytest.approx(
        _reference_mmd(x, y), rel=1e-10
    )


def test_metric_with_one_full_subset_equals_reference():
    rng = np.random.default_rng(1)
    real, fake = rng.normal(size=(10, 4)), rng.normal(1.0, size=(10, 4))
    kid = KernelInceptionDistance(num_subsets=3, subset_size=10)
    kid.update_state(real_features=real[:6], fake_features=fake[:4])
    kid.update_state(real_features=real[6:], fake_features=fake[4:])
    # Subsets of all 10 samples are permutations: every subset gives the
    # same value, so the std is 0.
    assert float(kid.result()) == pytest.approx(
        _reference_mmd(real, fake), rel=1e-5
    )
    assert kid.std() == pytest.approx(0.0, abs=1e-12)


def test_identical_distributions_near_zero_and_shift_positive():
    rng = np.random.default_rng(2)
    kid = KernelInceptionDistance(num_subsets=20, subset_size=100, seed=1)
    kid.update_state(
        real_features=rng.normal(size=(200, 8)),
        fake_features=rng.normal(size=(200, 8)),
    )
    same = kid.result_dict()
    assert abs(same["kid_mean"]) < 3 * same["kid_std"] + 1e-3
    kid.reset_state()
    kid.update_state(
        real_features=rng.normal(size=(200, 8)),
        fake_features=rng.normal(1.0, size=(200, 8)),
    )
    assert float(kid.result()) > 0.1


def test_seed_makes_subsets_reproducible():
    rng = np.random.default_rng(3)
    real, fake = rng.normal(size=(40, 3)), rng.normal(size=(40, 3))
    values = []
    for seed in (0, 0, 1):
        kid = KernelInceptionDistance(num_subsets=5, subset_size=10, seed=seed)
        kid.update_state(real_features=real, fake_features=fake)
        values.append(float(kid.result()))
    assert values[0] == values[1] != values[2]


def test_reference_features_survive_reset():
    rng = np.random.default_rng(4)
    real = rng.normal(size=(20, 3))
    kid = KernelInceptionDistance(num_subsets=2, subset_size=20)
    kid.set_reference_features(real)
    kid.update_state(fake_features=rng.normal(size=(20, 3)))
    kid.reset_state()
    with pytest.raises(ValueError, match="received 0 fake samples"):
        kid.result()
    fake = rng.normal(size=(20, 3))
    kid.update_state(fake_features=fake)
    assert float(kid.result()) == pytest.approx(
        _reference_mmd(real, fake), rel=1e-5
    )
    with pytest.raises(ValueError, match="already fixed by the reference"):
        kid.update_state(real_features=real)


def test_bad_inputs_are_refused_by_name():
    kid = KernelInceptionDistance(subset_size=5)
    kid.update_state(real_features=np.zeros((4, 3)))
    with pytest.raises(ValueError, match="fake_features must have feature_d"):
        kid.update_state(fake_features=np.zeros((4, 2)))
    with pytest.raises(ValueError, match="real_features must have rank 2"):
        kid.update_state(real_features=np.zeros((4, 3, 1)))
    kid.update_state(fake_features=np.zeros((9, 3)))
    with pytest.raises(ValueError, match="subset_size=5 needs at least"):
        kid.result()
    with pytest.raises(ValueError, match="subset_size must be an int >= 2"):
        KernelInceptionDistance(subset_size=1)
    with pytest.raises(ValueError, match="real_images needs a feature_extr"):
        kid.update_state(real_images=np.zeros((2, 4, 4, 1), "uint8"))


def test_images_and_config_round_trip():
    inputs = keras.Input((4, 4, 1))
    features = keras.layers.Dense(3)(keras.layers.Flatten()(inputs))
    extractor = FeatureExtractor(keras.Model(inputs, features))
    kid = KernelInceptionDistance(extractor, num_subsets=2, subset_size=4)
    images = np.random.default_rng(5).integers(0, 256, (6, 4, 4, 1))
    kid.update_state(real_images=images.astype("uint8"))
    np.testing.assert_allclose(
        kid.real_features(), extractor.features(images.astype("uint8"))
    )
    clone = KernelInceptionDistance.from_config(kid.get_config())
    assert clone.subset_size == 4 and clone.num_subsets == 2
    assert clone._extractor.feature_dim == 3
