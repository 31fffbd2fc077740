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


class ClassifierFreeGuidanceTest(TestCase):
    def _guided_model(self, **kwargs):
        model = _model(label_dropout=0.25, **kwargs)
        embeddings = model.network.label_embedding.embeddings
        embeddings.assign(
            np.random.default_rng(0).normal(size=embeddings.shape)
        )
        return model

    def test_null_class_in_the_network_and_the_config(self):
        model = self._guided_model()
        self.assertEqual(model.num_classes, 3)
        self.assertEqual(model.network.num_classes, 4)
        restored = GatedPixelCNN.from_config(model.get_config())
        self.assertEqual(restored.label_dropout, 0.25)
        self.assertEqual(restored.network.num_classes, 4)
        # Given the network, the model reads num_classes off it, less one.
        again = GatedPixelCNN(network=model.network, label_dropout=0.25)
        self.assertEqual(again.num_classes, 3)

    def test_label_dropout_replaces_that_fraction_by_the_null_class(self):
        model = self._guided_model()
        labels = np.arange(20000) % 3
        dropped = np.asarray(model._drop_labels(labels))
        null = dropped == 3
        self.assertAlmostEqual(null.mean(), 0.25, delta=0.02)
        np.testing.assert_array_equal(dropped[~null], labels[~null])
        # Only in training: evaluation sees the labels.
        x, y = _images(), _labels()
        model.compile()
        first = model.evaluate(x, y, verbose=0, return_dict=True)
        second = model.evaluate(x, y, verbose=0, return_dict=True)
        self.assertEqual(first["loss"], second["loss"])

    def test_guided_sampling_follows_the_guided_logits(self):
        model = self._guided_model()
        labels = _labels(4)
        null = np.full(4, 3, "int32")
        plain = model.generate(labels, seed=5)
        same = model.generate(labels, seed=5, guidance_scale=1.0)
        np.testing.assert_array_equal(plain, same)
        for scale in (0.0, 2.5):
            kwargs = dict(seed=5, guidance_scale=scale, return_log_prob=True)
            cached = model.generate(labels, **kwargs)
            recomputed = model.generate(labels, cache=False, **kwargs)
            np.testing.assert_array_equal(
                cached["images"], recomputed["images"]
            )
            # The log-probability of the choices under uncond + s (cond -
            # uncond) from the full network.
            images = cached["images"].astype("float32") / 127.5 - 1.0
            cond = np.asarray(model._params(images, labels))
            uncond = np.asarray(model._params(images, null))
            guided = uncond + scale * (cond - uncond)
            expected = np.asarray(
                model.pixel_likelihood.log_prob(guided, images)
            ).sum(axis=(1, 2))
            np.testing.assert_allclose(cached["log_prob"], expected, rtol=1e-4)
        self.assertFalse(
            np.array_equal(
                model.generate(labels, seed=5, guidance_scale=0.0),
                model.generate(labels, seed=5, guidance_scale=4.0),
            )
        )

    def test_bad_guidance_is_refused(self):
        with self.assertRaisesRegex(ValueError, "label_dropout > 0"):
            _model().generate(_labels(2), seed=0, guidance_scale=2.0)
        with self.assertRaisesRegex(ValueError, "categorical"):
            _model(label_dropout=0.1, likelihood="logistic_mixture").generate(
                _labels(2), seed=0, guidance_scale=2.0
            )
        with self.assertRaisesRegex(ValueError, "guidance_scale"):
            self._guided_model().generate(
                _labels(2), seed=0, guidance_scale=-1.0
            )
        with self.assertRaisesRegex(ValueError, "num_classes"):
            _model(num_classes=None, label_dropout=0.1)
        with self.assertRaisesRegex(ValueError, "label_dropout"):
            _model(label_dropout=1.0)
