"""Euler's method on the probability-flow ODE (Karras et al. 2022)."""

import keras
from keras import ops

from kerasgen.schedulers.sigma_scheduler import SigmaScheduler


@keras.saving.register_keras_serializable(package="kerasgen")
class EulerScheduler(SigmaScheduler):
    """Euler's method on the probability-flow ODE in `sigma` (EDM, Alg. 1
    without the Heun correction); at the same timesteps this is DDIM with
    `eta = 0`, so its point is the Karras spacing.

    Example:
    >>> scheduler = EulerScheduler(num_train_timesteps=100)
    >>> scheduler.timesteps(3).round(1)
    array([99. , 16.3,  0. ], dtype=float32)
    """

    name = "euler"

    def timesteps(self, num_steps):
        return self.sigma_timesteps(num_steps)

    def _step(self, model_output, timestep, prev_timestep, sample, seed, state):
        dtype = sample.dtype
        x0, eps = self.convert_model_output(model_output, timestep, sample)
        alpha_bar = ops.cast(self._alpha_bar(timestep), dtype)
        alpha_bar_next = ops.cast(self._alpha_bar(prev_timestep), dtype)
        x, _, _ = self._euler(sample, eps, alpha_bar, alpha_bar_next)
        prev_sample = x * ops.sqrt(alpha_bar_next)
        return prev_sample, x0, state
