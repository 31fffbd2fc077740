import json
import os

import keras
import numpy as np
import pytest

from kerasgen.models import VAE
from kerasgen.models.generative_model import GenerativeModel
from kerasgen.testing import tiny_gan
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


@keras.saving.register_keras_serializable(package="kerasgen_test")
class TwoStage(GenerativeModel):
    """A test model over a stage-1 VAE (as a token model over a tokenizer)."""

    def __init__(self, stage1, **kwargs):
        super().__init__(**kwargs)
        if isinstance(stage1, dict):
            stage1 = keras.saving.deserialize_keras_object(stage1)
        self.stage1 = stage1
        self.image_shape = stage1.image_shape
        self.head = keras.layers.Dense(stage1.latent_dim, name="head")
        self.head.build((None, stage1.latent_dim))
        self.built = True

    def get_config(self):
        config = super().get_config()
        config["stage1"] = keras.saving.serialize_keras_object(self.stage1)
        return config

    def call(self, latents):
        return self.stage1.decode(self.head(latents))

    def generate_step(self, inputs, num_samples, seed):
        latents = keras.random.normal(
            (num_samples, self.stage1.latent_dim), seed=seed
        )
        return self.call(latents)


def _h5_keys(path):
    import h5py

    keys = []
    with h5py.File(path, "r") as f:
        f.visit(keys.append)
    return keys


