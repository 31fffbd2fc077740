"""Predictor-corrector sampling of the VE SDE (Song et al. 2021)."""

import keras
from keras import ops

from kerasgen.schedulers.predictor_corrector import PredictorCorrector
from kerasgen.schedulers.predictor_corrector import check_snr
from kerasgen.schedulers.ve_scheduler import VEScheduler


@keras.saving.register_keras_serializable(package="kerasgen")
class ScoreSdeVeScheduler(PredictorCorrector, VEScheduler):
    """Predictor-corrector sampling of the VE SDE (Song et al. 2021, Alg. 2).

    Predictor (reverse diffusion, eq. 46), from `sigma_i` to `sigma_j`:
    `x + (sigma_i^2 - sigma_j^2) s + sqrt(sigma_i^2 - sigma_j^2) z`.

    Args:
        snr: float > 0. Signal-to-noise ratio `r` of the corrector.
            Defaults to 0.16 (the paper's for VE).
        **kwargs: the `VEScheduler` arguments.

    Example:
    >>> scheduler = ScoreSdeVeScheduler(num_train_timesteps=10)
    >>> scheduler.timesteps(2), scheduler.previous_timesteps([9, 9, 0, 0])
    (array([9, 9, 0, 0], dtype=int32), array([ 9,  0,  0, -1]))
    """

    name = "score_sde_ve"

    def __init__(self, snr=0.16, **kwargs):
        super().__init__(**kwargs)
        self.snr = check_snr(snr)

    def get_config(self):
        return dict(super().get_config(), snr=self.snr)

    def _predictor(self, sample, score, timestep, prev_timestep, noise):
        dtype = sample.dtype
        variance = (
            self._sigma(timestep, dtype) ** 2
            - self._sigma(prev_timestep, dtype) ** 2
        )
        mean = sample + variance * score
        last = ops.cast(prev_timestep, "int32") < 0
        x0 = sample + self._sigma(timestep, dtype) ** 2 * score
        predicted = ops.where(
            last, mean, mean + ops.sqrt(ops.maximum(variance, 0.0)) * noise
        )
        return predicted, x0, 1.0
