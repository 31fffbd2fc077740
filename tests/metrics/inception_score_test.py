import keras
import numpy as np
import pytest

from kerasgen.metrics import FeatureExtractor
from kerasgen.metrics import InceptionScore


def test_uniform_predictions_score_one():
    score = InceptionScore(num_splits=2)
    score.update_state(probabilities=np.full((10, 5), 0.2))
    assert float(score.result()) == pytest.approx(1.0)
    score.reset_state()
    score.update_state(logits=np.zeros((10, 7)))
    assert float(score.result()) == pytest.approx(1.0)


@pytest.mark.parametrize("num_classes", [2, 5, 10])
def test_one_hot_spread_evenly_scores_num_classes(num_classes):
    score = InceptionScore(num_splits=3)
    one_hot = np.tile(np.eye(num_classes), (3, 1))  # each split: each class
    score.update_state(probabilities=one_hot[:4])
    score.update_state(probabilities=one_hot[4:])
    assert float(score.result()) == pytest.approx(num_classes)
    assert score.std() == pytest.approx(0.0)
    # Very confident logits give the same answer.
    score.reset_state()
    score.update_state(logits=one_hot * 50.0)
    assert score.result_dict()["inception_score_mean"] == pytest.approx(
        num_classes, rel=1e-6
    )


def test_logits_equal_softmax_probabilities():
    logits = np.random.default_rng(0).normal(size=(12, 4)) * 3
    from_logits = InceptionScore(num_splits=2)
    from_logits.update_state(logits=logits)
    probabilities = np.exp(logits) / np.exp(logits).sum(1, keepdims=True)
    from_probs = InceptionScore(num_splits=2)
    from_probs.update_state(probabilities=probabilities)
    value = float(from_logits.result())
    assert value == pytest.approx(float(from_probs.result()), rel=1e-6)
    assert 1.0 < value < 4.0


def test_bad_inputs_are_refused_by_name():
    score = InceptionScore(num_splits=4)
    with pytest.raises(ValueError, match="probabilities must be non-negati"):
        score.update_state(probabilities=np.full((3, 2), 0.7))
    with pytest.raises(ValueError, match="exactly one of images"):
        score.update_state(logits=np.zeros((2, 2)), probabilities=np.eye(2))
    score.update_state(logits=np.zeros((3, 2)))
    with pytest.raises(ValueError, match="logits must have feature_dim=2"):
        score.update_state(logits=np.zeros((3, 4)))
    with pytest.raises(ValueError, match="num_splits=4 needs at least"):
        score.result()
    with pytest.raises(ValueError, match="images need a feature_extractor"):
        score.update_state(np.zeros((2, 4, 4, 1), "uint8"))


def test_images_through_an_extractor_with_logits_and_config():
    inputs = keras.Input((4, 4, 1))
    flat = keras.layers.Flatten()(inputs)
    model = keras.Model(
        inputs, [keras.layers.Dense(3)(flat), keras.layers.Dense(6)(flat)]
    )
    extractor = FeatureExtractor(model)
    score = InceptionScore(extractor, num_splits=1)
    images = np.random.default_rng(1).uniform(-1, 1, (5, 4, 4, 1))
    score.update_state(images.astype("float32"))
    expected = InceptionScore(num_splits=1)
    expected.update_state(logits=extractor.logits(images.astype("float32")))
    assert float(score.result()) == pytest.approx(float(expected.result()))
    clone = InceptionScore.from_config(score.get_config())
    assert clone.num_splits == 1 and clone._extractor.num_classes == 6
    without_logits = FeatureExtractor(keras.Model(inputs, flat))
    with pytest.raises(ValueError, match="feature_extractor must return log"):
        InceptionScore(without_logits)
