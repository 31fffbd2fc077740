import json
import os
import subprocess
import sys

import keras
import numpy as np
import pytest

from kerasgen.models import VAE
from kerasgen.testing import TINY_VAE_KWARGS
from kerasgen.testing import TestCase
from kerasgen.testing import tiny_vae


def _images(n=8, size=8, channels=1, seed=0):
    rng = np.random.default_rng(seed)
    return rng.integers(0, 256, (n, size, size, channels), dtype="uint8")


class VAETest(TestCase):
    def setUp(self):
        super().setUp()
        self.init_kwargs = dict(TINY_VAE_KWARGS, seed=1)
        self.images = _images()

    def test_generative_model_contract(self):
        self.run_generative_model_test(
            VAE, self.init_kwargs, self.images, (8, 8, 8, 1)
        )

    def test_contract_categorical_rgb(self):
        self.run_generative_model_test(
            VAE,
            dict(
                self.init_kwargs,
                image_shape=(8, 8, 3),
                likelihood="categorical",
            ),
            _images(channels=3),
            (8, 8, 8, 3),
        )

    def test_distribution(self):
        self.run_distribution_test(
            lambda: VAE(**self.init_kwargs),
            self.images.astype("float32") / 127.5 - 1.0,
        )

    def test_loss_is_negative_elbo_in_bits_per_dim(self):
        vae = VAE(**self.init_kwargs)
        images = self.images.astype("float32") / 127.5 - 1.0
        outputs = vae(images, training=True)
        vae.compute_loss(images, y_pred=outputs)
        recon = vae.pixel_likelihood.negative_log_likelihood(
            outputs["params"], images
        )
        mean = outputs["latent_mean"].numpy()
        log_var = outputs["latent_log_var"].numpy()
        kl = 0.5 * np.sum(np.exp(log_var) + mean**2 - 1 - log_var, axis=-1)
        expected = np.mean(recon.numpy() + kl) / (64 * np.log(2))
        self.assertAllClose(
            vae.bits_per_dim_tracker.result(), expected, rtol=1e-5
        )

    def test_kl_weight_scales_only_kl(self):
        images = self.images.astype("float32") / 127.5 - 1.0
        reference = VAE(**self.init_kwargs)
        for kl_weight in (0.0, 2.0):
            vae = VAE(**dict(self.init_kwargs, kl_weight=kl_weight))
            vae.set_weights(reference.get_weights())
            outputs = vae(images, training=True)
            loss = float(vae.compute_loss(images, y_pred=outputs))
            kl = float(vae.kl_loss_tracker.result())
            recon = float(vae.reconstruction_loss_tracker.result())
            self.assertGreater(kl, 0.0)
            self.assertAllClose(loss, recon + kl_weight * kl, rtol=1e-5)

    def test_generate_with_latents_and_sampled_pixels(self):
        vae = VAE(**self.init_kwargs)
        latents = np.zeros((3, 2), "float32")
        images = vae.generate(latents=latents)
        self.assertEqual(images.shape, (3, 8, 8, 1))
        np.testing.assert_array_equal(images[0], images[1])
        sampled = vae.generate(num_samples=3, seed=0, sample_pixels=True)
        again = vae.generate(num_samples=3, seed=0, sample_pixels=True)
        np.testing.assert_array_equal(sampled, again)
        with self.assertRaisesRegex(ValueError, "latents"):
            vae.generate(latents=np.zeros((3, 5), "float32"))
        with self.assertRaisesRegex(ValueError, "disagree"):
            vae.generate(num_samples=2, latents=latents)

    def test_generate_batches_consistently(self):
        vae = VAE(**self.init_kwargs)
        images = vae.generate(num_samples=5, seed=3, batch_size=2, verbose=0)
        self.assertEqual(images.shape, (5, 8, 8, 1))

    def test_bad_inputs(self):
        vae = VAE(**self.init_kwargs)
        vae.compile(optimizer="adam")
        with self.assertRaisesRegex(ValueError, "rank 4"):
            vae.predict(np.zeros((2, 8, 8), "uint8"))
        with self.assertRaisesRegex(ValueError, "shape"):
            vae.fit(np.zeros((2, 16, 16, 1), "uint8"))
        with self.assertRaisesRegex(ValueError, "channels"):
            vae.evaluate(np.zeros((2, 8, 8, 3), "uint8"))
        nan = np.zeros((2, 8, 8, 1), "float32")
        nan[0, 0, 0, 0] = np.nan
        with self.assertRaisesRegex(ValueError, "NaN"):
            vae.fit(nan)
        with self.assertRaisesRegex(ValueError, r"\[-1, 1\].*max=255"):
            vae.fit(np.full((2, 8, 8, 1), 255.0, "float32"))
        with self.assertRaisesRegex(ValueError, "num_samples"):
            vae.generate(num_samples=0)
        with self.assertRaisesRegex(ValueError, "num_samples"):
            vae.generate()
        with self.assertRaisesRegex(ValueError, "unconditional"):
            vae.generate(np.zeros((2,), "int32"))
        with self.assertRaisesRegex(ValueError, "images"):
            vae.encode(np.zeros((2, 8, 8, 2), "uint8"))
        with self.assertRaisesRegex(ValueError, "likelihood"):
            VAE(likelihood="gaussian")
        with self.assertRaisesRegex(ValueError, "latent_dim"):
            VAE(latent_dim=0)
        with self.assertRaisesRegex(ValueError, "kl_weight"):
            VAE(kl_weight=-1.0)
        with self.assertRaisesRegex(ValueError, "divisible"):
            VAE(image_shape=(10, 10, 1))

    def test_custom_networks_are_checked(self):
        encoder = keras.Sequential(
            [
                keras.Input((8, 8, 1)),
                keras.layers.Flatten(),
                keras.layers.Dense(3),
            ]
        )
        with self.assertRaisesRegex(ValueError, "encoder must output"):
            VAE(**dict(self.init_kwargs, encoder=encoder))


