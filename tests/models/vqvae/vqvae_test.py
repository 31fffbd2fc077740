import keras
import numpy as np
import pytest

from kerasgen.models import VQVAE
from kerasgen.quantizers import VectorQuantizer
from kerasgen.testing import TestCase

TINY = {
    "image_shape": (8, 8, 1),
    "latent_dim": 3,
    "codebook_size": 8,
    "filters": (4, 8),
    "num_groups": 2,
    "seed": 0,
}


def _images(n=8, size=8, channels=1, seed=0):
    rng = np.random.default_rng(seed)
    return rng.integers(0, 256, (n, size, size, channels), dtype="uint8")


def _ema_quantizer():
    return VectorQuantizer(
        8, 3, use_ema=True, kmeans_init=True, seed=0, name="quantizer"
    )


class VQVAETest(TestCase):
    def test_generative_model_contract(self):
        self.run_generative_model_test(VQVAE, TINY, _images(), (8, 8, 8, 1))

    def test_contract_with_ema_codebook_rgb(self):
        model = self.run_generative_model_test(
            VQVAE,
            dict(TINY, image_shape=(8, 8, 3), quantizer=_ema_quantizer()),
            _images(channels=3),
            (8, 8, 8, 3),
        )
        self.assertFalse(model.quantizer.trainable_weights)

    def test_tokenize_detokenize_is_the_reconstruction(self):
        model = VQVAE(**TINY)
        images = _images()
        token_ids = model.tokenize(images)
        self.assertEqual(model.token_shape, (4, 4))
        self.assertEqual(model.vocabulary_size, 8)
        self.assertEqual(tuple(token_ids.shape), (8, 4, 4))
        self.assertEqual(
            keras.backend.standardize_dtype(token_ids.dtype), "int32"
        )
        ids = np.asarray(token_ids)
        self.assertTrue(ids.min() >= 0 and ids.max() < 8)
        self.assertAllClose(
            model.detokenize(ids), model.predict(images, verbose=0), atol=1e-5
        )

    def test_loss_is_reconstruction_plus_quantizer_loss(self):
        model = VQVAE(**dict(TINY, reconstruction_loss="l1"))
        images = _images().astype("float32") / 127.5 - 1.0
        outputs = model(images, training=True)
        loss = model.compute_loss(images, y_pred=outputs)
        l1 = np.mean(
            np.abs(np.asarray(outputs["reconstructions"]) - images),
            axis=(1, 2, 3),
        )
        expected = np.mean(l1 + np.asarray(outputs["loss"]))
        self.assertAllClose(loss, expected, rtol=1e-5)

    def test_distribution_with_ema_codebook(self):
        self.run_distribution_test(
            lambda: VQVAE(**dict(TINY, quantizer=_ema_quantizer())),
            _images().astype("float32") / 127.5 - 1.0,
        )

    def test_keras_file_keeps_the_ema_state(self):
        model = VQVAE(**dict(TINY, quantizer=_ema_quantizer()))
        model.compile(optimizer="adam")
        model.fit(_images(), batch_size=4, epochs=1, verbose=0)
        path = f"{self.get_temp_dir()}/vqvae.keras"
        model.save(path)
        loaded = keras.saving.load_model(path)
        for a, b in zip(
            model.quantizer.non_trainable_weights,
            loaded.quantizer.non_trainable_weights,
        ):
            self.assertAllClose(a, b)
        np.testing.assert_array_equal(
            loaded.tokenize(_images(seed=1)), model.tokenize(_images(seed=1))
        )

    def test_rejects_bad_input(self):
        model = VQVAE(**TINY)
        with pytest.raises(ValueError, match="token_ids must lie in"):
            model.detokenize(np.full((1, 4, 4), 8))
        with pytest.raises(ValueError, match="token_ids must lie in"):
            model.detokenize(np.full((1, 4, 4), -1))
        with pytest.raises(ValueError, match=r"token_ids must have shape"):
            model.detokenize(np.zeros((1, 3, 4), "int32"))
        with pytest.raises(ValueError, match="token_ids must be integers"):
            model.detokenize(np.zeros((1, 4, 4), "float32"))
        with pytest.raises(ValueError, match="channels"):
            model.tokenize(np.zeros((1, 8, 8, 3), "uint8"))
        with pytest.raises(ValueError, match="divisible by the downsampling"):
            VQVAE(**dict(TINY, image_shape=(10, 10, 1), filters=(4, 8, 8)))
        with pytest.raises(ValueError, match="reconstruction_loss"):
            VQVAE(**dict(TINY, reconstruction_loss="huber"))
