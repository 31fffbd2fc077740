import numpy as np

from kerasgen.networks import ConvDecoder
from kerasgen.testing import TestCase


class ConvDecoderTest(TestCase):
    def test_layer_contract(self):
        self.run_layer_test(
            ConvDecoder,
            {
                "image_shape": (8, 8, 1),
                "input_dim": 3,
                "output_channels": 2,
                "filters": (8, 4),
                "hidden_dim": 8,
            },
            np.random.normal(size=(2, 3)).astype("float32"),
            (2, 8, 8, 2),
        )

    def test_image_size_must_divide(self):
        with self.assertRaisesRegex(ValueError, "divisible"):
            ConvDecoder(
                (12, 12, 1), input_dim=2, output_channels=1, filters=(4, 4, 4)
            )
