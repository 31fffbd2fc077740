"""DPM-Solver++ 2M (Lu et al. 2022), multistep, in data prediction."""

import keras
import numpy as np
from keras import ops

from kerasgen.schedulers.scheduler import Scheduler
from kerasgen.utils import argument_validation as av


@keras.saving.register_keras_serializable(package="kerasgen")
class DPMSolverMultistepScheduler(Scheduler):
    """DPM-Solver++ 2M: a second-order multistep solver of the diffusion ODE.

    In `lambda = log(alpha / sigma)` (half the log-SNR, `alpha =
    sqrt(alpha_bar)`, `sigma = sqrt(1 - alpha_bar)`), with `D` the data
    prediction `x_0` of the network, from `s0` to `t`, `h = lambda_t -
    lambda_s0` (Lu et al. 2022b, "DPM-Solver++", Algorithm 2, diffusers'
    `"midpoint"` form):

        first order:  x_t = sigma_t / sigma_s0 x - alpha_t (e^-h - 1) D0
        second order: ... - 0.5 alpha_t (e^-h - 1) (D0 - D1) / r0,
                      r0 = (lambda_s0 - lambda_s1) / h,

    where `D1` is the previous step's data prediction (the loop state).
    The first step, and the last one, which goes to `sigma = 0` (the
    sample is then `D0`), are first order (diffusers'
    `final_sigmas_type="zero"`).

    Args:
        **kwargs: the `Scheduler` arguments; `timestep_spacing` defaults
            to `"linspace"` (diffusers': `N + 1` points from `T - 1` to 0,
            the 0 dropped; every training timestep at `N = T`).

    Example:
    >>> scheduler = DPMSolverMultistepScheduler(num_train_timesteps=10)
    >>> [int(t) for t in scheduler.timesteps(3)]
    [9, 6, 3]
    """

    name = "dpm_solver"
    default_timestep_spacing = "linspace"

    def timesteps(self, num_steps):
        if self.timestep_spacing != "linspace":
            return super().timesteps(num_steps)
        steps = av.check_int(
            "num_steps", num_steps, 1, self.num_train_timesteps
        )
        if steps == self.num_train_timesteps:  # N + 1 points would repeat
            return np.arange(steps - 1, -1, -1).astype("int32")
        values = np.round(
            np.linspace(0, self.num_train_timesteps - 1, steps + 1)
        )[::-1][:-1]
        return values.astype("int32")

    def initial_state(self, sample):
        sample = ops.convert_to_tensor(sample)
        return {
            "previous_x0": ops.zeros_like(sample),
            "previous_lambda": ops.zeros((), sample.dtype),
            "has_previous": ops.zeros((), sample.dtype),
        }

    def _lambda(self, alpha_bar):
        return 0.5 * (ops.log(alpha_bar) - ops.log(1.0 - alpha_bar))

    def _step(self, model_output, timestep, prev_timestep, sample, seed, state):
        dtype = sample.dtype
        x0, _ = self.convert_model_output(model_output, timestep, sample)
        alpha_bar = ops.cast(self._alpha_bar(timestep), dtype)
        last = ops.cast(prev_timestep, "int32") < 0
        # To sigma = 0 after the last timestep: the sample is x_0.
        alpha_bar_prev = ops.cast(
            self._alpha_bar(ops.maximum(prev_timestep, 0)), dtype
        )
        lambda_s = self._lambda(alpha_bar)
        lambda_t = self._lambda(alpha_bar_prev)
        h = lambda_t - lambda_s
        alpha_t, sigma_t = (
            ops.sqrt(alpha_bar_prev),
            ops.sqrt(1.0 - alpha_bar_prev),
        )
        sigma_s = ops.sqrt(1.0 - alpha_bar)
        phi = ops.exp(-h) - 1.0  # e^-h - 1 (<= 0)
        first = sigma_t / sigma_s * sample - alpha_t * phi * x0
        r0 = (lambda_s - state["previous_lambda"]) / h
        second = first - 0.5 * alpha_t * phi * (x0 - state["previous_x0"]) / (
            r0 + ops.cast(state["has_previous"] == 0, dtype)
        )
        use_second = ops.logical_and(
            state["has_previous"] > 0, ops.logical_not(last)
        )
        prev_sample = ops.where(use_second, second, first)
        prev_sample = ops.where(last, x0, prev_sample)
        new_state = {
            "previous_x0": x0,
            "previous_lambda": lambda_s,
            "has_previous": ops.ones((), dtype),
        }
        return prev_sample, x0, new_state
