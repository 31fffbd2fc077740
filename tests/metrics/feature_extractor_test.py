import keras
import numpy as np
import pytest

from kerasgen.metrics import FeatureExtractor


def _mean_model(size=(8, 8), channels=1, logits=False):
    # Features = per-channel mean of the input: shows exactly what the
    # network received after conversion, resizing and rescaling.
    inputs = keras.Input((*size, channels))
    features = keras.layers.GlobalAveragePooling2D()(inputs)
    if logits:
        outputs = {
            "features": features,
            "logits": keras.layers.Dense(5)(features),
        }
        return keras.Model(inputs, outputs)
    return keras.Model(inputs, features)


def test_uint8_and_float_inputs_give_the_same_features():
    extractor = FeatureExtractor(_mean_model(), batch_size=3)
    uint8 = np.full((7, 8, 8, 1), 255, "uint8")
    uint8[:2] = 0
    features = extractor.features(uint8)
    assert features.shape == (7, 1) and features.dtype == np.float64
    np.testing.assert_allclose(features[:2], -1.0)
    np.testing.assert_allclose(features[2:], 1.0)
    floats = uint8.astype("float32") / 127.5 - 1.0
    np.testing.assert_allclose(extractor.features(floats), features)
    assert extractor.feature_dim == 1 and extractor.num_classes is None
    assert extractor.logits(uint8) is None


def test_resize_gray_to_rgb_and_input_range():
    extractor = FeatureExtractor(
        _mean_model(size=(6, 6), channels=3), input_range=(0.0, 255.0)
    )
    images = np.full((2, 16, 16, 1), 255, "uint8")  # resized to 6x6
    np.testing.assert_allclose(extractor.features(images), 255.0, rtol=1e-6)
    with pytest.raises(ValueError, match="images must have 1 or 3 channels"):
        extractor.features(np.zeros((2, 6, 6, 2), "uint8"))
    with pytest.raises(ValueError, match="images must be float in"):
        extractor.features(np.full((2, 6, 6, 3), 3.0, "float32"))


def test_variable_size_model_with_input_size_and_dict_logits():
    inputs = keras.Input((None, None, 1))
    features = keras.layers.GlobalAveragePooling2D()(inputs)
    model = keras.Model(
        inputs, [features, keras.layers.Dense(4)(features)], name="net"
    )
    extractor = FeatureExtractor(model, input_size=(5, 5))
    result = extractor.extract(np.zeros((3, 9, 9, 1), "uint8"))
    assert result["features"].shape == (3, 1)
    assert result["logits"].shape == (3, 4)
    assert extractor.name == "net" and extractor.num_classes == 4
    dict_extractor = FeatureExtractor(_mean_model(logits=True))
    assert dict_extractor.logits(np.zeros((2, 8, 8, 1))).shape == (2, 5)


def test_config_round_trip():
    extractor = FeatureExtractor(
        _mean_model(logits=True), input_range=(0, 1), batch_size=4, name="m"
    )
    config = keras.saving.serialize_keras_object(extractor)
    clone = keras.saving.deserialize_keras_object(config)
    assert isinstance(clone, FeatureExtractor)
    assert clone.get_config()["input_range"] == (0.0, 1.0)
    assert (clone.name, clone.batch_size, clone.num_classes) == ("m", 4, 5)


def test_bad_arguments_are_refused_by_name():
    with pytest.raises(ValueError, match="model must be a keras.Model"):
        FeatureExtractor(lambda x: x)
    inputs = keras.Input((4, 4, 1))
    spatial = keras.Model(inputs, keras.layers.Conv2D(2, 3)(inputs))
    with pytest.raises(ValueError, match="model features must have rank 2"):
        FeatureExtractor(spatial)
    with pytest.raises(ValueError, match="input_range must be"):
        FeatureExtractor(_mean_model(), input_range=(1, 0))
    with pytest.raises(ValueError, match="batch_size must be an int >= 1"):
        FeatureExtractor(_mean_model(), batch_size=0)


def test_inception_v3_plumbing_without_downloads():
    extractor = FeatureExtractor.inception_v3(weights=None, batch_size=2)
    images = np.random.default_rng(0).integers(0, 256, (2, 16, 16, 1))
    result = extractor.extract(images.astype("uint8"))
    assert result["features"].shape == (2, 2048)
    assert result["logits"].shape == (2, 1000)
    assert np.all(np.isfinite(result["features"]))
    assert extractor.feature_dim == 2048 and extractor.num_classes == 1000
    assert extractor.name == "inception_v3_untrained"
    assert extractor.get_config() == {
        "builder": "inception_v3",
        "weights": None,
        "include_top": True,
        "batch_size": 2,
    }


def test_names_resolve_and_unknown_names_are_listed():
    from kerasgen.metrics._metric_utils import get_feature_extractor

    extractor = get_feature_extractor("fmnist_features")  # bundled, offline
    assert extractor.name.startswith("fmnist_features_")
    assert (extractor.feature_dim, extractor.num_classes) == (128, 10)
    with pytest.raises(ValueError, match="'inception_v3', 'fmnist_features'"):
        get_feature_extractor("fmnist")
