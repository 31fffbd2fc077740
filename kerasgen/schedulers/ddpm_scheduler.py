"""DDPM ancestral sampling (Ho et al. 2020; Nichol & Dhariwal 2021)."""

import keras
from keras import ops

from kerasgen.schedulers.scheduler import Scheduler
from kerasgen.schedulers.scheduler import gaussian_noise
from kerasgen.utils import argument_validation as av

VARIANCE_TYPES = ("fixed_small", "fixed_large", "learned_range")


@keras.saving.register_keras_serializable(package="kerasgen")
class DDPMScheduler(Scheduler):
    """Ancestral sampling from the DDPM posterior `q(x_prev | x_t, x_0)`.

    With `x_0` predicted from the network (any `prediction_type`), the
    posterior mean is (Ho et al. 2020, eq. 7, for any previous timestep
    `s` of the list, not only `t - 1`)

        mu = sqrt(alpha_bar_s) beta_ts / (1 - alpha_bar_t) x_0
             + sqrt(alpha_ts) (1 - alpha_bar_s) / (1 - alpha_bar_t) x_t,

    with `alpha_ts = alpha_bar_t / alpha_bar_s` and `beta_ts = 1 -
    alpha_ts`, and the variance is

    - `"fixed_small"`: `beta~ = (1 - alpha_bar_s) / (1 - alpha_bar_t)
      beta_ts` (the posterior's, the lower bound of Ho et al. section 3.2);
    - `"fixed_large"`: `beta_ts` (the upper bound);
    - `"learned_range"`: `exp(f log beta_ts + (1 - f) log beta~)` with
      `f = (v + 1) / 2`, `v` the second half of the network's channels
      (Nichol & Dhariwal 2021, eq. 15): the model output has twice the
      image's channels, the first half the `prediction_type` output.

    No noise is added on the last step (to `s = -1`).

    Args:
        variance_type: one of the three above. Defaults to
            `"fixed_small"`.
        **kwargs: the `Scheduler` arguments.

    Example:
    >>> scheduler = DDPMScheduler(num_train_timesteps=10)
    >>> x = keras.ops.ones((2, 3))
    >>> out = scheduler.step(keras.ops.zeros((2, 3)), 9, 8, x, seed=0)
    >>> tuple(out.shape)
    (2, 3)
    """

    name = "ddpm"
    default_timestep_spacing = "leading"

    def __init__(self, variance_type="fixed_small", **kwargs):
        super().__init__(**kwargs)
        self.variance_type = av.check_choice(
            "variance_type", variance_type, VARIANCE_TYPES
        )

    def get_config(self):
        return dict(super().get_config(), variance_type=self.variance_type)

    def like(self, scheduler_class, **overrides):
        if scheduler_class is not DDPMScheduler and (
            self.variance_type == "learned_range"
        ):
            raise ValueError(
                "a learned-variance (variance_type='learned_range') model "
                f"samples with DDPMScheduler only; received {scheduler_class}"
            )
        return super().like(scheduler_class, **overrides)

    def _step(self, model_output, timestep, prev_timestep, sample, seed, state):
        dtype = sample.dtype
        if self.variance_type == "learned_range":
            model_output, interpolation = ops.split(model_output, 2, axis=-1)
        x0, _ = self.convert_model_output(model_output, timestep, sample)
        alpha_bar = ops.cast(self._alpha_bar(timestep), dtype)
        alpha_bar_prev = ops.cast(self._alpha_bar(prev_timestep), dtype)
        alpha = alpha_bar / alpha_bar_prev  # alpha_ts
        beta = 1.0 - alpha
        mean = (
            ops.sqrt(alpha_bar_prev) * beta / (1.0 - alpha_bar) * x0
            + ops.sqrt(alpha)
            * (1.0 - alpha_bar_prev)
            / (1.0 - alpha_bar)
            * sample
        )
        small = ops.maximum(
            (1.0 - alpha_bar_prev) / (1.0 - alpha_bar) * beta, 1e-20
        )
        if self.variance_type == "fixed_small":
            log_variance = ops.log(small)
        elif self.variance_type == "fixed_large":
            log_variance = ops.log(beta)
        else:
            fraction = (ops.cast(interpolation, dtype) + 1.0) / 2.0
            log_variance = fraction * ops.log(beta) + (
                1.0 - fraction
            ) * ops.log(small)
        noise = gaussian_noise(ops.shape(sample), seed, dtype)
        not_last = ops.cast(ops.cast(prev_timestep, "int32") >= 0, dtype)
        prev_sample = mean + not_last * ops.exp(0.5 * log_variance) * noise
        return prev_sample, x0, state