@pytest.mark.large
class VAESaveLoadProcessTest(TestCase):
    def test_new_process_reload_gives_identical_generate_and_evaluate(self):
        images = _images(n=16)
        vae = tiny_vae(seed=3)
        vae.compile(optimizer="adam")
        vae.fit(images, epochs=1, batch_size=8, verbose=0)
        directory = self.get_temp_dir()
        path = os.path.join(directory, "vae.keras")
        vae.save(path)
        np.save(os.path.join(directory, "images.npy"), images)
        # evaluate draws posterior noise from the model's RNG, whose state
        # travels in the .keras file: the reloaded model must draw the same.
        expected = {
            "bits_per_dim": vae.evaluate(
                images, batch_size=8, return_dict=True, verbose=0
            )["bits_per_dim"],
            "generate": vae.generate(num_samples=8, seed=0).tolist(),
            "iterations": int(vae.optimizer.iterations.numpy()),
        }
        script = (
            "import json, sys, numpy as np, keras\n"
            "import kerasgen\n"
            f"m = keras.saving.load_model({path!r}, safe_mode=True)\n"
            f"x = np.load({os.path.join(directory, 'images.npy')!r})\n"
            "bpd = m.evaluate(x, batch_size=8, return_dict=True,\n"
            "                 verbose=0)['bits_per_dim']\n"
            "out = {'generate': m.generate(num_samples=8, seed=0).tolist(),\n"
            "       'bits_per_dim': bpd,\n"
            "       'iterations': int(m.optimizer.iterations.numpy()),\n"
            "       'moments': [float(np.sum(np.abs(v.numpy())))\n"
            "                   for v in m.optimizer.variables[1:]]}\n"
            "print(json.dumps(out))\n"
        )
        result = subprocess.run(
            [sys.executable, "-c", script],
            capture_output=True,
            text=True,
            check=True,
            env=dict(os.environ, KERAS_BACKEND="tensorflow"),
        )
        reloaded = json.loads(result.stdout.strip().splitlines()[-1])
        self.assertEqual(reloaded["generate"], expected["generate"])
        self.assertEqual(reloaded["iterations"], expected["iterations"])
        self.assertEqual(reloaded["bits_per_dim"], expected["bits_per_dim"])
        moments = [
            float(np.sum(np.abs(v.numpy())))
            for v in vae.optimizer.variables[1:]
        ]
        np.testing.assert_allclose(reloaded["moments"], moments, rtol=1e-6)
