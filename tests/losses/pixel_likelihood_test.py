import keras
import numpy as np
import pytest

from kerasgen.losses import PixelLikelihood

LEVELS = np.arange(256, dtype="float32") / 127.5 - 1.0


def _probabilities(likelihood, params, values):
    # One 1x1x1 image per value, all with the same parameters.
    images = values.reshape(-1, 1, 1, 1)
    tiled = np.repeat(params[None], len(values), axis=0)
    nll = likelihood.negative_log_likelihood(tiled, images)
    return np.exp(-keras.ops.convert_to_numpy(nll))


@pytest.mark.parametrize("kind", ["categorical", "discretized_logistic"])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_probabilities_over_all_256_values_sum_to_one(kind, seed):
    likelihood = PixelLikelihood(kind)
    rng = np.random.default_rng(seed)
    params = rng.normal(size=(1, 1, likelihood.params_per_channel))
    params = params.astype("float32")
    if kind == "discretized_logistic":
        params[..., 1] = rng.uniform(-5.0, 0.0)  # log-scale
    probs = _probabilities(likelihood, params, LEVELS)
    np.testing.assert_allclose(probs.sum(), 1.0, rtol=1e-4)


def test_bernoulli_sums_to_one_over_binary_values():
    likelihood = PixelLikelihood("bernoulli")
    params = np.array([[[0.7]]], "float32")
    probs = _probabilities(likelihood, params, np.array([-1.0, 1.0], "float32"))
    np.testing.assert_allclose(probs.sum(), 1.0, rtol=1e-6)
    np.testing.assert_allclose(probs[1], 1 / (1 + np.exp(-0.7)), rtol=1e-6)


def test_discretized_logistic_concentrates_on_its_mean():
    likelihood = PixelLikelihood("discretized_logistic")
    params = np.array([[[LEVELS[100], -7.0]]], "float32")
    probs = _probabilities(likelihood, params, LEVELS)
    assert probs.argmax() == 100
    assert probs[100] > 0.95


def test_categorical_matches_softmax():
    likelihood = PixelLikelihood("categorical")
    logits = np.random.default_rng(0).normal(size=(1, 1, 256))
    logits = logits.astype("float32")
    probs = _probabilities(likelihood, logits, LEVELS)
    expected = np.exp(logits[0, 0]) / np.exp(logits[0, 0]).sum()
    np.testing.assert_allclose(probs, expected, rtol=1e-4)


@pytest.mark.parametrize(
    "kind", ["categorical", "discretized_logistic", "bernoulli"]
)
def test_mean_and_sample_are_images_in_range(kind):
    likelihood = PixelLikelihood(kind)
    params = (
        np.random.default_rng(0)
        .normal(size=(3, 4, 4, 2 * likelihood.params_per_channel))
        .astype("float32")
    )
    mean = keras.ops.convert_to_numpy(likelihood.mean(params, 2))
    assert mean.shape == (3, 4, 4, 2)
    assert mean.min() >= -1.0 and mean.max() <= 1.0
    sample = keras.ops.convert_to_numpy(likelihood.sample(params, 2, seed=0))
    assert sample.shape == (3, 4, 4, 2)
    levels = (sample + 1.0) * 127.5
    np.testing.assert_allclose(levels, np.round(levels), atol=1e-3)
    again = keras.ops.convert_to_numpy(likelihood.sample(params, 2, seed=0))
    np.testing.assert_array_equal(sample, again)


def test_categorical_mean_is_expectation():
    likelihood = PixelLikelihood("categorical")
    logits = np.full((1, 1, 1, 256), -1e4, "float32")
    logits[..., 10] = 0.0
    logits[..., 20] = 0.0
    mean = keras.ops.convert_to_numpy(likelihood.mean(logits, 1))
    np.testing.assert_allclose(mean, (LEVELS[10] + LEVELS[20]) / 2, rtol=1e-5)


def test_unknown_kind_is_refused():
    with pytest.raises(ValueError, match="likelihood must be one of"):
        PixelLikelihood("gaussian")


def test_config_round_trip():
    likelihood = PixelLikelihood("bernoulli")
    assert PixelLikelihood.from_config(likelihood.get_config()).kind == (
        "bernoulli"
    )
