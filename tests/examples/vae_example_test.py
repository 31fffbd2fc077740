import os

import pytest


@pytest.mark.large
def test_vae_tutorial_smoke_run(tmp_path, run_example):
    assert "bits/dim" in run_example("vae.py")
    for name in (
        "generated.png",
        "manifold.png",
        "latent_scatter.png",
        "vae.keras",
        "pretrained.png",
        os.path.join("samples", "samples_epoch_001.png"),
    ):
        assert os.path.getsize(tmp_path / name) > 0, name
