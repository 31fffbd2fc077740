from kerasgen.models.gan.gan import GAN
