import keras
import numpy as np
import pytest

from kerasgen.models import ImageTokenizer
from kerasgen.quantizers import FiniteScalarQuantizer
from kerasgen.testing import TestCase


class _FSQTokenizer(ImageTokenizer):
    """The smallest tokenizer: a strided conv, FSQ with 3x3 codes, a
    transposed conv; 8x8x1 images to 4x4 tokens."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.image_shape = (8, 8, 1)
        self.encoder = keras.Sequential(
            [
                keras.Input((8, 8, 1)),
                keras.layers.Conv2D(2, 2, strides=2),
            ]
        )
        self.quantizer = FiniteScalarQuantizer(levels=(3, 3))
        self.decoder = keras.Sequential(
            [
                keras.Input((4, 4, 2)),
                keras.layers.Conv2DTranspose(1, 2, strides=2),
            ]
        )
        self._build_token_shape()


def _images(n=4, seed=0):
    rng = np.random.default_rng(seed)
    return rng.integers(0, 256, (n, 8, 8, 1), dtype="uint8")


class ImageTokenizerTest(TestCase):
    def test_vocabulary_and_token_shape(self):
        tokenizer = _FSQTokenizer()
        self.assertEqual(tokenizer.vocabulary_size, 9)
        self.assertEqual(tokenizer.token_shape, (4, 4))

    def test_round_trip_equals_reconstruction_and_codes(self):
        tokenizer = _FSQTokenizer()
        images = _images()
        token_ids = tokenizer.tokenize(images)
        self.assertEqual(
            keras.backend.standardize_dtype(token_ids.dtype), "int32"
        )
        floats = images.astype("float32") / 127.5 - 1.0
        outputs = tokenizer.quantize_latents(tokenizer.encode(floats))
        self.assertAllClose(
            tokenizer.quantizer.indices_to_codes(token_ids),
            outputs["quantized"],
        )
        self.assertAllClose(
            tokenizer.detokenize(np.asarray(token_ids)), tokenizer(floats)
        )
        self.assertAllClose(
            tokenizer.decode(outputs["quantized"]), tokenizer(floats)
        )

    def test_generate_decodes_given_or_uniform_tokens(self):
        tokenizer = _FSQTokenizer()
        token_ids = np.arange(2 * 16).reshape(2, 4, 4) % 9
        images = tokenizer.generate(token_ids=token_ids, seed=0)
        expected = np.asarray(tokenizer.detokenize(token_ids))
        expected = np.clip(np.round((expected + 1.0) * 127.5), 0, 255)
        np.testing.assert_allclose(images, expected, atol=1)
        first = tokenizer.generate(num_samples=3, seed=1)
        second = tokenizer.generate(num_samples=3, seed=1)
        self.assertEqual(first.shape, (3, 8, 8, 1))
        np.testing.assert_array_equal(first, second)

    def test_detokenize_refuses_bad_ids(self):
        tokenizer = _FSQTokenizer()
        with pytest.raises(ValueError, match=r"token_ids must lie in \[0, 9\)"):
            tokenizer.detokenize(np.full((1, 4, 4), 9))
        with pytest.raises(ValueError, match="min=-1"):
            tokenizer.detokenize(np.full((1, 4, 4), -1))
        with pytest.raises(ValueError, match=r"shape \(batch, 4, 4\)"):
            tokenizer.detokenize(np.zeros((1, 16), "int32"))
        with pytest.raises(ValueError, match="must be integers"):
            tokenizer.detokenize(np.zeros((1, 4, 4), "float32"))
        with pytest.raises(ValueError, match="token_ids"):
            tokenizer.generate(token_ids=np.full((1, 4, 4), 99))
