import os
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(__file__)))


def _run(name, output_dir):
    result = subprocess.run(
        [sys.executable, os.path.join(ROOT, "examples", name), "--smoke"],
        capture_output=True,
        text=True,
        timeout=900,
        env=dict(os.environ, KERASGEN_EXAMPLE_OUTPUT=str(output_dir)),
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout


@pytest.mark.large
def test_dcgan_tutorial_smoke_run(tmp_path):
    out = _run("dcgan.py", tmp_path)
    assert "this DCGAN: FID" in out
    for name in ("generated.png", "dcgan.keras", "pretrained.png"):
        assert os.path.getsize(tmp_path / name) > 0, name
    assert os.path.getsize(tmp_path / "samples" / "samples_epoch_001.png")


@pytest.mark.large
def test_conditional_gan_tutorial_smoke_run(tmp_path):
    out = _run("conditional_gan.py", tmp_path)
    assert "agrees with the requested label" in out
    for name in ("classes.png", "pretrained.png"):
        assert os.path.getsize(tmp_path / name) > 0, name


@pytest.mark.large
def test_wgan_gp_tutorial_smoke_run(tmp_path):
    out = _run("wgan_gp.py", tmp_path)
    assert "epoch 2: Wasserstein estimate" in out
    for name in ("wasserstein_estimate.png", "generated.png", "wgan_gp.keras"):
        assert os.path.getsize(tmp_path / name) > 0, name
