"""Captions of Fashion-MNIST: deterministic, measured on the pixels."""

import collections

import numpy as np
import pytest

from kerasgen.datasets import fashion_mnist_captions as captions_lib


def _rectangles():
    images = np.zeros((4, 28, 28), "uint8")
    images[0, 4:24, 8:20] = 240  # light, plain
    images[1, 4:24, 8:20] = 90  # dark, plain
    images[2, 4:24, 8:20] = 240
    images[2, 4:24:2, 8:20] = 30  # light stripes on dark: patterned
    images[3, 4:24, 8:20] = 200
    return images


def test_attributes_are_measured_on_the_pixels():
    images = _rectangles()
    assert list(captions_lib.brightness(images)) == [
        "light",
        "dark",
        "dark",
        "light",
    ]
    assert list(captions_lib.texture(images)) == [
        "plain",
        "plain",
        "patterned",
        "plain",
    ]
    # Channel axis accepted; the same answer.
    np.testing.assert_array_equal(
        captions_lib.brightness(images[..., None]),
        captions_lib.brightness(images),
    )


def test_captions_use_three_templates_and_name_everything():
    images = _rectangles()
    labels = np.array([3, 9, 0, 6])
    texts = captions_lib.captions(images, labels)
    assert list(texts) == [
        "a light plain dress",
        "a photo of a dark ankle boot",
        "a patterned top, dark",
        "a light plain shirt",
    ]
    for text, label, shade in zip(
        texts, labels, captions_lib.brightness(images)
    ):
        parsed = captions_lib.parse_caption(text)
        assert parsed["label"] == label and parsed["brightness"] == shade
    # "shirt" is not found inside another class name, and vice versa.
    assert captions_lib.parse_caption("a dark top")["label"] == 0
    assert captions_lib.parse_caption("a boot")["label"] is None


def test_tokenizer_round_trip_and_unknown_words():
    tokenizer = captions_lib.text_tokenizer()
    vocabulary = captions_lib.vocabulary()
    assert vocabulary[:2] == ["[PAD]", "[UNK]"]
    text = "a photo of a light patterned ankle boot"
    ids = tokenizer([text])[0]
    assert len(ids) == 8 and captions_lib.UNK_TOKEN not in vocabulary[2:]
    assert tokenizer.detokenize([ids])[0] == text
    # Unknown words are the [UNK] id, one per word: never dropped.
    ids = list(tokenizer(["a shiny red boot"])[0])
    assert ids == [vocabulary.index("a"), 1, 1, vocabulary.index("boot")]


def test_bad_inputs():
    images = _rectangles()
    with pytest.raises(ValueError, match="uint8"):
        captions_lib.brightness(images.astype("float32"))
    with pytest.raises(ValueError, match="labels"):
        captions_lib.captions(images, np.array([0, 1, 2, 10]))
    with pytest.raises(ValueError, match="one entry per image"):
        captions_lib.captions(images, np.array([0, 1]))


@pytest.mark.large
def test_load_data_captions_every_image_deterministically():
    (x_train, c_train, y_train), (x_test, c_test, y_test) = (
        captions_lib.load_data()
    )
    assert len(c_train) == len(x_train) == 60000 and len(c_test) == 10000
    parsed = [captions_lib.parse_caption(text) for text in c_test]
    assert [p["label"] for p in parsed] == list(y_test)
    shades = collections.Counter(p["brightness"] for p in parsed)
    # Both attributes are common, neither is rare.
    assert min(shades.values()) > 2000, shades
    textures = collections.Counter(captions_lib.texture(x_test))
    assert min(textures.values()) > 2000, textures
    again = captions_lib.load_data()[1][1]
    np.testing.assert_array_equal(again, c_test)


def test_gpt2_tokenizer_keeps_caption_words_whole_and_falls_back_to_bytes():
    import keras_hub

    tokenizer = captions_lib.gpt2_tokenizer()
    assert isinstance(tokenizer, keras_hub.tokenizers.GPT2Tokenizer)
    end = tokenizer.token_to_id("<|endoftext|>")
    assert tokenizer.start_token_id == tokenizer.end_token_id == end
    text = "a photo of a light ankle boot, patterned"
    ids = [int(i) for i in tokenizer(text)]
    pieces = [tokenizer.id_to_token(i) for i in ids]
    # One id per word (GPT-2's "Ġ" marks a leading space), "," on its own.
    assert pieces == [
        "a", "Ġphoto", "Ġof", "Ġa", "Ġlight", "Ġankle", "Ġboot", ",",
        "Ġpatterned",
    ]  # fmt: skip
    assert tokenizer.detokenize(ids) == text
    # Unknown text is split into known pieces, down to bytes: nothing lost.
    for odd in ("a zebra-striped Coat!", "été 42"):
        ids = [int(i) for i in tokenizer(odd)]
        assert tokenizer.detokenize(ids) == odd
    zebra = [tokenizer.id_to_token(int(i)) for i in tokenizer("zebra")]
    assert len(zebra) > 1
