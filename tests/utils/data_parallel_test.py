"""Two JAX processes with `data_parallel` train to the one-process weights.

Starts `data_parallel_worker.py` three times with `KERAS_BACKEND=jax`: two
processes of one `keras.distribution` cluster on 127.0.0.1 (gloo CPU
collectives, each feeding its half of every global batch of 8) and one
process alone at the same global batch, then compares every weight after 3
steps.
"""

import os
import socket
import subprocess
import sys
import time

import numpy as np
import pytest

WORKER = os.path.join(os.path.dirname(__file__), "data_parallel_worker.py")
TIMEOUT_S = 300


def _free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _start(directory, name, *arguments):
    env = dict(
        os.environ,
        KERAS_BACKEND="jax",
        JAX_PLATFORMS="cpu",
        TF_CPP_MIN_LOG_LEVEL="2",
        CUDA_VISIBLE_DEVICES="",
    )
    env.pop("XLA_FLAGS", None)  # one CPU device per process
    log = open(os.path.join(directory, f"{name}.log"), "w")
    process = subprocess.Popen(
        [
            sys.executable,
            WORKER,
            "--output",
            os.path.join(directory, f"{name}.npz"),
            *arguments,
        ],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    return process, log


def _weights(result, prefix="weight_"):
    keys = sorted(
        (k for k in result.files if k.startswith(prefix)),
        key=lambda k: int(k[len(prefix) :]),
    )
    return [result[k] for k in keys]


def test_two_processes_train_to_the_weights_of_one(tmp_path):
    pytest.importorskip("jax")
    directory = str(tmp_path)
    coordinator = f"127.0.0.1:{_free_port()}"
    started = time.time()
    runs = {
        f"process_{i}": _start(
            directory,
            f"process_{i}",
            "--kind",
            "data_parallel",
            "--coordinator",
            coordinator,
            "--num-processes",
            "2",
            "--process-id",
            str(i),
        )
        for i in range(2)
    }
    runs["single"] = _start(directory, "single", "--kind", "none")
    try:
        for name, (process, log) in runs.items():
            remaining = max(1.0, TIMEOUT_S - (time.time() - started))
            process.wait(timeout=remaining)
    finally:
        for process, log in runs.values():
            if process.poll() is None:
                process.kill()
                process.wait()
            log.close()
    for name, (process, _) in runs.items():
        with open(os.path.join(directory, f"{name}.log")) as f:
            output = f.read()
        assert process.returncode == 0, f"{name} failed:\n{output[-4000:]}"

    single = np.load(os.path.join(directory, "single.npz"))
    assert int(single["iterations"]) == 3
    assert single["local_batches"].tolist() == [8, 8, 8]
    # The steps trained: a comparison of untouched weights would prove
    # nothing.
    changed = [
        not np.allclose(before, after)
        for before, after in zip(_weights(single, "initial_"), _weights(single))
    ]
    assert sum(changed) == len(changed), changed

    for i in range(2):
        result = np.load(os.path.join(directory, f"process_{i}.npz"))
        assert int(result["process_id"]) == i
        assert int(result["num_processes"]) == 2
        assert int(result["num_replicas"]) == 2
        # Each process fed 4 rows of each global batch of 8.
        assert result["local_batches"].tolist() == [4, 4, 4]
        assert int(result["iterations"]) == 3
        for initial, reference in zip(
            _weights(result, "initial_"), _weights(single, "initial_")
        ):
            np.testing.assert_array_equal(initial, reference)
        np.testing.assert_allclose(
            result["loss"], single["loss"], rtol=1e-5, err_msg="loss"
        )
        trained = _weights(result)
        reference = _weights(single)
        initial = _weights(single, "initial_")
        assert len(trained) == len(reference)
        for index, (weight, expected, start) in enumerate(
            zip(trained, reference, initial)
        ):
            # atol for entries near 0 (biases started at 0): the gradient,
            # summed across the 2 devices in another order than on one,
            # differs by float32 rounding: measured up to 2e-5 of an update's
            # norm and 2e-7 per entry, for updates of 1e-3 to 0.3.
            np.testing.assert_allclose(
                weight,
                expected,
                rtol=1e-5,
                atol=2e-6,
                err_msg=f"process {i}, weight {index}",
            )
            # The 3 updates themselves agree to 1e-3 of their size: half
            # the batch, a doubled batch, other noise or a 2x step would be
            # off by tens of percent.
            update = (weight - start).ravel()
            expected_update = (expected - start).ravel()
            error = np.linalg.norm(update - expected_update)
            assert error <= 1e-3 * np.linalg.norm(expected_update), (
                f"process {i}, weight {index}: update differs by "
                f"{error / np.linalg.norm(expected_update):.2e} of its norm"
            )
