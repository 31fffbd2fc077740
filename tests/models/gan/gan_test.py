import json
import os
import subprocess
import sys

import keras
import numpy as np
import pytest

from kerasgen.callbacks import TerminateOnNaNLosses
from kerasgen.models import GAN
from kerasgen.testing import TestCase
from kerasgen.testing import tiny_gan


def _images(n=8, seed=0):
    rng = np.random.default_rng(seed)
    return rng.integers(0, 256, (n, 8, 8, 1), dtype="uint8")


def _labels(n=8):
    return (np.arange(n) % 3).astype("int32")


def _latents(n=8, seed=0):
    return np.random.default_rng(seed).normal(size=(n, 4)).astype("float32")


def _sgd(model):
    model.compile(
        generator_optimizer=keras.optimizers.SGD(0.1),
        discriminator_optimizer=keras.optimizers.SGD(0.1),
    )


def _config(model):
    return json.loads(json.dumps(model.get_config()))


class GANTest(TestCase):
    def test_generative_model_contract(self):
        self.run_generative_model_test(
            GAN,
            _config(tiny_gan(normalization="batch")),
            _images(),
            (8, 8, 8, 1),
            compile_kwargs={},
            predict_data=_latents(),
        )

    def test_conditional_contract_with_hinge_and_r1(self):
        model = self.run_generative_model_test(
            GAN,
            _config(tiny_gan(num_classes=3, loss="hinge", r1_weight=1.0)),
            (_images(), _labels()),
            (8, 8, 8, 1),
            compile_kwargs={},
            predict_data={"latents": _latents(), "labels": _labels()},
        )
        self.assertEqual(
            sorted(model.get_metrics_result()),
            ["d_loss", "g_loss", "r1_penalty"],
        )

    def test_wasserstein_contract(self):
        self.run_generative_model_test(
            GAN,
            _config(tiny_gan(loss="wasserstein")),
            _images(),
            (8, 8, 8, 1),
            compile_kwargs={},
            predict_data=_latents(),
        )

    def test_distribution_non_saturating_with_batch_norm(self):
        self.run_distribution_test(
            lambda: tiny_gan(normalization="batch", seed=5),
            _images().astype("float32") / 127.5 - 1.0,
            compile_fn=_sgd,
        )

    def test_distribution_conditional_wasserstein_gp(self):
        self.run_distribution_test(
            lambda: tiny_gan(num_classes=3, loss="wasserstein", seed=5),
            (_images().astype("float32") / 127.5 - 1.0, _labels()),
            compile_fn=_sgd,
        )

    def test_losses_match_their_formulas(self):
        real = np.array([2.0, -1.0, 0.5], "float32")
        fake = np.array([-0.5, 1.5, 0.0], "float32")

        def softplus(x):
            return np.log1p(np.exp(x))

        expected = {
            "non_saturating": (
                softplus(-real) + softplus(fake),
                softplus(-fake),
            ),
            "hinge": (
                np.maximum(0, 1 - real) + np.maximum(0, 1 + fake),
                -fake,
            ),
            "wasserstein": (fake - real, -fake),
        }
        for loss, (d_loss, g_loss) in expected.items():
            gan = tiny_gan(loss=loss)
            self.assertAllClose(
                gan._adversarial_losses(real, fake), d_loss, rtol=1e-5
            )
            self.assertAllClose(gan._generator_loss(fake), g_loss, rtol=1e-5)

    def test_input_gradient_norm_of_a_linear_critic(self):
        # D(x) = <w, x>: the gradient w.r.t. every image is w.
        critic = keras.Sequential(
            [
                keras.Input((8, 8, 1)),
                keras.layers.Flatten(),
                keras.layers.Dense(1, use_bias=False),
            ]
        )
        weights = np.random.default_rng(0).normal(size=(64, 1))
        critic.layers[-1].set_weights([weights.astype("float32")])
        gan = tiny_gan(discriminator=critic, loss="wasserstein")
        images = keras.ops.convert_to_tensor(
            _images(3).astype("float32") / 127.5 - 1.0
        )
        norms = gan._input_gradient_norms(images, None)
        self.assertAllClose(norms, [np.sum(weights**2)] * 3, rtol=1e-5)

    def test_gradient_penalty_is_logged_and_weighted(self):
        images = _images()
        logs = {}
        initial = tiny_gan(loss="wasserstein").get_weights()
        for weight in (0.0, 10.0):
            gan = tiny_gan(loss="wasserstein", gradient_penalty_weight=weight)
            gan.set_weights(initial)
            gan.compile()
            logs[weight] = gan.fit(
                images, batch_size=8, shuffle=False, verbose=0
            ).history
        self.assertNotIn("gradient_penalty", logs[0.0])
        penalty = logs[10.0]["gradient_penalty"][0]
        self.assertGreater(penalty, 0.0)
        # Same seed, same first critic step: d_loss differs by 10 x penalty.
        self.assertAllClose(
            logs[10.0]["d_loss"][0] - logs[0.0]["d_loss"][0],
            10.0 * penalty,
            rtol=1e-4,
            atol=1e-5,
        )

    def test_discriminator_steps(self):
        gan = tiny_gan(loss="wasserstein", discriminator_steps=3)
        gan.compile()
        gan.fit(_images(16), batch_size=8, verbose=0)
        self.assertEqual(int(gan.generator_optimizer.iterations), 2)
        self.assertEqual(int(gan.discriminator_optimizer.iterations), 6)

    def test_mixed_float16_wraps_both_optimizers(self):
        policy = keras.config.dtype_policy()
        keras.config.set_dtype_policy("mixed_float16")
        try:
            gan = tiny_gan()
            gan.compile()
            for optimizer in (
                gan.generator_optimizer,
                gan.discriminator_optimizer,
            ):
                self.assertIsInstance(
                    optimizer, keras.optimizers.LossScaleOptimizer
                )
            history = gan.fit(_images(), batch_size=8, verbose=0).history
            self.assertTrue(np.isfinite(history["d_loss"][0]))
            self.assertEqual(int(gan.generator_optimizer.iterations), 1)
            path = os.path.join(self.get_temp_dir(), "mixed.keras")
            gan.save(path)
            loaded = keras.saving.load_model(path)
            self.assertIsInstance(
                loaded.discriminator_optimizer,
                keras.optimizers.LossScaleOptimizer,
            )
            self.assertEqual(int(loaded.discriminator_optimizer.iterations), 1)
        finally:
            keras.config.set_dtype_policy(policy)

    def test_nan_d_loss_stops_training_with_a_message(self):
        gan = tiny_gan()
        gan.compile()
        kernel = gan.discriminator.get_layer("logit").kernel
        kernel.assign(np.full(kernel.shape, np.nan, "float32"))
        guard = TerminateOnNaNLosses(["d_loss", "g_loss"])
        history = gan.fit(
            _images(32), batch_size=8, epochs=3, callbacks=[guard], verbose=0
        ).history
        self.assertEqual(guard.stopped_on[0], 0)
        self.assertEqual(guard.stopped_on[1], "d_loss")
        self.assertEqual(len(history["d_loss"]), 1)

    def test_fit_adds_the_nan_guard(self):
        gan = tiny_gan()
        gan.compile()
        kernel = gan.discriminator.get_layer("logit").kernel
        kernel.assign(np.full(kernel.shape, np.nan, "float32"))
        gan.fit(_images(32), batch_size=8, epochs=3, verbose=0)
        self.assertEqual(int(gan.generator_optimizer.iterations), 1)

    def test_conditional_generate(self):
        gan = tiny_gan(num_classes=3)
        cycled = gan.generate(num_samples=6, seed=0)
        given = gan.generate(np.array([0, 1, 2, 0, 1, 2]), seed=0)
        np.testing.assert_array_equal(cycled, given)
        latents = np.repeat(_latents(1), 3, axis=0)
        images = gan.generate(np.arange(3), latents=latents)
        self.assertFalse(np.array_equal(images[0], images[1]))
        predicted = gan.predict([latents, np.arange(3)], verbose=0)
        self.assertEqual(predicted.shape, (3, 8, 8, 1))

    def test_generate_with_latents_matches_predict(self):
        gan = tiny_gan()
        latents = _latents(4)
        images = gan.generate(latents=latents)
        expected = gan.predict(latents, verbose=0)
        np.testing.assert_array_equal(
            images,
            np.clip(np.round((expected + 1.0) * 127.5), 0, 255).astype("uint8"),
        )

    def test_bad_inputs(self):
        gan = tiny_gan()
        conditional = tiny_gan(num_classes=3)
        with self.assertRaisesRegex(ValueError, r"labels.*\[0, 3\)"):
            conditional.generate(np.array([0, 3]))
        with self.assertRaisesRegex(ValueError, r"\[0, 3\)"):
            conditional.compile()
            conditional.fit(_images(), np.array([0, 1, 2, 3, 0, 1, 2, -1]))
        with self.assertRaisesRegex(ValueError, "unconditional"):
            gan.generate(np.array([0, 1]))
        with self.assertRaisesRegex(ValueError, "unconditional"):
            gan.compile()
            gan.fit(_images(), _labels())
        with self.assertRaisesRegex(ValueError, "conditional"):
            conditional.fit(_images())
        with self.assertRaisesRegex(ValueError, r"latents.*\(batch, 4\)"):
            gan.generate(latents=np.zeros((2, 5)))
        with self.assertRaisesRegex(ValueError, r"\(batch, 4\)"):
            gan.predict(np.zeros((2, 3)), verbose=0)
        with self.assertRaisesRegex(ValueError, "discriminator_steps"):
            tiny_gan(discriminator_steps=0)
        with self.assertRaisesRegex(ValueError, "loss must be one of"):
            tiny_gan(loss="least_squares")
        with self.assertRaisesRegex(ValueError, "latent_dim=5"):
            tiny_gan(latent_dim=5)
        with self.assertRaisesRegex(ValueError, "generator_optimizer"):
            gan.compile(optimizer="adam")
        with self.assertRaisesRegex(
            ValueError, r"x must be float in \[-1, 1\]"
        ):
            gan.fit(np.full((8, 8, 8, 1), 3.0, "float32"))

    def test_other_backends_raise_not_implemented(self):
        gan = tiny_gan()
        original = keras.backend.backend
        keras.backend.backend = lambda: "jax"
        try:
            with self.assertRaisesRegex(NotImplementedError, "TensorFlow"):
                gan.compile()
        finally:
            keras.backend.backend = original


