"""Score-based samplers: annealed Langevin dynamics (NCSN) and the SDE
predictor-corrector samplers of Song et al. 2021 (VE and VP)."""

import keras
import numpy as np
from keras import ops

from kerasgen.schedulers.scheduler import Scheduler
from kerasgen.schedulers.scheduler import gaussian_noise
from kerasgen.utils import argument_validation as av


class VEScheduler(Scheduler):
    """The variance-exploding process `x_t = x_0 + sigma_t eps`.

    Noise conditional score networks (Song & Ermon 2019) and the VE SDE
    (Song et al. 2021) perturb the data with geometric noise levels
    `sigma_t = sigma_min (sigma_max / sigma_min) ** (t / (T - 1))`, `t` in
    `[0, T)`. The network predicts `eps` (`prediction_type="epsilon"`, the
    only one): the score is `s(x, sigma) = -eps / sigma`, and the mean
    squared error on `eps` is NCSN's denoising score matching loss with
    its weighting `lambda(sigma) = sigma^2`. `alphas_cumprod` is the
    equivalent VP schedule `1 / (1 + sigma^2)` (`x_VE = x_VP /
    sqrt(alpha_bar)`), given for the shared interface.

    Args:
        num_train_timesteps: int >= 2. Noise levels `T`. Defaults to 1000.
        sigma_min, sigma_max: floats, `0 < sigma_min < sigma_max`.
            Defaults to 0.01 and 50.0 (Song et al. 2021; `sigma_max` near
            the largest distance between two training images, Song & Ermon
            2020, technique 1: about 40 for Fashion-MNIST in `[-1, 1]`).
        timestep_spacing: as `Scheduler`. Defaults to `"linspace"`.
    """

    process = "ve"
    default_timestep_spacing = "linspace"

    def __init__(
        self,
        num_train_timesteps=1000,
        sigma_min=0.01,
        sigma_max=50.0,
        timestep_spacing=None,
        prediction_type="epsilon",
    ):
        self.num_train_timesteps = av.check_int(
            "num_train_timesteps", num_train_timesteps, 2
        )
        self.sigma_min = av.check_float(
            "sigma_min", sigma_min, 0.0, min_inclusive=False
        )
        self.sigma_max = av.check_float(
            "sigma_max", sigma_max, self.sigma_min, min_inclusive=False
        )
        self.prediction_type = av.check_choice(
            "prediction_type", prediction_type, ("epsilon",)
        )
        if timestep_spacing is None:
            timestep_spacing = self.default_timestep_spacing
        self.timestep_spacing = av.check_choice(
            "timestep_spacing", timestep_spacing, ("linspace", "trailing")
        )
        self.steps_offset = 0
        self.clip_sample = False
        ratio = np.arange(self.num_train_timesteps) / (
            self.num_train_timesteps - 1
        )
        #: float64 `(T,)`, increasing with `t`.
        self.sigmas = (
            self.sigma_min * (self.sigma_max / self.sigma_min) ** ratio
        )
        self.alphas_cumprod = 1.0 / (1.0 + self.sigmas**2)
        self.final_alpha_cumprod = 1.0

    @property
    def init_noise_sigma(self):
        """Standard deviation of the noise that sampling starts from."""
        return self.sigma_max

    def get_config(self):
        return {
            "num_train_timesteps": self.num_train_timesteps,
            "sigma_min": self.sigma_min,
            "sigma_max": self.sigma_max,
            "timestep_spacing": self.timestep_spacing,
            "prediction_type": self.prediction_type,
        }

    def _schedule_config(self):
        config = VEScheduler.get_config(self)
        config.pop("timestep_spacing")
        return config

    def _sigma(self, timestep, dtype):
        """`sigma_t` at a (tensor) timestep, 0 at -1."""
        timestep = ops.cast(timestep, "int32")
        sigmas = ops.convert_to_tensor(self.sigmas, "float32")
        value = ops.take(sigmas, ops.maximum(timestep, 0))
        return ops.cast(ops.where(timestep >= 0, value, 0.0), dtype)

    def add_noise(self, original_samples, noise, timesteps):
        """`x_t = x_0 + sigma_t noise` (`timesteps` `(batch,)` or scalar)."""
        x0 = ops.convert_to_tensor(original_samples)
        sigma = self._sigma(timesteps, x0.dtype)
        if len(sigma.shape) == 1 and len(x0.shape) > 1:
            sigma = ops.reshape(sigma, (-1,) + (1,) * (len(x0.shape) - 1))
        return x0 + sigma * ops.cast(noise, x0.dtype)

    def get_target(self, original_samples, noise, timesteps):
        return ops.cast(noise, ops.convert_to_tensor(original_samples).dtype)

    def get_velocity(self, sample, noise, timesteps):
        raise ValueError("the VE process has no v-prediction")

    def convert_model_output(self, model_output, timestep, sample):
        sample = ops.convert_to_tensor(sample)
        eps = ops.cast(model_output, sample.dtype)
        return sample - self._sigma(timestep, sample.dtype) * eps, eps

    def score(self, model_output, timestep, sample):
        """`s(x, sigma) = -eps / sigma`."""
        sample = ops.convert_to_tensor(sample)
        sigma = self._sigma(timestep, sample.dtype)
        return -ops.cast(model_output, sample.dtype) / sigma


