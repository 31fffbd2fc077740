from kerasgen.models.diffusion.diffusion_model import DiffusionModel
from kerasgen.models.diffusion.noise_aware_classifier import (
    NoiseAwareClassifier,
)