def test_two_stage_preset_stores_a_reference_not_a_copy(tmp_path):
    stage1_dir = str(tmp_path / "stage1")
    tiny_vae().save_to_preset(stage1_dir)
    stage1 = VAE.from_preset(stage1_dir)
    outer = TwoStage(stage1)
    outer_dir = str(tmp_path / "outer")
    outer.save_to_preset(outer_dir)

    config_text = open(os.path.join(outer_dir, "config.json")).read()
    config = json.loads(config_text)
    stage1_sha = preset_utils.sha256_file(
        os.path.join(stage1_dir, "model.weights.h5")
    )
    assert config["config"]["stage1"]["class_name"] == "PresetReference"
    assert config["config"]["stage1"]["config"] == {
        "preset": os.path.abspath(stage1_dir),
        "sha256": stage1_sha,
    }
    assert "ConvEncoder" not in config_text  # the VAE's networks: not copied
    keys = _h5_keys(os.path.join(outer_dir, "model.weights.h5"))
    assert any("head" in key for key in keys), keys
    assert not any("stage1" in key for key in keys), keys
    metadata = json.load(open(os.path.join(outer_dir, "metadata.json")))
    assert metadata["references"] == [config["config"]["stage1"]["config"]]

    loaded = TwoStage.from_preset(outer_dir)
    np.testing.assert_array_equal(
        loaded.generate(num_samples=3, seed=0),
        outer.generate(num_samples=3, seed=0),
    )

    # A flipped byte in the referenced bundle fails the outer load.
    weights = os.path.join(stage1_dir, "model.weights.h5")
    data = bytearray(open(weights, "rb").read())
    data[len(data) // 2] ^= 0x01
    open(weights, "wb").write(bytes(data))
    actual = preset_utils.sha256_file(weights)
    with pytest.raises(ValueError) as error:
        TwoStage.from_preset(outer_dir)
    assert stage1_sha in str(error.value) and actual in str(error.value)


def test_replaced_referenced_bundle_is_refused(tmp_path):
    stage1_dir = str(tmp_path / "stage1")
    tiny_vae().save_to_preset(stage1_dir)
    outer_dir = str(tmp_path / "outer")
    TwoStage(VAE.from_preset(stage1_dir)).save_to_preset(outer_dir)
    old = preset_utils.sha256_file(os.path.join(stage1_dir, "model.weights.h5"))
    tiny_vae(seed=3).save_to_preset(stage1_dir)  # re-made: new weights
    new = preset_utils.sha256_file(os.path.join(stage1_dir, "model.weights.h5"))
    assert old != new
    with pytest.raises(ValueError, match=f"{old}.*{new}"):
        TwoStage.from_preset(outer_dir)


def test_training_only_networks_are_left_out(tmp_path):
    gan = tiny_gan()
    assert gan.training_only == ("discriminator",)
    inference_dir = str(tmp_path / "inference")
    full_dir = str(tmp_path / "full")
    gan.save_to_preset(inference_dir)
    gan.save_to_preset(full_dir, include_training_only=True)
    inference_keys = _h5_keys(os.path.join(inference_dir, "model.weights.h5"))
    full_keys = _h5_keys(os.path.join(full_dir, "model.weights.h5"))
    assert not any("discriminator" in key for key in inference_keys)
    assert any("discriminator" in key for key in full_keys)
    assert any("generator" in key for key in inference_keys)
    latents = np.random.default_rng(0).normal(size=(3, gan.latent_dim))
    for preset_dir in (inference_dir, full_dir):
        loaded = type(gan).from_preset(preset_dir)
        np.testing.assert_allclose(
            loaded.predict(latents.astype("float32"), verbose=0),
            gan.predict(latents.astype("float32"), verbose=0),
            atol=1e-6,
        )
    full = type(gan).from_preset(full_dir)
    for a, b in zip(full.discriminator.weights, gan.discriminator.weights):
        np.testing.assert_array_equal(a.numpy(), b.numpy())


def test_from_preset_overrides_and_load_weights(tmp_path):
    preset_dir = str(tmp_path / "preset")
    vae = tiny_vae()
    vae.save_to_preset(preset_dir)
    reseeded = VAE.from_preset(preset_dir, seed=5)
    assert reseeded.seed == 5
    fresh = VAE.from_preset(preset_dir, load_weights=False)
    assert any(
        not np.array_equal(a.numpy(), b.numpy())
        for a, b in zip(fresh.weights, vae.weights)
    )
    with pytest.raises(ValueError, match="not_an_argument"):
        VAE.from_preset(preset_dir, not_an_argument=1)


def test_from_preset_comes_compiled_with_the_default_optimizer(tmp_path):
    preset_dir = str(tmp_path / "preset")
    tiny_vae().save_to_preset(preset_dir)
    loaded = VAE.from_preset(preset_dir)
    assert loaded.compiled
    assert float(loaded.optimizer.learning_rate) == pytest.approx(
        loaded.default_learning_rate
    )
    images = np.random.default_rng(0).integers(0, 256, (4, 8, 8, 1))
    results = loaded.evaluate(
        images.astype("uint8"), verbose=0, return_dict=True
    )
    assert np.isfinite(results["loss"])


def test_a_referenced_sub_model_that_trained_is_not_saved_as_a_reference(
    tmp_path,
):
    stage1_dir = str(tmp_path / "stage1")
    tiny_vae().save_to_preset(stage1_dir)
    outer = TwoStage(VAE.from_preset(stage1_dir))
    kernel = outer.stage1.decoder.trainable_weights[0]
    kernel.assign(kernel + 1.0)  # as if fine-tuned inside the outer model
    with pytest.raises(ValueError, match="has changed since"):
        outer.save_to_preset(str(tmp_path / "outer"))


def test_seed_override_resets_the_saved_rng_state(tmp_path):
    preset_dir = str(tmp_path / "preset")
    vae = tiny_vae()
    vae.seed_generator.state.assign([7, 9])
    vae.save_to_preset(preset_dir)
    np.testing.assert_array_equal(
        VAE.from_preset(preset_dir).seed_generator.state.numpy(), [7, 9]
    )
    np.testing.assert_array_equal(
        VAE.from_preset(preset_dir, seed=5).seed_generator.state.numpy(),
        keras.random.SeedGenerator(5).state.numpy(),
    )


def test_overridden_or_weightless_loads_are_not_references(tmp_path):
    preset_dir = str(tmp_path / "preset")
    tiny_vae().save_to_preset(preset_dir)
    assert preset_utils.preset_reference(VAE.from_preset(preset_dir))
    assert not preset_utils.preset_reference(
        VAE.from_preset(preset_dir, seed=5)
    )
    assert not preset_utils.preset_reference(
        VAE.from_preset(preset_dir, load_weights=False)
    )


def test_layer_objects_are_refused_as_overrides(tmp_path):
    preset_dir = str(tmp_path / "preset")
    gan = tiny_gan()
    gan.save_to_preset(preset_dir)
    with pytest.raises(ValueError, match="'discriminator' is a"):
        type(gan).from_preset(preset_dir, discriminator=gan.discriminator)
