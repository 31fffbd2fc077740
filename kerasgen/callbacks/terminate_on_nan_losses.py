"""Stops training when any logged loss becomes NaN or infinite."""

import math

import keras


class TerminateOnNaNLosses(keras.callbacks.Callback):
    """Stops training when any watched log value is NaN or infinite.

    Keras' `TerminateOnNaN` watches only `logs["loss"]`; a GAN logs
    `d_loss` and `g_loss`, a VAE `reconstruction_loss` and `kl_loss`. By
    default every log key containing `"loss"` is watched.

    Args:
        monitor: list of str or `None`. Keys to watch; `None` watches every
            key containing `"loss"`. Defaults to `None`.

    Example:
    >>> callback = TerminateOnNaNLosses()
    >>> # model.fit(x, callbacks=[callback])
    """

    def __init__(self, monitor=None):
        super().__init__()
        self.monitor = None if monitor is None else list(monitor)
        self.stopped_on = None

    def on_batch_end(self, batch, logs=None):
        for key, value in (logs or {}).items():
            watched = (
                "loss" in key if self.monitor is None else key in self.monitor
            )
            if not watched:
                continue
            try:
                value = float(value)
            except (TypeError, ValueError):
                continue
            if not math.isfinite(value):
                self.stopped_on = (batch, key, value)
                print(
                    f"\nBatch {batch}: {key} is {value}; terminating training."
                )
                self.model.stop_training = True
                return
