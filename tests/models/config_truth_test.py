"""One truth per config: a given sub-network or its hyperparameters.

A model's config holds a given sub-network or the hyperparameters of its
default one; a hyperparameter that contradicts a given sub-network raises.
"""

import json

import pytest

from kerasgen.models import GAN
from kerasgen.models import VAE
from kerasgen.models import VQGAN
from kerasgen.models import VQVAE
from kerasgen.models import DiscreteVAE
from kerasgen.networks import ConvDecoder
from kerasgen.networks import ConvEncoder
from kerasgen.networks import DCGANDiscriminator
from kerasgen.networks import DCGANGenerator
from kerasgen.networks import PatchGANDiscriminator
from kerasgen.networks import ResidualDecoder
from kerasgen.networks import ResidualEncoder
from kerasgen.quantizers import GumbelQuantizer
from kerasgen.quantizers import VectorQuantizer

LEVELS = {"filters": (4, 4), "num_groups": 2}


def _config(model):
    return json.loads(json.dumps(model.get_config()))


def _round_trip(model):
    config = _config(model)
    restored = type(model).from_config(config)
    assert _config(restored) == config
    return config, restored


# --- VQ-VAE.
def test_vqvae_codebook_size_conflicting_with_the_quantizer_raises():
    with pytest.raises(ValueError, match="codebook_size=512 conflicts"):
        VQVAE(codebook_size=512, quantizer=VectorQuantizer(8, 2))


def test_vqvae_latent_dim_conflicting_with_the_quantizer_raises():
    with pytest.raises(ValueError, match="latent_dim=4 conflicts"):
        VQVAE((8, 8, 1), latent_dim=4, quantizer=VectorQuantizer(8, 2))


def test_vqvae_encoder_and_quantizer_must_agree():
    encoder = ResidualEncoder((8, 8, 1), 3, **LEVELS)
    with pytest.raises(ValueError, match="latent_dim"):
        VQVAE(encoder=encoder, quantizer=VectorQuantizer(8, 2))
    with pytest.raises(ValueError, match="filters"):
        VQVAE(encoder=encoder, filters=(8, 8))


def test_vqvae_hyperparameters_come_from_the_given_quantizer():
    model = VQVAE((8, 8, 1), quantizer=VectorQuantizer(8, 2), **LEVELS)
    assert model.codebook_size == 8 and model.latent_dim == 2
    assert model.vocabulary_size == 8
    config, restored = _round_trip(model)
    assert config["codebook_size"] is None  # the quantizer holds it
    assert config["commitment_weight"] is None
    assert config["quantizer"]["config"]["codebook_size"] == 8
    assert config["encoder"] is None  # a default: its hyperparameters
    assert config["latent_dim"] == 2 and tuple(config["filters"]) == (4, 4)
    assert restored.codebook_size == 8


def test_vqvae_default_networks_are_stored_as_hyperparameters():
    model = VQVAE((8, 8, 1), latent_dim=2, codebook_size=8, **LEVELS)
    config, restored = _round_trip(model)
    for name in ("encoder", "decoder", "quantizer"):
        assert config[name] is None
    assert config["codebook_size"] == 8
    assert restored.quantizer.codebook_size == 8
    assert restored.encoder.filters == (4, 4)


def test_vqvae_all_networks_given_stores_no_hyperparameters():
    model = VQVAE(
        encoder=ResidualEncoder((8, 8, 1), 2, **LEVELS),
        decoder=ResidualDecoder((8, 8, 1), 2, **LEVELS),
        quantizer=VectorQuantizer(8, 2),
    )
    assert model.image_shape == (8, 8, 1)
    config, _ = _round_trip(model)
    for name in ("latent_dim", "codebook_size", "filters", "num_groups"):
        assert config[name] is None, name


# --- VQ-GAN.
def test_vqgan_conflicts_raise_and_the_discriminator_is_kept_only_if_given():
    with pytest.raises(ValueError, match="codebook_size=16 conflicts"):
        VQGAN(
            codebook_size=16,
            quantizer=VectorQuantizer(8, 2),
            perceptual_loss=None,
        )
    model = VQGAN(
        (8, 8, 1),
        latent_dim=2,
        codebook_size=8,
        perceptual_loss=None,
        **LEVELS,
    )
    config, _ = _round_trip(model)
    assert config["discriminator"] is None
    given = VQGAN(
        (8, 8, 1),
        latent_dim=2,
        codebook_size=8,
        perceptual_loss=None,
        discriminator=PatchGANDiscriminator((8, 8, 1), 4, 1),
        **LEVELS,
    )
    config, restored = _round_trip(given)
    assert config["discriminator"]["config"]["filters"] == 4
    assert restored.discriminator.filters == 4


