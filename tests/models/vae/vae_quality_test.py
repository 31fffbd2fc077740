"""The VAE learns Fashion-MNIST: its bound beats a per-pixel histogram."""

import keras
import numpy as np
import pytest

import kerasgen
from kerasgen.datasets import fashion_mnist


def histogram_bits_per_dim(x_train, x_test):
    flat_train = x_train.reshape(len(x_train), -1)
    flat_test = x_test.reshape(len(x_test), -1)
    counts = np.stack(
        [np.bincount(column, minlength=256) for column in flat_train.T]
    )
    log_probs = np.log2((counts + 1.0) / (len(flat_train) + 256.0))
    nll = -log_probs[np.arange(flat_train.shape[1]), flat_test].sum(axis=1)
    return nll.mean() / flat_train.shape[1]


@pytest.mark.large
def test_brief_training_beats_the_histogram_baseline():
    (x_train, _), (x_test, _) = fashion_mnist.load_data()
    x_train, x_test = x_train[:6400, ..., None], x_test[:2000, ..., None]
    keras.utils.set_random_seed(0)
    vae = kerasgen.models.VAE(latent_dim=8, seed=0)
    vae.compile(optimizer=keras.optimizers.Adam(2e-3))
    before = vae.evaluate(x_test, batch_size=500, return_dict=True, verbose=0)
    vae.fit(
        kerasgen.data.image_dataset(x_train, batch_size=64, seed=0),
        epochs=1,
        verbose=0,
    )
    after = vae.evaluate(x_test, batch_size=500, return_dict=True, verbose=0)
    baseline = histogram_bits_per_dim(x_train, x_test)
    # Untrained, the VAE is worse than the histogram; trained, better.
    assert before["bits_per_dim"] > baseline > after["bits_per_dim"], (
        before,
        after,
        baseline,
    )