@keras.saving.register_keras_serializable(package="kerasgen")
class AnnealedLangevinScheduler(VEScheduler):
    """Annealed Langevin dynamics (Song & Ermon 2019, Algorithm 1).

    For each noise level `sigma_i`, from the largest down, `steps_per_level`
    Langevin steps

        x <- x + alpha_i / 2 * s(x, sigma_i) + sqrt(alpha_i) z,
        alpha_i = step_size * sigma_i^2 / sigma_L^2,

    with `sigma_L = sigma_min`. The timestep list repeats each level
    `steps_per_level` times. With `denoise` the last step returns Tweedie's
    estimate `x + sigma_L^2 s(x, sigma_L)` instead (Song & Ermon 2020,
    Jolicoeur-Martineau et al. 2021), which removes the last noise level.

    Args:
        steps_per_level: int >= 1. `T` of Algorithm 1. Defaults to 5.
        step_size: float > 0. `epsilon` of Algorithm 1. Defaults to 2e-5.
        denoise: bool. Defaults to `True`.
        **kwargs: the `VEScheduler` arguments.

    Example:
    >>> scheduler = AnnealedLangevinScheduler(num_train_timesteps=10,
    ...                                       steps_per_level=2)
    >>> scheduler.timesteps(3)
    array([9, 9, 4, 4, 0, 0], dtype=int32)
    """

    name = "annealed_langevin"

    def __init__(
        self, steps_per_level=5, step_size=2e-5, denoise=True, **kwargs
    ):
        super().__init__(**kwargs)
        self.steps_per_level = av.check_positive_int(
            "steps_per_level", steps_per_level
        )
        self.step_size = av.check_float(
            "step_size", step_size, 0.0, min_inclusive=False
        )
        self.denoise = av.check_bool("denoise", denoise)

    def get_config(self):
        return dict(
            super().get_config(),
            steps_per_level=self.steps_per_level,
            step_size=self.step_size,
            denoise=self.denoise,
        )

    def timesteps(self, num_steps):
        """`num_steps` noise levels, each `steps_per_level` times."""
        return np.repeat(super().timesteps(num_steps), self.steps_per_level)

    def step(
        self,
        model_output,
        timestep,
        prev_timestep,
        sample,
        seed=None,
        state=None,
        return_dict=False,
    ):
        sample = ops.convert_to_tensor(sample)
        dtype = sample.dtype
        sigma = self._sigma(timestep, dtype)
        score = self.score(model_output, timestep, sample)
        alpha = self.step_size * (sigma / self.sigma_min) ** 2
        noise = gaussian_noise(ops.shape(sample), seed, dtype)
        prev_sample = sample + 0.5 * alpha * score + ops.sqrt(alpha) * noise
        x0 = sample + sigma**2 * score  # Tweedie
        if self.denoise:
            last = ops.cast(prev_timestep, "int32") < 0
            prev_sample = ops.where(last, x0, prev_sample)
        return self._result(prev_sample, x0, state or {}, return_dict)


class _PredictorCorrector:
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

    def step(
        self,
        model_output,
        timestep,
        prev_timestep,
        sample,
        seed=None,
        state=None,
        return_dict=False,
    ):
        sample = ops.convert_to_tensor(sample)
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
        return self._result(prev_sample, x0, state or {}, return_dict)


def _check_snr(snr):
    return av.check_float("snr", snr, 0.0, min_inclusive=False)


@keras.saving.register_keras_serializable(package="kerasgen")
class ScoreSdeVeScheduler(_PredictorCorrector, VEScheduler):
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
        self.snr = _check_snr(snr)

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


@keras.saving.register_keras_serializable(package="kerasgen")
class ScoreSdeVpScheduler(_PredictorCorrector, Scheduler):
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
        self.snr = _check_snr(snr)

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
