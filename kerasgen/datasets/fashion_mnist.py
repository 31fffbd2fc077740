"""Fashion-MNIST, read from local files first and downloaded only as a last
resort.

`load_data()` has exactly the return contract of
`keras.datasets.fashion_mnist.load_data()`, but looks for the four original
idx gz files on disk before touching the network, in this order:

1. the folder named by the environment variable `KERASGEN_DATA_DIR` (the files
   directly inside it, or inside its `fashion-mnist` subfolder);
2. `/usr/share/datasets/fashion-mnist` (Debian's `dataset-fashion-mnist`);
3. the Keras cache, `$KERAS_HOME/datasets/fashion-mnist` (`KERAS_HOME`
   defaults to `~/.keras`);
4. `keras.datasets.fashion_mnist.load_data()`, which downloads the files.
"""

import gzip
import os
import struct
import warnings
import zlib

import numpy as np

CLASS_NAMES = (
    "T-shirt/top",
    "Trouser",
    "Pullover",
    "Dress",
    "Coat",
    "Sandal",
    "Shirt",
    "Sneaker",
    "Bag",
    "Ankle boot",
)

DATA_DIR_ENV_VAR = "KERASGEN_DATA_DIR"
INSTALL_COMMAND = "apt-get install dataset-fashion-mnist"

# Module attributes (not constants inlined in functions) so that tests can
# point them elsewhere.
_SYSTEM_DATA_DIR = "/usr/share/datasets/fashion-mnist"
_SUBFOLDER = "fashion-mnist"
_TRAIN_IMAGES = "train-images-idx3-ubyte.gz"
_TRAIN_LABELS = "train-labels-idx1-ubyte.gz"
_TEST_IMAGES = "t10k-images-idx3-ubyte.gz"
_TEST_LABELS = "t10k-labels-idx1-ubyte.gz"
_FILES = (_TRAIN_IMAGES, _TRAIN_LABELS, _TEST_IMAGES, _TEST_LABELS)

# idx magic number = 0x0000 0x08 (unsigned byte data) then the rank.
_IDX_UBYTE_TYPE = 0x08
_IMAGES_MAGIC = 0x00000803
_LABELS_MAGIC = 0x00000801


def load_data():
    """Loads the Fashion-MNIST dataset (60,000 train and 10,000 test images).

    28x28 grayscale images of 10 clothing categories (`CLASS_NAMES` gives the
    label names). Local copies of the four idx gz files are used when present
    (see the module docstring for the search order, `KERASGEN_DATA_DIR`
    first); otherwise Keras downloads them to its cache.

    Returns:
        Tuple of NumPy arrays `(x_train, y_train), (x_test, y_test)`:
        `x_train` `uint8` `(60000, 28, 28)` with pixels in `[0, 255]`,
        `y_train` `uint8` `(60000,)` with labels in `[0, 9]`, `x_test`
        `uint8` `(10000, 28, 28)` and `y_test` `uint8` `(10000,)`, exactly as
        `keras.datasets.fashion_mnist.load_data()`.

    Raises:
        ValueError: if a local file is corrupt (not gzip, wrong idx magic
            number, truncated); the message names the file.
        FileNotFoundError: if no local copy exists and the download fails;
            the message names the install command and `KERASGEN_DATA_DIR`.

    Example:

    ```python
    from kerasgen.datasets import fashion_mnist

    (x_train, y_train), (x_test, y_test) = fashion_mnist.load_data()
    assert x_train.shape == (60000, 28, 28) and x_train.dtype == "uint8"
    print(fashion_mnist.CLASS_NAMES[y_train[0]])  # "Ankle boot"
    ```
    """
    searched = []
    env_dir = os.environ.get(DATA_DIR_ENV_VAR)
    if env_dir:
        env_dir = os.path.expanduser(env_dir)
        env_dirs = [env_dir, os.path.join(env_dir, _SUBFOLDER)]
        searched += env_dirs
        for folder in env_dirs:
            if _has_files(folder):
                return _load_folder(folder)
        warnings.warn(
            f"{DATA_DIR_ENV_VAR}={env_dir!r} does not contain the "
            f"Fashion-MNIST files {', '.join(_FILES)} (directly or in a "
            f"{_SUBFOLDER!r} subfolder); trying the other locations.",
            stacklevel=2,
        )
    for folder in (_SYSTEM_DATA_DIR, _keras_cache_dir()):
        searched.append(folder)
        if _has_files(folder):
            return _load_folder(folder)
    try:
        return _download()
    except Exception as error:  # network, permission, cache errors
        raise FileNotFoundError(
            "Fashion-MNIST was not found and could not be downloaded "
            f"({type(error).__name__}: {error}). Searched: "
            f"{', '.join(searched)}. Install it with "
            f"`{INSTALL_COMMAND}`, or set {DATA_DIR_ENV_VAR} to a folder "
            f"holding {', '.join(_FILES)}."
        ) from error


