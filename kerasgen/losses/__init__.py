from kerasgen.losses.autoregressive_likelihood import AutoregressiveLikelihood
from kerasgen.losses.autoregressive_likelihood import get_likelihood
from kerasgen.losses.categorical_likelihood import CategoricalLikelihood
from kerasgen.losses.discretized_logistic_mixture import (
    DiscretizedLogisticMixture,
)
from kerasgen.losses.perceptual_loss import PerceptualLoss
from kerasgen.losses.pixel_likelihood import PixelLikelihood
