import numpy as np
import pytest
from PIL import Image

from kerasgen.utils import image_utils


def test_uint8_float_round_trip_is_exact():
    values = np.arange(256, dtype="uint8").reshape(1, 16, 16, 1)
    floats = image_utils.uint8_to_float(values)
    assert floats.min() == -1.0 and floats.max() == 1.0
    np.testing.assert_array_equal(image_utils.float_to_uint8(floats), values)


def test_validate_images_converts_uint8_and_keeps_floats():
    images = np.full((2, 4, 4, 1), 255, "uint8")
    np.testing.assert_array_equal(image_utils.validate_images(images), 1.0)
    floats = np.full((2, 4, 4, 1), -0.5, "float64")
    out = image_utils.validate_images(floats, (4, 4, 1))
    assert out.dtype == np.float32
    np.testing.assert_array_equal(out, -0.5)


@pytest.mark.parametrize(
    "images, shape, message",
    [
        (np.zeros((4, 4, 1), "uint8"), None, "rank 4"),
        (np.zeros((2, 4, 5, 1), "uint8"), (4, 4, 1), "wrong shape"),
        (np.zeros((2, 4, 4, 3), "uint8"), (4, 4, 1), "wrong channels"),
        (np.full((1, 4, 4, 1), 2.0, "float32"), None, r"max=2\.0"),
        (np.full((1, 4, 4, 1), 300, "int32"), None, r"\[0, 255\]"),
        (np.full((1, 4, 4, 1), np.nan, "float32"), None, "NaN"),
        (np.full((1, 4, 4, 1), -np.inf, "float32"), None, "infinite"),
    ],
)
def test_validate_images_refuses(images, shape, message):
    with pytest.raises(ValueError, match=message):
        image_utils.validate_images(images, shape, name="images")


def test_validate_images_refuses_strings():
    with pytest.raises(TypeError, match="numeric"):
        image_utils.validate_images(np.array([["a"]]))


def test_image_grid_layout():
    images = np.stack([np.full((3, 2, 1), v, "uint8") for v in (10, 20, 30)])
    grid = image_utils.make_image_grid(images, num_rows=1, padding=1)
    assert grid.shape == (5, 1 + 3 * 3, 1)
    assert grid[1, 1, 0] == 10 and grid[1, 4, 0] == 20 and grid[1, 7, 0] == 30
    assert grid[0, 0, 0] == 255
    square = image_utils.make_image_grid(np.zeros((5, 2, 2, 3), "uint8"))
    assert square.shape == (2 * 2 + 3 * 2, 3 * 2 + 4 * 2, 3)


def test_save_image_grid_writes_png(tmp_path):
    images = np.random.default_rng(0).integers(0, 256, (4, 5, 5, 1), "uint8")
    path = image_utils.save_image_grid(
        images, str(tmp_path / "a" / "grid.png"), padding=0, scale=2
    )
    loaded = np.asarray(Image.open(path))
    assert loaded.shape == (20, 20)
    np.testing.assert_array_equal(loaded[:2, :2], images[0, 0, 0, 0])


def test_grid_refuses_floats():
    with pytest.raises(ValueError, match="uint8"):
        image_utils.make_image_grid(np.zeros((1, 2, 2, 1), "float32"))


def test_interleave_rows_pairs_rows_and_pads_with_white():
    originals = np.arange(5, dtype="uint8").reshape(5, 1, 1, 1)
    reconstructions = originals + 100
    rows = image_utils.interleave_rows(originals, reconstructions, 3)
    np.testing.assert_array_equal(
        rows[:, 0, 0, 0], [0, 1, 2, 100, 101, 102, 3, 4, 255, 103, 104, 255]
    )
    with pytest.raises(ValueError, match="same shape"):
        image_utils.interleave_rows(originals, reconstructions[:4], 3)
