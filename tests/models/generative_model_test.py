import os

import keras
import numpy as np

from kerasgen.models import VAE
from kerasgen.models import GenerativeModel
from kerasgen.testing import TestCase
from kerasgen.testing import tiny_vae


class _Constant(GenerativeModel):
    """Generates noise images; the smallest possible GenerativeModel."""

    image_shape = (2, 2, 1)

    def call(self, x):
        return x

    def generate_step(self, inputs, num_samples, seed):
        return keras.random.uniform(
            (num_samples, 2, 2, 1), minval=-1.0, maxval=1.0, seed=seed
        )


class GenerativeModelTest(TestCase):
    def test_generate_batches_and_seeds(self):
        model = _Constant(seed=0)
        images = model.generate(num_samples=5, seed=3, batch_size=2)
        self.assertEqual(images.shape, (5, 2, 2, 1))
        self.assertEqual(images.dtype, np.uint8)
        np.testing.assert_array_equal(
            images, model.generate(num_samples=5, seed=3, batch_size=2)
        )
        # Batches draw different noise.
        self.assertFalse(np.array_equal(images[0], images[2]))
        unseeded = [model.generate(num_samples=4) for _ in range(2)]
        self.assertFalse(np.array_equal(*unseeded))

    def test_generate_argument_checks(self):
        model = _Constant()
        for bad in (0, -1, 2.5, True, "3"):
            with self.assertRaisesRegex(ValueError, "num_samples"):
                model.generate(num_samples=bad)
        with self.assertRaisesRegex(TypeError, "seed"):
            model.generate(num_samples=2, seed="a")
        with self.assertRaisesRegex(ValueError, "batch_size"):
            model.generate(num_samples=2, batch_size=0)
        with self.assertRaisesRegex(ValueError, "unconditional"):
            model.generate([1, 2])

    def test_rng_state_is_saved_with_the_weights(self):
        vae = tiny_vae()
        vae.seed_generator.state.assign([123, 45])
        path = os.path.join(self.get_temp_dir(), "vae.weights.h5")
        vae.save_weights(path)
        other = VAE(**vae.get_config() | {"encoder": None, "decoder": None})
        other.load_weights(path)
        np.testing.assert_array_equal(
            other.seed_generator.state.numpy(), [123, 45]
        )
        for a, b in zip(vae.weights, other.weights):
            np.testing.assert_array_equal(a.numpy(), b.numpy())

    def test_presets_property_filters_by_class(self):
        self.assertIn("vae_fashion_mnist", VAE.presets)
        self.assertIn("vae_fashion_mnist", GenerativeModel.presets)
        self.assertEqual(_Constant.presets, {})
