import keras
import numpy as np
import pytest

from kerasgen.networks import ResidualDecoder
from kerasgen.networks import ResidualEncoder
from kerasgen.testing import TestCase


class ResidualDecoderTest(TestCase):
    def test_layer_contract(self):
        self.run_layer_test(
            ResidualDecoder,
            {
                "image_shape": (8, 8, 3),
                "latent_dim": 3,
                "filters": (4, 8),
                "num_groups": 2,
                "num_res_blocks": 2,
            },
            np.random.normal(size=(2, 4, 4, 3)).astype("float32"),
            (2, 8, 8, 3),
            run_mixed_precision=False,  # float32 output by design
        )

    def test_mixed_precision_computes_in_bfloat16_outputs_float32(self):
        decoder = ResidualDecoder(
            (8, 8, 1), 2, filters=(4, 8), num_groups=2, dtype="mixed_bfloat16"
        )
        images = decoder(np.zeros((1, 4, 4, 2), "float32"))
        self.assertEqual(
            keras.backend.standardize_dtype(images.dtype), "float32"
        )
        self.assertEqual(decoder.get_layer("conv_in").compute_dtype, "bfloat16")
        self.assertEqual(decoder.get_layer("conv_in").kernel.dtype, "float32")

    def test_mirrors_the_encoder(self):
        kwargs = {"image_shape": (28, 28, 1), "latent_dim": 5}
        kwargs["filters"] = (8, 16, 16)
        encoder, decoder = ResidualEncoder(**kwargs), ResidualDecoder(**kwargs)
        self.assertEqual(encoder.output_shape[1:], decoder.input_shape[1:])
        self.assertEqual(decoder.output_shape, (None, 28, 28, 1))
        self.assertEqual(decoder.last_layer.name, "conv_out")

    def test_rejects_bad_arguments(self):
        with pytest.raises(ValueError, match="divisible by the downsampling"):
            ResidualDecoder((30, 30, 1), 4, filters=(8, 8, 8))
        with pytest.raises(ValueError, match="dropout"):
            ResidualDecoder((28, 28, 1), 4, dropout=1.0)
