import numpy as np
from absl.testing import parameterized

from kerasgen.models.autoregressive.gated_pixel_cnn import GatedPixelCNN
from kerasgen.testing import TestCase

# Receptive field 3 // 2 + 2 * (3 // 2) = 3: the whole 4x4 image.
TINY = dict(
    filters=6,
    num_layers=3,
    kernel_size=3,
    first_kernel_size=3,
    output_filters=6,
)


def _images(n=8, channels=1, seed=0):
    rng = np.random.default_rng(seed)
    return rng.integers(0, 256, (n, 4, 4, channels), dtype="uint8")


def _labels(n=8):
    return (np.arange(n) % 3).astype("int32")


def _model(channels=1, num_classes=3, **kwargs):
    return GatedPixelCNN(
        image_shape=(4, 4, channels),
        num_classes=num_classes,
        seed=3,
        **dict(TINY, **kwargs),
    )


class GatedPixelCNNTest(TestCase):
    def test_generative_model_contract(self):
        images, labels = _images(), _labels()
        self.run_generative_model_test(
            GatedPixelCNN,
            dict(image_shape=(4, 4, 1), num_classes=3, **TINY),
            (images, labels),
            (8, 4, 4, 256),
            generate_kwargs={"inputs": labels[:4]},
            predict_data={
                "images": images.astype("float32") / 127.5 - 1.0,
                "labels": labels,
            },
        )

    def test_distribution(self):
        self.run_distribution_test(
            lambda: _model(),
            (_images().astype("float32") / 127.5 - 1.0, _labels()),
        )

    @parameterized.named_parameters(
        ("conditional_categorical", 1, 3, "categorical"),
        ("rgb_per_channel", 3, None, "categorical"),
        ("rgb_logistic_mixture", 3, 3, "logistic_mixture"),
    )
    def test_cached_generate_equals_recompute_and_log_prob(
        self, channels, num_classes, likelihood
    ):
        model = _model(channels, num_classes, likelihood=likelihood)
        labels = None
        if num_classes is not None:
            labels = _labels(4)
            # Non-zero class biases (they start at zero), seen by the step.
            embeddings = model.network.label_embedding.embeddings
            embeddings.assign(
                np.random.default_rng(0).normal(size=embeddings.shape)
            )
        kwargs = dict(num_samples=4, seed=7, return_log_prob=True)
        cached = model.generate(labels, cache=True, **kwargs)
        recomputed = model.generate(labels, cache=False, **kwargs)
        np.testing.assert_array_equal(cached["images"], recomputed["images"])
        np.testing.assert_allclose(
            cached["log_prob"], recomputed["log_prob"], rtol=1e-4
        )
        # The sampler's log-probability of its choices is the image's.
        np.testing.assert_allclose(
            model.log_prob(cached["images"], labels),
            cached["log_prob"],
            rtol=1e-4,
        )

    def test_labels_are_checked(self):
        model = _model()
        with self.assertRaisesRegex(ValueError, r"\[0, 3\)"):
            model.generate(np.array([0, 3]), seed=0)
        with self.assertRaisesRegex(ValueError, r"\[0, 3\)"):
            model.log_prob(_images(2), np.array([-1, 0]))
        with self.assertRaisesRegex(ValueError, "labels"):
            model.generate(num_samples=2, seed=0)
        unconditional = _model(num_classes=None)
        with self.assertRaisesRegex(ValueError, "unconditional"):
            unconditional.generate(np.array([0, 1]), seed=0)
        with self.assertRaisesRegex(ValueError, "unconditional"):
            unconditional.log_prob(_images(2), np.array([0, 1]))

    def test_spatial_conditioning_is_not_a_model_argument(self):
        self.assertNotIn(
            "conditioning_channels", GatedPixelCNN._network_arguments()
        )
        self.assertIn("num_layers", GatedPixelCNN._network_arguments())
