"""Batched `tf.data` pipelines of images for generative models."""

import numbers
import os
import warnings

import numpy as np
import tensorflow as tf

from kerasgen.datasets import fashion_mnist

_IMAGE_EXTENSIONS = (".png", ".jpg", ".jpeg")
_TFDS_PREFIX = "tfds:"
_FASHION_MNIST = "fashion_mnist"
_FASHION_MNIST_SPLITS = ("train", "test")
_RANDOM_FLIP_MODES = (None, "horizontal")
_CHANNELS = (1, 3)
# PIL modes whose pixels are a single gray value (alpha aside).
_GRAYSCALE_MODES = ("1", "L", "LA", "La", "I", "I;16", "I;16B", "I;16L", "F")


def image_dataset(
    source,
    split=None,
    batch_size=128,
    shuffle=True,
    seed=None,
    value_range=(-1.0, 1.0),
    image_size=None,
    channels=None,
    with_labels=False,
    integer_targets=False,
    dequantize=False,
    random_flip=None,
    cache=True,
    drop_remainder=False,
    shuffle_buffer=10000,
    data_dir=None,
    image_key="image",
    label_key="label",
):
    """Builds a batched, shuffled, prefetched `tf.data.Dataset` of images.

    The images come out as float32 batches `(batch, height, width, channels)`
    (always rank 4, grayscale images get a channel axis of 1) scaled linearly
    from the 8-bit pixels `[0, 255]` to `value_range`: pixel 0 gives exactly
    `low` and pixel 255 exactly `high`.

    Pipeline order: read and decode -> resize (`image_size`) -> convert
    channels (`channels`) -> `cache` -> shuffle -> batch -> random flip ->
    dequantize and scale -> prefetch. Resizing and channel conversion round
    the result back to 8-bit pixels, so `integer_targets` and `dequantize`
    always see integers in `[0, 255]`. Random flips and dequantization noise
    are redrawn every epoch; with a `seed` the whole sequence of epochs
    (order, flips, noise) is reproducible.

    Args:
        source: where the images come from. One of:
            - a NumPy array `(N, H, W)` or `(N, H, W, C)` of pixels in
              `[0, 255]`: `uint8`, another integer dtype, or float (no NaN or
              inf; floats are rounded to the nearest integer);
            - a tuple `(images, labels)` of such an array and integer labels
              `(N,)` (or `(N, 1)`), needed for `with_labels=True`;
            - a path (`str` or `os.PathLike`) to a folder of `.png`/`.jpg`/
              `.jpeg` images, searched recursively. If the folder has
              subfolders, each subfolder is a class: labels are the indices
              of the subfolder names in sorted order (hidden folders and
              images directly in the top folder are ignored then);
            - `"fashion_mnist"`: Fashion-MNIST via
              `kerasgen.datasets.fashion_mnist.load_data()` (local files,
              no TFDS);
            - any other string: a TensorFlow Datasets name (a `"tfds:"`
              prefix forces TFDS, e.g. `"tfds:fashion_mnist"`), loaded with
              `tfds.load(name, split=split, data_dir=data_dir)`; images are
              read from feature `image_key`, labels from `label_key`.
        split: str or None. `"train"` or `"test"` for `"fashion_mnist"`; any
            TFDS split string (e.g. `"train[:10%]"`) for a TFDS name; must
            be None for arrays and folders. Defaults to None, meaning
            `"train"` for named datasets.
        batch_size: int >= 1. Images per batch. Defaults to 128.
        shuffle: bool. Whether to shuffle the examples (reshuffled every
            epoch). Defaults to True.
        seed: int >= 0 or None. Seed for shuffling, flips and dequantization
            noise. Defaults to None (not reproducible).
        value_range: pair `(low, high)` of finite numbers with `low < high`.
            Range of the output images. Defaults to `(-1.0, 1.0)`, the
            range of every kerasgen model.
        image_size: None, int or pair `(height, width)` of ints >= 1. Resize
            to this size (bilinear, antialiased); an int means a square.
            Required when the source images have different sizes. Defaults
            to None (keep the size).
        channels: None, 1 or 3. Force grayscale (1, ITU-R 601 luma) or RGB
            (3, gray copied to the three channels); an alpha channel is
            dropped. Defaults to None (keep the source's channels; folders
            of grayscale images give 1, any colour image gives 3).
        with_labels: bool. Also yield the integer class labels (int32
            `(batch,)`). Defaults to False.
        integer_targets: bool. Also yield the (flipped, undequantized)
            pixels as int32 in `[0, 255]` with the same shape as the images,
            e.g. the targets of an autoregressive pixel model. Defaults to
            False.
        dequantize: bool. Add uniform noise `u ~ U(0, 1)` to each integer
            pixel `p` and scale by 256 instead of 255: the output is
            `low + (high - low) * (p + u) / 256`, continuous in
            `[low, high)` (`high` itself can appear only through float32
            rounding); with `d = (high - low) / 256`, pixel `p` fills the
            bin `[low + p * d, low + (p + 1) * d)`.
            Defaults to False (the 256 discrete levels `p / 255`).
        random_flip: None or `"horizontal"`. Flip each image left-right with
            probability 0.5 (targets flip with it). Defaults to None.
        cache: bool. Cache the decoded, resized images in memory (before
            augmentation) after the first epoch. Defaults to True.
        drop_remainder: bool. Drop the last batch if it is smaller than
            `batch_size` (gives a static batch dimension). Defaults to False.
        shuffle_buffer: int >= 1. Shuffle buffer size (capped at the number
            of examples when known). Defaults to 10000.
        data_dir: str, os.PathLike or None. TFDS `data_dir`; only used for
            TFDS names. Defaults to None (TFDS' default).
        image_key: str. TFDS feature holding the image. Defaults to
            `"image"`.
        label_key: str. TFDS feature holding the label (with
            `with_labels=True`). Defaults to `"label"`.

    Returns:
        A `tf.data.Dataset` whose elements are:
        - `images` by default;
        - `(images, labels)` with `with_labels=True`;
        - `(images, targets)` with `integer_targets=True`;
        - `((images, labels), targets)` with both, i.e. `(inputs, targets)`
          as `Model.fit` expects.
        `images` are float32 `(batch, height, width, channels)` in
        `value_range`, `labels` int32 `(batch,)`, `targets` int32 with the
        shape of `images` in `[0, 255]`.

    Example:

    ```python
    import numpy as np
    from kerasgen.data import image_dataset

    pixels = np.random.randint(0, 256, size=(10, 16, 16), dtype="uint8")
    dataset = image_dataset(pixels, batch_size=4, seed=0)
    images = next(iter(dataset))
    print(images.shape, images.dtype)  # (4, 16, 16, 1) float32, in [-1, 1]

    labels = np.arange(10) % 2
    dataset = image_dataset(
        (pixels, labels),
        batch_size=4,
        with_labels=True,
        random_flip="horizontal",
    )
    images, labels = next(iter(dataset))
    ```
    """
    value_range = _validate_value_range(value_range)
    image_size = _validate_image_size(image_size)
    _validate_int("batch_size", batch_size, minimum=1)
    _validate_int("shuffle_buffer", shuffle_buffer, minimum=1)
    if seed is not None:
        _validate_int("seed", seed, minimum=0)
    for name, value in (
        ("shuffle", shuffle),
        ("with_labels", with_labels),
        ("integer_targets", integer_targets),
        ("dequantize", dequantize),
        ("cache", cache),
        ("drop_remainder", drop_remainder),
    ):
        if not isinstance(value, (bool, np.bool_)):
            raise TypeError(
                f"{name} must be a bool; received {value!r} of type "
                f"{type(value).__name__}."
            )
    if channels is not None and (
        not _is_int(channels) or channels not in _CHANNELS
    ):
        raise ValueError(
            f"channels must be None, 1 or 3; received {channels!r}."
        )
    if random_flip not in _RANDOM_FLIP_MODES:
        raise ValueError(
            "random_flip must be one of "
            f"{_RANDOM_FLIP_MODES}; received {random_flip!r}."
        )
    for name, value in (("image_key", image_key), ("label_key", label_key)):
        if not isinstance(value, str):
            raise TypeError(
                f"{name} must be a str; received {value!r} of type "
                f"{type(value).__name__}."
            )
    if data_dir is not None and not isinstance(data_dir, (str, os.PathLike)):
        raise TypeError(
            "data_dir must be None or a path; received "
            f"{data_dir!r} of type {type(data_dir).__name__}."
        )
    if split is not None and not isinstance(split, str):
        raise TypeError(
            f"split must be None or a str; received {split!r} of type "
            f"{type(split).__name__}."
        )

    source = _load_source(
        source,
        split=split,
        with_labels=with_labels,
        channels=channels,
        data_dir=data_dir,
        image_key=image_key,
        label_key=label_key,
    )
    return _build_pipeline(
        source,
        batch_size=batch_size,
        shuffle=shuffle,
        seed=seed,
        value_range=value_range,
        image_size=image_size,
        channels=channels,
        with_labels=with_labels,
        integer_targets=integer_targets,
        dequantize=dequantize,
        random_flip=random_flip,
        cache=cache,
        drop_remainder=drop_remainder,
        shuffle_buffer=shuffle_buffer,
    )


