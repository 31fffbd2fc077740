"""The pretrained GANs learned Fashion-MNIST (FID with fmnist_features)."""

import numpy as np
import pytest

import kerasgen
from kerasgen.datasets import fashion_mnist
from kerasgen.metrics import FeatureExtractor
from kerasgen.metrics import FrechetDistance

NUM_SAMPLES = 2000


@pytest.fixture(scope="module")
def data():
    extractor = FeatureExtractor.fmnist_features()
    (x_train, _), (x_test, y_test) = fashion_mnist.load_data()
    test_features = extractor.features(x_test[:NUM_SAMPLES, ..., None])
    return extractor, x_train[..., None], test_features


def _fid(extractor, test_features, images):
    fid = FrechetDistance()
    fid.update_state(
        real_features=test_features, fake_features=extractor.features(images)
    )
    return float(fid.result())


@pytest.mark.large
def test_fid_orders_real_pretrained_and_untrained(data):
    extractor, x_train, test_features = data
    gan = kerasgen.models.GAN.from_preset("dcgan_fashion_mnist")
    untrained = kerasgen.models.GAN.from_config(gan.get_config())
    real = _fid(extractor, test_features, x_train[-NUM_SAMPLES:])
    pretrained = _fid(
        extractor, test_features, gan.generate(num_samples=NUM_SAMPLES, seed=0)
    )
    random = _fid(
        extractor,
        test_features,
        untrained.generate(num_samples=NUM_SAMPLES, seed=0),
    )
    # "<<": each gap is at least a factor of 3.
    assert 3 * real < pretrained, (real, pretrained)
    assert 3 * pretrained < random, (pretrained, random)


@pytest.mark.large
def test_conditional_gan_draws_the_requested_class(data):
    extractor, _, test_features = data
    gan = kerasgen.models.GAN.from_preset("cgan_fashion_mnist")
    labels = np.arange(NUM_SAMPLES) % 10
    images = gan.generate(labels, seed=0)
    predicted = np.argmax(extractor.logits(images), axis=-1)
    assert np.mean(predicted == labels) >= 0.8
    # The labels matter: the same latents with shifted labels disagree.
    shifted = np.argmax(
        extractor.logits(gan.generate((labels + 1) % 10, seed=0)), axis=-1
    )
    assert np.mean(shifted == labels) < 0.3
