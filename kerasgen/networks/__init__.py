"""Architectures only: every class here is a `Network` subclass."""

from kerasgen.networks.autoregressive_network import AutoregressiveNetwork
from kerasgen.networks.causal_transformer import CausalTransformer
from kerasgen.networks.conv_decoder import ConvDecoder
from kerasgen.networks.conv_encoder import ConvEncoder
from kerasgen.networks.dcgan_discriminator import DCGANDiscriminator
from kerasgen.networks.dcgan_generator import DCGANGenerator
from kerasgen.networks.fashion_mnist_classifier import FashionMNISTClassifier
from kerasgen.networks.gated_pixel_cnn_network import GatedPixelCNNNetwork
from kerasgen.networks.image_transformer_network import ImageTransformerNetwork
from kerasgen.networks.network import Network
from kerasgen.networks.patch_gan_discriminator import PatchGANDiscriminator
from kerasgen.networks.pixel_cnn_network import PixelCNNNetwork
from kerasgen.networks.pixel_cnn_plus_plus_network import (
    PixelCNNPlusPlusNetwork,
)
from kerasgen.networks.pixel_rnn_network import PixelRNNNetwork
from kerasgen.networks.residual_decoder import ResidualDecoder
from kerasgen.networks.residual_encoder import ResidualEncoder
from kerasgen.networks.unet import UNet
from kerasgen.networks.unet_classifier import UNetClassifier
