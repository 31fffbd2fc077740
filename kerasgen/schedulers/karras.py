"""Euler and Heun solvers of the probability-flow ODE (Karras et al. 2022)."""

import keras
import numpy as np
from keras import ops

from kerasgen.schedulers.scheduler import Scheduler
from kerasgen.utils import argument_validation as av


def karras_sigmas(sigma_min, sigma_max, num_steps, rho=7.0):
    """Karras et al. 2022, eq. 5: `num_steps` noise levels, decreasing.

    `(sigma_max^(1/rho) + i / (N - 1) (sigma_min^(1/rho) -
    sigma_max^(1/rho)))^rho` for `i = 0..N-1`.

    Example:
    >>> karras_sigmas(0.1, 10.0, 3).round(3)
    array([10.   ,  1.451,  0.1  ])
    """
    ramp = np.linspace(0.0, 1.0, num_steps) if num_steps > 1 else np.zeros(1)
    low, high = sigma_min ** (1.0 / rho), sigma_max ** (1.0 / rho)
    return (high + ramp * (low - high)) ** rho


class _SigmaScheduler(Scheduler):
    """Shared: a VP-trained model seen in EDM's `sigma` parameterization.

    `sigma_t = sqrt((1 - alpha_bar_t) / alpha_bar_t)` and `x / sqrt(
    alpha_bar_t)` follow `dx / dsigma = eps` (Karras et al. 2022, eq. 4
    with `s(t) = 1`). The loop's samples stay in the network's (VP) scale:
    a step converts to `sigma` space and back. Timesteps are floats: with
    `use_karras_sigmas` the Karras levels between the schedule's smallest
    and largest `sigma`, mapped back to (fractional) timesteps by
    interpolating `log sigma`, which `alpha_bar_at` inverts; otherwise the
    `timestep_spacing` integers.

    Args:
        use_karras_sigmas: bool. Defaults to `True`.
        rho: float > 0. Defaults to 7.0 (Karras et al.).
        **kwargs: the `Scheduler` arguments (`timestep_spacing` defaults
            to `"linspace"`).
    """

    default_timestep_spacing = "linspace"

    def __init__(self, use_karras_sigmas=True, rho=7.0, **kwargs):
        super().__init__(**kwargs)
        self.use_karras_sigmas = av.check_bool(
            "use_karras_sigmas", use_karras_sigmas
        )
        self.rho = av.check_float("rho", rho, 0.0, min_inclusive=False)
        self.log_sigmas = 0.5 * np.log(
            (1.0 - self.alphas_cumprod) / self.alphas_cumprod
        )

    def get_config(self):
        return dict(
            super().get_config(),
            use_karras_sigmas=self.use_karras_sigmas,
            rho=self.rho,
        )

    def sigma_timesteps(self, num_steps):
        """The `num_steps` timesteps (float32) of the noise levels."""
        if not self.use_karras_sigmas:
            return super().timesteps(num_steps).astype("float32")
        steps = av.check_int(
            "num_steps", num_steps, 1, self.num_train_timesteps
        )
        sigmas = karras_sigmas(
            np.exp(self.log_sigmas[0]),
            np.exp(self.log_sigmas[-1]),
            steps,
            self.rho,
        )
        timesteps = np.interp(
            np.log(sigmas),
            self.log_sigmas,
            np.arange(self.num_train_timesteps, dtype="float64"),
        )
        return timesteps.astype("float32")

    def alpha_bar_at(self, timesteps):
        """`alpha_bar` at float timesteps (log-sigma interpolation)."""
        timesteps = np.asarray(timesteps, "float64")
        log_sigma = np.interp(
            timesteps, np.arange(self.num_train_timesteps), self.log_sigmas
        )
        value = 1.0 / (1.0 + np.exp(2.0 * log_sigma))
        return np.where(timesteps < 0, self.final_alpha_cumprod, value)

    def _alpha_bar(self, timestep):
        timestep = ops.cast(timestep, "float32")
        last = self.num_train_timesteps - 1
        clipped = ops.clip(timestep, 0.0, float(last))
        low = ops.minimum(ops.floor(clipped), float(max(last - 1, 0)))
        fraction = clipped - low
        log_sigmas = ops.convert_to_tensor(self.log_sigmas, "float32")
        index = ops.cast(low, "int32")
        upper = ops.minimum(index + 1, last)
        log_sigma = (1.0 - fraction) * ops.take(
            log_sigmas, index
        ) + fraction * ops.take(log_sigmas, upper)
        value = ops.sigmoid(-2.0 * log_sigma)  # 1 / (1 + sigma^2)
        return ops.where(timestep >= 0, value, self.final_alpha_cumprod)

    def _euler(self, sample, eps, alpha_bar, alpha_bar_next):
        """`x / a` moved along `eps` from `sigma` to `sigma_next`, times
        `a_next`."""
        sigma = ops.sqrt((1.0 - alpha_bar) / alpha_bar)
        sigma_next = ops.sqrt((1.0 - alpha_bar_next) / alpha_bar_next)
        x = sample / ops.sqrt(alpha_bar)
        return x + (sigma_next - sigma) * eps, sigma, sigma_next


@keras.saving.register_keras_serializable(package="kerasgen")
class EulerScheduler(_SigmaScheduler):
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

    def step(
        self,
        model_output,
        timestep,
        prev_timestep,
        sample,
        seed=None,
        state=None,
        return_dict=False,
    ):
        del seed
        sample = ops.convert_to_tensor(sample)
        dtype = sample.dtype
        x0, eps = self.convert_model_output(model_output, timestep, sample)
        alpha_bar = ops.cast(self._alpha_bar(timestep), dtype)
        alpha_bar_next = ops.cast(self._alpha_bar(prev_timestep), dtype)
        x, _, _ = self._euler(sample, eps, alpha_bar, alpha_bar_next)
        prev_sample = x * ops.sqrt(alpha_bar_next)
        return self._result(prev_sample, x0, state or {}, return_dict)


@keras.saving.register_keras_serializable(package="kerasgen")
class HeunScheduler(_SigmaScheduler):
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

    def step(
        self,
        model_output,
        timestep,
        prev_timestep,
        sample,
        seed=None,
        state=None,
        return_dict=False,
    ):
        del seed
        sample = ops.convert_to_tensor(sample)
        dtype = sample.dtype
        if state is None:
            state = self.initial_state(sample)
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
        return self._result(prev_sample, x0, new_state, return_dict)
