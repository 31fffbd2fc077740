"""The variance-exploding process of score-based models."""

import numpy as np
from keras import ops

from kerasgen.schedulers.scheduler import Scheduler
from kerasgen.utils import argument_validation as av


class VEScheduler(Scheduler):
    """The variance-exploding process `x_t = x_0 + sigma_t eps`.

    Noise conditional score networks (Song & Ermon 2019) and the VE SDE
    (Song et al. 2021) perturb the data with geometric noise levels
    `sigma_t = sigma_min (sigma_max / sigma_min) ** (t / (T - 1))`, `t` in
    `[0, T)`. The network predicts `eps` (`prediction_type="epsilon"`, the
    only one): the score is `s(x, sigma) = -eps / sigma`, and the mean
    squared error on `eps` is NCSN's denoising score matching loss with
    its weighting `lambda(sigma) = sigma^2`. `alphas_cumprod` is the
    equivalent VP schedule `1 / (1 + sigma^2)` (`x_VE = x_VP /
    sqrt(alpha_bar)`), given for the shared interface.

    Args:
        num_train_timesteps: int >= 2. Noise levels `T`. Defaults to 1000.
        sigma_min, sigma_max: floats, `0 < sigma_min < sigma_max`.
            Defaults to 0.01 and 50.0 (Song et al. 2021; `sigma_max` near
            the largest distance between two training images, Song & Ermon
            2020, technique 1: about 40 for Fashion-MNIST in `[-1, 1]`).
        timestep_spacing: as `Scheduler`. Defaults to `"linspace"`.
    """

    process = "ve"
    default_timestep_spacing = "linspace"

    def __init__(
        self,
        num_train_timesteps=1000,
        sigma_min=0.01,
        sigma_max=50.0,
        timestep_spacing=None,
        prediction_type="epsilon",
    ):
        self.num_train_timesteps = av.check_int(
            "num_train_timesteps", num_train_timesteps, 2
        )
        self.sigma_min = av.check_float(
            "sigma_min", sigma_min, 0.0, min_inclusive=False
        )
        self.sigma_max = av.check_float(
            "sigma_max", sigma_max, self.sigma_min, min_inclusive=False
        )
        self.prediction_type = av.check_choice(
            "prediction_type", prediction_type, ("epsilon",)
        )
        if timestep_spacing is None:
            timestep_spacing = self.default_timestep_spacing
        self.timestep_spacing = av.check_choice(
            "timestep_spacing", timestep_spacing, ("linspace", "trailing")
        )
        self.steps_offset = 0
        self.clip_sample = False
        ratio = np.arange(self.num_train_timesteps) / (
            self.num_train_timesteps - 1
        )
        #: float64 `(T,)`, increasing with `t`.
        self.sigmas = (
            self.sigma_min * (self.sigma_max / self.sigma_min) ** ratio
        )
        self.alphas_cumprod = 1.0 / (1.0 + self.sigmas**2)
        self.final_alpha_cumprod = 1.0

    @property
    def init_noise_sigma(self):
        """Standard deviation of the noise that sampling starts from."""
        return self.sigma_max

    def get_config(self):
        return {
            "num_train_timesteps": self.num_train_timesteps,
            "sigma_min": self.sigma_min,
            "sigma_max": self.sigma_max,
            "timestep_spacing": self.timestep_spacing,
            "prediction_type": self.prediction_type,
        }

    def _schedule_config(self):
        config = VEScheduler.get_config(self)
        config.pop("timestep_spacing")
        return config

    def _sigma(self, timestep, dtype):
        """`sigma_t` at a (tensor) timestep, 0 at -1."""
        timestep = ops.cast(timestep, "int32")
        sigmas = ops.convert_to_tensor(self.sigmas, "float32")
        value = ops.take(sigmas, ops.maximum(timestep, 0))
        return ops.cast(ops.where(timestep >= 0, value, 0.0), dtype)

    def add_noise(self, original_samples, noise, timesteps):
        """`x_t = x_0 + sigma_t noise` (`timesteps` `(batch,)` or scalar)."""
        x0 = ops.convert_to_tensor(original_samples)
        sigma = self._sigma(timesteps, x0.dtype)
        if len(sigma.shape) == 1 and len(x0.shape) > 1:
            sigma = ops.reshape(sigma, (-1,) + (1,) * (len(x0.shape) - 1))
        return x0 + sigma * ops.cast(noise, x0.dtype)

    def get_target(self, original_samples, noise, timesteps):
        return ops.cast(noise, ops.convert_to_tensor(original_samples).dtype)

    def get_velocity(self, sample, noise, timesteps):
        raise ValueError("the VE process has no v-prediction")

    def convert_model_output(self, model_output, timestep, sample):
        sample = ops.convert_to_tensor(sample)
        eps = ops.cast(model_output, sample.dtype)
        return sample - self._sigma(timestep, sample.dtype) * eps, eps

    def score(self, model_output, timestep, sample):
        """`s(x, sigma) = -eps / sigma`."""
        sample = ops.convert_to_tensor(sample)
        sigma = self._sigma(timestep, sample.dtype)
        return -ops.cast(model_output, sample.dtype) / sigma
