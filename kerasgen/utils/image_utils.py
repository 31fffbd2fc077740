"""Image conversions, validation at the public boundary and sample grids.

Inside every kerasgen model images are float32 in `[-1, 1]`; at the user
boundary they are uint8 in `[0, 255]`. These helpers convert between the two
and refuse anything else with a `ValueError` that names the argument.
"""

import math
import os
import warnings

import numpy as np


def _describe(array):
    return f"shape={array.shape}, dtype={array.dtype}"


def validate_images(images, image_shape=None, name="images", allow_empty=True):
    """Checks a batch of images and returns it as float32 in `[-1, 1]`.

    Float images that all lie in `[0, 1]` (the classic `x / 255`) pass, as
    they are valid `[-1, 1]` images, but with one `UserWarning` that names
    the likely mistake and its fix.

    Args:
        images: array-like, `(batch, height, width, channels)`, either uint8
            in `[0, 255]` or float in `[-1, 1]`.
        image_shape: tuple or `None`. Expected `(height, width, channels)`;
            `None` entries are not checked. Defaults to `None`.
        name: str. Argument name used in error messages. Defaults to
            `"images"`.
        allow_empty: bool. Whether a batch of 0 images passes. Defaults to
            `True`.

    Returns:
        A NumPy float32 array in `[-1, 1]` of the same shape.

    Raises:
        ValueError: wrong rank, shape or channels, NaN or infinite values,
            floats outside `[-1, 1]`, integers outside `[0, 255]`.
        TypeError: a non-numeric array.

    Example:
    >>> float(validate_images(np.zeros((2, 28, 28, 1), "uint8")).min())
    -1.0
    """
    array = np.asarray(images)
    if array.dtype == object or not (
        np.issubdtype(array.dtype, np.number) or array.dtype == bool
    ):
        raise TypeError(
            f"{name} must be a numeric array; received dtype {array.dtype}"
        )
    if array.ndim != 4:
        raise ValueError(
            f"{name} must have rank 4 (batch, height, width, channels); "
            f"received {_describe(array)}"
        )
    if not allow_empty and array.shape[0] == 0:
        raise ValueError(
            f"{name} holds 0 images; expected at least one image, received "
            f"{_describe(array)}"
        )
    if image_shape is not None:
        for axis, (got, want) in enumerate(
            zip(array.shape[1:], image_shape), start=1
        ):
            if want is not None and got != want:
                what = "channels" if axis == 3 else "shape"
                raise ValueError(
                    f"{name} has the wrong {what}: expected (batch, "
                    f"{', '.join(str(d) for d in image_shape)}); "
                    f"received {_describe(array)}"
                )
    if np.issubdtype(array.dtype, np.integer) or array.dtype == bool:
        if array.size and (array.min() < 0 or array.max() > 255):
            raise ValueError(
                f"{name} of integer dtype must lie in [0, 255]; received "
                f"min={array.min()}, max={array.max()} with dtype "
                f"{array.dtype}"
            )
        return uint8_to_float(array)
    if not np.all(np.isfinite(array)):
        raise ValueError(f"{name} contains NaN or infinite values")
    if array.size and (array.min() < -1.0 - 1e-6 or array.max() > 1.0 + 1e-6):
        raise ValueError(
            f"{name} must be float in [-1, 1] or uint8; received "
            f"min={float(array.min())}, max={float(array.max())} with dtype "
            f"{array.dtype}"
        )
    if array.size > 1 and array.min() >= 0.0 and array.max() <= 1.0:
        if array.max() > array.min():
            warnings.warn(
                f"{name}: every float value lies in [0, 1] (min="
                f"{float(array.min()):.3g}, max={float(array.max()):.3g}), but "
                "kerasgen reads float images as [-1, 1]: images scaled with "
                "`x / 255` come out too bright. Pass the uint8 images "
                "unchanged, or scale them with `x / 127.5 - 1`.",
                UserWarning,
                stacklevel=3,
            )
    return array.astype("float32")


def uint8_to_float(images):
    """Maps uint8 `[0, 255]` to float32 `[-1, 1]` (0 -> -1, 255 -> 1)."""
    return np.asarray(images, dtype="float32") / 127.5 - 1.0


