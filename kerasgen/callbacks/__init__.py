"""Training callbacks.

EMA of the weights needs no kerasgen callback: build the optimizer with
`use_ema=True` (for example `keras.optimizers.Adam(1e-3, use_ema=True,
ema_momentum=0.999)`) and add `keras.callbacks.SwapEMAWeights(
swap_on_epoch=True)` before `SampleGrid` and checkpoints, so that they see the
EMA weights at the end of each epoch. Call `model.optimizer.
finalize_variable_values(model.trainable_variables)` after `fit` to keep the
EMA weights.
"""

from kerasgen.callbacks.frechet_distance_callback import FrechetDistanceCallback
from kerasgen.callbacks.gumbel_temperature_schedule import (
    GumbelTemperatureSchedule,
)
from kerasgen.callbacks.reconstruction_grid import ReconstructionGrid
from kerasgen.callbacks.sample_grid import SampleGrid
from kerasgen.callbacks.terminate_on_nan_losses import TerminateOnNaNLosses
