"""Fashion-MNIST with a caption for every image, made from what it shows.

Each caption names the class and two attributes measured on the image's
own pixels, so a generated image can be checked against the caption it was
made from with the same functions:

- `brightness(images)`: `"dark"` or `"light"`, the mean intensity of the
  garment (pixels above `FOREGROUND_LEVEL`) against `BRIGHTNESS_THRESHOLD`;
- `texture(images)`: `"plain"` or `"patterned"`, the mean absolute
  difference between neighbouring garment pixels against
  `TEXTURE_THRESHOLD`.

The thresholds were set near the training split's quantiles (brightness:
about 40% dark; texture: about 35% patterned), and the caption of image
`i` uses template `i % 3` of `TEMPLATES`, so captions are deterministic:
"a dark patterned ankle boot", "a photo of a light pullover", "a plain
coat, dark".

`text_tokenizer()` is the word-level keras-hub tokenizer of this
vocabulary; a word outside it becomes the `[UNK]` id (never dropped).

Example:
>>> import numpy as np
>>> images = np.zeros((2, 28, 28), "uint8")
>>> images[0, 4:24, 8:20] = 240  # a light, plain rectangle
>>> images[1, 4:24, 8:20] = 120
>>> images[1, 4:24:2, 8:20] = 30  # dark and striped
>>> brightness(images).tolist(), texture(images).tolist()
(['light', 'dark'], ['plain', 'patterned'])
>>> captions(images, np.array([3, 8])).tolist()
['a light plain dress', 'a photo of a dark bag']
>>> parse_caption('a photo of a dark ankle boot')
{'label': 9, 'brightness': 'dark', 'texture': None}
"""

import re

import numpy as np

from kerasgen.datasets import fashion_mnist

#: The class names as they appear in captions (index = label).
CLASS_WORDS = (
    "top",
    "trousers",
    "pullover",
    "dress",
    "coat",
    "sandal",
    "shirt",
    "sneaker",
    "bag",
    "ankle boot",
)
BRIGHTNESS_WORDS = ("dark", "light")
TEXTURE_WORDS = ("plain", "patterned")
#: Caption `i` uses template `i % len(TEMPLATES)`.
TEMPLATES = (
    "a {brightness} {texture} {name}",
    "a photo of a {brightness} {name}",
    "a {texture} {name}, {brightness}",
)
#: Pixel level (0-255) above which a pixel belongs to the garment.
FOREGROUND_LEVEL = 25
#: Mean garment level (0-1) below which an image is "dark".
BRIGHTNESS_THRESHOLD = 0.6
#: Mean absolute neighbour difference (0-1) above which it is "patterned".
TEXTURE_THRESHOLD = 0.25
PAD_TOKEN = "[PAD]"
UNK_TOKEN = "[UNK]"


def _grayscale(images, name="images"):
    array = np.asarray(images)
    if array.ndim == 4 and array.shape[-1] == 1:
        array = array[..., 0]
    if array.ndim != 3 or array.dtype != np.uint8:
        raise ValueError(
            f"{name} must be uint8 grayscale images (n, height, width) or "
            f"(n, height, width, 1); received dtype {array.dtype} and "
            f"shape {array.shape}"
        )
    return array.astype("float32") / 255.0


def garment_brightness(images):
    """Mean intensity in `[0, 1]` of each image's garment pixels."""
    x = _grayscale(images)
    garment = x > FOREGROUND_LEVEL / 255.0
    count = np.maximum(garment.sum(axis=(1, 2)), 1)
    return (x * garment).sum(axis=(1, 2)) / count


def garment_texture(images):
    """Mean absolute difference in `[0, 1]` between neighbouring garment
    pixels (right and below) of each image."""
    x = _grayscale(images)
    garment = x > FOREGROUND_LEVEL / 255.0
    right = np.abs(x[:, :-1, 1:] - x[:, :-1, :-1])
    below = np.abs(x[:, 1:, :-1] - x[:, :-1, :-1])
    inside = garment[:, :-1, :-1] & garment[:, :-1, 1:] & garment[:, 1:, :-1]
    count = np.maximum(inside.sum(axis=(1, 2)), 1)
    return ((right + below) * inside).sum(axis=(1, 2)) / count


def brightness(images):
    """`"dark"` or `"light"` per image (uint8 `(n, h, w[, 1])`)."""
    light = garment_brightness(images) >= BRIGHTNESS_THRESHOLD
    return np.where(light, BRIGHTNESS_WORDS[1], BRIGHTNESS_WORDS[0])


def texture(images):
    """`"plain"` or `"patterned"` per image (uint8 `(n, h, w[, 1])`)."""
    patterned = garment_texture(images) > TEXTURE_THRESHOLD
    return np.where(patterned, TEXTURE_WORDS[1], TEXTURE_WORDS[0])