def float_to_uint8(images):
    """Maps float `[-1, 1]` to uint8 `[0, 255]`, rounding to the nearest.

    Values are clipped to `[-1, 1]` first: this is the output end of a
    model, where a decoder may overshoot by a rounding error.
    """
    array = np.asarray(images, dtype="float32")
    if not np.all(np.isfinite(array)):
        raise ValueError("images contain NaN or infinite values")
    array = (np.clip(array, -1.0, 1.0) + 1.0) * 127.5
    return np.round(array).astype("uint8")


def interleave_rows(originals, reconstructions, images_per_row):
    """Rows of `originals`, each followed by the row of its reconstructions.

    Args:
        originals, reconstructions: uint8 arrays of the same shape
            `(n, height, width, channels)`.
        images_per_row: int >= 1.

    Returns:
        uint8 array of `2 * ceil(n / images_per_row) * images_per_row`
        images for `make_image_grid(..., num_rows=len // images_per_row)`;
        white images complete the last pair of rows.
    """
    originals = np.asarray(originals)
    reconstructions = np.asarray(reconstructions)
    if originals.shape != reconstructions.shape:
        raise ValueError(
            "originals and reconstructions must have the same shape; "
            f"received {originals.shape} and {reconstructions.shape}"
        )
    rows = []
    for start in range(0, len(originals), images_per_row):
        for batch in (originals, reconstructions):
            row = batch[start : start + images_per_row]
            missing = images_per_row - len(row)
            if missing:
                white = np.full((missing,) + row.shape[1:], 255, "uint8")
                row = np.concatenate([row, white])
            rows.append(row)
    return np.concatenate(rows)


def make_image_grid(images, num_rows=None, padding=2, pad_value=255):
    """Tiles a batch of uint8 images into one uint8 image.

    Args:
        images: uint8 array `(batch, height, width, channels)` in
            `[0, 255]`.
        num_rows: int or `None`. Rows of the grid; `None` makes it as square
            as possible. Defaults to `None`.
        padding: int. Pixels between tiles. Defaults to 2.
        pad_value: int. Value of the padding pixels. Defaults to 255.

    Returns:
        uint8 array `(grid_height, grid_width, channels)`.
    """
    images = np.asarray(images)
    if images.ndim != 4 or images.dtype != np.uint8:
        raise ValueError(
            "images must be a uint8 array (batch, height, width, channels); "
            f"received {_describe(images)}"
        )
    if images.shape[0] == 0:
        raise ValueError("images must hold at least one image")
    num_images, height, width, channels = images.shape
    if num_rows is None:
        num_cols = math.ceil(math.sqrt(num_images))
        num_rows = math.ceil(num_images / num_cols)
    else:
        if num_rows < 1:
            raise ValueError(f"num_rows must be >= 1; received {num_rows}")
        num_cols = math.ceil(num_images / num_rows)
    grid = np.full(
        (
            num_rows * height + (num_rows + 1) * padding,
            num_cols * width + (num_cols + 1) * padding,
            channels,
        ),
        pad_value,
        dtype="uint8",
    )
    for index in range(num_images):
        row, col = divmod(index, num_cols)
        top = padding + row * (height + padding)
        left = padding + col * (width + padding)
        grid[top : top + height, left : left + width] = images[index]
    return grid


def save_image_grid(images, path, num_rows=None, padding=2, scale=1):
    """Saves a batch of uint8 images as one PNG grid.

    Args:
        images: uint8 array `(batch, height, width, channels)` in `[0, 255]`,
            as returned by `generate()`.
        path: str. Output file; parent folders are created.
        num_rows: int or `None`. Rows of the grid. Defaults to square.
        padding: int. Pixels between tiles. Defaults to 2.
        scale: int. Nearest-neighbour upscaling factor. Defaults to 1.

    Returns:
        The path written.
    """
    from PIL import Image

    grid = make_image_grid(images, num_rows=num_rows, padding=padding)
    if scale != 1:
        grid = grid.repeat(scale, axis=0).repeat(scale, axis=1)
    if grid.shape[-1] == 1:
        grid = grid[..., 0]
    directory = os.path.dirname(os.path.abspath(path))
    os.makedirs(directory, exist_ok=True)
    Image.fromarray(grid).save(path)
    return path
