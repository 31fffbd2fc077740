from kerasgen.models.vqvae.vqvae import VQVAE
