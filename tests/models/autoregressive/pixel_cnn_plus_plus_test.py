"""PixelCNN++: the model contract, cached sampling and its likelihood."""

import numpy as np

from kerasgen.models.autoregressive.pixel_cnn_plus_plus import PixelCNNPlusPlus
from kerasgen.testing import TestCase

TINY = dict(num_mixtures=2, filters=4, num_resnet_blocks=1, num_resolutions=2)


def _images(n=8, shape=(5, 5, 1), seed=0):
    rng = np.random.default_rng(seed)
    return rng.integers(0, 256, (n,) + shape, dtype="uint8")


def tiny(**kwargs):
    return PixelCNNPlusPlus(
        **dict(dict(image_shape=(5, 5, 1), seed=0, **TINY), **kwargs)
    )


class PixelCNNPlusPlusTest(TestCase):
    def test_generative_model_contract(self):
        self.run_generative_model_test(
            PixelCNNPlusPlus,
            dict(
                image_shape=(5, 5, 1),
                seed=0,
                dropout=0.1,
                **dict(TINY, num_resolutions=1),
            ),
            train_data=_images(),
            expected_output_shape=(8, 5, 5, 6),
        )

    def test_distribution(self):
        # Class-conditional (the labels' biases train too); no dropout:
        # the test compares one device with two replicas.
        labels = np.array([0, 1, 2, 0, 1, 2, 0, 1], "int32")
        self.run_distribution_test(
            lambda: tiny(num_resolutions=1, num_classes=3),
            (_images(), labels),
        )

    def test_cached_sampling_equals_recompute(self):
        # RGB: the mixture's channels drawn jointly from one pass per pixel
        # (grayscale: test_class_conditional).
        model = tiny(image_shape=(4, 4, 3))
        self.assertEqual(model.likelihood, "logistic_mixture")
        self.assert_sampling_is_consistent(model)

    def test_class_conditional(self):
        model = tiny(num_classes=3)
        inputs = np.array([0, 2, 2])
        out = model.generate(inputs, seed=0, return_log_prob=True)
        self.assertEqual(out["images"].shape, (3, 5, 5, 1))
        # The cached steps with labels give the model's log-probability.
        np.testing.assert_allclose(
            model.log_prob(out["images"], inputs), out["log_prob"], rtol=1e-4
        )

    def test_categorical_likelihood(self):
        # Grayscale: one channel, nothing of the pixel to hide.
        model = tiny(likelihood="categorical", num_mixtures=None)
        self.assertEqual(model.network.output_dim, 256)
        values = np.arange(256, dtype="uint8").reshape(256, 1, 1, 1)
        small = tiny(
            image_shape=(1, 1, 1), likelihood="categorical", num_mixtures=None
        )
        total = np.exp(small.log_prob(values).astype("float64")).sum()
        self.assertAlmostEqual(total, 1.0, places=4)
        # RGB would need the network to see R before G within a pixel.
        with self.assertRaisesRegex(ValueError, "channel_groups"):
            tiny(
                image_shape=(4, 4, 3),
                likelihood="categorical",
                num_mixtures=None,
            )
        del model

    def test_mixture_is_normalized(self):
        model = tiny(image_shape=(1, 1, 1))
        values = np.arange(256, dtype="uint8").reshape(256, 1, 1, 1)
        total = np.exp(model.log_prob(values).astype("float64")).sum()
        self.assertAlmostEqual(total, 1.0, places=4)
