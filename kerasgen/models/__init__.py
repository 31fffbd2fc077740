from kerasgen.models.generative_model import GenerativeModel
from kerasgen.models.vae.vae import VAE
