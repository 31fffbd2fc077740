"""Tiny model instances for fast tests (8x8 images, a few filters)."""

from kerasgen.models.vae.vae import VAE

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
