import numpy as np
import pytest

from kerasgen.networks import ResidualEncoder
from kerasgen.testing import TestCase


class ResidualEncoderTest(TestCase):
    def test_layer_contract(self):
        self.run_layer_test(
            ResidualEncoder,
            {
                "image_shape": (8, 8, 1),
                "latent_dim": 3,
                "filters": (4, 8),
                "num_groups": 2,
                "dropout": 0.1,
            },
            np.random.uniform(-1, 1, (2, 8, 8, 1)).astype("float32"),
            (2, 4, 4, 3),
        )

    def test_downsampling_factor_follows_the_levels(self):
        for filters, side in (((8,), 28), ((8, 8), 14), ((8, 8, 8), 7)):
            encoder = ResidualEncoder((28, 28, 1), 2, filters=filters)
            self.assertEqual(encoder.downsampling_factor, 28 // side)
            self.assertEqual(encoder.output_shape, (None, side, side, 2))

    def test_latents_are_local(self):
        # The encoder keeps the image's layout: a change in one corner moves
        # the latents there most (group normalization spreads a small
        # change of the map statistics everywhere).
        encoder = ResidualEncoder((32, 32, 1), 2, filters=(4, 4), num_groups=1)
        images = np.zeros((2, 32, 32, 1), "float32")
        images[1, :4, :4] = 1.0
        latents = np.asarray(encoder(images))
        diff = np.abs(latents[0] - latents[1])
        self.assertGreater(diff[:2, :2].max(), diff[12:, 12:].max())

    def test_rejects_sizes_not_divisible_by_the_factor(self):
        with pytest.raises(ValueError, match="divisible by the downsampling"):
            ResidualEncoder((28, 28, 1), 4, filters=(8, 8, 8, 8))
        with pytest.raises(ValueError, match="num_groups=3 must divide"):
            ResidualEncoder((28, 28, 1), 4, filters=(8, 16), num_groups=3)
        with pytest.raises(ValueError, match="latent_dim"):
            ResidualEncoder((28, 28, 1), 0)
