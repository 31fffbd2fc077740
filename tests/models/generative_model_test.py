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

    def test_generate_is_compiled_once_per_batch_size(self):
        model = _Constant(seed=0)
        first = model.generate(num_samples=5, seed=3, batch_size=2)
        # 3 batches (the last padded to 2): one trace.
        self.assertEqual(model.generate_trace_count, 1)
        model.generate(num_samples=7, seed=4, batch_size=2)
        self.assertEqual(model.generate_trace_count, 1)
        model.generate(num_samples=3, seed=4, batch_size=3)
        self.assertEqual(model.generate_trace_count, 2)
        eager = model.generate(
            num_samples=5, seed=3, batch_size=2, compiled=False
        )
        np.testing.assert_array_equal(first, eager)
        # compile() resets the cache: the next call traces again.
        model.compile()
        model.generate(num_samples=5, seed=3, batch_size=2)
        self.assertEqual(model.generate_trace_count, 3)

    def test_fit_and_evaluate_refuse_zero_images(self):
        vae = tiny_vae()
        vae.compile()
        empty = np.zeros((0, 8, 8, 1), "uint8")
        with self.assertRaisesRegex(ValueError, "x holds 0 images"):
            vae.fit(empty, epochs=1, verbose=0)
        with self.assertRaisesRegex(ValueError, "x holds 0 images"):
            vae.evaluate(empty, verbose=0)
        with self.assertRaisesRegex(ValueError, "validation_data holds 0"):
            vae.fit(
                np.zeros((4, 8, 8, 1), "uint8"),
                validation_data=(empty,),
                verbose=0,
            )
        import tensorflow as tf

        with self.assertRaisesRegex(ValueError, "0 batches"):
            vae.fit(tf.data.Dataset.from_tensor_slices(empty).batch(2))

    def test_float_images_in_zero_one_warn_once_with_the_fix(self):
        vae = tiny_vae()
        vae.compile()
        images = np.random.default_rng(0).uniform(size=(4, 8, 8, 1))
        with self.assertWarns(UserWarning) as caught:
            vae.evaluate(images.astype("float32"), verbose=0)
        self.assertIn("x / 127.5 - 1", str(caught.warning))
        import warnings

        with warnings.catch_warnings():
            warnings.simplefilter("error")  # [-1, 1] images: no warning
            vae.evaluate((images * 2 - 1).astype("float32"), verbose=0)

    def test_default_optimizer_and_learning_rate(self):
        vae = tiny_vae()
        optimizer = vae.default_optimizers()["optimizer"]
        self.assertAlmostEqual(float(optimizer.learning_rate), 1e-3)
        optimizer = vae.default_optimizers(5e-4, use_ema=True)["optimizer"]
        self.assertAlmostEqual(float(optimizer.learning_rate), 5e-4)
        self.assertTrue(optimizer.use_ema)
        with self.assertRaisesRegex(ValueError, "learning_rate"):
            vae.default_optimizers(-1.0)
        vae.compile()
        self.assertIsInstance(vae.optimizer, keras.optimizers.Adam)

    def test_preview_images_of_a_conditional_model_cycle_classes(self):
        from kerasgen.testing import tiny_gan

        gan = tiny_gan(num_classes=3)
        preview = gan.preview_images(num_images=6, seed=0)
        np.testing.assert_array_equal(
            preview, gan.generate([0, 1, 2, 0, 1, 2], seed=0)
        )

    def test_generate_refuses_unhashable_options_and_bad_flags(self):
        vae = tiny_vae()
        with self.assertRaisesRegex(TypeError, "must be hashable"):
            vae.generate(num_samples=2, seed=0, sample_pixels=np.zeros(3))
        with self.assertRaisesRegex(ValueError, "verbose must be one of"):
            vae.generate(num_samples=2, seed=0, verbose="yes")
        with self.assertRaisesRegex(TypeError, "compiled must be bool"):
            vae.generate(num_samples=2, seed=0, compiled="false")

    def test_the_xla_switch_selects_another_compiled_function(self):
        model = _Constant(seed=0)
        model.generate(num_samples=2, seed=0)
        model.generate_jit_compile = True
        model.generate(num_samples=2, seed=0)
        self.assertEqual(model.generate_trace_count, 2)
