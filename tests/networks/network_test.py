"""The `Network` base: every exported network, its config and boundary."""

import inspect
import json

import keras
import numpy as np
import pytest

import kerasgen
from kerasgen import networks
from kerasgen.networks import Network

# Tiny values of the required constructor arguments, by argument name: a
# new network whose required arguments use these names is covered with no
# new test code (one with a new required name fails `test_is_covered`).
TINY_ARGUMENTS = {
    "image_shape": (28, 28, 1),
    "latent_dim": 4,
    "output_dim": 4,
    "input_dim": 4,
    "output_channels": 2,
    "vocabulary_size": 4,
    "sequence_length": 4,
    "num_classes": 3,
}

NETWORK_CLASSES = sorted(
    (
        cls
        for cls in vars(networks).values()
        if inspect.isclass(cls)
        and issubclass(cls, keras.Model)
        and cls not in (Network, networks.AutoregressiveNetwork)
    ),
    key=lambda cls: cls.__name__,
)


def _required_arguments(cls):
    return [
        name
        for name, parameter in inspect.signature(
            cls.__init__
        ).parameters.items()
        if name != "self"
        and parameter.default is inspect.Parameter.empty
        and parameter.kind is inspect.Parameter.POSITIONAL_OR_KEYWORD
    ]


def _build(cls, **kwargs):
    arguments = {
        name: TINY_ARGUMENTS[name] for name in _required_arguments(cls)
    }
    if "image_shape" in inspect.signature(cls.__init__).parameters:
        arguments.setdefault("image_shape", TINY_ARGUMENTS["image_shape"])
    return cls(**arguments, **kwargs)


def _inputs(network, dtype="float32"):
    """Zeros (or mid-grey uint8 images) matching the network's inputs."""

    def one(tensor):
        shape = (2,) + tuple(tensor.shape[1:])
        if tensor.dtype.startswith("int"):
            return np.zeros(shape, "int32")
        if dtype == "uint8":
            return np.full(shape, 191, "uint8")
        return np.full(shape, 0.5, "float32")

    if isinstance(network.input, dict):
        return {name: one(t) for name, t in network.input.items()}
    return one(network.input)


def test_every_network_is_a_network_subclass():
    assert len(NETWORK_CLASSES) >= 8
    for cls in NETWORK_CLASSES:
        assert issubclass(cls, Network), cls.__name__


@pytest.mark.parametrize("cls", NETWORK_CLASSES, ids=lambda c: c.__name__)
def test_is_covered(cls):
    missing = set(_required_arguments(cls)) - set(TINY_ARGUMENTS)
    assert not missing, f"add tiny values for {missing} to TINY_ARGUMENTS"


@pytest.mark.parametrize("cls", NETWORK_CLASSES, ids=lambda c: c.__name__)
def test_config_round_trip_keeps_the_dtype_policy(cls):
    network = _build(cls, dtype="mixed_bfloat16", name="tiny", trainable=False)
    config = json.loads(json.dumps(network.get_config()))
    assert config["name"] == "tiny"
    assert config["trainable"] is False
    restored = cls.from_config(config)
    assert restored.dtype_policy.name == "mixed_bfloat16"
    assert restored.name == "tiny"
    assert restored.trainable is False
    assert json.loads(json.dumps(restored.get_config())) == config
    assert len(restored.weights) == len(network.weights)
    # Through Keras' own serialization too (what a model's config holds).
    serialized = json.loads(
        json.dumps(keras.saving.serialize_keras_object(network))
    )
    again = keras.saving.deserialize_keras_object(serialized)
    assert type(again) is cls
    assert again.dtype_policy.name == "mixed_bfloat16"


@pytest.mark.parametrize("cls", NETWORK_CLASSES, ids=lambda c: c.__name__)
def test_default_dtype_is_the_global_policy(cls):
    network = _build(cls)
    assert network.dtype_policy.name == "float32"
    assert cls.from_config(network.get_config()).dtype_policy.name == "float32"


IMAGE_NETWORKS = [cls for cls in NETWORK_CLASSES if cls.image_input]


def test_image_networks_are_marked():
    names = {cls.__name__ for cls in IMAGE_NETWORKS}
    assert {
        "ConvEncoder",
        "ResidualEncoder",
        "DCGANDiscriminator",
        "PatchGANDiscriminator",
        "FashionMNISTClassifier",
    } <= names
    assert "DCGANGenerator" not in names and "ResidualDecoder" not in names


@pytest.mark.parametrize("cls", IMAGE_NETWORKS, ids=lambda c: c.__name__)
def test_uint8_images_are_converted_at_the_boundary(cls):
    network = _build(cls)
    uint8 = _inputs(network, "uint8")
    floats = _inputs(network, "float32")
    # uint8 191 is float (191 / 127.5 - 1) = 0.498..., not 191.
    if isinstance(floats, dict):
        floats["images"] = uint8["images"].astype("float32") / 127.5 - 1.0
    else:
        floats = uint8.astype("float32") / 127.5 - 1.0
    expected = keras.tree.map_structure(
        keras.ops.convert_to_numpy, network(floats)
    )
    called = keras.tree.map_structure(
        keras.ops.convert_to_numpy, network(uint8)
    )
    predicted = network.predict(uint8, verbose=0)
    for got in (called, predicted):
        for want, value in zip(
            keras.tree.flatten(expected), keras.tree.flatten(got)
        ):
            np.testing.assert_allclose(value, want, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("cls", IMAGE_NETWORKS, ids=lambda c: c.__name__)
def test_numpy_floats_outside_the_range_are_refused(cls):
    network = _build(cls)
    inputs = _inputs(network, "float32")
    if isinstance(inputs, dict):
        inputs["images"] = inputs["images"] * 255.0
    else:
        inputs = inputs * 255.0
    with pytest.raises(ValueError, match=r"images must be float in \[-1, 1\]"):
        network(inputs)
    with pytest.raises(ValueError, match=r"images must be float in \[-1, 1\]"):
        network.predict(inputs, verbose=0)


def test_tensors_pass_unchanged():
    network = _build(networks.ConvEncoder)
    images = keras.ops.full((2, 28, 28, 1), 3.0)  # not checked: a tensor
    assert network(images).shape == (2, 4)


def test_fmnist_features_bundle_takes_uint8_images():
    from kerasgen.datasets import fashion_mnist

    classifier = kerasgen.applications.load("fmnist_features")
    _, (x_test, y_test) = fashion_mnist.load_data()
    images, labels = x_test[:2000, ..., None], y_test[:2000]
    assert images.dtype == np.uint8

    def accuracy(x):
        logits = classifier.predict(x, batch_size=500, verbose=0)["logits"]
        return np.mean(np.argmax(logits, axis=-1) == labels)

    uint8_accuracy = accuracy(images)
    float_accuracy = accuracy(images.astype("float32") / 127.5 - 1.0)
    assert float_accuracy > 0.9, float_accuracy
    assert uint8_accuracy > 0.9, uint8_accuracy
    assert abs(uint8_accuracy - float_accuracy) <= 0.01
