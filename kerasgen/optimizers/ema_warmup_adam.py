"""`EMAWarmupAdam`: Keras' Adam with a warm-up of the weights' EMA momentum."""

import keras
from keras import ops

from kerasgen.utils import argument_validation as av


@keras.saving.register_keras_serializable(package="kerasgen")
class EMAWarmupAdam(keras.optimizers.Adam):
    """Adam whose weight EMA warms up instead of starting at its momentum.

    Keras' `use_ema=True` averages with the constant `ema_momentum` from the
    first step, so after `n` steps the random initial weights still weigh
    `ema_momentum ** n` in the average: 10% after 2,300 steps at 0.999, 37%
    after 10,000 at 0.9999. That is fine for the 800,000 steps of a paper's run
    and ruins a short one (ARCHITECTURE.md rule 13). Here the momentum of step
    `t` (counted from 0) is

        min(ema_momentum, 1 - (1 + t) ** -ema_warmup_power)

    diffusers' `EMAModel` warm-up (`inv_gamma=1`): with the default power 2/3
    the momentum is 0.99 after 1,000 steps, 0.998 after 10,000 and 0.9995
    after 100,000, so the average always spans a fraction of the run.

    Args:
        ema_warmup_power: float > 0, or `None` for Keras' constant momentum.
            Defaults to 2/3 (diffusers recommends 3/4 for runs of a million
            steps).
        **kwargs: `keras.optimizers.Adam` arguments (`learning_rate`,
            `use_ema`, `ema_momentum`, ...).

    Example:
    >>> opt = EMAWarmupAdam(1e-3, use_ema=True, ema_momentum=0.9999)
    >>> [round(float(opt.ema_momentum_at(t)), 4) for t in (0, 999, 99999)]
    [0.0, 0.99, 0.9995]
    """

    def __init__(self, *args, ema_warmup_power=2.0 / 3.0, **kwargs):
        super().__init__(*args, **kwargs)
        if ema_warmup_power is not None:
            ema_warmup_power = av.check_float(
                "ema_warmup_power",
                ema_warmup_power,
                minimum=0.0,
                min_inclusive=False,
            )
        self.ema_warmup_power = ema_warmup_power

    def ema_momentum_at(self, step):
        """The EMA momentum used at (0-based) optimizer step `step`."""
        step = ops.cast(step, "float32")
        if self.ema_warmup_power is None:
            return ops.where(ops.equal(step, 0.0), 0.0, self.ema_momentum)
        warmup = 1.0 - ops.power(1.0 + step, -self.ema_warmup_power)
        return ops.minimum(warmup, self.ema_momentum)

    def _update_model_variables_moving_average(self, trainable_variables):
        if not self.use_ema:
            return
        momentum = self.ema_momentum_at(self.iterations)
        for var, average in zip(
            trainable_variables, self._model_variables_moving_average
        ):
            if average is None:
                continue
            m = ops.cast(momentum, var.dtype)
            average.assign(m * average + (1.0 - m) * var)

    def get_config(self):
        config = super().get_config()
        config["ema_warmup_power"] = self.ema_warmup_power
        return config
