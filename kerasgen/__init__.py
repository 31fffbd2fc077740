"""kerasgen: image generative models as Keras 3 models."""

from kerasgen import applications
from kerasgen import callbacks
from kerasgen import data
from kerasgen import datasets
from kerasgen import losses
from kerasgen import metrics
from kerasgen import models
from kerasgen import networks
from kerasgen import quantizers
from kerasgen import tokenizers
from kerasgen import utils
from kerasgen.version import __version__
