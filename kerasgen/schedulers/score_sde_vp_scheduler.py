"""Predictor-corrector sampling of the VP SDE (Song et al. 2021)."""

import keras
from keras import ops

from kerasgen.schedulers.predictor_corrector import PredictorCorrector
from kerasgen.schedulers.predictor_corrector import check_snr
from kerasgen.schedulers.scheduler import Scheduler


@keras.saving.register_keras_serializable(package="kerasgen")
class ScoreSdeVpScheduler(PredictorCorrector, Scheduler):
    """Predictor-corrector sampling of the VP SDE (Song et al. 2021, Alg. 3)
    with any VP-trained (DDPM) model.

    Score `s = -eps / sqrt(1 - alpha_bar_t)`. Predictor (reverse diffusion)
    from `t` to the previous timestep `s`, with `alpha_ts = alpha_bar_t /
    alpha_bar_s` and `beta_ts = 1 - alpha_ts`: `(x + beta_ts score) /
    sqrt(alpha_ts) + sqrt(beta_ts) z`; the corrector's `alpha` is 1 (the
    paper's `alpha_i = 1 - beta_i` is within 2% of it on the linear
    schedule).

    Args:
        snr: float > 0. Defaults to 0.16.
        **kwargs: the `Scheduler` arguments (`timestep_spacing` defaults
            to `"leading"`).
    """

    name = "score_sde_vp"

    def __init__(self, snr=0.16, **kwargs):
        super().__init__(**kwargs)
        self.snr = check_snr(snr)

    def get_config(self):
        return dict(super().get_config(), snr=self.snr)

    def score(self, model_output, timestep, sample):
        sample = ops.convert_to_tensor(sample)
        _, eps = self.convert_model_output(model_output, timestep, sample)
        alpha_bar = ops.cast(self._alpha_bar(timestep), sample.dtype)
        return -eps / ops.sqrt(1.0 - alpha_bar)

    def _predictor(self, sample, score, timestep, prev_timestep, noise):
        dtype = sample.dtype
        alpha_bar = ops.cast(self._alpha_bar(timestep), dtype)
        alpha_bar_prev = ops.cast(self._alpha_bar(prev_timestep), dtype)
        alpha = alpha_bar / alpha_bar_prev
        beta = 1.0 - alpha
        mean = (sample + beta * score) / ops.sqrt(alpha)
        last = ops.cast(prev_timestep, "int32") < 0
        predicted = ops.where(last, mean, mean + ops.sqrt(beta) * noise)
        x0 = (sample + (1.0 - alpha_bar) * score) / ops.sqrt(alpha_bar)
        return predicted, x0, alpha
