import numpy as np

from kerasgen.networks import ConvEncoder
from kerasgen.testing import TestCase


class ConvEncoderTest(TestCase):
    def test_layer_contract(self):
        self.run_layer_test(
            ConvEncoder,
            {
                "image_shape": (8, 8, 1),
                "output_dim": 4,
                "filters": (4, 8),
                "hidden_dim": 8,
            },
            np.random.uniform(-1, 1, (2, 8, 8, 1)).astype("float32"),
            (2, 4),
        )

    def test_no_hidden_layer(self):
        encoder = ConvEncoder((8, 8, 3), output_dim=5, hidden_dim=None)
        self.assertEqual(encoder.output_shape, (None, 5))
        self.assertNotIn("hidden", [layer.name for layer in encoder.layers])

    def test_bad_filters(self):
        with self.assertRaisesRegex(ValueError, "filters"):
            ConvEncoder((8, 8, 1), output_dim=2, filters=())
