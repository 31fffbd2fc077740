"""A VP-trained model in the EDM sigma parameterization (Karras et al. 2022)."""

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


class SigmaScheduler(Scheduler):
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
