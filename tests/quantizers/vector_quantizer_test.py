import keras
import numpy as np
import tensorflow as tf
from absl.testing import parameterized
from keras import layers
from keras import ops

from kerasgen.quantizers import VectorQuantizer
from kerasgen.testing import TestCase
from kerasgen.utils import distribution_utils


class TinyVQAutoencoder(keras.Model):
    """Dense encoder, `VectorQuantizer`, Dense decoder; trains by `fit`."""

    def __init__(self, quantizer_kwargs, features=6, **kwargs):
        super().__init__(**kwargs)
        self.encoder = layers.Dense(quantizer_kwargs["codebook_dim"])
        self.quantizer = VectorQuantizer(**quantizer_kwargs, name="quantizer")
        self.decoder = layers.Dense(features)
        self.mse = keras.losses.MeanSquaredError()

    def call(self, inputs, training=False):
        outputs = self.quantizer(self.encoder(inputs), training=training)
        return {
            "reconstruction": self.decoder(outputs["quantized"]),
            "quantizer_loss": outputs["loss"],
        }

    def compute_loss(
        self, x=None, y=None, y_pred=None, sample_weight=None, training=True
    ):
        quantizer_loss = distribution_utils.scale_loss_for_distribution(
            ops.mean(y_pred["quantizer_loss"])
        )
        return self.mse(x, y_pred["reconstruction"]) + quantizer_loss


def _blobs(centers, num_per_blob, scale, seed=0):
    rng = np.random.default_rng(seed)
    centers = np.asarray(centers, "float32")
    points = centers[:, None, :] + scale * rng.normal(
        size=(len(centers), num_per_blob, centers.shape[1])
    )
    return points.reshape(-1, centers.shape[1]).astype("float32")


