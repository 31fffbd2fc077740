import numpy as np
import pytest

from kerasgen.metrics import PrecisionRecall


def _brute_force(real, fake, k):
    def radii(points):
        d = np.linalg.norm(points[:, None] - points[None], axis=-1)
        return np.sort(d, axis=1)[:, k]

    def coverage(manifold, r, samples):
        d = np.linalg.norm(samples[:, None] - manifold[None], axis=-1)
        return float(np.mean((d <= r[None] + 1e-12).any(axis=1)))

    return coverage(real, radii(real), fake), coverage(fake, radii(fake), real)


def test_known_point_sets():
    # Real: a row of 4 unit-spaced points and a far pair; every k=1 radius
    # is 1. Fake: the first 4 real points plus one exactly on a ball's
    # boundary (inside) and one just outside every ball.
    real = np.array(
        [[0, 0], [1, 0], [2, 0], [3, 0], [100, 0], [101, 0]], "float64"
    )
    fake = np.array(
        [[0, 0], [1, 0], [2, 0], [3, 0], [4, 0], [5.5, 0]], "float64"
    )
    metric = PrecisionRecall(nearest_k=1)
    metric.update_state(real_features=real[:3], fake_features=fake[:2])
    metric.update_state(real_features=real[3:], fake_features=fake[2:])
    # Precision: 5 of 6 fakes inside (4 at distance 0, [4, 0] on the
    # boundary of [3, 0]'s ball); [5.5, 0] is 2.5 from the nearest real.
    assert metric.precision() == pytest.approx(5 / 6)
    assert float(metric.result()) == pytest.approx(5 / 6)
    # Fake radii (k=1): 1, 1, 1, 1, 1, 1.5. Real [100, 0] and [101, 0] lie
    # outside the fake manifold: recall 4/6.
    assert metric.recall() == pytest.approx(4 / 6)
    assert metric.result_dict() == pytest.approx(
        {"precision": 5 / 6, "recall": 4 / 6}
    )


def test_identical_sets_and_disjoint_sets():
    points = np.random.default_rng(0).normal(size=(30, 4))
    metric = PrecisionRecall()
    metric.update_state(real_features=points, fake_features=points)
    assert metric.result_dict() == {"precision": 1.0, "recall": 1.0}
    metric.reset_state()
    metric.update_state(real_features=points, fake_features=points + 1e3)
    assert metric.result_dict() == {"precision": 0.0, "recall": 0.0}


@pytest.mark.parametrize("nearest_k", [1, 3, 5])
def test_matches_brute_force_in_small_row_blocks(nearest_k):
    rng = np.random.default_rng(nearest_k)
    real, fake = rng.normal(size=(40, 3)), rng.normal(0.7, 1.3, size=(35, 3))
    metric = PrecisionRecall(nearest_k=nearest_k, row_batch_size=7)
    metric.update_state(real_features=real, fake_features=fake)
    precision, recall = _brute_force(real, fake, nearest_k)
    assert metric.precision() == pytest.approx(precision)
    assert metric.recall() == pytest.approx(recall)
    assert 0.0 < precision < 1.0 and 0.0 < recall <= 1.0


def test_reference_features_and_config():
    real = np.arange(10.0).reshape(5, 2)
    metric = PrecisionRecall(nearest_k=2, row_batch_size=3, name="pr")
    metric.set_reference_features(real)
    metric.update_state(fake_features=real)
    metric.reset_state()
    metric.update_state(fake_features=real)
    assert metric.result_dict() == {"precision": 1.0, "recall": 1.0}
    clone = PrecisionRecall.from_config(metric.get_config())
    assert clone.get_config() == metric.get_config()


def test_bad_inputs_are_refused_by_name():
    metric = PrecisionRecall(nearest_k=3)
    metric.update_state(real_features=np.zeros((3, 2)))
    with pytest.raises(ValueError, match="fake_features must have feature_d"):
        metric.update_state(fake_features=np.zeros((5, 4)))
    metric.update_state(fake_features=np.zeros((5, 2)))
    with pytest.raises(ValueError, match="nearest_k=3 needs more than"):
        metric.result()
    with pytest.raises(ValueError, match="real_features contains NaN"):
        metric.update_state(real_features=np.full((2, 2), np.nan))
    with pytest.raises(ValueError, match="nearest_k must be an int >= 1"):
        PrecisionRecall(nearest_k=0)
