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
def test_vq_vae_tutorial_smoke_run(tmp_path):
    out = _run("vq_vae.py", tmp_path)
    assert "token grid: (7, 7) vocabulary: 512" in out
    assert "refused: token_ids must lie in [0, 512)" in out
    assert "pretrained:" in out and "of the codes used" in out
    assert "reloaded model gives the same tokens" in out
    for name in ("reconstructions.png", "codebook_usage.png", "vq_vae.keras"):
        assert os.path.getsize(tmp_path / name) > 0, name


@pytest.mark.large
def test_vqgan_tutorial_smoke_run(tmp_path):
    out = _run("vqgan.py", tmp_path)
    assert "adaptive weight by epoch" in out
    assert out.count("reconstruction FID") == 3
    assert "reloaded model gives the same tokens" in out
    for name in ("reconstructions.png", "vqgan.keras"):
        assert os.path.getsize(tmp_path / name) > 0, name