_RESUME_SCRIPT = """
import json, sys, numpy as np, keras
import kerasgen
model = keras.saving.load_model(sys.argv[1], safe_mode=True)
images = np.load(sys.argv[2])
labels = np.load(sys.argv[3])
state = {
    "iterations": [int(model.generator_optimizer.iterations),
                   int(model.discriminator_optimizer.iterations)],
    "moments": [float(np.abs(v.numpy()).sum())
                for v in model.discriminator_optimizer.variables[1:]],
    "rng": model.seed_generator.state.numpy().tolist(),
}
model.fit(images, labels, batch_size=8, epochs=1, shuffle=False, verbose=0)
state["weights"] = [w.tolist() for w in model.get_weights()]
print(json.dumps(state))
"""


@pytest.mark.large
class GANResumeTest(TestCase):
    def test_reloaded_gan_continues_like_uninterrupted_training(self):
        images, labels = _images(16), _labels(16)

        def new_gan():
            gan = tiny_gan(num_classes=3, normalization="batch", seed=7)
            gan.compile(
                generator_optimizer=keras.optimizers.Adam(1e-2),
                discriminator_optimizer=keras.optimizers.Adam(1e-2),
            )
            return gan

        uninterrupted = new_gan()
        initial = uninterrupted.get_weights()
        uninterrupted.fit(
            images, labels, batch_size=8, epochs=2, shuffle=False, verbose=0
        )

        interrupted = new_gan()
        interrupted.set_weights(initial)
        interrupted.fit(
            images, labels, batch_size=8, epochs=1, shuffle=False, verbose=0
        )
        directory = self.get_temp_dir()
        paths = [
            os.path.join(directory, name)
            for name in ("gan.keras", "images.npy", "labels.npy")
        ]
        interrupted.save(paths[0])
        np.save(paths[1], images)
        np.save(paths[2], labels)
        result = subprocess.run(
            [sys.executable, "-c", _RESUME_SCRIPT, *paths],
            capture_output=True,
            text=True,
            check=True,
            env=dict(os.environ, KERAS_BACKEND="tensorflow"),
        )
        state = json.loads(result.stdout.strip().splitlines()[-1])
        self.assertEqual(state["iterations"], [2, 2])
        np.testing.assert_allclose(
            state["moments"],
            [
                float(np.abs(v.numpy()).sum())
                for v in interrupted.discriminator_optimizer.variables[1:]
            ],
            rtol=1e-6,
        )
        self.assertEqual(
            state["rng"], interrupted.seed_generator.state.numpy().tolist()
        )
        for resumed, expected in zip(
            state["weights"], uninterrupted.get_weights()
        ):
            np.testing.assert_allclose(
                np.asarray(resumed), expected, rtol=1e-5, atol=1e-6
            )
