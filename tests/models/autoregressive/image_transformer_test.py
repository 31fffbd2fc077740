"""ImageTransformer: the AutoregressiveModel contract on a transformer."""

import numpy as np
from absl.testing import parameterized

from kerasgen.models.autoregressive.image_transformer import ImageTransformer
from kerasgen.testing import TestCase

TINY = dict(num_layers=1, num_heads=2, hidden_dim=8, intermediate_dim=16)


def _images(n=8, shape=(4, 4, 1), seed=0):
    rng = np.random.default_rng(seed)
    return rng.integers(0, 256, (n,) + shape, dtype="uint8")


def tiny(**kwargs):
    kwargs = dict(dict(image_shape=(4, 4, 1), seed=0, **TINY), **kwargs)
    return ImageTransformer(**kwargs)


class ImageTransformerTest(TestCase):
    def test_generative_model_contract(self):
        self.run_generative_model_test(
            ImageTransformer,
            dict(image_shape=(4, 4, 1), seed=0, **TINY),
            train_data=_images(),
            expected_output_shape=(8, 4, 4, 256),
        )

    def test_distribution(self):
        self.run_distribution_test(tiny, _images())

    @parameterized.named_parameters(
        ("gray_full", (4, 4, 1), "categorical", "full"),
        ("rgb_local_2d", (3, 3, 3), "categorical", "local_2d"),
        ("rgb_mixture_local_1d", (3, 3, 3), "logistic_mixture", "local_1d"),
    )
    def test_cached_sampling_equals_recompute(
        self, shape, likelihood, attention
    ):
        model = tiny(
            image_shape=shape,
            likelihood=likelihood,
            attention=attention,
            query_block=3,
            memory=2,
            block_shape=(2, 2),
            memory_shape=(1, 1),
            num_mixtures=2 if likelihood == "logistic_mixture" else None,
        )
        cached = model.generate(num_samples=3, seed=1, return_log_prob=True)
        uncached = model.generate(
            num_samples=3, seed=1, cache=False, return_log_prob=True
        )
        np.testing.assert_array_equal(cached["images"], uncached["images"])
        # log p(x) of the sampled image == the sum of its choices' log p.
        np.testing.assert_allclose(
            model.log_prob(cached["images"]), cached["log_prob"], rtol=1e-4
        )
        np.testing.assert_allclose(
            cached["log_prob"], uncached["log_prob"], rtol=1e-5
        )

    def test_class_conditional(self):
        model = tiny(
            num_classes=3,
            attention="local_2d",
            block_shape=(2, 2),
            memory_shape=(1, 1),
        )
        model.compile()
        labels = np.array([0, 1, 2, 0, 1, 2, 0, 1], "int32")
        model.fit(_images(), labels, epochs=1, batch_size=4, verbose=0)
        out = model.generate(np.array([0, 2, 2]), seed=0, return_log_prob=True)
        self.assertEqual(out["images"].shape, (3, 4, 4, 1))
        np.testing.assert_allclose(
            model.log_prob(out["images"], np.array([0, 2, 2])),
            out["log_prob"],
            rtol=1e-4,
        )
        uncached = model.generate(np.array([0, 2, 2]), seed=0, cache=False)
        np.testing.assert_array_equal(uncached, out["images"])