# ---------------------------------------------------------------------------
# Argument validation.
# ---------------------------------------------------------------------------


def _is_int(value):
    return isinstance(value, numbers.Integral) and not isinstance(
        value, (bool, np.bool_)
    )


def _validate_int(name, value, minimum):
    if not _is_int(value):
        raise TypeError(
            f"{name} must be an int >= {minimum}; received {value!r} of type "
            f"{type(value).__name__}."
        )
    if value < minimum:
        raise ValueError(
            f"{name} must be an int >= {minimum}; received {value}."
        )


def _validate_value_range(value_range):
    message = (
        "value_range must be a pair (low, high) of finite numbers with "
        f"low < high, e.g. (-1.0, 1.0); received {value_range!r}."
    )
    if not isinstance(value_range, (tuple, list)) or len(value_range) != 2:
        raise ValueError(message)
    for value in value_range:
        if isinstance(value, (bool, np.bool_)) or not isinstance(
            value, numbers.Real
        ):
            raise ValueError(message)
        if not np.isfinite(value):
            raise ValueError(message)
    low, high = float(value_range[0]), float(value_range[1])
    if not low < high:
        raise ValueError(message)
    return low, high


def _validate_image_size(image_size):
    if image_size is None:
        return None
    if _is_int(image_size):
        image_size = (image_size, image_size)
    if (
        not isinstance(image_size, (tuple, list))
        or len(image_size) != 2
        or not all(_is_int(size) and size >= 1 for size in image_size)
    ):
        raise ValueError(
            "image_size must be None, an int >= 1 or a pair (height, width) "
            f"of ints >= 1; received {image_size!r}."
        )
    return int(image_size[0]), int(image_size[1])