def _keras_cache_dir():
    keras_home = os.environ.get("KERAS_HOME") or os.path.join(
        os.path.expanduser("~"), ".keras"
    )
    return os.path.join(keras_home, "datasets", _SUBFOLDER)


def _has_files(folder):
    return all(os.path.isfile(os.path.join(folder, name)) for name in _FILES)


def _download():
    import keras

    return keras.datasets.fashion_mnist.load_data()


def _load_folder(folder):
    x_train = _read_idx(os.path.join(folder, _TRAIN_IMAGES), _IMAGES_MAGIC)
    y_train = _read_idx(os.path.join(folder, _TRAIN_LABELS), _LABELS_MAGIC)
    x_test = _read_idx(os.path.join(folder, _TEST_IMAGES), _IMAGES_MAGIC)
    y_test = _read_idx(os.path.join(folder, _TEST_LABELS), _LABELS_MAGIC)
    for images, labels, name in (
        (x_train, y_train, _TRAIN_IMAGES),
        (x_test, y_test, _TEST_IMAGES),
    ):
        if len(images) != len(labels):
            raise ValueError(
                f"Corrupt Fashion-MNIST file {os.path.join(folder, name)}: it "
                f"holds {len(images)} images but the labels file holds "
                f"{len(labels)} labels; expected the same count."
            )
    for labels, name in ((y_train, _TRAIN_LABELS), (y_test, _TEST_LABELS)):
        if labels.size and labels.max() >= len(CLASS_NAMES):
            raise ValueError(
                f"Corrupt Fashion-MNIST file {os.path.join(folder, name)}: "
                f"found label {int(labels.max())}; expected labels in "
                f"[0, {len(CLASS_NAMES) - 1}]."
            )
    return (x_train, y_train), (x_test, y_test)


def _read_idx(path, expected_magic):
    """Parses a gzip-compressed idx file of unsigned bytes into an array."""
    try:
        with gzip.open(path, "rb") as file:
            data = file.read()
    except (OSError, EOFError, zlib.error) as error:
        raise ValueError(
            f"Corrupt Fashion-MNIST file {path}: cannot decompress it as gzip "
            f"({error}). Delete it and reinstall or re-download it."
        ) from error
    ndim = expected_magic & 0xFF
    header_size = 4 + 4 * ndim
    if len(data) < header_size:
        raise ValueError(
            f"Corrupt Fashion-MNIST file {path}: {len(data)} bytes after "
            f"decompression; expected an idx header of {header_size} bytes."
        )
    (magic,) = struct.unpack(">I", data[:4])
    if magic != expected_magic:
        raise ValueError(
            f"Corrupt Fashion-MNIST file {path}: idx magic number {magic:#010x}"
            f"; expected {expected_magic:#010x} (unsigned bytes, rank {ndim})."
        )
    shape = struct.unpack(f">{ndim}I", data[4:header_size])
    expected_size = int(np.prod(shape))
    if len(data) - header_size != expected_size:
        raise ValueError(
            f"Corrupt Fashion-MNIST file {path}: header says shape {shape} "
            f"({expected_size} bytes) but {len(data) - header_size} data bytes "
            "follow."
        )
    # bytearray makes the returned array writable (np.frombuffer on bytes
    # would be read-only).
    array = np.frombuffer(bytearray(data), dtype=np.uint8, offset=header_size)
    return array.reshape(shape)
