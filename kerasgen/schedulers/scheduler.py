"""The diffusion process apart from the denoiser: the stateless base class."""

import math

import keras
import numpy as np
from keras import ops

from kerasgen.utils import argument_validation as av

BETA_SCHEDULES = ("linear", "scaled_linear", "squaredcos_cap_v2", "sigmoid")
PREDICTION_TYPES = ("epsilon", "sample", "v_prediction")
TIMESTEP_SPACINGS = ("leading", "trailing", "linspace")


def make_betas(num_train_timesteps, beta_start, beta_end, beta_schedule):
    """The forward process variances `beta_1..beta_T`, float64 `(T,)`.

    - `"linear"`: `linspace(beta_start, beta_end, T)` (Ho et al. 2020);
    - `"scaled_linear"`: `linspace(sqrt(beta_start), sqrt(beta_end), T)**2`
      (Stable Diffusion's);
    - `"squaredcos_cap_v2"`: the cosine schedule of Nichol & Dhariwal
      2021 (eq. 17), `alpha_bar(t) = cos((t / T + 0.008) / 1.008 * pi / 2)
      ** 2` and `beta_t = min(1 - alpha_bar(t) / alpha_bar(t - 1), 0.999)`
      (`beta_start` and `beta_end` unused);
    - `"sigmoid"`: `sigmoid(linspace(-6, 6, T)) * (beta_end - beta_start)
      + beta_start` (GeoDiff's).

    Example:
    >>> make_betas(4, 0.1, 0.4, "linear")
    array([0.1, 0.2, 0.3, 0.4])
    """
    av.check_positive_int("num_train_timesteps", num_train_timesteps)
    av.check_choice("beta_schedule", beta_schedule, BETA_SCHEDULES)
    steps = num_train_timesteps
    if beta_schedule == "linear":
        return np.linspace(beta_start, beta_end, steps, dtype="float64")
    if beta_schedule == "scaled_linear":
        return (
            np.linspace(beta_start**0.5, beta_end**0.5, steps, dtype="float64")
            ** 2
        )
    if beta_schedule == "sigmoid":
        x = np.linspace(-6.0, 6.0, steps, dtype="float64")
        return 1.0 / (1.0 + np.exp(-x)) * (beta_end - beta_start) + beta_start

    def alpha_bar(t):
        return math.cos((t + 0.008) / 1.008 * math.pi / 2) ** 2

    return np.array(
        [
            min(1.0 - alpha_bar((i + 1) / steps) / alpha_bar(i / steps), 0.999)
            for i in range(steps)
        ],
        dtype="float64",
    )


def rescale_zero_terminal_snr(betas):
    """Betas whose last `alpha_bar` is exactly 0 (Lin et al. 2023, Alg. 1).

    `sqrt(alpha_bar)` is shifted so that its last value is 0 and scaled so
    that its first value is unchanged; the betas are read back from it.

    Example:
    >>> betas = rescale_zero_terminal_snr(make_betas(10, 1e-4, 0.02, "linear"))
    >>> float(np.cumprod(1.0 - betas)[-1])
    0.0
    """
    alphas_bar_sqrt = np.sqrt(np.cumprod(1.0 - np.asarray(betas, "float64")))
    first, last = alphas_bar_sqrt[0], alphas_bar_sqrt[-1]
    alphas_bar_sqrt = (alphas_bar_sqrt - last) * first / (first - last)
    alphas_bar = alphas_bar_sqrt**2
    alphas = np.concatenate([alphas_bar[:1], alphas_bar[1:] / alphas_bar[:-1]])
    return 1.0 - alphas