# ---------------------------------------------------------------------------
# Sources. Each gives a dataset of dicts {"image": uint8 (H, W, C) or a file
# path, ["label": int32 ()]} plus what is known statically about the images.
# ---------------------------------------------------------------------------


class _Source:
    def __init__(
        self,
        dataset,
        height,
        width,
        channels,
        num_examples=None,
        decode_channels=None,
    ):
        self.dataset = dataset
        self.height = height  # None if the images differ in height.
        self.width = width
        self.channels = channels
        self.num_examples = num_examples
        # Set for folders: the elements are file paths decoded to this many
        # channels.
        self.decode_channels = decode_channels


def _load_source(
    source, split, with_labels, channels, data_dir, image_key, label_key
):
    if isinstance(source, (np.ndarray, tuple)):
        if split is not None:
            raise ValueError(
                "split is only used with a named dataset (a str source); "
                f"received split={split!r} with a NumPy source."
            )
        return _array_source(source, with_labels)
    if isinstance(source, str) and source == _FASHION_MNIST:
        return _fashion_mnist_source(split, with_labels)
    if isinstance(source, os.PathLike) or (
        isinstance(source, str) and _looks_like_path(source)
    ):
        path = os.path.expanduser(os.fspath(source))
        if not os.path.isdir(path):
            state = "is not a folder" if os.path.exists(path) else "is missing"
            raise ValueError(
                "source must be a folder of images when it is a path; "
                f"received {os.fspath(source)!r}, which {state}."
            )
        if split is not None:
            raise ValueError(
                "split is only used with a named dataset; received "
                f"split={split!r} with the folder source {path!r}."
            )
        return _folder_source(path, with_labels, channels)
    if isinstance(source, str):
        name = source
        if source.startswith(_TFDS_PREFIX):
            name = source[len(_TFDS_PREFIX) :]
        if not name:
            raise ValueError(
                f"source must name a TFDS dataset; received {source!r}."
            )
        return _tfds_source(
            name, split, with_labels, data_dir, image_key, label_key
        )
    raise TypeError(
        "source must be a NumPy array, a tuple (images, labels), a folder "
        "path, 'fashion_mnist' or a TFDS dataset name; received "
        f"{type(source).__name__}."
    )


