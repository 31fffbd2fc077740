import keras
import numpy as np
import pytest

from kerasgen.callbacks import GumbelTemperatureSchedule
from kerasgen.models import DiscreteVAE
from kerasgen.quantizers import VectorQuantizer
from kerasgen.testing import TestCase

TINY = {
    "image_shape": (8, 8, 1),
    "codebook_size": 8,
    "codebook_dim": 3,
    "filters": (4, 8),
    "num_groups": 2,
    "seed": 0,
}


def _images(n=8, seed=0):
    rng = np.random.default_rng(seed)
    return rng.integers(0, 256, (n, 8, 8, 1), dtype="uint8")


class DiscreteVAETest(TestCase):
    def test_generative_model_contract(self):
        self.run_generative_model_test(
            DiscreteVAE, TINY, _images(), (8, 8, 8, 1)
        )

    def test_encoder_gives_logits_and_tokens_are_their_argmax(self):
        model = DiscreteVAE(**TINY)
        images = _images()
        logits = model.encode(images)
        self.assertEqual(tuple(logits.shape), (8, 4, 4, 8))
        np.testing.assert_array_equal(
            model.tokenize(images), np.argmax(logits, axis=-1)
        )
        self.assertAllClose(
            model.detokenize(np.asarray(model.tokenize(images))),
            model.predict(images, verbose=0),
            atol=1e-5,
        )

    def test_loss_is_reconstruction_plus_weighted_kl(self):
        model = DiscreteVAE(**dict(TINY, kl_weight=0.1))
        images = _images().astype("float32") / 127.5 - 1.0
        outputs = model(images, training=True)
        loss = model.compute_loss(images, y_pred=outputs)
        # KL(q || uniform) = sum_k q_k log(q_k K), mean over positions.
        logits = np.asarray(model.encode(images), "float64")
        q = np.exp(logits - logits.max(-1, keepdims=True))
        q /= q.sum(-1, keepdims=True)
        kl = np.sum(q * np.log(q * 8 + 1e-30), axis=-1).mean(axis=(1, 2))
        mse = np.mean(
            (np.asarray(outputs["reconstructions"]) - images) ** 2,
            axis=(1, 2, 3),
        )
        self.assertAllClose(loss, np.mean(mse + 0.1 * kl), rtol=1e-4)

    def test_temperature_schedule_trains_and_is_saved(self):
        model = DiscreteVAE(**TINY)
        model.compile(optimizer="adam")
        schedule = GumbelTemperatureSchedule(start=1.0, end=0.5, decay_steps=4)
        model.fit(
            _images(), batch_size=2, epochs=1, callbacks=[schedule], verbose=0
        )
        temperature = float(model.quantizer.current_temperature.numpy())
        self.assertLess(temperature, 1.0)
        path = f"{self.get_temp_dir()}/dvae.keras"
        model.save(path)
        loaded = keras.saving.load_model(path)
        self.assertAllClose(
            loaded.quantizer.current_temperature.numpy(), temperature
        )

    def test_distribution(self):
        self.run_distribution_test(
            lambda: DiscreteVAE(**TINY),
            _images().astype("float32") / 127.5 - 1.0,
        )

    def test_rejects_bad_input(self):
        with pytest.raises(ValueError, match="GumbelQuantizer"):
            DiscreteVAE(**dict(TINY, quantizer=VectorQuantizer(8, 3)))
        model = DiscreteVAE(**TINY)
        with pytest.raises(ValueError, match="token_ids must lie in"):
            model.detokenize(np.full((2, 4, 4), 8))
        with pytest.raises(ValueError, match="channels"):
            model.tokenize(np.zeros((1, 8, 8, 3), "uint8"))
