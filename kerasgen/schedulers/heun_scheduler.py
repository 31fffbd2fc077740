"""Heun's second-order method (Karras et al. 2022, Algorithm 1)."""

import keras
import numpy as np
from keras import ops

from kerasgen.schedulers.sigma_scheduler import SigmaScheduler


@keras.saving.register_keras_serializable(package="kerasgen")
class HeunScheduler(SigmaScheduler):
    """Heun's second-order method (Karras et al. 2022, Algorithm 1).

    A step from `sigma_i` to `sigma_{i+1} > 0` takes two network
    evaluations: an Euler predictor, then the corrector with the mean of
    the two slopes; the last step, to `sigma = 0`, is Euler's. The
    timestep list of `num_steps` noise levels therefore has `2 num_steps -
    1` entries, `t_0, t_1, t_1, t_2, t_2, ..., t_{N-1}, t_{N-1}`, and a
    corrector's previous timestep is its own (diffusers'
    `HeunDiscreteScheduler`); the loop state holds the predictor's start
    and slope.

    Example:
    >>> scheduler = HeunScheduler(num_train_timesteps=100)
    >>> scheduler.timesteps(3).round(1)
    array([99. , 16.3, 16.3,  0. ,  0. ], dtype=float32)
    """

    name = "heun"

    def timesteps(self, num_steps):
        levels = self.sigma_timesteps(num_steps)
        return np.concatenate([levels[:1], np.repeat(levels[1:], 2)])

    def previous_timesteps(self, timesteps):
        # Predictors (even entries) aim at the next level, correctors (odd
        # entries) finish at their own; the last predictor goes to -1.
        timesteps = np.asarray(timesteps, "float32")
        previous = timesteps.copy()
        previous[0::2] = np.concatenate([timesteps[1::2], [-1.0]])
        return previous

    def initial_state(self, sample):
        sample = ops.convert_to_tensor(sample)
        return {
            "start": ops.zeros_like(sample),
            "slope": ops.zeros_like(sample),
            "start_sigma": ops.zeros((), sample.dtype),
            "correct": ops.zeros((), sample.dtype),
        }

    def _step(self, model_output, timestep, prev_timestep, sample, seed, state):
        dtype = sample.dtype
        x0, eps = self.convert_model_output(model_output, timestep, sample)
        alpha_bar = ops.cast(self._alpha_bar(timestep), dtype)
        alpha_bar_next = ops.cast(self._alpha_bar(prev_timestep), dtype)
        # Predictor: Euler from this level to the next.
        predicted, sigma, sigma_next = self._euler(
            sample, eps, alpha_bar, alpha_bar_next
        )
        # Corrector (this call evaluates at the step's end, sigma):
        # start + (sigma - start_sigma) * mean of the two slopes.
        corrected = state["start"] + (sigma - state["start_sigma"]) * 0.5 * (
            state["slope"] + eps
        )
        correct = state["correct"] > 0
        x = ops.where(correct, corrected, predicted)
        scale = ops.where(
            correct, ops.sqrt(alpha_bar), ops.sqrt(alpha_bar_next)
        )
        prev_sample = x * scale
        goes_on = ops.logical_and(
            ops.logical_not(correct), ops.cast(prev_timestep, "float32") >= 0
        )
        new_state = {
            "start": sample / ops.sqrt(alpha_bar),
            "slope": eps,
            "start_sigma": sigma,
            "correct": ops.cast(goes_on, dtype),
        }
        return prev_sample, x0, new_state
