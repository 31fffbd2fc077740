import numpy as np
import pytest
import tensorflow as tf
from PIL import Image

from kerasgen.data import image_dataset
from kerasgen.datasets import fashion_mnist


def _collect(dataset):
    """Concatenates all batches of one epoch into NumPy arrays."""
    batches = [tf.nest.map_structure(np.asarray, b) for b in dataset]
    return tf.nest.map_structure(lambda *parts: np.concatenate(parts), *batches)


def _indexed_images(num_images=32, height=6, width=5):
    """Image i has all pixels equal to i except a distinct left column."""
    images = np.repeat(
        np.arange(num_images, dtype=np.uint8)[:, None, None], height, axis=1
    )
    images = np.repeat(images, width, axis=2)  # (N, H, W)
    images[:, :, 0] = 200 + np.arange(height, dtype=np.uint8)
    return images


def test_numpy_source_dtype_shape_and_exact_extremes():
    images = np.zeros((3, 4, 4), dtype=np.uint8)
    images[1] = 255
    images[2] = 51
    output = _collect(image_dataset(images, batch_size=2, shuffle=False))
    assert output.dtype == np.float32
    assert output.shape == (3, 4, 4, 1)
    assert np.all(output[0] == -1.0)
    assert np.all(output[1] == 1.0)
    np.testing.assert_allclose(output[2], 51 / 127.5 - 1.0, atol=1e-6)


@pytest.mark.parametrize("value_range", [(0.0, 1.0), (-0.5, 0.7), (0, 255)])
def test_value_range_exact_extremes(value_range):
    low, high = value_range
    images = np.array([0, 255, 128], dtype=np.uint8).reshape(3, 1, 1, 1)
    output = _collect(
        image_dataset(images, shuffle=False, value_range=value_range)
    )
    assert output[0, 0, 0, 0] == np.float32(low)
    assert output[1, 0, 0, 0] == np.float32(high)
    np.testing.assert_allclose(
        output[2, 0, 0, 0], low + (high - low) * 128 / 255, rtol=1e-6
    )


def test_batching_and_drop_remainder():
    images = np.zeros((10, 4, 4, 3), dtype=np.uint8)
    dataset = image_dataset(images, batch_size=4, seed=0)
    assert [len(b) for b in dataset] == [4, 4, 2]
    assert int(dataset.cardinality()) == 3
    dataset = image_dataset(images, batch_size=4, drop_remainder=True)
    assert [len(b) for b in dataset] == [4, 4]
    assert dataset.element_spec.shape.as_list() == [4, 4, 4, 3]


def test_shuffle_keeps_labels_aligned_and_reshuffles():
    images = _indexed_images(64)
    labels = np.arange(64) * 3
    dataset = image_dataset(
        (images, labels),
        batch_size=10,
        seed=1,
        with_labels=True,
        integer_targets=True,
    )
    (epoch1, labels1), targets1 = _collect(dataset)
    (epoch2, _), _ = _collect(dataset)
    assert labels1.dtype == np.int32
    # Every example exactly once, in a shuffled order.
    np.testing.assert_array_equal(np.sort(labels1), labels)
    assert not np.array_equal(labels1, labels)
    # Image content, targets and labels still belong together.
    indices = labels1 // 3
    np.testing.assert_array_equal(targets1[..., 0], images[indices])
    np.testing.assert_allclose(
        epoch1[..., 0], images[indices] / 127.5 - 1.0, atol=1e-6
    )
    # A new order every epoch.
    assert not np.array_equal(epoch1, epoch2)


def test_seed_makes_the_pipeline_reproducible():
    images = _indexed_images(40)

    def first_epoch(seed):
        return _collect(
            image_dataset(
                images,
                batch_size=8,
                seed=seed,
                dequantize=True,
                random_flip="horizontal",
            )
        )

    np.testing.assert_array_equal(first_epoch(3), first_epoch(3))
    assert not np.array_equal(first_epoch(3), first_epoch(4))


def test_no_shuffle_keeps_the_order():
    images = _indexed_images(20)
    output = _collect(image_dataset(images, batch_size=6, shuffle=False))
    np.testing.assert_allclose(output[..., 0], images / 127.5 - 1.0, atol=1e-6)


def test_integer_targets_equal_the_original_pixels():
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, (12, 5, 7, 3), dtype=np.uint8)
    images[0, 0, 0] = [0, 255, 17]
    dataset = image_dataset(
        images,
        batch_size=5,
        shuffle=False,
        dequantize=True,
        integer_targets=True,
    )
    inputs, targets = _collect(dataset)
    assert targets.dtype == np.int32
    np.testing.assert_array_equal(targets, images)
    assert inputs.shape == images.shape


