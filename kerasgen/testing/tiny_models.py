"""Tiny model instances for fast tests (8x8 images, a few filters)."""

from kerasgen.models.gan.gan import GAN
from kerasgen.models.vae.vae import VAE
from kerasgen.networks.dcgan_discriminator import DCGANDiscriminator
from kerasgen.networks.dcgan_generator import DCGANGenerator

TINY_VAE_KWARGS = {
    "image_shape": (8, 8, 1),
    "latent_dim": 2,
    "encoder_filters": (4,),
    "decoder_filters": (4,),
    "hidden_dim": 8,
    "seed": 0,
}


def tiny_vae(**overrides):
    """A VAE on 8x8x1 images with a 2-d latent; `overrides` replace kwargs."""
    return VAE(**{**TINY_VAE_KWARGS, **overrides})


def tiny_gan(num_classes=None, normalization=None, **overrides):
    """A GAN on 8x8x1 images with a 4-d latent; `overrides` go to `GAN`."""
    generator = DCGANGenerator(
        (8, 8, 1),
        latent_dim=4,
        num_classes=num_classes,
        filters=(8, 4),
        normalization=normalization,
        label_embedding_dim=3,
        name="generator",
    )
    discriminator = DCGANDiscriminator(
        (8, 8, 1), num_classes=num_classes, filters=(4, 8), name="discriminator"
    )
    kwargs = {
        "generator": generator,
        "discriminator": discriminator,
        "latent_dim": 4,
        "num_classes": num_classes,
        "image_shape": (8, 8, 1),
        "seed": 0,
    }
    kwargs.update(overrides)
    return GAN(**kwargs)
