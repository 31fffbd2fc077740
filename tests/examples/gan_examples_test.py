import os

import pytest


@pytest.mark.large
def test_dcgan_tutorial_smoke_run(tmp_path, run_example):
    out = run_example("dcgan.py")
    assert "this DCGAN: FID" in out
    for name in ("generated.png", "dcgan.keras", "pretrained.png"):
        assert os.path.getsize(tmp_path / name) > 0, name
    assert os.path.getsize(tmp_path / "samples" / "samples_epoch_001.png")


@pytest.mark.large
def test_conditional_gan_tutorial_smoke_run(tmp_path, run_example):
    out = run_example("conditional_gan.py")
    assert "agrees with the requested label" in out
    for name in ("classes.png", "pretrained.png"):
        assert os.path.getsize(tmp_path / name) > 0, name


@pytest.mark.large
def test_wgan_gp_tutorial_smoke_run(tmp_path, run_example):
    out = run_example("wgan_gp.py")
    assert "epoch 2: Wasserstein estimate" in out
    for name in ("wasserstein_estimate.png", "generated.png", "wgan_gp.keras"):
        assert os.path.getsize(tmp_path / name) > 0, name
