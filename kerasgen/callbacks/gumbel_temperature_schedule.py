"""Anneals the temperature of every `GumbelQuantizer` during training."""

import keras

from kerasgen.quantizers.gumbel_quantizer import GumbelQuantizer
from kerasgen.utils import argument_validation as av


class GumbelTemperatureSchedule(keras.callbacks.Callback):
    """Exponential decay of the Gumbel-softmax temperature, DALL-E style.

    Before each training batch sets the temperature of every
    `GumbelQuantizer` in the model (found recursively) to

        start * (end / start) ** min(step / decay_steps, 1)

    where `step` is the number of optimizer updates so far
    (`model.optimizer.iterations`, so a resumed run continues the schedule;
    a model without `model.optimizer` counts the batches of this run). The
    DALL-E dVAE anneals from 1 to 1/16 over its first 150,000 updates
    (Ramesh et al. 2021, appendix A.2). The current value is added to the
    epoch logs as `gumbel_temperature`. With `steps_per_execution > 1` the
    temperature changes once per execution.

    Args:
        start: float > 0. Temperature at step 0. Defaults to 1.0.
        end: float > 0. Temperature from `decay_steps` on. Defaults to
            1/16.
        decay_steps: int >= 1. Steps from `start` to `end`. Defaults to
            150000.

    Example:
    >>> schedule = GumbelTemperatureSchedule(start=1.0, end=1 / 16,
    ...                                      decay_steps=1000)
    >>> round(schedule.temperature_at(500), 4)
    0.25

    References:
        Ramesh et al. 2021, "Zero-Shot Text-to-Image Generation".
    """

    def __init__(self, start=1.0, end=1.0 / 16, decay_steps=150_000):
        super().__init__()
        for name, value in (("start", start), ("end", end)):
            av.check_float(name, value, minimum=0.0, min_inclusive=False)
        av.check_positive_int("decay_steps", decay_steps)
        self.start = float(start)
        self.end = float(end)
        self.decay_steps = int(decay_steps)
        self.quantizers = []
        self.temperature = self.start
        self._step = 0

    def temperature_at(self, step):
        """The scheduled temperature after `step` optimizer updates."""
        fraction = min(max(float(step), 0.0) / self.decay_steps, 1.0)
        return self.start * (self.end / self.start) ** fraction

    def _current_step(self):
        optimizer = getattr(self.model, "optimizer", None)
        if optimizer is not None and hasattr(optimizer, "iterations"):
            return int(keras.ops.convert_to_numpy(optimizer.iterations))
        return self._step

    def on_train_begin(self, logs=None):
        self.quantizers = [
            layer
            for layer in self.model._flatten_layers(include_self=True)
            if isinstance(layer, GumbelQuantizer)
        ]
        if not self.quantizers:
            raise ValueError(
                "GumbelTemperatureSchedule needs a model holding a "
                f"GumbelQuantizer; received a {type(self.model).__name__} "
                "without one"
            )
        self._step = 0

    def on_train_batch_begin(self, batch, logs=None):
        self.temperature = self.temperature_at(self._current_step())
        for quantizer in self.quantizers:
            quantizer.set_temperature(self.temperature)

    def on_train_batch_end(self, batch, logs=None):
        self._step += 1

    def on_epoch_end(self, epoch, logs=None):
        if logs is not None:
            logs["gumbel_temperature"] = self.temperature
