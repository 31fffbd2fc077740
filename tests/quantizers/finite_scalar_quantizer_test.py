import itertools

import numpy as np
import tensorflow as tf
from absl.testing import parameterized

from kerasgen.quantizers import FiniteScalarQuantizer
from kerasgen.testing import TestCase


class FiniteScalarQuantizerTest(TestCase):
    @parameterized.named_parameters(
        ("paper", (8, 5, 5, 5)), ("odd_and_even", (3, 4))
    )
    def test_quantizer_contract(self, levels):
        quantizer = FiniteScalarQuantizer(levels)
        latents = np.random.default_rng(0).normal(size=(2, 3, 3, len(levels)))
        self.run_quantizer_test(quantizer, 2.0 * latents)

    def test_sizes_and_config(self):
        quantizer = FiniteScalarQuantizer((8, 5, 5, 5))
        self.assertEqual(quantizer.codebook_size, 1000)
        self.assertEqual(quantizer.codebook_dim, 4)
        quantizer.build((None, 4))
        self.assertFalse(quantizer.trainable_weights)
        self.assertEqual(
            [w.path for w in quantizer.weights],
            [f"{quantizer.name}/batch_code_fraction"],
        )

    @parameterized.named_parameters(
        ("paper", (8, 5, 5, 5)),
        ("even", (4, 2, 6)),
        ("one_channel", (7,)),
        ("binary", (2, 2, 2)),
    )
    def test_round_trip_of_every_code(self, levels):
        quantizer = FiniteScalarQuantizer(levels)
        size = int(np.prod(levels))
        indices = np.arange(size, dtype="int32")
        codes = quantizer.indices_to_codes(indices).numpy()
        self.assertEqual(codes.shape, (size, len(levels)))
        # All codes distinct and in [-1, 1].
        self.assertEqual(len(np.unique(codes, axis=0)), size)
        self.assertLessEqual(np.abs(codes).max(), 1.0)
        # Each channel takes exactly levels[i] values.
        for channel, level in enumerate(levels):
            self.assertLen(np.unique(codes[:, channel]), level)
        # The grid quantizes to itself: codes -> ids -> codes is identity.
        # (Latents whose bounded value is just inside the level, which the
        # bound reaches only in the limit at the extremes: invert it.)
        levels_array = np.asarray(levels, "float64")
        half_l = (levels_array - 1) * (1 - 1e-3) / 2
        offset = np.where(levels_array % 2 == 1, 0.0, 0.5)
        shift = np.tan(offset / half_l)
        target = np.clip(
            codes * (levels_array // 2),
            -half_l - offset + 0.01,
            half_l - offset - 0.01,
        )
        latents = np.arctanh((target + offset) / half_l) - shift
        outputs = quantizer(latents.astype("float32"))
        np.testing.assert_array_equal(outputs["indices"], indices)
        self.assertAllClose(outputs["quantized"], codes, atol=1e-6)
        self.assertAllClose(outputs["usage"], 1.0)
        self.assertAllClose(outputs["perplexity"], size, rtol=1e-4)

    def test_matches_reference_formulas(self):
        levels = np.array([8, 5, 5, 5], "float32")
        latents = np.random.default_rng(1).normal(size=(64, 4)) * 3.0
        quantizer = FiniteScalarQuantizer(tuple(int(x) for x in levels))
        outputs = quantizer(latents.astype("float32"))
        half_l = (levels - 1) * (1 - 1e-3) / 2
        offset = np.where(levels % 2 == 1, 0.0, 0.5)
        bounded = np.tanh(latents + np.tan(offset / half_l)) * half_l - offset
        expected = np.round(bounded) / (levels // 2)
        self.assertAllClose(outputs["quantized"], expected, atol=1e-6)
        digits = np.round(bounded) + levels // 2
        basis = np.array([1, 8, 40, 200])
        np.testing.assert_array_equal(
            outputs["indices"], (digits * basis).sum(-1).astype("int32")
        )
        np.testing.assert_array_equal(outputs["loss"], np.zeros(64))
        # An even level reaches all its values: -4..3 for 8 levels.
        self.assertLen(np.unique(np.round(bounded[:, 0])), 8)
        self.assertEqual(np.round(bounded[:, 0]).min(), -4)

    def test_straight_through_gradient_is_that_of_the_bound(self):
        latents = tf.Variable(
            np.random.default_rng(2).normal(size=(4, 4)).astype("float32")
        )
        quantizer = FiniteScalarQuantizer((8, 5, 5, 5))
        with tf.GradientTape() as tape:
            total = tf.reduce_sum(quantizer(latents)["quantized"])
        levels = np.array([8, 5, 5, 5], "float32")
        half_l = (levels - 1) * (1 - 1e-3) / 2
        shift = np.tan(np.where(levels % 2 == 1, 0.0, 0.5) / half_l)
        expected = (
            (1 - np.tanh(latents.numpy() + shift) ** 2) * half_l / (levels // 2)
        )
        self.assertAllClose(tape.gradient(total, latents), expected, atol=1e-5)

    def test_bad_arguments(self):
        for levels in ((), (8, 1), (8, 2.5), 8, (2**16, 2**16)):
            with self.assertRaisesRegex(ValueError, "levels"):
                FiniteScalarQuantizer(levels)
        quantizer = FiniteScalarQuantizer((8, 5))
        with self.assertRaisesRegex(ValueError, "latents"):
            quantizer(np.zeros((2, 3), "float32"))
        with self.assertRaisesRegex(ValueError, "indices"):
            quantizer.indices_to_codes(np.array([40]))
        with self.assertRaisesRegex(ValueError, "indices"):
            quantizer.indices_to_codes(np.array([-1]))

    def test_all_level_combinations_reachable(self):
        levels = (3, 4)
        quantizer = FiniteScalarQuantizer(levels)
        grid = np.array(
            list(itertools.product(np.linspace(-4, 4, 41), repeat=2)),
            "float32",
        )
        indices = quantizer(grid)["indices"].numpy()
        np.testing.assert_array_equal(np.unique(indices), np.arange(12))
