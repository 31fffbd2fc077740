import keras
import numpy as np
import pytest
import tensorflow as tf

from kerasgen.losses import PerceptualLoss
from kerasgen.models import VQGAN
from kerasgen.networks import PatchGANDiscriminator
from kerasgen.testing import TestCase


def _perceptual():
    images = keras.Input((8, 8, 1))
    first = keras.layers.Conv2D(4, 3, padding="same", activation="relu")(images)
    second = keras.layers.Conv2D(4, 3, strides=2, activation="relu")(first)
    return PerceptualLoss(keras.Model(images, [first, second]))


def tiny_kwargs():
    return {
        "image_shape": (8, 8, 1),
        "latent_dim": 3,
        "codebook_size": 8,
        "filters": (4, 8),
        "num_groups": 2,
        "perceptual_loss": _perceptual(),
        "discriminator": PatchGANDiscriminator(
            (8, 8, 1), 8, 1, name="discriminator"
        ),
        "seed": 0,
    }


def tiny(**kwargs):
    return VQGAN(**dict(tiny_kwargs(), **kwargs))


def _images(n=8, seed=0):
    rng = np.random.default_rng(seed)
    return rng.integers(0, 256, (n, 8, 8, 1), dtype="uint8")


def _floats(n=8, seed=0):
    return _images(n, seed).astype("float32") / 127.5 - 1.0


def _sgd(model, learning_rate=0.1):
    model.compile(
        generator_optimizer=keras.optimizers.SGD(learning_rate),
        discriminator_optimizer=keras.optimizers.SGD(learning_rate),
    )


class VQGANTest(TestCase):
    def test_generative_model_contract(self):
        self.run_generative_model_test(
            VQGAN,
            tiny_kwargs(),
            _images(),
            (8, 8, 8, 1),
            compile_kwargs={
                "generator_optimizer": keras.optimizers.Adam(1e-3),
                "discriminator_optimizer": keras.optimizers.Adam(1e-3),
            },
        )

    def test_adaptive_weight_is_the_gradient_norm_ratio(self):
        model = tiny(discriminator_weight=0.5)
        _sgd(model, learning_rate=0.0)
        images = _floats()
        kernel = model.decoder.last_layer.kernel
        with tf.GradientTape(persistent=True) as tape:
            outputs = model(images, training=True)
            recon = outputs["reconstructions"]
            nll = np.float32(0) + keras.ops.mean(
                keras.ops.abs(recon - images), axis=(1, 2, 3)
            )
            nll = nll + model.perceptual_loss(images, recon)
            nll = keras.ops.mean(nll)
            g_loss = -keras.ops.mean(model.discriminator(recon, training=True))
        ratio = tf.norm(tape.gradient(nll, kernel)) / (
            tf.norm(tape.gradient(g_loss, kernel)) + 1e-4
        )
        logs = model.fit(images, batch_size=8, verbose=0).history
        self.assertAllClose(logs["adaptive_weight"][0], 0.5 * ratio, rtol=1e-4)
        self.assertGreater(logs["adaptive_weight"][0], 0.0)

    def test_discriminator_starts_after_discriminator_start_steps(self):
        model = tiny(discriminator_start=2)
        _sgd(model)
        before = [w.numpy() for w in model.discriminator.trainable_weights]
        logs = model.fit(_images(), batch_size=4, verbose=0).history
        self.assertEqual(logs["adaptive_weight"][0], 0.0)
        for b, a in zip(before, model.discriminator.trainable_weights):
            self.assertAllClose(a, b)
        logs = model.fit(_images(), batch_size=4, verbose=0).history
        self.assertGreater(logs["adaptive_weight"][0], 0.0)
        self.assertTrue(
            any(
                not np.allclose(b, a)
                for b, a in zip(before, model.discriminator.trainable_weights)
            )
        )

    def test_distribution(self):
        config = tiny().get_config()
        self.run_distribution_test(
            lambda: VQGAN.from_config(config), _floats(), compile_fn=_sgd
        )

    def test_evaluate_reports_reconstruction_losses(self):
        model = tiny()
        model.compile()
        logs = model.evaluate(_images(), verbose=0, return_dict=True)
        self.assertEqual(
            sorted(logs),
            [
                "loss",
                "perceptual_loss",
                "quantizer_loss",
                "reconstruction_loss",
            ],
        )
        self.assertAllClose(
            logs["loss"],
            logs["reconstruction_loss"]
            + logs["perceptual_loss"]
            + logs["quantizer_loss"],
            rtol=1e-5,
        )

    def test_keras_file_keeps_both_optimizers(self):
        model = tiny()
        model.compile()
        model.fit(_images(), batch_size=4, verbose=0)
        path = f"{self.get_temp_dir()}/vqgan.keras"
        model.save(path)
        loaded = keras.saving.load_model(path)
        for name in ("generator_optimizer", "discriminator_optimizer"):
            for a, b in zip(
                getattr(model, name).variables,
                getattr(loaded, name).variables,
            ):
                self.assertAllClose(a, b)
        self.assertAllClose(
            loaded.perceptual_loss(_floats(), _floats(seed=1)),
            model.perceptual_loss(_floats(), _floats(seed=1)),
        )

    def test_default_is_the_fashion_mnist_configuration(self):
        model = VQGAN(seed=0)
        self.assertEqual(model.token_shape, (7, 7))
        self.assertEqual(
            tuple(model.discriminator.output.shape), (None, 7, 7, 1)
        )
        self.assertEqual(len(model.perceptual_loss.network.outputs), 3)

    def test_rejects_bad_arguments(self):
        with pytest.raises(ValueError, match="perceptual_loss must be"):
            tiny(perceptual_loss="lpips")
        with pytest.raises(ValueError, match="discriminator_start"):
            tiny(discriminator_start=-1)
        with pytest.raises(ValueError, match="perceptual_weight"):
            tiny(perceptual_weight=-1.0)
        with pytest.raises(ValueError, match="generator_optimizer"):
            tiny().compile(optimizer="adam")
        with pytest.raises(ValueError, match="divisible"):
            tiny(image_shape=(10, 10, 1), filters=(4, 8, 8))
