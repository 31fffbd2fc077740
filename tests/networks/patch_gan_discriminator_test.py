import numpy as np
import pytest

from kerasgen.networks import PatchGANDiscriminator
from kerasgen.testing import TestCase


class PatchGANDiscriminatorTest(TestCase):
    def test_layer_contract(self):
        for normalization in (None, "batch", "group", "layer"):
            self.run_layer_test(
                PatchGANDiscriminator,
                {
                    "image_shape": (16, 16, 1),
                    "filters": 4,
                    "num_layers": 2,
                    "normalization": normalization,
                },
                np.random.uniform(-1, 1, (2, 16, 16, 1)).astype("float32"),
                (2, 4, 4, 1),
                run_mixed_precision=False,  # float32 logits by design
            )

    def test_logits_see_patches_not_the_whole_image(self):
        discriminator = PatchGANDiscriminator(
            (32, 32, 1), filters=4, num_layers=2, normalization=None
        )
        images = np.zeros((2, 32, 32, 1), "float32")
        images[1, :4, :4] = 1.0  # change one corner only
        logits = np.asarray(discriminator(images))
        diff = np.abs(logits[0] - logits[1])[..., 0]
        self.assertGreater(diff[0, 0], 0.0)
        # The opposite corner's patch lies outside the receptive field.
        self.assertEqual(diff[-1, -1], 0.0)

    def test_width_doubles_up_to_eight_times(self):
        discriminator = PatchGANDiscriminator(
            (64, 64, 1), filters=2, num_layers=5, normalization=None
        )
        widths = [
            discriminator.get_layer(f"conv_{i}").filters for i in range(6)
        ]
        self.assertEqual(widths, [2, 4, 8, 16, 16, 16])
        self.assertEqual(discriminator.output_shape, (None, 2, 2, 1))

    def test_rejects_bad_arguments(self):
        with pytest.raises(ValueError, match="normalization"):
            PatchGANDiscriminator(normalization="instance")
        with pytest.raises(ValueError, match="num_layers"):
            PatchGANDiscriminator(num_layers=0)
