import numpy as np
import pytest

import kerasgen
from kerasgen.models import VAE


def test_vae_fashion_mnist_is_listed_and_loads():
    apps = kerasgen.applications.list_applications()
    assert "vae_fashion_mnist" in apps
    assert "vae_fashion_mnist" in VAE.presets
    metadata = apps["vae_fashion_mnist"]
    assert metadata["class_name"] == "VAE"
    metrics = metadata["metrics"]
    assert metrics["bits_per_dim"] < metrics["histogram_bits_per_dim"]
    vae = VAE.from_preset("vae_fashion_mnist")
    images = vae.generate(num_samples=16, seed=0)
    assert images.shape == (16, 28, 28, 1) and images.dtype == np.uint8
    np.testing.assert_array_equal(images, vae.generate(num_samples=16, seed=0))
    assert "bits/dim" in kerasgen.applications.model_card("vae_fashion_mnist")


def test_unknown_application():
    with pytest.raises(ValueError, match="vae_fashion_mnist"):
        kerasgen.applications.load("vae_cifar10")


@pytest.mark.parametrize(
    "name", sorted(kerasgen.applications.list_applications())
)
def test_every_bundle_is_under_20_mb(name):
    import os

    root = kerasgen.applications.list_applications()[name]["path"]
    size = sum(
        os.path.getsize(os.path.join(folder, f))
        for folder, _, files in os.walk(root)
        for f in files
    )
    assert 0 < size < 20 * 2**20, f"{name}: {size / 2**20:.1f} MB"


TOKEN_MODELS = (
    "ImageTokenTransformer",
    "TextImageTransformer",
    "LiquidTransformer",
)


@pytest.mark.parametrize(
    "name",
    sorted(
        name
        for name, metadata in kerasgen.applications.list_applications().items()
        if metadata["class_name"] in TOKEN_MODELS
    ),
)
def test_token_models_reference_their_tokenizer_bundle(name):
    import json
    import os

    root = kerasgen.applications.list_applications()[name]["path"]
    config = json.load(open(os.path.join(root, "config.json")))["config"]
    assert config["tokenizer"]["class_name"] == "PresetReference"
    assert config["tokenizer"]["config"]["preset"] == "vqgan_fashion_mnist"
    # The weights file holds the transformer, not the tokenizer's 4.8 MB.
    size = os.path.getsize(os.path.join(root, "model.weights.h5"))
    assert size < 4.5 * 2**20, size
