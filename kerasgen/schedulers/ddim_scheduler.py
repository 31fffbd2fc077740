"""DDIM sampling (Song, Meng & Ermon 2021)."""

import keras
from keras import ops

from kerasgen.schedulers.scheduler import Scheduler
from kerasgen.schedulers.scheduler import gaussian_noise
from kerasgen.utils import argument_validation as av


@keras.saving.register_keras_serializable(package="kerasgen")
class DDIMScheduler(Scheduler):
    """Denoising diffusion implicit models: the non-Markovian reverse step.

    Song et al. 2021, eq. 12, from `x_t` to the previous timestep `s` of
    the list, with `x_0` and `eps` predicted from the network:

        x_s = sqrt(alpha_bar_s) x_0
              + sqrt(1 - alpha_bar_s - sigma^2) eps + sigma z,
        sigma = eta sqrt((1 - alpha_bar_s) / (1 - alpha_bar_t))
                    sqrt(1 - alpha_bar_t / alpha_bar_s)      (eq. 16).

    `eta = 0` is deterministic (the probability-flow ODE's first-order
    solver); `eta = 1` has DDPM's posterior variance.

    Args:
        eta: float >= 0. Default of `step`'s `eta`. Defaults to 0.0.
        **kwargs: the `Scheduler` arguments.

    Example:
    >>> scheduler = DDIMScheduler(num_train_timesteps=10)
    >>> x = keras.ops.ones((2, 3))
    >>> out = scheduler.step(keras.ops.zeros((2, 3)), 6, 3, x)
    >>> bool(keras.ops.all(out > 1.0))  # x_0 = x_t / sqrt(alpha_bar_t)
    True
    """

    name = "ddim"
    default_timestep_spacing = "leading"

    def __init__(self, eta=0.0, **kwargs):
        super().__init__(**kwargs)
        self.eta = check_eta(eta)

    def get_config(self):
        return dict(super().get_config(), eta=self.eta)

    def _step(
        self,
        model_output,
        timestep,
        prev_timestep,
        sample,
        seed,
        state,
        eta=None,
    ):
        eta = self.eta if eta is None else check_eta(eta)
        dtype = sample.dtype
        x0, eps = self.convert_model_output(model_output, timestep, sample)
        alpha_bar = ops.cast(self._alpha_bar(timestep), dtype)
        alpha_bar_prev = ops.cast(self._alpha_bar(prev_timestep), dtype)
        variance = (
            (1.0 - alpha_bar_prev)
            / (1.0 - alpha_bar)
            * (1.0 - alpha_bar / alpha_bar_prev)
        )
        sigma = eta * ops.sqrt(ops.maximum(variance, 0.0))
        direction = ops.sqrt(ops.maximum(1.0 - alpha_bar_prev - sigma**2, 0.0))
        prev_sample = ops.sqrt(alpha_bar_prev) * x0 + direction * eps
        if eta > 0.0:
            noise = gaussian_noise(ops.shape(sample), seed, dtype)
            prev_sample = prev_sample + sigma * noise
        return prev_sample, x0, state


def check_eta(eta):
    return av.check_float("eta", eta, minimum=0.0)
