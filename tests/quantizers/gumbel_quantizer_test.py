import keras
import numpy as np
import tensorflow as tf
from absl.testing import parameterized
from keras import layers
from keras import ops

from kerasgen.quantizers import GumbelQuantizer
from kerasgen.testing import TestCase
from kerasgen.utils import distribution_utils


class TinyGumbelAutoencoder(keras.Model):
    """Dense logits, `GumbelQuantizer`, Dense decoder; trains by `fit`."""

    def __init__(self, seed=0, **kwargs):
        super().__init__(**kwargs)
        self.encoder = layers.Dense(8)
        self.quantizer = GumbelQuantizer(8, 3, seed=seed, name="quantizer")
        self.decoder = layers.Dense(6)
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


def _softmax(x):
    e = np.exp(x - x.max(-1, keepdims=True))
    return e / e.sum(-1, keepdims=True)


class GumbelQuantizerTest(TestCase):
    def setUp(self):
        super().setUp()
        rng = np.random.default_rng(0)
        self.logits = (2.0 * rng.normal(size=(2, 3, 3, 8))).astype("float32")

    @parameterized.named_parameters(("soft", False), ("hard", True))
    def test_quantizer_contract(self, straight_through):
        quantizer = GumbelQuantizer(
            8, 4, straight_through=straight_through, seed=0
        )
        self.run_quantizer_test(quantizer, self.logits)

    def _identity_quantizer(self, **kwargs):
        # codebook = identity: "quantized" is the (relaxed) one-hot itself.
        quantizer = GumbelQuantizer(8, 8, seed=1, **kwargs)
        quantizer.build(self.logits.shape)
        quantizer.codebook.assign(np.eye(8, dtype="float32"))
        return quantizer

    def test_inference_is_the_argmax_code(self):
        quantizer = GumbelQuantizer(8, 4, seed=0)
        outputs = quantizer(self.logits)
        expected = np.argmax(self.logits, axis=-1)
        np.testing.assert_array_equal(outputs["indices"], expected)
        self.assertAllClose(
            outputs["quantized"], quantizer.codebook.numpy()[expected]
        )

    def test_training_samples_a_relaxed_one_hot(self):
        quantizer = self._identity_quantizer()
        weights = quantizer(self.logits, training=True)["quantized"].numpy()
        self.assertAllClose(weights.sum(-1), 1.0, atol=1e-5)
        self.assertTrue(np.all(weights > 0) and np.all(weights < 1))
        # Low temperature: close to one-hot; high: close to uniform.
        quantizer.set_temperature(0.01)
        outputs = quantizer(self.logits, training=True)
        sharp = outputs["quantized"].numpy()
        self.assertGreater(sharp.max(-1).min(), 0.9)
        np.testing.assert_array_equal(
            np.argmax(sharp, -1), outputs["indices"].numpy()
        )
        quantizer.set_temperature(100.0)
        flat = quantizer(self.logits, training=True)["quantized"].numpy()
        self.assertLess(flat.max(-1).max(), 0.2)
        # Straight-through: exactly one-hot forward, soft gradient.
        hard = self._identity_quantizer(straight_through=True)
        logits = tf.Variable(self.logits)
        with tf.GradientTape() as tape:
            outputs = hard(logits, training=True)
            objective = tf.reduce_sum(
                outputs["quantized"] * np.arange(8, dtype="float32")
            )
        one_hot = outputs["quantized"].numpy()
        self.assertAllClose(one_hot, np.eye(8)[outputs["indices"].numpy()])
        self.assertGreater(np.abs(tape.gradient(objective, logits)).max(), 0)

    def test_samples_follow_the_softmax(self):
        # Gumbel-max: the argmax of logits + Gumbel noise is a sample of
        # softmax(logits).
        logits = np.array([2.0, 1.0, 0.0, -1.0, 0.5, 0.0, -2.0, 1.5], "f")
        quantizer = GumbelQuantizer(8, 2, seed=2)
        batch = np.tile(logits, (1, 8000, 1)).astype("float32")
        indices = quantizer(batch, training=True)["indices"].numpy()
        frequencies = np.bincount(indices.ravel(), minlength=8) / 8000
        self.assertAllClose(frequencies, _softmax(logits), atol=0.02)
        # A second call draws new noise.
        again = quantizer(batch, training=True)["indices"].numpy()
        self.assertFalse(np.array_equal(indices, again))

    def test_kl_loss_matches_numpy(self):
        quantizer = GumbelQuantizer(8, 4, kl_weight=0.5, seed=0)
        loss = quantizer(self.logits)["loss"].numpy()
        probabilities = _softmax(self.logits.astype("float64"))
        kl = np.sum(probabilities * np.log(probabilities * 8), axis=-1)
        self.assertAllClose(loss, 0.5 * kl.mean(axis=(1, 2)), rtol=1e-4)
        uniform = quantizer(np.zeros((3, 8), "float32"))["loss"].numpy()
        self.assertAllClose(uniform, np.zeros(3), atol=1e-6)

    def test_entropy_penalty_matches_numpy(self):
        quantizer = GumbelQuantizer(
            8, 4, kl_weight=0.0, entropy_weight=0.3, seed=0
        )
        loss = quantizer(self.logits)["loss"].numpy()
        probabilities = _softmax(self.logits.astype("float64"))

        def entropy(p):
            return -np.sum(p * np.log(p), axis=-1)

        batch = entropy(probabilities.reshape(-1, 8).mean(axis=0))
        expected = entropy(probabilities).mean(axis=(1, 2)) - batch
        self.assertAllClose(loss, 0.3 * expected, rtol=1e-4)
        # Confident codes spread evenly over the codebook: the minimum,
        # -log(codebook_size); all positions on one code: 0.
        spread = 50.0 * np.eye(8, dtype="float32").reshape(2, 2, 2, 8)
        self.assertAllClose(
            quantizer(spread)["loss"].numpy(),
            [-0.3 * np.log(8)] * 2,
            atol=1e-4,
        )
        same = np.zeros((2, 2, 2, 8), "float32")
        same[..., 3] = 50.0
        self.assertAllClose(quantizer(same)["loss"].numpy(), [0, 0], atol=1e-4)

    def test_temperature_is_state_saved_with_the_model(self):
        quantizer = GumbelQuantizer(8, 4, temperature=0.5, seed=0)
        inputs = keras.Input((3, 3, 8))
        model = keras.Model(inputs, quantizer(inputs)["quantized"])
        self.assertAllClose(quantizer.current_temperature, 0.5)
        self.assertFalse(
            any(
                w is quantizer.current_temperature
                for w in quantizer.trainable_weights
            )
        )
        quantizer.set_temperature(0.25)
        path = self.get_temp_dir() + "/model.keras"
        model.save(path)
        loaded = keras.saving.load_model(path)
        loaded_quantizer = [
            layer
            for layer in loaded.layers
            if isinstance(layer, GumbelQuantizer)
        ][0]
        self.assertAllClose(loaded_quantizer.current_temperature, 0.25)
        self.assertEqual(loaded_quantizer.temperature, 0.5)

    def test_distribution(self):
        data = np.random.default_rng(3).normal(size=(8, 2, 2, 6))

        def model_fn():
            keras.utils.set_random_seed(4)
            model = TinyGumbelAutoencoder(seed=5)
            model(data[:1].astype("float32"))
            return model

        self.run_distribution_test(
            model_fn,
            data.astype("float32"),
            noise_fn=lambda m: distribution_utils.replica_normal(
                (2, 4), m.quantizer.seed_generator
            ),
        )

    def test_bad_arguments(self):
        for kwargs, name in (
            ({"codebook_size": 0}, "codebook_size"),
            ({"codebook_dim": -1}, "codebook_dim"),
            ({"temperature": 0.0}, "temperature"),
            ({"kl_weight": -1.0}, "kl_weight"),
            ({"entropy_weight": -0.1}, "entropy_weight"),
            ({"straight_through": "yes"}, "straight_through"),
        ):
            arguments = dict({"codebook_size": 8, "codebook_dim": 4}, **kwargs)
            with self.assertRaisesRegex(ValueError, name):
                GumbelQuantizer(**arguments)
        quantizer = GumbelQuantizer(8, 4)
        with self.assertRaisesRegex(ValueError, "codebook_size=8"):
            quantizer(np.zeros((2, 4), "float32"))
        with self.assertRaisesRegex(ValueError, "temperature"):
            quantizer.set_temperature(-1.0)
        with self.assertRaisesRegex(ValueError, "indices"):
            quantizer.indices_to_codes(np.array([8]))
