import json
import os

import numpy as np
import pytest

from kerasgen.models import VAE
from kerasgen.testing import tiny_vae
from kerasgen.utils import preset_utils


def test_save_and_load_preset(tmp_path):
    vae = tiny_vae()
    vae.compile(optimizer="adam")
    vae.seed_generator.state.assign([7, 9])
    preset_dir = str(tmp_path / "preset")
    vae.save_to_preset(preset_dir, metadata={"dataset": "toy"})
    metadata = json.load(open(os.path.join(preset_dir, "metadata.json")))
    assert metadata["class_name"] == "VAE"
    assert metadata["dataset"] == "toy"
    assert metadata["num_params"] == vae.count_params()
    assert metadata["weights_sha256"] == preset_utils.sha256_file(
        os.path.join(preset_dir, "model.weights.h5")
    )
    config = json.load(open(os.path.join(preset_dir, "config.json")))
    assert "compile_config" not in config
    loaded = VAE.from_preset(preset_dir)
    for a, b in zip(vae.weights, loaded.weights):
        np.testing.assert_array_equal(a.numpy(), b.numpy())
    np.testing.assert_array_equal(loaded.seed_generator.state.numpy(), [7, 9])


def test_corrupted_weights_fail_sha256_naming_file_and_hashes(tmp_path):
    preset_dir = str(tmp_path / "preset")
    tiny_vae().save_to_preset(preset_dir)
    weights = os.path.join(preset_dir, "model.weights.h5")
    expected = preset_utils.sha256_file(weights)
    data = bytearray(open(weights, "rb").read())
    data[len(data) // 2] ^= 0xFF
    open(weights, "wb").write(bytes(data))
    actual = preset_utils.sha256_file(weights)
    with pytest.raises(ValueError) as error:
        VAE.from_preset(preset_dir)
    message = str(error.value)
    assert "model.weights.h5" in message
    assert expected in message and actual in message


def test_unknown_preset_lists_available():
    with pytest.raises(ValueError, match="Available presets"):
        VAE.from_preset("no_such_preset")


def test_preset_of_another_class_is_refused(tmp_path):
    from kerasgen.models import GenerativeModel

    class Other(GenerativeModel):
        pass

    preset_dir = str(tmp_path / "preset")
    tiny_vae().save_to_preset(preset_dir)
    with pytest.raises(ValueError, match="holds a VAE"):
        preset_utils.load_preset(preset_dir, Other)


def test_preset_argument_type():
    with pytest.raises(TypeError, match="preset"):
        VAE.from_preset(3)
