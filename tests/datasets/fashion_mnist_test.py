import gzip
import os
import struct

import numpy as np
import pytest

from kerasgen.datasets import fashion_mnist

SYSTEM_DIR = "/usr/share/datasets/fashion-mnist"


def _write_idx(path, array, magic=None):
    array = np.asarray(array, dtype=np.uint8)
    if magic is None:
        magic = 0x00000800 | array.ndim
    header = struct.pack(f">I{array.ndim}I", magic, *array.shape)
    with gzip.open(path, "wb") as file:
        file.write(header + array.tobytes())


def _write_dataset(folder, seed=0, num_train=5, num_test=3):
    """Writes tiny synthetic Fashion-MNIST files; returns the arrays."""
    os.makedirs(folder, exist_ok=True)
    rng = np.random.default_rng(seed)
    x_train = rng.integers(0, 256, (num_train, 28, 28), dtype=np.uint8)
    y_train = rng.integers(0, 10, (num_train,), dtype=np.uint8)
    x_test = rng.integers(0, 256, (num_test, 28, 28), dtype=np.uint8)
    y_test = rng.integers(0, 10, (num_test,), dtype=np.uint8)
    _write_idx(os.path.join(folder, "train-images-idx3-ubyte.gz"), x_train)
    _write_idx(os.path.join(folder, "train-labels-idx1-ubyte.gz"), y_train)
    _write_idx(os.path.join(folder, "t10k-images-idx3-ubyte.gz"), x_test)
    _write_idx(os.path.join(folder, "t10k-labels-idx1-ubyte.gz"), y_test)
    return (x_train, y_train), (x_test, y_test)


def _assert_same(loaded, expected):
    (x_train, y_train), (x_test, y_test) = loaded
    for got, want in zip(
        (x_train, y_train, x_test, y_test),
        (expected[0][0], expected[0][1], expected[1][0], expected[1][1]),
    ):
        assert got.dtype == np.uint8
        assert got.shape == want.shape
        np.testing.assert_array_equal(got, want)


def _no_download():
    raise AssertionError("load_data must not download when files exist")


@pytest.fixture
def isolated(monkeypatch, tmp_path):
    """No env var, no system dir, an empty Keras cache, no download."""
    monkeypatch.delenv("KERASGEN_DATA_DIR", raising=False)
    monkeypatch.setattr(
        fashion_mnist, "_SYSTEM_DATA_DIR", str(tmp_path / "no-system")
    )
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras-home"))
    monkeypatch.setattr(fashion_mnist, "_download", _no_download)
    return tmp_path


def test_class_names():
    assert isinstance(fashion_mnist.CLASS_NAMES, tuple)
    assert len(fashion_mnist.CLASS_NAMES) == 10
    assert fashion_mnist.CLASS_NAMES[0] == "T-shirt/top"
    assert fashion_mnist.CLASS_NAMES[9] == "Ankle boot"


@pytest.mark.skipif(
    not os.path.isfile(os.path.join(SYSTEM_DIR, "train-images-idx3-ubyte.gz")),
    reason="needs `apt-get install dataset-fashion-mnist`",
)
def test_real_data_contract(monkeypatch):
    monkeypatch.delenv("KERASGEN_DATA_DIR", raising=False)
    monkeypatch.setattr(fashion_mnist, "_download", _no_download)
    (x_train, y_train), (x_test, y_test) = fashion_mnist.load_data()
    assert x_train.shape == (60000, 28, 28)
    assert y_train.shape == (60000,)
    assert x_test.shape == (10000, 28, 28)
    assert y_test.shape == (10000,)
    for array in (x_train, y_train, x_test, y_test):
        assert array.dtype == np.uint8
    # Known facts of the published files.
    assert y_train[0] == 9 and y_test[0] == 9
    np.testing.assert_array_equal(y_train[:5], [9, 0, 0, 3, 0])
    np.testing.assert_array_equal(np.bincount(y_train), [6000] * 10)
    np.testing.assert_array_equal(np.bincount(y_test), [1000] * 10)
    assert x_train.min() == 0 and x_train.max() == 255
    assert x_train[0].sum() == 76247  # first image, an ankle boot


def test_env_var_dir_is_used(isolated, monkeypatch):
    expected = _write_dataset(isolated / "data")
    monkeypatch.setenv("KERASGEN_DATA_DIR", str(isolated / "data"))
    _assert_same(fashion_mnist.load_data(), expected)


def test_env_var_fashion_mnist_subfolder_is_used(isolated, monkeypatch):
    expected = _write_dataset(isolated / "data" / "fashion-mnist")
    monkeypatch.setenv("KERASGEN_DATA_DIR", str(isolated / "data"))
    _assert_same(fashion_mnist.load_data(), expected)


def test_env_var_wins_over_system_dir(isolated, monkeypatch):
    _write_dataset(isolated / "system", seed=1)
    monkeypatch.setattr(
        fashion_mnist, "_SYSTEM_DATA_DIR", str(isolated / "system")
    )
    expected = _write_dataset(isolated / "data", seed=2)
    monkeypatch.setenv("KERASGEN_DATA_DIR", str(isolated / "data"))
    _assert_same(fashion_mnist.load_data(), expected)


