"""Annealed Langevin dynamics (Song & Ermon 2019, NCSN)."""

import keras
import numpy as np
from keras import ops

from kerasgen.schedulers.scheduler import gaussian_noise
from kerasgen.schedulers.ve_scheduler import VEScheduler
from kerasgen.utils import argument_validation as av


@keras.saving.register_keras_serializable(package="kerasgen")
class AnnealedLangevinScheduler(VEScheduler):
    """Annealed Langevin dynamics (Song & Ermon 2019, Algorithm 1).

    For each noise level `sigma_i`, from the largest down, `steps_per_level`
    Langevin steps

        x <- x + alpha_i / 2 * s(x, sigma_i) + sqrt(alpha_i) z,
        alpha_i = step_size * sigma_i^2 / sigma_L^2,

    with `sigma_L = sigma_min`. The timestep list repeats each level
    `steps_per_level` times. With `denoise` the last step returns Tweedie's
    estimate `x + sigma_L^2 s(x, sigma_L)` instead (Song & Ermon 2020,
    Jolicoeur-Martineau et al. 2021), which removes the last noise level.

    Args:
        steps_per_level: int >= 1. `T` of Algorithm 1. Defaults to 5.
        step_size: float > 0. `epsilon` of Algorithm 1. Defaults to 2e-5.
        denoise: bool. Defaults to `True`.
        **kwargs: the `VEScheduler` arguments.

    Example:
    >>> scheduler = AnnealedLangevinScheduler(num_train_timesteps=10,
    ...                                       steps_per_level=2)
    >>> scheduler.timesteps(3)
    array([9, 9, 4, 4, 0, 0], dtype=int32)
    """

    name = "annealed_langevin"

    def __init__(
        self, steps_per_level=5, step_size=2e-5, denoise=True, **kwargs
    ):
        super().__init__(**kwargs)
        self.steps_per_level = av.check_positive_int(
            "steps_per_level", steps_per_level
        )
        self.step_size = av.check_float(
            "step_size", step_size, 0.0, min_inclusive=False
        )
        self.denoise = av.check_bool("denoise", denoise)

    def get_config(self):
        return dict(
            super().get_config(),
            steps_per_level=self.steps_per_level,
            step_size=self.step_size,
            denoise=self.denoise,
        )

    def timesteps(self, num_steps):
        """`num_steps` noise levels, each `steps_per_level` times."""
        return np.repeat(super().timesteps(num_steps), self.steps_per_level)

    def _step(self, model_output, timestep, prev_timestep, sample, seed, state):
        dtype = sample.dtype
        sigma = self._sigma(timestep, dtype)
        score = self.score(model_output, timestep, sample)
        alpha = self.step_size * (sigma / self.sigma_min) ** 2
        noise = gaussian_noise(ops.shape(sample), seed, dtype)
        prev_sample = sample + 0.5 * alpha * score + ops.sqrt(alpha) * noise
        x0 = sample + sigma**2 * score  # Tweedie
        if self.denoise:
            last = ops.cast(prev_timestep, "int32") < 0
            prev_sample = ops.where(last, x0, prev_sample)
        return prev_sample, x0, state
