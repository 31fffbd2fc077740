"""Test configuration: TensorFlow sees 2 logical CPUs (for MirroredStrategy)."""

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")

import tensorflow as tf  # noqa: E402

_cpus = tf.config.list_physical_devices("CPU")
try:
    tf.config.set_logical_device_configuration(
        _cpus[0],
        [tf.config.LogicalDeviceConfiguration()] * 2,
    )
except RuntimeError:  # pragma: no cover - already initialised
    pass


def pytest_configure(config):
    config.addinivalue_line(
        "markers",
        "xla: keep XLA in the sampling loop of tiny autoregressive models "
        "(tests/models/autoregressive/conftest.py turns it off otherwise)",
    )
