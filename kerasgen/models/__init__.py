from kerasgen.models.autoregressive.autoregressive_model import (
    AutoregressiveModel,
)
from kerasgen.models.autoregressive.gated_pixel_cnn import GatedPixelCNN
from kerasgen.models.autoregressive.image_transformer import ImageTransformer
from kerasgen.models.autoregressive.pixel_cnn import PixelCNN
from kerasgen.models.autoregressive.pixel_cnn_plus_plus import PixelCNNPlusPlus
from kerasgen.models.autoregressive.pixel_rnn import PixelRNN
from kerasgen.models.diffusion.diffusion_model import DiffusionModel
from kerasgen.models.diffusion.noise_aware_classifier import (
    NoiseAwareClassifier,
)
from kerasgen.models.dvae.discrete_vae import DiscreteVAE
from kerasgen.models.gan.gan import GAN
from kerasgen.models.generative_model import GenerativeModel
from kerasgen.models.image_tokenizer import ImageTokenizer
from kerasgen.models.token_transformer.image_token_transformer import (
    ImageTokenTransformer,
)
from kerasgen.models.token_transformer.liquid_transformer import (
    LiquidTransformer,
)
from kerasgen.models.token_transformer.text_image_transformer import (
    TextImageTransformer,
)
from kerasgen.models.token_transformer.vocabulary_extension import (
    extend_vocabulary,
)
from kerasgen.models.vae.vae import VAE
from kerasgen.models.vqgan.vqgan import VQGAN
from kerasgen.models.vqvae.vqvae import VQVAE
