"""PixelCNN and the shared AutoregressiveModel behaviour."""

import math

import keras
import numpy as np
import pytest
from absl.testing import parameterized

from kerasgen.datasets import fashion_mnist
from kerasgen.models import PixelCNN
from kerasgen.testing import TestCase

TINY = dict(filters=6, num_blocks=1, first_kernel_size=3, output_filters=6)


def _images(n=8, shape=(5, 5, 1), seed=0):
    rng = np.random.default_rng(seed)
    return rng.integers(0, 256, (n,) + shape, dtype="uint8")


def tiny(**kwargs):
    kwargs = dict(dict(image_shape=(5, 5, 1), seed=0, **TINY), **kwargs)
    return PixelCNN(**kwargs)


class PixelCNNTest(TestCase):
    def test_generative_model_contract(self):
        self.run_generative_model_test(
            PixelCNN,
            dict(image_shape=(5, 5, 1), seed=0, **TINY),
            train_data=_images(),
            expected_output_shape=(8, 5, 5, 256),
        )

    def test_distribution(self):
        self.run_distribution_test(tiny, _images())

    @parameterized.named_parameters(
        ("gray_categorical", (5, 5, 1), "categorical"),
        ("rgb_categorical", (4, 4, 3), "categorical"),
        ("gray_mixture", (5, 5, 1), "logistic_mixture"),
        ("rgb_mixture", (4, 4, 3), "logistic_mixture"),
    )
    def test_sampling_is_consistent(self, shape, likelihood):
        filters = 6 if likelihood == "categorical" else 4
        model = tiny(
            image_shape=shape,
            likelihood=likelihood,
            filters=filters,
            output_filters=filters,
        )
        self.assert_sampling_is_consistent(model)

    @pytest.mark.xla
    def test_xla_sampling_is_consistent(self):
        self.assertTrue(PixelCNN.generate_jit_compile)
        for shape, likelihood in (
            ((5, 5, 1), "categorical"),
            ((4, 4, 3), "logistic_mixture"),
        ):
            model = tiny(
                image_shape=shape, likelihood=likelihood, filters=6,
                output_filters=6,
            )  # fmt: skip
            self.assert_sampling_is_consistent(model)

    def test_log_prob_is_a_normalized_distribution(self):
        # A 1x1 image: the 256 values' probabilities sum to one.
        model = tiny(image_shape=(1, 1, 1))
        values = np.arange(256, dtype="uint8").reshape(256, 1, 1, 1)
        total = np.exp(model.log_prob(values).astype("float64")).sum()
        self.assertAlmostEqual(total, 1.0, places=4)

    def test_loss_is_bits_per_dim_of_log_prob(self):
        model = tiny()
        model.compile()
        x = _images()
        logs = model.evaluate(x, return_dict=True, verbose=0)
        expected = -model.log_prob(x).mean() / (25 * math.log(2.0))
        self.assertAllClose(logs["bits_per_dim"], expected, rtol=1e-5)
        self.assertAllClose(logs["loss"], expected, rtol=1e-5)

    def test_completion_keeps_known_pixels(self):
        model = tiny(image_shape=(6, 6, 1))
        known = _images(4, (6, 6, 1), seed=3)
        mask = np.zeros((4, 6, 6), bool)
        mask[:, :3] = True  # the top half given
        a = model.generate({"images": known, "mask": mask}, seed=0)
        b = model.generate({"images": known, "mask": mask}, seed=1)
        np.testing.assert_array_equal(a[:, :3], known[:, :3])
        np.testing.assert_array_equal(b[:, :3], known[:, :3])
        self.assertFalse(np.array_equal(a[:, 3:], b[:, 3:]))
        # The log-probability covers the sampled pixels only.
        out = model.generate(
            {"images": known, "mask": mask}, seed=0, return_log_prob=True
        )
        full = model.log_prob(out["images"])
        self.assertTrue(np.all(out["log_prob"] > full))

    def test_temperature_sharpens(self):
        model = tiny()
        model.compile(optimizer=keras.optimizers.Adam(1e-2))
        # Values peaked around 128: a learnable, non-uniform distribution.
        rng = np.random.default_rng(0)
        peaked = np.clip(rng.normal(128, 12, (64, 5, 5, 1)), 0, 255)
        model.fit(peaked.astype("uint8"), epochs=10, batch_size=16, verbose=0)
        # Learned: well below the 5.55 nats/pixel of a uniform choice.
        nats = -model.log_prob(peaked.astype("uint8")).mean() / 25
        self.assertLess(nats, 4.5)
        cold = model.generate(
            num_samples=32, seed=0, temperature=0.3, return_log_prob=True
        )
        warm = model.generate(num_samples=32, seed=0, return_log_prob=True)
        self.assertGreater(cold["log_prob"].mean(), warm["log_prob"].mean())

    def test_class_conditional(self):
        model = tiny(num_classes=3)
        model.compile()
        labels = np.array([0, 1, 2, 0, 1, 2, 0, 1], "int32")
        model.fit(_images(), labels, epochs=1, batch_size=4, verbose=0)
        images = model.generate(np.array([0, 2]), seed=0)
        self.assertEqual(images.shape, (2, 5, 5, 1))
        self.assertEqual(model.log_prob(images, np.array([0, 2])).shape, (2,))

    def test_bad_inputs(self):
        model = tiny()
        x = _images(2)
        with self.assertRaisesRegex(ValueError, "256-level grid"):
            model.log_prob(x / 127.5 - 1.0 + 0.001)
        with self.assertRaisesRegex(ValueError, "temperature"):
            model.generate(num_samples=2, temperature=0.0)
        with self.assertRaisesRegex(ValueError, "temperature"):
            model.generate(num_samples=2, temperature=-1.0)
        with self.assertRaisesRegex(ValueError, "unconditional"):
            model.generate(np.array([0, 1]))
        with self.assertRaisesRegex(ValueError, "unconditional"):
            model.log_prob(x, np.array([0, 1]))
        with self.assertRaisesRegex(ValueError, "channels"):
            model.log_prob(np.zeros((2, 5, 5, 3), "uint8"))
        with self.assertRaisesRegex(ValueError, "mask"):
            model.generate({"images": x, "mask": np.ones((2, 4, 4), bool)})
        with self.assertRaisesRegex(ValueError, "bool"):
            model.generate({"images": x, "mask": np.ones((2, 5, 5), "int32")})
        with self.assertRaisesRegex(ValueError, "'images' and 'mask'"):
            model.generate({"images": x})
        conditional = tiny(num_classes=3)
        with self.assertRaisesRegex(ValueError, r"\[0, 3\)"):
            conditional.generate(np.array([0, 3]))
        with self.assertRaisesRegex(ValueError, "class-conditional"):
            conditional.generate(num_samples=2)
        with self.assertRaisesRegex(ValueError, "num_mixtures"):
            tiny(num_mixtures=3)
        with self.assertRaisesRegex(ValueError, "likelihood"):
            tiny(likelihood="gaussian")
        with self.assertRaisesRegex(ValueError, "architecture arguments"):
            PixelCNN(network=tiny().network, filters=8)


@pytest.mark.large
def test_brief_training_beats_the_histogram_baseline():
    (x_train, _), (x_test, _) = fashion_mnist.load_data()
    x_train, x_test = x_train[:3200, ..., None], x_test[:500, ..., None]
    keras.utils.set_random_seed(0)
    model = PixelCNN(filters=32, num_blocks=2, output_filters=32, seed=0)
    model.compile(optimizer=keras.optimizers.Adam(2e-3))
    before = model.evaluate(x_test, batch_size=250, return_dict=True, verbose=0)
    model.fit(x_train, epochs=1, batch_size=32, verbose=0)
    after = model.evaluate(x_test, batch_size=250, return_dict=True, verbose=0)
    # Untrained: 8 bits/dim (uniform); the per-pixel histogram of the
    # training images reaches 4.59 on the test split.
    assert before["bits_per_dim"] > 7.5
    assert after["bits_per_dim"] < 4.5, after
