"""kerasgen: image generative models as Keras 3 models."""

# First, before TensorFlow loads: the `kerasgen` command line hides
# TensorFlow's start-up logs (a library import is left alone).
from kerasgen.cli import startup as _startup  # noqa: F401, I001

from kerasgen import applications
from kerasgen import callbacks
from kerasgen import data
from kerasgen import datasets
from kerasgen import losses
from kerasgen import metrics
from kerasgen import models
from kerasgen import networks
from kerasgen import optimizers
from kerasgen import quantizers
from kerasgen import schedulers
from kerasgen import tokenizers
from kerasgen import utils
from kerasgen.version import __version__
