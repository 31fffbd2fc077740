import os
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(__file__)))


@pytest.mark.large
def test_vae_tutorial_smoke_run(tmp_path):
    result = subprocess.run(
        [sys.executable, os.path.join(ROOT, "examples", "vae.py"), "--smoke"],
        capture_output=True,
        text=True,
        timeout=600,
        env=dict(os.environ, KERASGEN_EXAMPLE_OUTPUT=str(tmp_path)),
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert "bits/dim" in result.stdout
    for name in (
        "generated.png",
        "manifold.png",
        "latent_scatter.png",
        "vae.keras",
        "pretrained.png",
        os.path.join("samples", "samples_epoch_001.png"),
    ):
        assert os.path.getsize(tmp_path / name) > 0, name
