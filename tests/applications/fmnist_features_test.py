"""The fmnist_features bundle: a trained Fashion-MNIST feature network."""

import os
import shutil

import keras
import numpy as np
import pytest

import kerasgen
from kerasgen.datasets import fashion_mnist
from kerasgen.metrics import FeatureExtractor
from kerasgen.metrics import FrechetDistance
from kerasgen.models import VAE
from kerasgen.networks import FashionMNISTClassifier


@pytest.fixture(scope="module")
def test_split():
    _, (x_test, y_test) = fashion_mnist.load_data()
    return x_test[..., None], y_test


@pytest.fixture(scope="module")
def extractor():
    return FeatureExtractor.fmnist_features()


def test_listed_as_an_application_but_not_as_a_generative_preset():
    apps = kerasgen.applications.list_applications()
    assert apps["fmnist_features"]["class_name"] == "FashionMNISTClassifier"
    assert "fmnist_features" not in VAE.presets
    assert "vae_fashion_mnist" in VAE.presets
    with pytest.raises(ValueError, match="FashionMNISTClassifier, not a VAE"):
        VAE.from_preset("fmnist_features")
    card = kerasgen.applications.model_card("fmnist_features")
    assert "test accuracy" in card.lower()
    assert apps["fmnist_features"]["metrics"]["classifier_accuracy"] >= 0.93


def test_bundle_classifies_the_test_split(test_split):
    classifier = kerasgen.applications.load("fmnist_features")
    assert isinstance(classifier, FashionMNISTClassifier)
    images, labels = test_split
    floats = images[:2000].astype("float32") / 127.5 - 1.0
    outputs = classifier(floats, training=False)
    assert tuple(outputs["features"].shape) == (2000, 128)
    logits = keras.ops.convert_to_numpy(outputs["logits"])
    accuracy = np.mean(np.argmax(logits, axis=-1) == labels[:2000])
    assert accuracy >= 0.9, accuracy


def test_weights_are_verified_by_sha256(tmp_path):
    source = kerasgen.applications.list_applications()["fmnist_features"]
    copy = str(tmp_path / "fmnist_features")
    shutil.copytree(source["path"], copy)
    weights = os.path.join(copy, "model.weights.h5")
    data = bytearray(open(weights, "rb").read())
    data[-100] ^= 0x01
    open(weights, "wb").write(bytes(data))
    with pytest.raises(ValueError, match="sha256"):
        FeatureExtractor.fmnist_features(preset=copy)


def test_feature_extractor_constructor_and_config(extractor, test_split):
    digest = kerasgen.applications.list_applications()["fmnist_features"][
        "weights_sha256"
    ]
    assert extractor.name == f"fmnist_features_{digest[:8]}"
    assert (extractor.feature_dim, extractor.num_classes) == (128, 10)
    images = test_split[0][:8]
    result = extractor.extract(images)
    assert result["features"].shape == (8, 128)
    assert result["logits"].shape == (8, 10)
    # uint8 and [-1, 1] floats are the same images.
    floats = images.astype("float32") / 127.5 - 1.0
    np.testing.assert_allclose(
        extractor.features(floats), result["features"], rtol=1e-5, atol=1e-5
    )
    config = keras.saving.serialize_keras_object(extractor)
    assert config["config"] == {
        "builder": "fmnist_features",
        "preset": "fmnist_features",
        "batch_size": 256,
    }
    clone = keras.saving.deserialize_keras_object(config)
    assert clone.name == extractor.name
    np.testing.assert_allclose(clone.features(images), result["features"])
    with pytest.raises(ValueError, match="images must have 1 channel for"):
        extractor.features(np.zeros((2, 28, 28, 3), "uint8"))
    metric = FrechetDistance(feature_extractor="fmnist_features")
    assert metric.get_config()["feature_extractor"] == "fmnist_features"
    restored = FrechetDistance.from_config(metric.get_config())
    assert restored._extractor.name == extractor.name


def test_fid_separates_real_from_noise(extractor, test_split):
    images = test_split[0]
    half_a, half_b = images[:1000], images[1000:2000]
    noise = np.random.default_rng(0).integers(0, 256, half_b.shape, "uint8")
    real_fid = FrechetDistance(extractor)
    real_fid.update_state(real_images=half_a, fake_images=half_b)
    noise_fid = FrechetDistance(extractor)
    noise_fid.update_state(real_images=half_a, fake_images=noise)
    real_value = float(real_fid.result())
    noise_value = float(noise_fid.result())
    print(f"FID real/real {real_value:.3f}, real/noise {noise_value:.3f}")
    assert real_value < noise_value / 20.0, (real_value, noise_value)
