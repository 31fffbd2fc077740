import os

import pytest


@pytest.mark.large
def test_pixel_cnn_tutorial_smoke_run(tmp_path, run_example):
    out = run_example("pixel_cnn.py")
    assert "bits/dim" in out and "cache=True" in out
    for name in (
        "masks.png",
        "generated.png",
        "completions.png",
        "pixel_cnn.keras",
        "pretrained.png",
    ):
        assert os.path.getsize(tmp_path / name) > 0, name


@pytest.mark.large
def test_image_transformer_tutorial_smoke_run(tmp_path, run_example):
    out = run_example("image_transformer.py")
    assert "bits/dim" in out and "KV cache speed-up" in out
    # The pretrained bundle's bits/dim on the first 100 test images.
    bits = float(out.split("pretrained: ")[1].split(" bits/dim")[0])
    assert 2.0 < bits < 3.5
    for name in (
        "local_2d_attention.png",
        "generated.png",
        "completions.png",
        "image_transformer.keras",
        "pretrained.png",
    ):
        assert os.path.getsize(tmp_path / name) > 0, name
