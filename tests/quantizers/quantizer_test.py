"""The `Quantizer` base: every exported quantizer keeps the one contract."""

import inspect
import json

import keras
import numpy as np
import pytest

from kerasgen import quantizers
from kerasgen.quantizers import Quantizer

TINY_ARGUMENTS = {"codebook_size": 8, "codebook_dim": 4, "num_quantizers": 2}

QUANTIZER_CLASSES = sorted(
    (
        cls
        for cls in vars(quantizers).values()
        if inspect.isclass(cls)
        and issubclass(cls, keras.layers.Layer)
        and cls is not Quantizer
    ),
    key=lambda cls: cls.__name__,
)


def _build(cls):
    required = [
        name
        for name, p in inspect.signature(cls.__init__).parameters.items()
        if name != "self"
        and p.default is inspect.Parameter.empty
        and p.kind is inspect.Parameter.POSITIONAL_OR_KEYWORD
    ]
    return cls(**{name: TINY_ARGUMENTS[name] for name in required})


def test_every_quantizer_is_a_quantizer():
    assert len(QUANTIZER_CLASSES) >= 4
    for cls in QUANTIZER_CLASSES:
        assert issubclass(cls, Quantizer), cls.__name__


@pytest.mark.parametrize("cls", QUANTIZER_CLASSES, ids=lambda c: c.__name__)
def test_contract(cls):
    quantizer = _build(cls)
    latents = keras.random.normal((3, 2, 2, quantizer.input_dim), seed=1)
    outputs = quantizer(latents)
    assert sorted(outputs) == [
        "indices",
        "loss",
        "perplexity",
        "quantized",
        "usage",
    ]
    spec = quantizer.compute_output_spec(keras.KerasTensor(latents.shape))
    for key, value in outputs.items():
        assert tuple(value.shape) == tuple(spec[key].shape), key
        assert keras.backend.standardize_dtype(value.dtype) == spec[key].dtype
    assert tuple(outputs["quantized"].shape) == (
        3,
        2,
        2,
        quantizer.codebook_dim,
    )
    assert tuple(outputs["loss"].shape) == (3,)
    assert 1.0 <= float(outputs["perplexity"]) <= quantizer.codebook_size
    np.testing.assert_allclose(
        keras.ops.convert_to_numpy(
            quantizer.indices_to_codes(outputs["indices"])
        ),
        keras.ops.convert_to_numpy(outputs["quantized"]),
        rtol=1e-5,
        atol=1e-5,
    )
    assert [m.name for m in quantizer.metrics][:2] == [
        f"{quantizer.name}_perplexity",
        f"{quantizer.name}_usage",
    ]
    assert float(quantizer.perplexity_tracker.result()) == pytest.approx(
        float(outputs["perplexity"])
    )
    config = json.loads(json.dumps(quantizer.get_config()))
    assert cls.from_config(config).codebook_size == quantizer.codebook_size


@pytest.mark.parametrize("cls", QUANTIZER_CLASSES, ids=lambda c: c.__name__)
def test_out_of_range_ids_are_refused(cls):
    quantizer = _build(cls)
    outputs = quantizer(keras.ops.zeros((1, 2, quantizer.input_dim)))
    bad = np.full(tuple(outputs["indices"].shape), quantizer.codebook_size)
    with pytest.raises(ValueError, match="indices"):
        quantizer.indices_to_codes(bad)


def test_a_subclass_must_implement_the_quantization():
    class Incomplete(Quantizer):
        pass

    layer = Incomplete(4, 2)
    with pytest.raises(NotImplementedError, match="_quantize"):
        layer(keras.ops.zeros((1, 2)))
    with pytest.raises(NotImplementedError, match="_indices_to_codes"):
        layer.indices_to_codes(np.zeros((1,), "int32"))