def _looks_like_path(source):
    if source.startswith(_TFDS_PREFIX):
        return False
    # TFDS names may contain "/" ("name/config"), so a relative path with
    # a separator counts as a path only if it exists.
    return (
        os.path.isdir(os.path.expanduser(source))
        or source.startswith(("/", ".", "~"))
        or (os.sep in source and os.path.exists(source))
    )


def _validate_images_array(images):
    if not isinstance(images, np.ndarray):
        raise TypeError(
            "source images must be a NumPy array; received "
            f"{type(images).__name__}."
        )
    if images.ndim not in (3, 4):
        raise ValueError(
            "source images must have shape (N, H, W) or (N, H, W, C); "
            f"received shape {images.shape}."
        )
    if min(images.shape) < 1:
        raise ValueError(
            "source images must hold at least one image with non-empty "
            f"height, width and channels; received shape {images.shape}."
        )
    dtype = images.dtype
    if dtype == np.uint8:
        pass
    elif np.issubdtype(dtype, np.integer):
        low, high = images.min(), images.max()
        if low < 0 or high > 255:
            raise ValueError(
                "source images must hold pixels in [0, 255]; received "
                f"min={low}, max={high} with dtype {dtype}."
            )
        images = images.astype(np.uint8)
    elif np.issubdtype(dtype, np.floating):
        if not np.isfinite(images).all():
            raise ValueError(
                "source images must not contain NaN or inf; received "
                f"{int(np.sum(~np.isfinite(images)))} non-finite values with "
                f"dtype {dtype}."
            )
        low, high = float(images.min()), float(images.max())
        if low < 0.0 or high > 255.0:
            raise ValueError(
                "source images must hold pixels in [0, 255] (uint8, or float "
                f"on the 0..255 scale); received min={low}, max={high} with "
                f"dtype {dtype}. Convert images in [-1, 1] or [0, 1] back to "
                "[0, 255] first."
            )
        if 0.0 < high <= 1.0:
            warnings.warn(
                f"source images are {dtype} with max={high}: they look like "
                "[0, 1] images, but image_dataset reads floats on the 0..255 "
                "scale. Multiply by 255 if they are [0, 1] images.",
                stacklevel=5,
            )
        images = np.round(images).astype(np.uint8)
    else:
        raise TypeError(
            "source images must be uint8 (or integer/float pixels in "
            f"[0, 255]); received dtype {dtype}."
        )
    if images.ndim == 3:
        images = images[..., np.newaxis]  # (N, H, W, 1)
    return images


def _validate_labels(labels, num_images):
    labels = np.asarray(labels)
    if labels.ndim == 2 and labels.shape[1] == 1:
        labels = labels[:, 0]  # (N, 1) -> (N,)
    if labels.ndim != 1 or len(labels) != num_images:
        raise ValueError(
            f"source labels must have shape ({num_images},) to match the "
            f"{num_images} images; received shape {labels.shape}."
        )
    if not np.issubdtype(labels.dtype, np.integer):
        raise TypeError(
            f"source labels must be integers; received dtype {labels.dtype}."
        )
    if labels.min() < 0 or labels.max() > np.iinfo(np.int32).max:
        raise ValueError(
            "source labels must be non-negative int32 class indices; "
            f"received min={labels.min()}, max={labels.max()}."
        )
    return labels.astype(np.int32)


def _array_source(source, with_labels):
    labels = None
    if isinstance(source, tuple):
        if len(source) != 2:
            raise ValueError(
                "source as a tuple must be (images, labels); received a "
                f"tuple of length {len(source)}."
            )
        source, labels = source
    images = _validate_images_array(source)
    if with_labels:
        if labels is None:
            raise ValueError(
                "with_labels=True needs source=(images, labels); received "
                "an images array only."
            )
        labels = _validate_labels(labels, len(images))
        elements = {"image": images, "label": labels}
    else:
        elements = {"image": images}
    _, height, width, channels = images.shape
    return _Source(
        tf.data.Dataset.from_tensor_slices(elements),
        height,
        width,
        channels,
        num_examples=len(images),
    )


def _fashion_mnist_source(split, with_labels):
    split = "train" if split is None else split
    if split not in _FASHION_MNIST_SPLITS:
        raise ValueError(
            f"split must be one of {_FASHION_MNIST_SPLITS} for "
            f"'{_FASHION_MNIST}'; received {split!r}."
        )
    train, test = fashion_mnist.load_data()
    images, labels = train if split == "train" else test
    return _array_source((images, labels), with_labels)