def captions(images, labels, template_ids=None):
    """The caption of every image.

    Args:
        images: uint8 `(n, h, w)` or `(n, h, w, 1)`.
        labels: int `(n,)` in `[0, 10)`.
        template_ids: int `(n,)` indices into `TEMPLATES`, or `None` for
            `arange(n) % len(TEMPLATES)`.

    Returns:
        NumPy array of `n` str.
    """
    labels = np.asarray(labels)
    if (
        labels.ndim != 1
        or not np.issubdtype(labels.dtype, np.integer)
        or (labels.size and (labels.min() < 0 or labels.max() > 9))
    ):
        raise ValueError(
            "labels must be a 1-D int array in [0, 10); received dtype "
            f"{labels.dtype}, shape {labels.shape}"
        )
    if len(labels) != len(np.asarray(images)):
        raise ValueError(
            f"labels must have one entry per image ({len(images)}); "
            f"received {len(labels)}"
        )
    if template_ids is None:
        template_ids = np.arange(len(labels)) % len(TEMPLATES)
    shades, textures = brightness(images), texture(images)
    return np.array(
        [
            TEMPLATES[t].format(brightness=b, texture=s, name=CLASS_WORDS[c])
            for t, b, s, c in zip(template_ids, shades, textures, labels)
        ]
    )


def parse_caption(text):
    """The class and attributes a caption names (`None` where it names none).

    The class is the longest class name found as whole words, so "shirt"
    does not match inside another word.

    Returns:
        dict with `label` (int or `None`), `brightness` and `texture` (str
        or `None`).
    """
    words = re.findall(r"[a-z]+", str(text).lower())
    joined = " " + " ".join(words) + " "
    label = None
    for index in sorted(
        range(len(CLASS_WORDS)), key=lambda i: -len(CLASS_WORDS[i])
    ):
        if f" {CLASS_WORDS[index]} " in joined:
            label = index
            break

    def first(options):
        found = [w for w in words if w in options]
        return found[0] if found else None

    return {
        "label": label,
        "brightness": first(BRIGHTNESS_WORDS),
        "texture": first(TEXTURE_WORDS),
    }


def vocabulary():
    """The word list: `[PAD]`, `[UNK]`, then every caption word, sorted."""
    text = " ".join(
        [re.sub(r"{\w+}", " ", template) for template in TEMPLATES]
        + list(CLASS_WORDS + BRIGHTNESS_WORDS + TEXTURE_WORDS)
    )
    return [PAD_TOKEN, UNK_TOKEN] + sorted(set(re.findall(r"[a-z]+|,", text)))


def text_tokenizer(vocabulary_list=None, sequence_length=None):
    """A word-level `keras_hub.tokenizers.WordPieceTokenizer` of captions.

    Every caption word is one id; punctuation is split off; a word outside
    the vocabulary becomes the `[UNK]` id (`oov_token`), never dropped.

    Args:
        vocabulary_list: list of str or `None` for `vocabulary()`.
        sequence_length: int or `None`: pad/truncate to this length (pad
            id 0) or return ragged ids.
    """
    import keras_hub

    return keras_hub.tokenizers.WordPieceTokenizer(
        vocabulary=list(vocabulary_list or vocabulary()),
        sequence_length=sequence_length,
        lowercase=True,
        strip_accents=True,
        oov_token=UNK_TOKEN,
    )


def gpt2_tokenizer(words=None):
    """A byte-level BPE `keras_hub.tokenizers.GPT2Tokenizer` of captions.

    The tokenizer class of `gpt2_base_en`, with a small vocabulary made for
    the captions: `<|endoftext|>` (GPT-2's start, end and padding token),
    the 256 byte symbols, and every caption word whole, with and without
    GPT-2's leading-space marker `Ġ` (and their prefixes, so that BPE
    merges reach them). A caption word is one id; any other text falls
    back to smaller pieces, down to single bytes: nothing is dropped and
    no `[UNK]` is needed. The language model of `LiquidTransformer`'s
    offline recipe is trained over it.

    Args:
        words: list of str or `None` for the caption words of
            `vocabulary()`.
    """
    import keras_hub
    from keras_hub.src.tokenizers.byte_pair_tokenizer import bytes_to_unicode

    symbol_of = dict(zip(*bytes_to_unicode()))  # byte -> printable char
    byte_symbols = [symbol_of[bytes([b])] for b in range(256)]
    space = symbol_of[b" "]
    if words is None:
        words = [w for w in vocabulary() if w.isalpha()]
    tokens = ["<|endoftext|>"] + byte_symbols
    merges = []
    # Merges of the space-prefixed forms first: inside " dark" the merge
    # ("Ġ", "d") must win over a bare ("d", "a").
    for form in [space + w for w in words] + list(words):
        for end in range(2, len(form) + 1):
            merge = f"{form[: end - 1]} {form[end - 1]}"
            if merge not in merges:
                merges.append(merge)
                tokens.append(form[:end])
    vocabulary_ids = {}
    for token in tokens:
        vocabulary_ids.setdefault(token, len(vocabulary_ids))
    return keras_hub.tokenizers.GPT2Tokenizer(
        vocabulary=vocabulary_ids, merges=merges
    )


def load_data():
    """Fashion-MNIST images with their captions and labels.

    Returns:
        `(x_train, captions_train, y_train), (x_test, captions_test,
        y_test)`: uint8 images `(n, 28, 28)`, str arrays `(n,)` and the int
        labels of `kerasgen.datasets.fashion_mnist.load_data()`.
    """
    (x_train, y_train), (x_test, y_test) = fashion_mnist.load_data()
    return (
        (x_train, captions(x_train, y_train), y_train),
        (x_test, captions(x_test, y_test), y_test),
    )
