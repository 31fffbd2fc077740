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
        ("gray_full", (4, 4, 1), "full"),
        ("rgb_local_2d", (3, 3, 3), "local_2d"),
    )
    def test_cached_sampling_equals_recompute(self, shape, attention):
        # The per-channel categorical: 3 steps per RGB pixel.
        model = tiny(
            image_shape=shape,
            attention=attention,
            block_shape=(2, 2),
            memory_shape=(1, 1),
        )
        self.assert_sampling_is_consistent(model)

    def test_class_conditional_mixture(self):
        # The joint logistic mixture (one step per pixel), 1D-local
        # attention and a class token.
        model = tiny(
            image_shape=(3, 3, 3),
            num_classes=3,
            likelihood="logistic_mixture",
            num_mixtures=2,
            attention="local_1d",
            query_block=3,
            memory=2,
        )
        model.compile()
        labels = np.array([0, 1, 2, 0, 1, 2, 0, 1], "int32")
        x = _images(shape=(3, 3, 3))
        model.fit(x, labels, epochs=1, batch_size=4, verbose=0)
        wanted = np.array([0, 2, 2])
        out = model.generate(wanted, seed=0, return_log_prob=True)
        self.assertEqual(out["images"].shape, (3, 3, 3, 3))
        np.testing.assert_allclose(
            model.log_prob(out["images"], wanted), out["log_prob"], rtol=1e-4
        )
        uncached = model.generate(wanted, seed=0, cache=False)
        np.testing.assert_array_equal(uncached, out["images"])