def test_integer_targets_with_labels_structure():
    images = _indexed_images(8)
    dataset = image_dataset(
        (images, np.arange(8)),
        batch_size=4,
        with_labels=True,
        integer_targets=True,
    )
    (batch_images, batch_labels), batch_targets = next(iter(dataset))
    assert batch_images.shape == (4, 6, 5, 1)
    assert batch_labels.shape == (4,)
    assert batch_targets.shape == (4, 6, 5, 1)
    assert batch_targets.dtype == tf.int32


def test_dequantize_range_and_bins():
    # Every pixel value 0..255 once.
    images = np.arange(256, dtype=np.uint8).reshape(1, 16, 16)
    images = np.repeat(images, 4, axis=0)
    dataset = image_dataset(
        images,
        batch_size=4,
        seed=0,
        value_range=(0.0, 1.0),
        dequantize=True,
        integer_targets=True,
    )
    output, targets = _collect(dataset)
    assert output.dtype == np.float32
    assert output.min() >= 0.0 and output.max() <= 1.0
    # Pixel p lands in [p / 256, (p + 1) / 256].
    lower = targets / 256.0
    assert np.all(output >= lower - 1e-6)
    assert np.all(output <= lower + 1 / 256 + 1e-6)
    # Real noise: not the discrete levels, spread over the bins.
    residual = output - lower
    assert residual.std() > 0.2 / 256
    assert len(np.unique(output)) > 900
    # Fresh noise every epoch.
    second, _ = _collect(dataset)
    assert not np.array_equal(output, second)


def test_dequantize_in_default_range():
    images = np.array([0, 255], dtype=np.uint8).reshape(2, 1, 1)
    images = np.repeat(images, 50, axis=0)
    output = _collect(image_dataset(images, batch_size=100, dequantize=True))
    assert output.min() >= -1.0 and output.max() <= 1.0
    assert output.min() < -1.0 + 2 / 256  # pixel 0 in [-1, -1 + 2/256)
    assert output.max() > 1.0 - 2 / 256  # pixel 255 in [1 - 2/256, 1)


def test_random_horizontal_flip():
    images = _indexed_images(64)
    dataset = image_dataset(
        (images, np.arange(64)),
        batch_size=16,
        seed=0,
        with_labels=True,
        integer_targets=True,
        random_flip="horizontal",
    )
    (output, labels), targets = _collect(dataset)
    flipped = 0
    for image, label, target in zip(output, labels, targets):
        original = images[label][..., None]
        mirrored = original[:, ::-1]
        if np.array_equal(target, mirrored):
            flipped += 1
        else:
            np.testing.assert_array_equal(target, original)
        # Targets flip together with the images.
        np.testing.assert_allclose(image, target / 127.5 - 1.0, atol=1e-6)
    assert 10 < flipped < 54


def test_no_flip_by_default():
    images = _indexed_images(16)
    _, targets = _collect(
        image_dataset(images, batch_size=16, integer_targets=True, seed=0)
    )
    for target in targets:
        assert target[0, 0, 0] >= 200  # the marker column stays on the left


def test_resize():
    images = np.full((3, 16, 16, 3), 100, dtype=np.uint8)
    images[:, :, 8:] = 200
    dataset = image_dataset(
        images, image_size=(8, 4), shuffle=False, integer_targets=True
    )
    output, targets = _collect(dataset)
    assert output.shape == (3, 8, 4, 3)
    assert targets.shape == (3, 8, 4, 3)
    # Antialiased bilinear: constant halves keep their values.
    np.testing.assert_array_equal(targets[:, :, 0], 100)
    np.testing.assert_array_equal(targets[:, :, -1], 200)
    square = _collect(image_dataset(images, image_size=4, shuffle=False))
    assert square.shape == (3, 4, 4, 3)


def test_channels_gray_to_rgb():
    images = _indexed_images(4)
    output = _collect(image_dataset(images, channels=3, shuffle=False))
    assert output.shape == (4, 6, 5, 3)
    np.testing.assert_array_equal(output[..., 0], output[..., 1])
    np.testing.assert_array_equal(output[..., 0], output[..., 2])
    np.testing.assert_allclose(output[..., 0], images / 127.5 - 1.0, atol=1e-6)


def test_channels_rgb_to_gray_and_alpha_dropped():
    images = np.zeros((2, 3, 3, 4), dtype=np.uint8)
    images[0, ..., 0] = 255  # pure red
    images[1, ..., :3] = 255  # white
    images[..., 3] = 7  # alpha
    _, gray = _collect(
        image_dataset(images, channels=1, shuffle=False, integer_targets=True)
    )
    assert gray.shape == (2, 3, 3, 1)
    np.testing.assert_array_equal(gray[0], 76)  # round(0.2989 * 255)
    np.testing.assert_array_equal(gray[1], 255)
    _, rgb = _collect(
        image_dataset(images, channels=3, shuffle=False, integer_targets=True)
    )
    np.testing.assert_array_equal(rgb, images[..., :3])


