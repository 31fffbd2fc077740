"""The predictor-corrector loop of Song et al. 2021 (Algorithms 2, 3)."""

import numpy as np
from keras import ops

from kerasgen.schedulers.scheduler import gaussian_noise
from kerasgen.utils import argument_validation as av


class PredictorCorrector:
    """Song et al. 2021, Algorithms 2 and 3, one corrector step a level.

    At each of the `num_steps` levels, from the noisiest: a Langevin
    corrector step `x <- x + e s + sqrt(2 e) z` with `e = 2 alpha (snr
    ||z|| / ||s||)^2` (norms per example over the pixels, averaged over
    the batch, as in the paper's code; `alpha = 1` for VE, `alpha_t` for
    VP), then the reverse-diffusion predictor to the next level, whose
    last step, to noise 0, is Tweedie's denoised estimate (no noise). The
    timestep list holds each level twice (corrector, predictor); a
    corrector's previous timestep is its own.
    """

    def timesteps(self, num_steps):
        return np.repeat(super().timesteps(num_steps), 2)

    def previous_timesteps(self, timesteps):
        timesteps = np.asarray(timesteps)
        previous = timesteps.copy()
        previous[1::2] = np.concatenate([timesteps[2::2], [-1]])
        return previous

    def _corrector(self, sample, score, noise, alpha):
        def norm(x):
            return ops.mean(
                ops.sqrt(ops.sum(ops.reshape(x, (ops.shape(x)[0], -1)) ** 2, 1))
            )

        step = 2.0 * alpha * (self.snr * norm(noise) / norm(score)) ** 2
        return sample + step * score + ops.sqrt(2.0 * step) * noise

    def _step(self, model_output, timestep, prev_timestep, sample, seed, state):
        dtype = sample.dtype
        score = self.score(model_output, timestep, sample)
        noise = gaussian_noise(ops.shape(sample), seed, dtype)
        predicted, x0, alpha = self._predictor(
            sample, score, timestep, prev_timestep, noise
        )
        corrected = self._corrector(sample, score, noise, alpha)
        is_corrector = ops.cast(prev_timestep, "int32") == ops.cast(
            timestep, "int32"
        )
        prev_sample = ops.where(is_corrector, corrected, predicted)
        return prev_sample, x0, state


def check_snr(snr):
    return av.check_float("snr", snr, 0.0, min_inclusive=False)