def _list_images(folder):
    files = []
    for root, dirs, names in os.walk(folder, followlinks=True):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        files += [
            os.path.join(root, name)
            for name in sorted(names)
            if name.lower().endswith(_IMAGE_EXTENSIONS)
        ]
    return files


def _folder_source(folder, with_labels, channels):
    class_names = sorted(
        name
        for name in os.listdir(folder)
        if not name.startswith(".")
        and os.path.isdir(os.path.join(folder, name))
    )
    if class_names:
        files, labels = [], []
        for index, name in enumerate(class_names):
            class_files = _list_images(os.path.join(folder, name))
            files += class_files
            labels += [index] * len(class_files)
    else:
        if with_labels:
            raise ValueError(
                "with_labels=True needs a source folder with one subfolder "
                f"per class; received {folder!r}, which has no subfolders."
            )
        files, labels = _list_images(folder), None
    if not files:
        raise ValueError(
            f"source folder {folder!r} contains no "
            f"{'/'.join(_IMAGE_EXTENSIONS)} images."
        )

    from PIL import Image

    sizes, grayscale = set(), True
    for path in files:
        try:
            with Image.open(path) as image:
                sizes.add((image.height, image.width))
                grayscale = grayscale and image.mode in _GRAYSCALE_MODES
        except OSError as error:
            raise ValueError(
                f"source image {path!r} cannot be read as an image: {error}"
            ) from error
    decode_channels = channels or (1 if grayscale else 3)
    height, width = sizes.pop() if len(sizes) == 1 else (None, None)

    elements = {"image": files}
    if with_labels:
        elements["label"] = np.asarray(labels, dtype=np.int32)
    return _Source(
        tf.data.Dataset.from_tensor_slices(elements),
        height,
        width,
        decode_channels,
        num_examples=len(files),
        decode_channels=decode_channels,
    )


def _tfds_source(name, split, with_labels, data_dir, image_key, label_key):
    import tensorflow_datasets as tfds

    dataset = tfds.load(
        name,
        split="train" if split is None else split,
        data_dir=None if data_dir is None else os.fspath(data_dir),
    )
    spec = dataset.element_spec
    if not isinstance(spec, dict) or image_key not in spec:
        keys = sorted(spec) if isinstance(spec, dict) else []
        raise ValueError(
            f"image_key must name an image feature of TFDS dataset {name!r}; "
            f"received {image_key!r}, available features: {keys}."
        )
    image_spec = spec[image_key]
    shape = image_spec.shape
    if (
        image_spec.dtype != tf.uint8
        or shape.rank not in (2, 3)
        or (shape.rank == 3 and shape[2] is None)
    ):
        raise ValueError(
            f"image_key must name a uint8 image feature of {name!r} with a "
            "known number of channels; received "
            f"{image_key!r} with dtype {image_spec.dtype.name} and shape "
            f"{shape}."
        )
    if with_labels:
        if label_key not in spec:
            raise ValueError(
                f"label_key must name a label feature of TFDS dataset "
                f"{name!r}; received {label_key!r}, available features: "
                f"{sorted(spec)}."
            )
        label_spec = spec[label_key]
        if not label_spec.dtype.is_integer or label_spec.shape.rank != 0:
            raise ValueError(
                f"label_key must name a scalar integer feature of {name!r}; "
                f"received {label_key!r} with dtype {label_spec.dtype.name} "
                f"and shape {label_spec.shape}."
            )

    def select(example):
        image = example[image_key]
        if image.shape.rank == 2:
            image = image[..., tf.newaxis]  # (H, W) -> (H, W, 1)
        element = {"image": image}
        if with_labels:
            element["label"] = tf.cast(example[label_key], tf.int32)
        return element

    dataset = dataset.map(select, num_parallel_calls=tf.data.AUTOTUNE)
    shape = dataset.element_spec["image"].shape
    cardinality = int(dataset.cardinality())
    return _Source(
        dataset,
        shape[0],
        shape[1],
        shape[2],
        num_examples=cardinality if cardinality >= 0 else None,
    )


# ---------------------------------------------------------------------------
# Pipeline.
# ---------------------------------------------------------------------------


def _resize_uint8(image, size):
    image = tf.image.resize(image, size, method="bilinear", antialias=True)
    return tf.cast(tf.clip_by_value(tf.round(image), 0.0, 255.0), tf.uint8)