def test_system_dir_wins_over_keras_cache(isolated, monkeypatch):
    expected = _write_dataset(isolated / "system", seed=1)
    _write_dataset(
        isolated / "keras-home" / "datasets" / "fashion-mnist", seed=2
    )
    monkeypatch.setattr(
        fashion_mnist, "_SYSTEM_DATA_DIR", str(isolated / "system")
    )
    _assert_same(fashion_mnist.load_data(), expected)


def test_keras_cache_is_used(isolated):
    expected = _write_dataset(
        isolated / "keras-home" / "datasets" / "fashion-mnist"
    )
    _assert_same(fashion_mnist.load_data(), expected)


def test_incomplete_env_dir_warns_and_falls_back(isolated, monkeypatch):
    expected = _write_dataset(isolated / "system")
    monkeypatch.setattr(
        fashion_mnist, "_SYSTEM_DATA_DIR", str(isolated / "system")
    )
    partial = isolated / "partial"
    partial.mkdir()
    (partial / "train-images-idx3-ubyte.gz").write_bytes(b"")
    monkeypatch.setenv("KERASGEN_DATA_DIR", str(partial))
    with pytest.warns(UserWarning, match="KERASGEN_DATA_DIR"):
        _assert_same(fashion_mnist.load_data(), expected)


def test_keras_download_is_the_last_resort(isolated, monkeypatch):
    expected = _write_dataset(isolated / "unused")
    calls = []

    def fake_download():
        calls.append(1)
        return expected

    monkeypatch.setattr(fashion_mnist, "_download", fake_download)
    assert fashion_mnist.load_data() is expected
    assert calls == [1]


def test_missing_everything_names_install_command(isolated, monkeypatch):
    def failing_download():
        raise OSError("URL fetch failure: no network")

    monkeypatch.setattr(fashion_mnist, "_download", failing_download)
    with pytest.raises(FileNotFoundError) as info:
        fashion_mnist.load_data()
    message = str(info.value)
    assert "apt-get install dataset-fashion-mnist" in message
    assert "KERASGEN_DATA_DIR" in message
    assert "no network" in message


def test_not_gzip_file_raises_value_error(isolated, monkeypatch):
    _write_dataset(isolated / "data")
    path = isolated / "data" / "train-labels-idx1-ubyte.gz"
    path.write_bytes(b"this is not gzip data")
    monkeypatch.setenv("KERASGEN_DATA_DIR", str(isolated / "data"))
    with pytest.raises(ValueError, match="train-labels-idx1-ubyte.gz"):
        fashion_mnist.load_data()


def test_wrong_magic_number_raises_value_error(isolated, monkeypatch):
    _write_dataset(isolated / "data")
    path = isolated / "data" / "t10k-images-idx3-ubyte.gz"
    # A labels header in the images file.
    _write_idx(path, np.zeros((3, 28, 28)), magic=0x00000801)
    monkeypatch.setenv("KERASGEN_DATA_DIR", str(isolated / "data"))
    with pytest.raises(ValueError, match="t10k-images-idx3-ubyte.gz.*magic"):
        fashion_mnist.load_data()


def test_truncated_file_raises_value_error(isolated, monkeypatch):
    _write_dataset(isolated / "data")
    path = isolated / "data" / "train-images-idx3-ubyte.gz"
    with gzip.open(path, "rb") as file:
        data = file.read()
    with gzip.open(path, "wb") as file:
        file.write(data[:-100])
    monkeypatch.setenv("KERASGEN_DATA_DIR", str(isolated / "data"))
    with pytest.raises(ValueError, match="train-images-idx3-ubyte.gz"):
        fashion_mnist.load_data()


def test_truncated_gzip_stream_raises_value_error(isolated, monkeypatch):
    _write_dataset(isolated / "data")
    path = isolated / "data" / "train-images-idx3-ubyte.gz"
    path.write_bytes(path.read_bytes()[:-200])
    monkeypatch.setenv("KERASGEN_DATA_DIR", str(isolated / "data"))
    with pytest.raises(ValueError, match="train-images-idx3-ubyte.gz"):
        fashion_mnist.load_data()


def test_image_label_count_mismatch_raises_value_error(isolated, monkeypatch):
    _write_dataset(isolated / "data")
    _write_idx(isolated / "data" / "train-labels-idx1-ubyte.gz", np.zeros((4,)))
    monkeypatch.setenv("KERASGEN_DATA_DIR", str(isolated / "data"))
    with pytest.raises(ValueError, match="4 labels"):
        fashion_mnist.load_data()


def test_out_of_range_label_raises_value_error(isolated, monkeypatch):
    _write_dataset(isolated / "data")
    _write_idx(isolated / "data" / "t10k-labels-idx1-ubyte.gz", [1, 2, 10])
    monkeypatch.setenv("KERASGEN_DATA_DIR", str(isolated / "data"))
    with pytest.raises(ValueError, match="t10k-labels-idx1-ubyte.gz"):
        fashion_mnist.load_data()
