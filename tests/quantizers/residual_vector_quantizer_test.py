import numpy as np
import tensorflow as tf
from absl.testing import parameterized

from kerasgen.quantizers import ResidualVectorQuantizer
from kerasgen.quantizers import VectorQuantizer
from kerasgen.testing import TestCase


class ResidualVectorQuantizerTest(TestCase):
    def setUp(self):
        super().setUp()
        self.latents = np.random.default_rng(0).normal(size=(2, 3, 3, 4))
        self.latents = self.latents.astype("float32")

    @parameterized.named_parameters(
        ("gradient", {}),
        ("ema_kmeans", {"use_ema": True, "kmeans_init": True}),
    )
    def test_quantizer_contract(self, kwargs):
        quantizer = ResidualVectorQuantizer(3, 8, 4, seed=0, **kwargs)
        outputs = self.run_quantizer_test(quantizer, self.latents)
        self.assertEqual(tuple(outputs["indices"].shape), (2, 3, 3, 3))

    def test_stages_quantize_residuals(self):
        quantizer = ResidualVectorQuantizer(
            3, 8, 4, commitment_weight=0.5, seed=1
        )
        outputs = quantizer(self.latents)
        residual = self.latents.reshape(-1, 4).astype("float64")
        total = np.zeros_like(residual)
        loss = np.zeros(len(residual))
        for index, stage in enumerate(quantizer.stages):
            self.assertIsInstance(stage, VectorQuantizer)
            codebook = stage.codebook.numpy()
            ids = np.argmin(
                np.sum((residual[:, None] - codebook) ** 2, -1), axis=-1
            )
            np.testing.assert_array_equal(
                outputs["indices"].numpy()[..., index].ravel(), ids
            )
            loss += 1.5 * np.mean((residual - codebook[ids]) ** 2, axis=-1)
            total += codebook[ids]
            residual = residual - codebook[ids]
        self.assertAllClose(
            outputs["quantized"].numpy().reshape(-1, 4), total, atol=1e-5
        )
        self.assertAllClose(
            outputs["loss"],
            loss.reshape(2, 9).mean(-1),
            rtol=1e-5,
        )
        # Stage seeds differ: the codebooks are not copies.
        self.assertFalse(
            np.allclose(
                quantizer.stages[0].codebook.numpy(),
                quantizer.stages[1].codebook.numpy(),
            )
        )

    def test_more_stages_quantize_finer(self):
        vectors = np.random.default_rng(2).normal(size=(256, 4))
        vectors = vectors.astype("float32")
        errors = []
        for num_quantizers in (1, 2, 4):
            quantizer = ResidualVectorQuantizer(
                num_quantizers, 8, 4, kmeans_init=True, seed=3
            )
            quantizer(vectors, training=True)
            quantized = quantizer(vectors)["quantized"].numpy()
            errors.append(np.mean((quantized - vectors) ** 2))
        self.assertLess(errors[1], 0.8 * errors[0])
        self.assertLess(errors[2], 0.8 * errors[1])

    def test_straight_through_gradient_is_identity(self):
        latents = tf.Variable(self.latents)
        quantizer = ResidualVectorQuantizer(3, 8, 4, seed=0)
        with tf.GradientTape(persistent=True) as tape:
            outputs = quantizer(latents, training=True)
            total = tf.reduce_sum(outputs["quantized"])
            loss = tf.reduce_mean(outputs["loss"])
        self.assertAllClose(tape.gradient(total, latents), 1.0)
        # Every stage's codebook gets a gradient from its loss.
        for stage in quantizer.stages:
            gradient = tf.convert_to_tensor(tape.gradient(loss, stage.codebook))
            self.assertGreater(np.abs(gradient.numpy()).max(), 0.0)

    def test_bad_arguments(self):
        with self.assertRaisesRegex(ValueError, "num_quantizers"):
            ResidualVectorQuantizer(0, 8, 4)
        with self.assertRaisesRegex(ValueError, "decay"):
            ResidualVectorQuantizer(2, 8, 4, decay=1.5)
        with self.assertRaisesRegex(ValueError, "codebook_size"):
            ResidualVectorQuantizer(2, 0, 4)
        quantizer = ResidualVectorQuantizer(2, 8, 4)
        with self.assertRaisesRegex(ValueError, "latents"):
            quantizer(np.zeros((2, 3), "float32"))
        with self.assertRaisesRegex(ValueError, "num_quantizers=2"):
            quantizer.indices_to_codes(np.zeros((2, 3), "int32"))
        with self.assertRaisesRegex(ValueError, "indices"):
            quantizer.indices_to_codes(np.array([[0, 8]]))
