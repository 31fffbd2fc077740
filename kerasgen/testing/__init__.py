from kerasgen.testing.test_case import TestCase
from kerasgen.testing.tiny_models import TINY_VAE_KWARGS
from kerasgen.testing.tiny_models import tiny_gan
from kerasgen.testing.tiny_models import tiny_vae
