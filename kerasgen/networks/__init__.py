from kerasgen.networks.conv_decoder import ConvDecoder
from kerasgen.networks.conv_encoder import ConvEncoder