class VectorQuantizerTest(TestCase):
    def setUp(self):
        super().setUp()
        self.latents = np.random.default_rng(0).normal(size=(2, 3, 3, 4))
        self.latents = self.latents.astype("float32")

    @parameterized.named_parameters(
        ("gradient", {}),
        (
            "ema_kmeans_restart",
            {"use_ema": True, "kmeans_init": True, "dead_code_threshold": 0.01},
        ),
        ("projection_l2", {"projection_dim": 2, "l2_normalize": True}),
    )
    def test_quantizer_contract(self, kwargs):
        quantizer = VectorQuantizer(8, 4, seed=0, **kwargs)
        self.run_quantizer_test(quantizer, self.latents)

    def test_nearest_code_and_loss_match_numpy(self):
        quantizer = VectorQuantizer(8, 4, commitment_weight=0.5, seed=1)
        outputs = quantizer(self.latents)
        codebook = quantizer.codebook.numpy()
        distances = np.sum(
            (self.latents[..., None, :] - codebook) ** 2, axis=-1
        )
        expected = np.argmin(distances, axis=-1)
        np.testing.assert_array_equal(outputs["indices"], expected)
        self.assertAllClose(outputs["quantized"], codebook[expected], atol=1e-6)
        squared = np.mean(
            (self.latents - codebook[expected]) ** 2, axis=(1, 2, 3)
        )
        self.assertAllClose(outputs["loss"], 1.5 * squared, rtol=1e-5)
        # With EMA only the commitment term remains.
        ema = VectorQuantizer(8, 4, commitment_weight=0.5, use_ema=True)
        ema.build(self.latents.shape)
        ema.codebook.assign(codebook)
        self.assertAllClose(ema(self.latents)["loss"], 0.5 * squared, rtol=1e-5)
        # Perplexity and usage of the batch's assignment.
        fraction = np.bincount(expected.ravel(), minlength=8) / expected.size
        used = fraction[fraction > 0]
        self.assertAllClose(
            outputs["perplexity"],
            np.exp(-np.sum(used * np.log(used))),
            rtol=1e-5,
        )
        self.assertAllClose(outputs["usage"], len(used) / 8)

    def test_gradients_reach_the_right_variables(self):
        latents = tf.Variable(self.latents)
        quantizer = VectorQuantizer(8, 4, seed=0)
        with tf.GradientTape(persistent=True) as tape:
            outputs = quantizer(latents, training=True)
            loss = ops.mean(outputs["loss"])
            quantized = ops.sum(outputs["quantized"])
        # Straight-through: d sum(quantized) / d latents is exactly 1.
        self.assertAllClose(tape.gradient(quantized, latents), 1.0)
        codebook_gradient = tf.convert_to_tensor(
            tape.gradient(loss, quantizer.codebook)
        ).numpy()
        used = np.unique(outputs["indices"])
        self.assertTrue(np.all(np.abs(codebook_gradient[used]).sum(-1) > 0))
        unused = np.setdiff1d(np.arange(8), used)
        np.testing.assert_array_equal(codebook_gradient[unused], 0.0)

    def test_ema_step_matches_numpy(self):
        decay, epsilon, size = 0.9, 1e-3, 8
        quantizer = VectorQuantizer(
            size, 4, use_ema=True, decay=decay, epsilon=epsilon, seed=2
        )
        quantizer.build(self.latents.shape)
        self.assertFalse(quantizer.trainable_weights)
        codebook = quantizer.codebook.numpy()
        self.assertAllClose(
            quantizer.embedding_sum_ema.numpy(), codebook / size, atol=1e-7
        )
        usage = quantizer.usage_ema.numpy()
        embedding_sum = quantizer.embedding_sum_ema.numpy()

        outputs = quantizer(self.latents, training=True)

        vectors = self.latents.reshape(-1, 4)
        indices = np.argmin(
            np.sum((vectors[:, None] - codebook) ** 2, axis=-1), axis=-1
        )
        one_hot = np.eye(size)[indices]
        usage = decay * usage + (1 - decay) * one_hot.mean(0)
        embedding_sum = decay * embedding_sum + (1 - decay) * (
            one_hot.T @ vectors / len(vectors)
        )
        total = usage.sum()
        smoothed = (usage + epsilon) / (total + size * epsilon) * total
        # The step's output uses the codebook from before the update.
        self.assertAllClose(
            outputs["quantized"].numpy().reshape(-1, 4),
            codebook[indices],
            atol=1e-6,
        )
        self.assertAllClose(quantizer.usage_ema, usage, rtol=1e-5)
        self.assertAllClose(
            quantizer.batch_code_fraction, one_hot.mean(0), rtol=1e-6
        )
        self.assertAllClose(
            quantizer.embedding_sum_ema, embedding_sum, rtol=1e-5, atol=1e-6
        )
        self.assertAllClose(
            quantizer.codebook,
            embedding_sum / smoothed[:, None],
            rtol=1e-5,
            atol=1e-6,
        )
        # An inference call changes no state.
        before = [w.numpy().copy() for w in quantizer.weights]
        quantizer(self.latents, training=False)
        for b, w in zip(before, quantizer.weights):
            np.testing.assert_array_equal(b, w.numpy())

    def test_kmeans_init_puts_codes_on_clusters(self):
        centers = [[5, 5, 0, 0], [-5, 5, 0, 0], [5, -5, 0, 0], [0, 0, -5, 5]]
        vectors = _blobs(centers, 32, 0.1)
        kmeans = VectorQuantizer(16, 4, kmeans_init=True, seed=3)
        plain = VectorQuantizer(16, 4, seed=3)
        for quantizer in (kmeans, plain):
            quantizer(vectors, training=True)
        self.assertEqual(float(kmeans.initialized.numpy()), 1.0)

        def distance_to_nearest_code(quantizer):
            codebook = quantizer.codebook.numpy()
            return np.min(
                np.linalg.norm(
                    np.asarray(centers, "float32")[:, None] - codebook,
                    axis=-1,
                ),
                axis=1,
            )

        self.assertLess(distance_to_nearest_code(kmeans).max(), 0.3)
        self.assertGreater(distance_to_nearest_code(plain).min(), 3.0)
        # A second training call does not re-initialize.
        before = kmeans.codebook.numpy().copy()
        kmeans(vectors + 1.0, training=True)
        np.testing.assert_array_equal(kmeans.codebook.numpy(), before)
        # Every vector is close to its code after the init.
        error = np.mean((kmeans(vectors)["quantized"].numpy() - vectors) ** 2)
        self.assertLess(error, 0.05)

    @parameterized.named_parameters(("gradient", False), ("ema", True))
    def test_dead_code_restart_revives_an_unused_code(self, use_ema):
        vectors = _blobs([[3.0, 3.0, 3.0, 3.0]], 16, 0.5)
        quantizer = VectorQuantizer(
            8, 4, use_ema=use_ema, dead_code_threshold=0.05, seed=4
        )
        off = VectorQuantizer(8, 4, use_ema=use_ema, seed=4)
        for layer in (quantizer, off):
            layer.build(vectors.shape)
            codebook = layer.codebook.numpy()
            codebook[3] = 100.0
            layer.codebook.assign(codebook)
            if use_ema:
                layer.embedding_sum_ema.assign(codebook / 8)
            usage = layer.usage_ema.numpy()
            usage[3] = 0.0
            layer.usage_ema.assign(usage)
        self.assertNotIn(3, quantizer(vectors)["indices"].numpy())
        quantizer(vectors, training=True)
        off(vectors, training=True)
        restarted = quantizer.codebook.numpy()[3]
        # The code is now one of the batch's vectors (with EMA, moved by the
        # step's EMA update towards its vectors), and in use.
        distance = np.min(np.linalg.norm(vectors - restarted, axis=-1))
        self.assertLess(distance, 0.5 if use_ema else 1e-5)
        self.assertIn(3, quantizer(vectors)["indices"].numpy())
        self.assertGreater(quantizer.usage_ema.numpy()[3], 0.05)
        self.assertNotIn(3, off(vectors)["indices"].numpy())

    def test_xla_training_step(self):
        # XLA draws other random numbers than TensorFlow's kernels, so the
        # steps are compared without k-means init and restarts.
        kwargs = dict(codebook_size=8, codebook_dim=4, use_ema=True, seed=5)
        eager = VectorQuantizer(**kwargs)
        compiled = VectorQuantizer(**kwargs)
        step = tf.function(
            lambda x: compiled(x, training=True), jit_compile=True
        )
        for _ in range(2):
            expected = eager(self.latents, training=True)
            actual = step(self.latents)
            for key in ("quantized", "indices", "loss"):
                self.assertAllClose(actual[key], expected[key], atol=1e-5)
        for a, b in zip(eager.weights, compiled.weights):
            self.assertAllClose(b, a, atol=1e-5, msg=a.path)
        # k-means init and restarts compile (branchless) and run.
        quantizer = VectorQuantizer(
            **dict(kwargs, kmeans_init=True, dead_code_threshold=0.01)
        )
        step = tf.function(
            lambda x: quantizer(x, training=True), jit_compile=True
        )
        outputs = step(self.latents)
        self.assertTrue(np.all(np.isfinite(outputs["loss"].numpy())))
        self.assertEqual(float(quantizer.initialized.numpy()), 1.0)
        vectors = self.latents.reshape(-1, 4)
        codebook = quantizer.codebook.numpy()
        # Every code is near the batch (a random init is not, at this
        # scale, for all 8 codes).
        nearest = np.min(
            np.linalg.norm(codebook[:, None] - vectors, axis=-1), axis=1
        )
        self.assertLess(nearest.max(), 1.5)

    def test_mixed_precision(self):
        quantizer = VectorQuantizer(
            8, 4, projection_dim=2, dtype="mixed_bfloat16", seed=0
        )
        outputs = quantizer(self.latents, training=True)
        self.assertEqual(
            keras.backend.standardize_dtype(outputs["quantized"].dtype),
            "bfloat16",
        )
        self.assertEqual(
            keras.backend.standardize_dtype(outputs["loss"].dtype), "float32"
        )
        for weight in quantizer.weights:
            self.assertEqual(weight.dtype, "float32")

    @parameterized.named_parameters(
        ("ema_kmeans", {"use_ema": True, "kmeans_init": True}),
        ("gradient_restart", {"dead_code_threshold": 0.05}),
    )
    def test_distribution(self, kwargs):
        images = np.random.default_rng(1).normal(size=(8, 2, 2, 6))
        quantizer_kwargs = dict(codebook_size=8, codebook_dim=3, seed=6)
        quantizer_kwargs.update(kwargs)

        def model_fn():
            keras.utils.set_random_seed(7)
            model = TinyVQAutoencoder(quantizer_kwargs)
            model(images[:1].astype("float32"))
            if kwargs.get("dead_code_threshold"):
                # Half of the codes dead: the first step restarts them.
                model.quantizer.usage_ema.assign(
                    np.array([0.0] * 4 + [0.25] * 4, "float32")
                )
            return model

        single, mirrored = self.run_distribution_test(
            model_fn,
            images.astype("float32"),
            noise_fn=lambda m: distribution_utils.replica_normal(
                (2, 4), m.quantizer.seed_generator
            ),
        )
        quantizer = single.quantizer
        state = [quantizer.usage_ema, quantizer.batch_code_fraction]
        if quantizer.use_ema:
            state.append(quantizer.embedding_sum_ema)
        if quantizer.kmeans_init:
            state.append(quantizer.initialized)
            self.assertEqual(float(quantizer.initialized.numpy()), 1.0)
        for variable in state:
            self.assertTrue(any(w is variable for w in single.weights))
        # The step changed the state it is compared on.
        fresh = model_fn()
        changed = [
            not np.allclose(a.numpy(), b.numpy())
            for a, b in zip(single.quantizer.weights, fresh.quantizer.weights)
        ]
        self.assertTrue(all(changed), changed)

    def test_fit_trains_the_codebook_and_reconstructs(self):
        rng = np.random.default_rng(2)
        centers = rng.normal(size=(4, 6)) * 2.0
        data = (
            centers[rng.integers(0, 4, 256)] + 0.05 * rng.normal(size=(256, 6))
        ).astype("float32")
        keras.utils.set_random_seed(8)
        model = TinyVQAutoencoder(
            {"codebook_size": 8, "codebook_dim": 3, "seed": 9}
        )
        model.compile(optimizer=keras.optimizers.Adam(0.03))
        model(data[:1])
        codebook = model.quantizer.codebook
        self.assertTrue(any(w is codebook for w in model.trainable_weights))
        before = codebook.numpy().copy()

        def reconstruction_error():
            outputs = model.predict(data, verbose=0, batch_size=256)
            return np.mean((outputs["reconstruction"] - data) ** 2)

        initial = reconstruction_error()
        history = model.fit(
            data, batch_size=32, epochs=15, verbose=0, shuffle=False
        ).history
        self.assertFalse(np.allclose(codebook.numpy(), before))
        self.assertIn(f"{model.quantizer.name}_perplexity", history)
        self.assertIn(f"{model.quantizer.name}_usage", history)
        final = reconstruction_error()
        # Four clusters of variance 4 per coordinate: the mean predictor
        # scores about 4; a learned codebook resolves the clusters.
        self.assertLess(final, 0.1 * initial)
        self.assertLess(final, 0.5)

    def test_bad_arguments(self):
        for kwargs, name in (
            ({"codebook_size": 0}, "codebook_size"),
            ({"codebook_size": 2.5}, "codebook_size"),
            ({"codebook_dim": 0}, "codebook_dim"),
            ({"commitment_weight": -0.1}, "commitment_weight"),
            ({"decay": 1.0}, "decay"),
            ({"decay": 0.0}, "decay"),
            ({"epsilon": 0.0}, "epsilon"),
            ({"kmeans_iters": 0}, "kmeans_iters"),
            ({"dead_code_threshold": -0.1}, "dead_code_threshold"),
            ({"dead_code_threshold": 0.2}, "dead_code_threshold"),
            ({"projection_dim": 0}, "projection_dim"),
            ({"use_ema": 1}, "use_ema"),
        ):
            arguments = dict({"codebook_size": 8, "codebook_dim": 4}, **kwargs)
            with self.assertRaisesRegex(ValueError, name):
                VectorQuantizer(**arguments)
        quantizer = VectorQuantizer(8, 4)
        with self.assertRaisesRegex(ValueError, "latents.*shape"):
            quantizer(np.zeros((4,), "float32"))
        with self.assertRaisesRegex(ValueError, "codebook_dim=4"):
            quantizer(np.zeros((2, 3), "float32"))
        with self.assertRaisesRegex(ValueError, "indices.*min=-1"):
            quantizer.indices_to_codes(np.array([[0, -1]]))
        with self.assertRaisesRegex(ValueError, "indices.*max=8"):
            quantizer.indices_to_codes(np.array([[8, 1]]))
        with self.assertRaisesRegex(ValueError, "integer"):
            quantizer.indices_to_codes(np.array([0.5]))