def _convert_channels(image, in_channels, out_channels):
    """Converts uint8 (H, W, in_channels) to (H, W, out_channels)."""
    if out_channels is None or in_channels == out_channels:
        return image
    if in_channels in (2, 4):
        image = image[..., : in_channels - 1]  # drop alpha
        in_channels -= 1
    if in_channels == out_channels:
        return image
    if in_channels == 1 and out_channels == 3:
        return tf.image.grayscale_to_rgb(image)
    if in_channels == 3 and out_channels == 1:
        gray = tf.image.rgb_to_grayscale(tf.cast(image, tf.float32))
        return tf.cast(tf.clip_by_value(tf.round(gray), 0.0, 255.0), tf.uint8)
    raise ValueError(
        "channels can convert images with 1, 2, 3 or 4 channels only; "
        f"received channels={out_channels} for images with {in_channels} "
        "channels."
    )


def _build_pipeline(
    source,
    batch_size,
    shuffle,
    seed,
    value_range,
    image_size,
    channels,
    with_labels,
    integer_targets,
    dequantize,
    random_flip,
    cache,
    drop_remainder,
    shuffle_buffer,
):
    if image_size is None and (source.height is None or source.width is None):
        raise ValueError(
            "image_size is required when the source images have different "
            "sizes; received image_size=None. Pass image_size=(height, "
            "width) to resize them."
        )
    height, width = image_size or (source.height, source.width)
    needs_resize = (height, width) != (source.height, source.width)
    out_channels = channels or source.channels
    if out_channels != source.channels and source.channels not in (1, 2, 3, 4):
        raise ValueError(
            "channels can convert images with 1, 2, 3 or 4 channels only; "
            f"received channels={channels} for images with "
            f"{source.channels} channels."
        )

    def preprocess(element):
        image = element["image"]
        if source.decode_channels is not None:
            image = tf.io.decode_image(
                tf.io.read_file(image),
                channels=source.decode_channels,
                expand_animations=False,
            )
        if needs_resize:
            image = _resize_uint8(image, (height, width))
        image = _convert_channels(image, source.channels, out_channels)
        element = dict(element, image=image)
        element["image"] = tf.ensure_shape(
            element["image"], (height, width, out_channels)
        )
        return element

    dataset = source.dataset.map(
        preprocess, num_parallel_calls=tf.data.AUTOTUNE
    )
    if cache:
        dataset = dataset.cache()
    if shuffle:
        buffer_size = shuffle_buffer
        if source.num_examples is not None:
            buffer_size = min(buffer_size, source.num_examples)
        dataset = dataset.shuffle(
            buffer_size, seed=seed, reshuffle_each_iteration=True
        )
    dataset = dataset.batch(batch_size, drop_remainder=drop_remainder)

    # One random int64 per batch, turned into stateless seeds: reproducible
    # with `seed`, different every epoch.
    random_seeds = tf.data.Dataset.random(
        seed=seed, rerandomize_each_iteration=True
    )
    dataset = tf.data.Dataset.zip(dataset, random_seeds)
    low, high = value_range

    def finalize(element, random_seed):
        pixels = element["image"]  # uint8 (batch, height, width, channels)
        if random_flip == "horizontal":
            flip_seed = tf.stack([random_seed, tf.constant(0, tf.int64)])
            flip = tf.random.stateless_uniform(
                tf.shape(pixels)[:1], seed=flip_seed
            )
            pixels = tf.where(
                flip[:, None, None, None] < 0.5,
                tf.reverse(pixels, axis=[2]),
                pixels,
            )
        values = tf.cast(pixels, tf.float32)
        if dequantize:
            noise_seed = tf.stack([random_seed, tf.constant(1, tf.int64)])
            noise = tf.random.stateless_uniform(
                tf.shape(pixels), seed=noise_seed
            )
            unit = (values + noise) / 256.0
        else:
            unit = values / 255.0
        # low * (1 - t) + high * t is exact at t = 0 and t = 1.
        images = low * (1.0 - unit) + high * unit
        images = tf.clip_by_value(images, low, high)
        inputs = (images, element["label"]) if with_labels else images
        if integer_targets:
            return inputs, tf.cast(pixels, tf.int32)
        return inputs

    dataset = dataset.map(finalize, num_parallel_calls=tf.data.AUTOTUNE)
    return dataset.prefetch(tf.data.AUTOTUNE)
