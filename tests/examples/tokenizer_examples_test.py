import os

import pytest


@pytest.mark.large
def test_vq_vae_tutorial_smoke_run(tmp_path, run_example):
    out = run_example("vq_vae.py")
    assert "token grid: (7, 7) vocabulary: 512" in out
    assert "refused: token_ids must lie in [0, 512)" in out
    assert "pretrained:" in out and "of the codes used" in out
    assert "reloaded model gives the same tokens" in out
    for name in ("reconstructions.png", "codebook_usage.png", "vq_vae.keras"):
        assert os.path.getsize(tmp_path / name) > 0, name


@pytest.mark.large
def test_vqgan_tutorial_smoke_run(tmp_path, run_example):
    out = run_example("vqgan.py")
    assert "adaptive weight by epoch" in out
    assert out.count("reconstruction FID") == 3
    assert "reloaded model gives the same tokens" in out
    for name in ("reconstructions.png", "vqgan.keras"):
        assert os.path.getsize(tmp_path / name) > 0, name
