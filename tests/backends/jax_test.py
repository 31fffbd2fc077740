"""kerasgen on the JAX backend, in a subprocess.

The test suite runs on TensorFlow (`tests/conftest.py` imports it and sets
`KERAS_BACKEND=tensorflow` before Keras is imported), so the JAX checks run
in a child `pytest` with `KERAS_BACKEND=jax` and two host CPU devices: the
VAE's `run_generative_model_test` contract and `jax_checks.py` (import,
`distribution_scope` errors, `data_parallel` on 2 local devices == 1
device, VQ-VAE / dVAE training with the stock `train_step`, GAN / VQ-GAN
refusing to train, classifier guidance through `jax.grad` in the jitted
sampling loop).
"""

import os
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(__file__)))
CHECKS = os.path.join("tests", "backends", "jax_checks.py")
VAE_CONTRACT = (
    "tests/models/vae/vae_test.py::VAETest::test_generative_model_contract"
)


def test_kerasgen_on_jax():
    pytest.importorskip("jax")
    env = dict(
        os.environ,
        KERAS_BACKEND="jax",
        JAX_PLATFORMS="cpu",
        XLA_FLAGS="--xla_force_host_platform_device_count=2",
        TF_CPP_MIN_LOG_LEVEL="2",
        CUDA_VISIBLE_DEVICES="",
    )
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "-rs",
            VAE_CONTRACT,
            CHECKS,
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-6000:]
    # Every check ran (none skipped for a missing device or backend).
    assert "skipped" not in result.stdout, output[-3000:]
    assert "9 passed" in result.stdout, output[-3000:]