def test_float_and_integer_arrays_on_the_0_255_scale():
    images = np.array([0.0, 254.6, 255.0]).reshape(3, 1, 1)
    _, targets = _collect(
        image_dataset(images, shuffle=False, integer_targets=True)
    )
    np.testing.assert_array_equal(targets.ravel(), [0, 255, 255])
    output = _collect(
        image_dataset(np.array([[[0, 255]]], dtype=np.int64), shuffle=False)
    )
    np.testing.assert_array_equal(output.ravel(), [-1.0, 1.0])
    with pytest.warns(UserWarning, match=r"\[0, 1\]"):
        image_dataset(np.full((2, 3, 3), 0.5, dtype=np.float32))


@pytest.mark.parametrize(
    "images, match",
    [
        (np.array([[[np.nan]]], dtype=np.float32), "NaN"),
        (np.array([[[256.0]]]), r"\[0, 255\].*max=256"),
        (np.array([[[-1.0]]]), r"\[0, 255\].*min=-1"),
        (np.array([[[-1]]], dtype=np.int16), r"\[0, 255\]"),
        (np.zeros((4, 4), dtype=np.uint8), r"\(N, H, W\)"),
        (np.zeros((0, 4, 4), dtype=np.uint8), "at least one image"),
    ],
)
def test_invalid_arrays_raise_value_error(images, match):
    with pytest.raises(ValueError, match=match):
        image_dataset(images)


def test_invalid_labels():
    images = np.zeros((4, 2, 2), dtype=np.uint8)
    with pytest.raises(ValueError, match="with_labels"):
        image_dataset(images, with_labels=True)
    with pytest.raises(ValueError, match="labels must have shape"):
        image_dataset((images, np.arange(3)), with_labels=True)
    with pytest.raises(ValueError, match="non-negative"):
        image_dataset((images, np.array([0, 1, -1, 2])), with_labels=True)
    with pytest.raises(TypeError, match="labels must be integers"):
        image_dataset((images, np.zeros(4)), with_labels=True)
    # Keras-style (N, 1) labels are accepted.
    _, labels = _collect(
        image_dataset(
            (images, np.arange(4)[:, None]), with_labels=True, shuffle=False
        )
    )
    np.testing.assert_array_equal(labels, [0, 1, 2, 3])


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        ({"batch_size": 0}, ValueError, "batch_size"),
        ({"batch_size": 2.0}, TypeError, "batch_size"),
        ({"shuffle_buffer": 0}, ValueError, "shuffle_buffer"),
        ({"seed": -1}, ValueError, "seed"),
        ({"value_range": (1.0, -1.0)}, ValueError, "value_range"),
        ({"value_range": (0.0, float("nan"))}, ValueError, "value_range"),
        ({"value_range": (0.0, 1.0, 2.0)}, ValueError, "value_range"),
        ({"value_range": "0,1"}, ValueError, "value_range"),
        ({"image_size": (0, 4)}, ValueError, "image_size"),
        ({"image_size": (4,)}, ValueError, "image_size"),
        ({"channels": 2}, ValueError, "channels"),
        ({"channels": True}, ValueError, "channels"),
        ({"random_flip": "vertical"}, ValueError, "random_flip"),
        ({"split": "train"}, ValueError, "split"),
        ({"shuffle": "yes"}, TypeError, "shuffle"),
        ({"dequantize": 1}, TypeError, "dequantize"),
    ],
)
def test_invalid_arguments(kwargs, error, match):
    images = np.zeros((4, 2, 2), dtype=np.uint8)
    with pytest.raises(error, match=match):
        image_dataset(images, **kwargs)


def test_invalid_source_types():
    with pytest.raises(TypeError, match="source"):
        image_dataset([np.zeros((2, 2), dtype=np.uint8)])
    with pytest.raises(TypeError, match="source images must be uint8"):
        image_dataset(np.zeros((2, 2, 2), dtype=bool))
    with pytest.raises(ValueError, match="tuple"):
        image_dataset((np.zeros((2, 2, 2), dtype=np.uint8),))


def _save_png(path, array):
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(array).save(path)