def test_vqgan_decoder_without_last_layer_raises():
    import keras

    decoder = keras.Sequential(
        [keras.Input((4, 4, 2)), keras.layers.UpSampling2D(2)]
    )
    with pytest.raises(ValueError, match="last_layer"):
        VQGAN(
            (8, 8, 2),
            latent_dim=2,
            codebook_size=8,
            decoder=decoder,
            perceptual_loss=None,
            **LEVELS,
        )


# --- Discrete VAE.
def test_dvae_conflicts_raise():
    quantizer = GumbelQuantizer(8, 4)
    with pytest.raises(ValueError, match="codebook_size=16 conflicts"):
        DiscreteVAE(codebook_size=16, quantizer=quantizer)
    with pytest.raises(ValueError, match="codebook_dim=3 conflicts"):
        DiscreteVAE(codebook_dim=3, quantizer=quantizer)
    with pytest.raises(ValueError, match="temperature=0.5 conflicts"):
        DiscreteVAE(temperature=0.5, quantizer=quantizer)
    encoder = ResidualEncoder((8, 8, 1), 16, **LEVELS)
    with pytest.raises(ValueError, match="codebook_size"):
        DiscreteVAE(encoder=encoder, quantizer=quantizer)


def test_dvae_hyperparameters_come_from_the_given_quantizer():
    model = DiscreteVAE((8, 8, 1), quantizer=GumbelQuantizer(8, 4), **LEVELS)
    assert (model.codebook_size, model.codebook_dim) == (8, 4)
    assert model.encoder.latent_dim == 8 and model.decoder.latent_dim == 4
    config, _ = _round_trip(model)
    assert config["temperature"] is None
    assert config["codebook_size"] == 8  # the default encoder uses it


# --- GAN.
def test_gan_conflicts_raise():
    generator = DCGANGenerator((8, 8, 1), latent_dim=4, filters=(4, 4))
    with pytest.raises(ValueError, match="latent_dim=5 conflicts"):
        GAN(generator=generator, latent_dim=5)
    with pytest.raises(ValueError, match=r"image_shape=\(28, 28, 1\)"):
        GAN(generator=generator, image_shape=(28, 28, 1))
    conditional = DCGANDiscriminator((8, 8, 1), num_classes=3, filters=(4,))
    with pytest.raises(ValueError, match="num_classes"):
        GAN(generator=generator, discriminator=conditional)


def test_gan_takes_its_hyperparameters_from_the_given_networks():
    generator = DCGANGenerator(
        (28, 28, 1), latent_dim=4, num_classes=3, filters=(4, 4)
    )
    model = GAN(generator=generator)
    assert (model.latent_dim, model.num_classes) == (4, 3)
    assert model.image_shape == (28, 28, 1)
    assert model.discriminator.num_classes == 3
    config, restored = _round_trip(model)
    assert config["discriminator"] is None
    assert config["generator"]["config"]["latent_dim"] == 4
    assert restored.num_classes == 3


def test_gan_conditional_networks_take_named_dict_inputs():
    import keras

    latents = keras.Input((4,), name="z")
    labels = keras.Input((), dtype="int32", name="labels")
    x = keras.layers.Concatenate()(
        [latents, keras.layers.Embedding(3, 2)(labels)]
    )
    x = keras.layers.Dense(64, activation="tanh")(x)
    outputs = keras.layers.Reshape((8, 8, 1))(x)
    generator = keras.Model([latents, labels], outputs)
    with pytest.raises(ValueError, match="dict input with keys 'latents'"):
        GAN(
            generator=generator,
            discriminator=DCGANDiscriminator(
                (8, 8, 1), num_classes=3, filters=(4,)
            ),
            latent_dim=4,
            num_classes=3,
        )


# --- VAE (constructor check).
def test_vae_conflicts_raise_and_values_come_from_the_networks():
    encoder = ConvEncoder((8, 8, 1), 4, filters=(4,), hidden_dim=8)
    with pytest.raises(ValueError, match="latent_dim=3 conflicts"):
        VAE(encoder=encoder, latent_dim=3)
    with pytest.raises(ValueError, match="encoder_filters"):
        VAE(encoder=encoder, encoder_filters=(8,))
    with pytest.raises(ValueError, match="hidden_dim=16 conflicts"):
        VAE(encoder=encoder, hidden_dim=16)
    decoder = ConvDecoder((8, 8, 1), 2, 2, filters=(4,), hidden_dim=8)
    model = VAE(encoder=encoder, decoder=decoder)
    assert model.latent_dim == 2 and model.image_shape == (8, 8, 1)
    assert model.hidden_dim == 8
