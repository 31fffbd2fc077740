import os
import subprocess
import sys

import pytest

from kerasgen import cli


@pytest.fixture
def kerasgen(capsys):
    """`kerasgen(*argv)` runs the command line in-process.

    Returns `(exit_code, stdout, stderr)`.
    """

    def run(*argv):
        code = cli.main([str(arg) for arg in argv])
        captured = capsys.readouterr()
        return code, captured.out, captured.err

    return run


def run_command_line(*argv, env=None, timeout=300):
    """Runs `python -m kerasgen.cli ARGV` in a subprocess (a real start-up).

    As a user who did not set `TF_CPP_MIN_LOG_LEVEL` (the test session
    sets it), unless `env` says otherwise.
    """
    environment = dict(os.environ if env is None else env)
    if env is None:
        environment.pop("TF_CPP_MIN_LOG_LEVEL", None)
    return subprocess.run(
        [sys.executable, "-m", "kerasgen.cli", *map(str, argv)],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=environment,
    )


@pytest.fixture(autouse=True)
def cache_dir(tmp_path, monkeypatch):
    """Reference statistics go to a fresh cache, never ~/.cache."""
    path = tmp_path / "cache"
    monkeypatch.setenv("KERASGEN_CACHE_DIR", str(path))
    return path


@pytest.fixture
def tiny_vae_file(tmp_path):
    """A small untrained 28x28x1 VAE saved as a .keras file."""
    import kerasgen

    path = tmp_path / "tiny.keras"
    vae = kerasgen.models.VAE(
        image_shape=(28, 28, 1),
        latent_dim=2,
        encoder_filters=(4, 8),
        decoder_filters=(8, 4),
        hidden_dim=8,
        seed=0,
    )
    vae.save(path)
    return str(path)