def test_folder_with_class_subfolders(tmp_path):
    for value in (10, 20):
        _save_png(tmp_path / "cat" / f"{value}.png", _rgb(value))
    for value in (30, 40):
        _save_png(tmp_path / "dog" / "nested" / f"{value}.PNG", _rgb(value))
    _save_png(tmp_path / "dog" / "50.jpg", _rgb(50))
    _save_png(tmp_path / ".hidden" / "60.png", _rgb(60))
    (tmp_path / "dog" / "notes.txt").write_text("not an image")
    dataset = image_dataset(
        tmp_path,
        batch_size=2,
        seed=0,
        with_labels=True,
        integer_targets=True,
    )
    (images, labels), targets = _collect(dataset)
    assert images.shape == (5, 6, 4, 3)
    assert labels.dtype == np.int32
    values = targets[:, 0, 0, 1]  # green channel carries the file value
    order = np.argsort(values)
    np.testing.assert_array_equal(values[order][:4], [10, 20, 30, 40])
    assert abs(int(values[order][4]) - 50) <= 2  # jpeg is lossy
    np.testing.assert_array_equal(labels[order], [0, 0, 1, 1, 1])


def _rgb(value, height=6, width=4):
    image = np.zeros((height, width, 3), dtype=np.uint8)
    image[..., 0] = 255
    image[..., 1] = value
    return image


def test_flat_folder_of_grayscale_images(tmp_path):
    for value in (0, 255, 77):
        _save_png(tmp_path / f"{value}.png", np.full((5, 5), value, np.uint8))
    output = _collect(image_dataset(str(tmp_path), shuffle=False))
    assert output.shape == (3, 5, 5, 1)
    # Files are read in sorted name order: 0, 255, 77.
    np.testing.assert_allclose(
        output[:, 0, 0, 0], np.array([0, 255, 77]) / 127.5 - 1.0, atol=1e-6
    )
    with pytest.raises(ValueError, match="with_labels"):
        image_dataset(str(tmp_path), with_labels=True)
    rgb = _collect(image_dataset(str(tmp_path), shuffle=False, channels=3))
    assert rgb.shape == (3, 5, 5, 3)


def test_folder_with_different_sizes_needs_image_size(tmp_path):
    _save_png(tmp_path / "a.png", np.zeros((4, 4), np.uint8))
    _save_png(tmp_path / "b.png", np.zeros((8, 6), np.uint8))
    with pytest.raises(ValueError, match="image_size"):
        image_dataset(tmp_path)
    output = _collect(image_dataset(tmp_path, image_size=(5, 5)))
    assert output.shape == (2, 5, 5, 1)


def test_bad_folders(tmp_path):
    with pytest.raises(ValueError, match="no .png/.jpg/.jpeg images"):
        image_dataset(tmp_path)
    with pytest.raises(ValueError, match="is missing"):
        image_dataset(str(tmp_path / "missing"))
    (tmp_path / "broken.png").write_bytes(b"not a png")
    with pytest.raises(ValueError, match="broken.png"):
        image_dataset(tmp_path)


def test_fashion_mnist_source(monkeypatch):
    train = (np.zeros((6, 28, 28), np.uint8), np.arange(6, dtype=np.uint8))
    test = (np.full((3, 28, 28), 255, np.uint8), np.arange(3, dtype=np.uint8))
    monkeypatch.setattr(fashion_mnist, "load_data", lambda: (train, test))
    images, labels = _collect(
        image_dataset("fashion_mnist", with_labels=True, seed=0)
    )
    assert images.shape == (6, 28, 28, 1)
    assert np.all(images == -1.0)
    np.testing.assert_array_equal(np.sort(labels), np.arange(6))
    images = _collect(image_dataset("fashion_mnist", split="test"))
    assert images.shape == (3, 28, 28, 1)
    assert np.all(images == 1.0)
    with pytest.raises(ValueError, match="split"):
        image_dataset("fashion_mnist", split="validation")


def test_tfds_source_with_mock_data():
    tfds = pytest.importorskip("tensorflow_datasets")
    with tfds.testing.mock_data(num_examples=6):
        dataset = image_dataset(
            "tfds:fashion_mnist",
            batch_size=4,
            seed=0,
            with_labels=True,
            integer_targets=True,
        )
        (images, labels), targets = _collect(dataset)
        assert images.shape == (6, 28, 28, 1)
        assert images.dtype == np.float32
        assert images.min() >= -1.0 and images.max() <= 1.0
        np.testing.assert_allclose(images, targets / 127.5 - 1.0, atol=1e-6)
        assert labels.dtype == np.int32
        assert labels.min() >= 0 and labels.max() < 10
        resized = _collect(
            image_dataset(
                "tfds:fashion_mnist", split="test", image_size=8, channels=3
            )
        )
        assert resized.shape == (6, 8, 8, 3)
        with pytest.raises(ValueError, match="image_key"):
            image_dataset("tfds:fashion_mnist", image_key="picture")
        with pytest.raises(ValueError, match="label_key"):
            image_dataset(
                "tfds:fashion_mnist", with_labels=True, label_key="class"
            )