class Scheduler:
    """A diffusion process: noise schedule, training targets and sampling.

    Stateless: the noise levels are fixed at construction and `step()`
    reads everything it needs from its arguments, so one compiled loop
    (`ops.fori_loop` over `timesteps(num_steps)`) runs any scheduler, and
    the scheduler can be swapped at generate time (`like()`). Unlike
    diffusers' `set_timesteps`, nothing is stored between calls; the
    previous timestep of a step always comes from the timestep list (`t -
    T // N` is wrong when `N` does not divide `T`), and is `-1` after the
    last one (`alpha_bar = final_alpha_cumprod` there).

    With `x_t = sqrt(alpha_bar_t) x_0 + sqrt(1 - alpha_bar_t) eps` (Ho et
    al. 2020, eq. 4), the network predicts `eps` (`"epsilon"`), `x_0`
    (`"sample"`) or `v = sqrt(alpha_bar_t) eps - sqrt(1 - alpha_bar_t) x_0`
    (`"v_prediction"`, Salimans & Ho 2022).

    Args:
        num_train_timesteps: int. `T`. Defaults to 1000.
        beta_start, beta_end: floats. Defaults to 1e-4 and 0.02 (Ho et al.).
        beta_schedule: one of `"linear"`, `"scaled_linear"`,
            `"squaredcos_cap_v2"`, `"sigmoid"` (`make_betas`). Defaults to
            `"linear"`.
        prediction_type: `"epsilon"`, `"sample"` or `"v_prediction"`.
            Defaults to `"epsilon"`.
        timestep_spacing: `"leading"`, `"trailing"` or `"linspace"` (see
            `timesteps`). Defaults to the subclass's (diffusers' default
            for that scheduler).
        steps_offset: int >= 0. Added to `"leading"` timesteps. Defaults
            to 0.
        rescale_betas_zero_snr: bool. Rescale to a zero terminal SNR (Lin
            et al. 2023); `alpha_bar_T` is then set to `2 ** -24` so that
            an epsilon prediction stays defined. Defaults to `False`.
        clip_sample: bool. Clip the predicted `x_0` to
            `[-clip_sample_range, clip_sample_range]`. Defaults to `False`.
        clip_sample_range: float > 0. Defaults to 1.0.
        set_alpha_to_one: bool. `alpha_bar` after the last step is 1 (the
            sample is `x_0`) rather than `alpha_bar_0`. Defaults to `True`.
    """

    #: Registry name (`get_scheduler`).
    name = None
    #: The forward process: `"vp"` here, `"ve"` for the score-based
    #: schedulers; a model samples only with schedulers of its process.
    process = "vp"
    default_timestep_spacing = "leading"

    def __init__(
        self,
        num_train_timesteps=1000,
        beta_start=1e-4,
        beta_end=0.02,
        beta_schedule="linear",
        prediction_type="epsilon",
        timestep_spacing=None,
        steps_offset=0,
        rescale_betas_zero_snr=False,
        clip_sample=False,
        clip_sample_range=1.0,
        set_alpha_to_one=True,
    ):
        self.num_train_timesteps = av.check_positive_int(
            "num_train_timesteps", num_train_timesteps
        )
        self.beta_start = av.check_float(
            "beta_start", beta_start, 0.0, 1.0, min_inclusive=False
        )
        self.beta_end = av.check_float(
            "beta_end", beta_end, 0.0, 1.0, min_inclusive=False
        )
        self.beta_schedule = av.check_choice(
            "beta_schedule", beta_schedule, BETA_SCHEDULES
        )
        self.prediction_type = av.check_choice(
            "prediction_type", prediction_type, PREDICTION_TYPES
        )
        if timestep_spacing is None:
            timestep_spacing = self.default_timestep_spacing
        self.timestep_spacing = av.check_choice(
            "timestep_spacing", timestep_spacing, TIMESTEP_SPACINGS
        )
        self.steps_offset = av.check_int("steps_offset", steps_offset, 0)
        self.rescale_betas_zero_snr = av.check_bool(
            "rescale_betas_zero_snr", rescale_betas_zero_snr
        )
        self.clip_sample = av.check_bool("clip_sample", clip_sample)
        self.clip_sample_range = av.check_float(
            "clip_sample_range", clip_sample_range, 0.0, min_inclusive=False
        )
        self.set_alpha_to_one = av.check_bool(
            "set_alpha_to_one", set_alpha_to_one
        )

        betas = make_betas(
            self.num_train_timesteps,
            self.beta_start,
            self.beta_end,
            self.beta_schedule,
        )
        if self.rescale_betas_zero_snr:
            betas = rescale_zero_terminal_snr(betas)
        alphas_cumprod = np.cumprod(1.0 - betas)
        if self.rescale_betas_zero_snr:
            # diffusers' choice: alpha_bar_T = 0 would make eps -> x_0 0/0.
            alphas_cumprod[-1] = 2.0**-24
        #: float64 NumPy arrays `(T,)` (diffusers' names).
        self.betas = betas
        self.alphas = 1.0 - betas
        self.alphas_cumprod = alphas_cumprod
        self.final_alpha_cumprod = (
            1.0 if self.set_alpha_to_one else float(alphas_cumprod[0])
        )

    # --- Configuration.
    def get_config(self):
        return {
            "num_train_timesteps": self.num_train_timesteps,
            "beta_start": self.beta_start,
            "beta_end": self.beta_end,
            "beta_schedule": self.beta_schedule,
            "prediction_type": self.prediction_type,
            "timestep_spacing": self.timestep_spacing,
            "steps_offset": self.steps_offset,
            "rescale_betas_zero_snr": self.rescale_betas_zero_snr,
            "clip_sample": self.clip_sample,
            "clip_sample_range": self.clip_sample_range,
            "set_alpha_to_one": self.set_alpha_to_one,
        }

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def __repr__(self):
        return f"{type(self).__name__}({self.get_config()})"

    @property
    def init_noise_sigma(self):
        """Standard deviation of the noise that sampling starts from."""
        return 1.0

    # --- Training.
    def sample_timesteps(self, batch_size, seed=None):
        """Uniform training timesteps, int32 `(batch_size,)` in `[0, T)`.

        Drawn with `distribution_utils.replica_uniform`, so the replicas of
        a `tf.distribute` strategy draw different timesteps.
        """
        from kerasgen.utils import distribution_utils

        draw = distribution_utils.replica_uniform((batch_size,), seed)
        total = self.num_train_timesteps
        return ops.minimum(
            ops.cast(ops.floor(draw * total), "int32"), total - 1
        )

    def _coefficients(self, timesteps, like):
        """`sqrt(alpha_bar_t)`, `sqrt(1 - alpha_bar_t)` broadcast to `like`."""
        alphas_cumprod = ops.convert_to_tensor(self.alphas_cumprod, "float32")
        alpha_bar = ops.take(alphas_cumprod, ops.cast(timesteps, "int32"))
        rank = len(like.shape)
        if len(alpha_bar.shape) == 1 and rank > 1:
            alpha_bar = ops.reshape(alpha_bar, (-1,) + (1,) * (rank - 1))
        dtype = like.dtype
        return (
            ops.cast(ops.sqrt(alpha_bar), dtype),
            ops.cast(ops.sqrt(1.0 - alpha_bar), dtype),
        )

    def add_noise(self, original_samples, noise, timesteps):
        """`x_t = sqrt(alpha_bar_t) x_0 + sqrt(1 - alpha_bar_t) noise`.

        `timesteps` is int `(batch,)` (one per example) or a scalar.
        """
        x0 = ops.convert_to_tensor(original_samples)
        a, b = self._coefficients(timesteps, x0)
        return a * x0 + b * ops.cast(noise, x0.dtype)

    def get_target(self, original_samples, noise, timesteps):
        """What the network learns to output at `x_t` (`prediction_type`)."""
        x0 = ops.convert_to_tensor(original_samples)
        noise = ops.cast(noise, x0.dtype)
        if self.prediction_type == "epsilon":
            return noise
        if self.prediction_type == "sample":
            return x0
        a, b = self._coefficients(timesteps, x0)
        return a * noise - b * x0

    def get_velocity(self, sample, noise, timesteps):
        """`v = sqrt(alpha_bar_t) noise - sqrt(1 - alpha_bar_t) x_0`."""
        x0 = ops.convert_to_tensor(sample)
        a, b = self._coefficients(timesteps, x0)
        return a * ops.cast(noise, x0.dtype) - b * x0

    # --- Sampling.
    def timesteps(self, num_steps):
        """The decreasing timesteps of a `num_steps`-step sampling run.

        int32 NumPy `(num_steps,)` in `[0, T)`, strictly decreasing
        (diffusers' `set_timesteps`):

        - `"leading"`: `arange(N) * (T // N)` reversed, `+ steps_offset`;
        - `"trailing"`: `round(arange(T, 0, -T / N)) - 1` (starts at
          `T - 1`, Lin et al. 2023 table 2);
        - `"linspace"`: `round(linspace(0, T - 1, N))` reversed.

        Args:
            num_steps: int in `[1, num_train_timesteps]`.

        Example:
        >>> Scheduler(num_train_timesteps=10).timesteps(3)
        array([6, 3, 0], dtype=int32)
        """
        steps = av.check_int(
            "num_steps", num_steps, 1, self.num_train_timesteps
        )
        total = self.num_train_timesteps
        if self.timestep_spacing == "leading":
            values = np.arange(steps) * (total // steps)
            values = values[::-1] + self.steps_offset
        elif self.timestep_spacing == "trailing":
            values = np.round(np.arange(total, 0, -total / steps)) - 1
        else:
            values = np.round(np.linspace(0, total - 1, steps))[::-1]
        values = values.astype("int64")
        if values.max() >= total or values.min() < 0:
            raise ValueError(
                f"steps_offset={self.steps_offset} puts a timestep of "
                f"{steps} steps outside [0, {total})"
            )
        return values.astype("int32")

    def previous_timesteps(self, timesteps):
        """The previous timestep of each entry: the next one, `-1` last."""
        timesteps = np.asarray(timesteps)
        return np.concatenate([timesteps[1:], [-1]]).astype(timesteps.dtype)

    def alpha_bar_at(self, timesteps):
        """`alpha_bar` at timesteps (NumPy, float64); `final_alpha_cumprod`
        at -1."""
        timesteps = np.asarray(timesteps, "int64")
        value = self.alphas_cumprod[np.maximum(timesteps, 0)]
        return np.where(timesteps < 0, self.final_alpha_cumprod, value)

    def initial_state(self, sample):
        """The loop state a multistep scheduler carries (here none)."""
        del sample
        return {}

    def _alpha_bar(self, timestep):
        """`alpha_bar` at a (tensor) timestep; `final_alpha_cumprod` at -1."""
        timestep = ops.cast(timestep, "int32")
        alphas_cumprod = ops.convert_to_tensor(self.alphas_cumprod, "float32")
        value = ops.take(alphas_cumprod, ops.maximum(timestep, 0))
        return ops.where(timestep >= 0, value, self.final_alpha_cumprod)

    def output_to_epsilon(self, model_output, timestep, sample):
        """The noise `eps` that the network's output predicts at `x_t`
        (no clipping; `timestep` broadcast against `sample`)."""
        sample = ops.convert_to_tensor(sample)
        output = ops.cast(model_output, sample.dtype)
        a, b = self.signal_and_noise(timestep, sample)
        if self.prediction_type == "epsilon":
            return output
        if self.prediction_type == "sample":
            return (sample - a * output) / b
        return a * output + b * sample  # v = a eps - b x0

    def epsilon_to_output(self, epsilon, timestep, sample):
        """The network output (of `prediction_type`) that predicts the noise
        `epsilon` at `x_t`: the inverse of `output_to_epsilon`."""
        sample = ops.convert_to_tensor(sample)
        epsilon = ops.cast(epsilon, sample.dtype)
        a, b = self.signal_and_noise(timestep, sample)
        if self.prediction_type == "epsilon":
            return epsilon
        x0 = (sample - b * epsilon) / a
        if self.prediction_type == "sample":
            return x0
        return a * epsilon - b * x0

    def signal_and_noise(self, timestep, sample):
        """`sqrt(alpha_bar)`, `sqrt(1 - alpha_bar)` at a scalar or per-sample
        `timestep`, shaped to broadcast against `sample`."""
        alpha_bar = ops.cast(self._alpha_bar(timestep), sample.dtype)
        if len(alpha_bar.shape) == 1:
            alpha_bar = ops.reshape(
                alpha_bar, (-1,) + (1,) * (len(sample.shape) - 1)
            )
        return ops.sqrt(alpha_bar), ops.sqrt(1.0 - alpha_bar)

    def convert_model_output(self, model_output, timestep, sample):
        """`(x_0, eps)` predicted from the network's output at `x_t`."""
        sample = ops.convert_to_tensor(sample)
        output = ops.cast(model_output, sample.dtype)
        alpha_bar = ops.cast(self._alpha_bar(timestep), sample.dtype)
        a, b = ops.sqrt(alpha_bar), ops.sqrt(1.0 - alpha_bar)
        if self.prediction_type == "epsilon":
            eps = output
            x0 = (sample - b * eps) / a
        elif self.prediction_type == "sample":
            x0 = output
            eps = (sample - a * x0) / b
        else:  # v = a eps - b x0, x_t = a x0 + b eps (a^2 + b^2 = 1)
            x0 = a * sample - b * output
            eps = a * output + b * sample
        if self.clip_sample:
            x0 = ops.clip(x0, -self.clip_sample_range, self.clip_sample_range)
            eps = (sample - a * x0) / b
        return x0, eps

    def step(
        self,
        model_output,
        timestep,
        prev_timestep,
        sample,
        seed=None,
        state=None,
        return_dict=False,
        **kwargs,
    ):
        """One reverse step, `x_t -> x_prev`.

        Args:
            model_output: the network's output at `(sample, timestep)`.
            timestep: int scalar (a tensor inside a compiled loop).
            prev_timestep: int scalar, the next entry of the timestep
                list, `-1` after the last.
            sample: `x_t`, float `(batch, ...)`.
            seed: a `keras.random.SeedGenerator` or int, for the schedulers
                that add noise.
            state: the loop state (`initial_state`, then the `"state"` of
                the previous step's dict) of a multistep scheduler.
            return_dict: bool. Return a dict with `"prev_sample"`,
                `"pred_original_sample"` and `"state"` instead of the
                previous sample alone.
            **kwargs: the scheduler's own step options (DDIM's `eta`).
        """
        sample = ops.convert_to_tensor(sample)
        if state is None:
            state = self.initial_state(sample)
        prev_sample, x0, state = self._step(
            model_output, timestep, prev_timestep, sample, seed, state, **kwargs
        )
        if return_dict:
            return {
                "prev_sample": prev_sample,
                "pred_original_sample": x0,
                "state": state,
            }
        return prev_sample

    def _step(self, model_output, timestep, prev_timestep, sample, seed, state):
        """`(prev_sample, pred_original_sample, state)`; `sample` a tensor."""
        raise NotImplementedError

    def like(self, scheduler_class, **overrides):
        """A scheduler of `scheduler_class` with this noise schedule.

        The schedule (`num_train_timesteps`, betas, `prediction_type`,
        rescaling, clipping) is kept; the timestep spacing and the
        class's own arguments (`eta`, `variance_type`) take the new class's
        defaults unless given.
        """
        if getattr(scheduler_class, "process", None) != self.process:
            raise ValueError(
                f"a model trained with a {self.process.upper()} process "
                f"({type(self).__name__}) cannot sample with "
                f"{scheduler_class.__name__} "
                f"({str(getattr(scheduler_class, 'process', '?')).upper()})"
            )
        config = self._schedule_config()
        config.update(overrides)
        return scheduler_class(**config)

    def _schedule_config(self):
        """The config entries of the noise schedule (kept by `like`)."""
        config = Scheduler.get_config(self)
        config.pop("timestep_spacing")
        return config


def gaussian_noise(shape, seed, dtype):
    """`N(0, 1)` noise; `seed` a `SeedGenerator`, an int or `None`."""
    return keras.random.normal(shape, seed=seed, dtype=dtype)
