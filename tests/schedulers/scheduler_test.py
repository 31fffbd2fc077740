"""Schedulers: noise schedules, timesteps, and the Gaussian-data oracle.

For data `x_0 ~ N(mu, s^2)` the exact noise prediction at `x_t = a x_0 + b
eps` (`a = sqrt(alpha_bar_t)`, `b = sqrt(1 - alpha_bar_t)`) is `E[eps |
x_t] = b (x_t - a mu) / (a^2 s^2 + b^2)`: plugged in as the denoiser, a
sampler's output shows the method's own error, and is compared with a
float64 NumPy reference of the same update written here.
"""

import math

import keras
import numpy as np
import pytest
import tensorflow as tf
from keras import ops

from kerasgen import schedulers
from kerasgen.schedulers import DDIMScheduler
from kerasgen.schedulers import DDPMScheduler
from kerasgen.schedulers import DPMSolverMultistepScheduler
from kerasgen.schedulers import EulerScheduler
from kerasgen.schedulers import HeunScheduler

MU, S = 0.3, 0.5
ALL = [
    DDPMScheduler,
    DDIMScheduler,
    DPMSolverMultistepScheduler,
    EulerScheduler,
    HeunScheduler,
]


def oracle_eps(x, alpha_bar):
    a, b = np.sqrt(alpha_bar), np.sqrt(1.0 - alpha_bar)
    return b * (x - a * MU) / (a**2 * S**2 + b**2)


def oracle_output(scheduler, x, timestep):
    """The oracle in the scheduler's prediction type."""
    if scheduler.process == "ve":  # x = x_0 + sigma eps
        sigma = scheduler.sigmas[int(timestep)]
        return sigma * (x - MU) / (S**2 + sigma**2)
    alpha_bar = scheduler.alpha_bar_at(timestep)
    a, b = np.sqrt(alpha_bar), np.sqrt(1.0 - alpha_bar)
    eps = oracle_eps(x, alpha_bar)
    x0 = (x - b * eps) / a
    return {
        "epsilon": eps,
        "sample": x0,
        "v_prediction": a * eps - b * x0,
    }[scheduler.prediction_type]


def run(scheduler, num_steps, num_samples=20000, seed=0, **step_kwargs):
    """Samples with the oracle denoiser through `scheduler.step`."""
    x = np.random.default_rng(seed).normal(size=(num_samples,))
    x = ops.convert_to_tensor(
        (x * scheduler.init_noise_sigma).astype("float32")
    )
    timesteps = scheduler.timesteps(num_steps)
    previous = scheduler.previous_timesteps(timesteps)
    state = scheduler.initial_state(x)
    generator = keras.random.SeedGenerator(seed)

    # One traced step, called with tensors (eager ops cost ~10 ms a step).
    @tf.function(autograph=False)
    def step(output, t, s, x, state):
        out = scheduler.step(
            output,
            t,
            s,
            x,
            seed=generator,
            state=state,
            return_dict=True,
            **step_kwargs,
        )
        return out["prev_sample"], out["state"]

    for t, s in zip(timesteps, previous):
        output = oracle_output(scheduler, np.asarray(x, "float64"), t)
        x, state = step(
            ops.convert_to_tensor(output.astype("float32")),
            ops.convert_to_tensor(t),
            ops.convert_to_tensor(s),
            x,
            state,
        )
    return np.asarray(x, "float64")


def numpy_ddim(scheduler, num_steps, x):
    """Song et al. 2021 eq. 12 with eta = 0, float64."""
    ab = scheduler.alphas_cumprod
    timesteps = scheduler.timesteps(num_steps)
    for i, t in enumerate(timesteps):
        prev = ab[timesteps[i + 1]] if i + 1 < len(timesteps) else 1.0
        eps = oracle_eps(x, ab[t])
        x0 = (x - np.sqrt(1 - ab[t]) * eps) / np.sqrt(ab[t])
        x = np.sqrt(prev) * x0 + np.sqrt(1 - prev) * eps
    return x


def numpy_dpm_solver_2m(scheduler, num_steps, x):
    """DPM-Solver++ 2M (Lu et al. 2022b, Alg. 2), float64, last to sigma 0."""
    ab = scheduler.alphas_cumprod
    timesteps = scheduler.timesteps(num_steps)

    def lam(alpha_bar):
        return 0.5 * np.log(alpha_bar / (1 - alpha_bar))

    previous = None
    for i, t in enumerate(timesteps):
        eps = oracle_eps(x, ab[t])
        x0 = (x - np.sqrt(1 - ab[t]) * eps) / np.sqrt(ab[t])
        if i + 1 == len(timesteps):
            return x0
        s = timesteps[i + 1]
        h = lam(ab[s]) - lam(ab[t])
        alpha, sigma = np.sqrt(ab[s]), np.sqrt(1 - ab[s])
        update = sigma / np.sqrt(1 - ab[t]) * x - alpha * np.expm1(-h) * x0
        if previous is not None:
            x0_prev, lam_prev = previous
            r0 = (lam(ab[t]) - lam_prev) / h
            update -= 0.5 * alpha * np.expm1(-h) * (x0 - x0_prev) / r0
        previous = (x0, lam(ab[t]))
        x = update
    return x


def numpy_euler(scheduler, timesteps, x):
    """EDM Euler in sigma (`dx/dsigma = eps`), float64, then x_0."""
    ab = scheduler.alpha_bar_at(timesteps)
    sigma = np.sqrt((1 - ab) / ab)
    x = x / np.sqrt(ab[0])  # into sigma space
    for i in range(len(timesteps)):
        eps = oracle_eps(x * np.sqrt(ab[i]), ab[i])
        nxt = sigma[i + 1] if i + 1 < len(timesteps) else 0.0
        x = x + (nxt - sigma[i]) * eps
    return x


def test_beta_schedules():
    betas = schedulers.make_betas(1000, 1e-4, 0.02, "linear")
    assert betas[0] == pytest.approx(1e-4) and betas[-1] == pytest.approx(0.02)
    scaled = schedulers.make_betas(1000, 0.00085, 0.012, "scaled_linear")
    np.testing.assert_allclose(
        np.sqrt(scaled[[0, -1]]), np.sqrt([0.00085, 0.012])
    )
    assert np.all(np.diff(np.sqrt(scaled)) > 0)
    cosine = schedulers.make_betas(1000, 1e-4, 0.02, "squaredcos_cap_v2")

    def f(t):
        return math.cos((t / 1000 + 0.008) / 1.008 * math.pi / 2) ** 2

    # Nichol & Dhariwal eq. 17: alpha_bar_t = f(t) / f(0), beta capped 0.999.
    alpha_bar = np.cumprod(1 - cosine)
    np.testing.assert_allclose(alpha_bar[499], f(500) / f(0), rtol=1e-9)
    assert cosine.max() == pytest.approx(0.999)
    sigmoid = schedulers.make_betas(1000, 1e-4, 0.02, "sigmoid")
    assert np.all(np.diff(sigmoid) > 0)
    assert 1e-4 < sigmoid[0] < sigmoid[-1] < 0.02
    with pytest.raises(ValueError, match="beta_schedule"):
        schedulers.make_betas(10, 1e-4, 0.02, "quadratic")


def test_zero_terminal_snr():
    plain = DDIMScheduler()
    rescaled = DDIMScheduler(rescale_betas_zero_snr=True)
    betas = schedulers.rescale_zero_terminal_snr(plain.betas)
    ab = np.cumprod(1 - betas)
    assert ab[-1] == pytest.approx(0.0, abs=1e-12)
    assert ab[0] == pytest.approx(plain.alphas_cumprod[0])
    # Lin et al.: the schedule keeps its shape (sqrt(alpha_bar) affine).
    assert rescaled.alphas_cumprod[-1] == 2.0**-24
    assert plain.alphas_cumprod[-1] > 4e-5


@pytest.mark.parametrize("cls", ALL)
@pytest.mark.parametrize("spacing", ["leading", "trailing", "linspace"])
def test_timesteps_are_valid_and_strictly_decreasing(cls, spacing):
    kwargs = {}
    if cls in (EulerScheduler, HeunScheduler):
        kwargs = {"use_karras_sigmas": False}
    scheduler = cls(timestep_spacing=spacing, **kwargs)
    for steps in (1, 7, 10, 13, 50, 999, 1000):
        timesteps = scheduler.timesteps(steps)
        previous = scheduler.previous_timesteps(timesteps)
        levels, targets = timesteps, previous
        if cls is HeunScheduler:  # t0, t1, t1, t2, t2, ...: predictors
            assert len(timesteps) == 2 * steps - 1
            np.testing.assert_array_equal(timesteps[1::2], timesteps[2::2])
            np.testing.assert_array_equal(previous[1::2], timesteps[1::2])
            levels, targets = timesteps[0::2], previous[0::2]
        assert len(levels) == steps
        assert levels.min() >= 0 and levels.max() <= 999
        assert np.all(levels == np.round(levels))
        assert np.all(np.diff(levels) < 0), (steps, levels)
        assert targets[-1] == -1
        np.testing.assert_array_equal(targets[:-1], levels[1:])
    for bad in (0, 1001, 2.5, None):
        with pytest.raises(ValueError, match="num_steps"):
            scheduler.timesteps(bad)


@pytest.mark.parametrize("cls", [EulerScheduler, HeunScheduler])
def test_karras_timesteps_have_the_karras_sigmas(cls):
    scheduler = cls()
    sigmas = np.sqrt((1 - scheduler.alphas_cumprod) / scheduler.alphas_cumprod)
    for steps in (7, 10, 13):
        timesteps = scheduler.timesteps(steps)
        levels = timesteps if cls is EulerScheduler else timesteps[0::2]
        assert np.all(np.diff(levels) < 0) and levels[0] == 999
        assert levels[-1] == pytest.approx(0.0, abs=1e-4)
        ab = scheduler.alpha_bar_at(levels)
        expected = schedulers.karras_sigmas(sigmas[0], sigmas[-1], steps)
        np.testing.assert_allclose(np.sqrt((1 - ab) / ab), expected, rtol=1e-4)
        # The compiled path's alpha_bar is the same interpolation.
        np.testing.assert_allclose(
            [float(scheduler._alpha_bar(t)) for t in levels], ab, rtol=1e-4
        )


def test_timestep_spacings_match_diffusers():
    # diffusers' set_timesteps for T = 1000.
    leading = DDIMScheduler(timestep_spacing="leading", steps_offset=1)
    np.testing.assert_array_equal(leading.timesteps(4), [751, 501, 251, 1])
    trailing = DDIMScheduler(timestep_spacing="trailing")
    np.testing.assert_array_equal(trailing.timesteps(3), [999, 666, 332])
    linspace = DDIMScheduler(timestep_spacing="linspace")
    np.testing.assert_array_equal(linspace.timesteps(3), [999, 500, 0])
    # DPM-Solver's linspace drops the 0 of N + 1 points.
    dpm = DPMSolverMultistepScheduler()
    np.testing.assert_array_equal(dpm.timesteps(4), [999, 749, 500, 250])
    with pytest.raises(ValueError, match="steps_offset"):
        DDIMScheduler(steps_offset=500).timesteps(2)


@pytest.mark.parametrize(
    "prediction_type", ["epsilon", "sample", "v_prediction"]
)
def test_targets_convert_back_to_x0_and_eps(prediction_type):
    scheduler = DDIMScheduler(prediction_type=prediction_type)
    rng = np.random.default_rng(0)
    x0 = rng.normal(size=(4, 3, 3, 1)).astype("float32")
    noise = rng.normal(size=(4, 3, 3, 1)).astype("float32")
    t = np.array([0, 10, 500, 999], "int32")
    x_t = scheduler.add_noise(x0, noise, t)
    ab = scheduler.alphas_cumprod[t][:, None, None, None]
    np.testing.assert_allclose(
        x_t, np.sqrt(ab) * x0 + np.sqrt(1 - ab) * noise, rtol=1e-5, atol=1e-6
    )
    target = scheduler.get_target(x0, noise, t)
    for i in range(4):
        got_x0, got_eps = scheduler.convert_model_output(
            target[i], int(t[i]), x_t[i]
        )
        np.testing.assert_allclose(got_x0, x0[i], atol=2e-3)
        np.testing.assert_allclose(got_eps, noise[i], atol=2e-3)


def test_ddpm_at_1000_steps_matches_the_data():
    x = run(DDPMScheduler(), 1000)
    # Standard errors with 20,000 samples: 0.0035 (mean), 0.0025 (std).
    assert abs(x.mean() - MU) < 0.015, x.mean()
    assert abs(x.std() - S) < 0.012, x.std()
    large = run(DDPMScheduler(variance_type="fixed_large"), 1000, seed=1)
    assert abs(large.mean() - MU) < 0.015 and abs(large.std() - S) < 0.02


@pytest.mark.parametrize(
    "prediction_type", ["epsilon", "sample", "v_prediction"]
)
def test_ddim_and_dpm_solver_equal_their_numpy_reference(prediction_type):
    start = np.random.default_rng(0).normal(size=(20000,))
    ddim = DDIMScheduler(prediction_type=prediction_type)
    got = run(ddim, 50)
    expected = numpy_ddim(ddim, 50, start)
    np.testing.assert_allclose(got, expected, atol=2e-4)
    assert 0.46 < got.std() < 0.48, got.std()  # DDIM's own error at 50
    dpm = DPMSolverMultistepScheduler(prediction_type=prediction_type)
    got = run(dpm, 20)
    np.testing.assert_allclose(
        got, numpy_dpm_solver_2m(dpm, 20, start), atol=2e-4
    )
    assert 0.47 < got.std() < 0.49, got.std()
    assert abs(got.mean() - MU) < 0.01


def test_euler_equals_its_numpy_reference_and_heun_is_second_order():
    start = np.random.default_rng(0).normal(size=(20000,))
    euler = EulerScheduler()
    got = run(euler, 20)
    expected = numpy_euler(euler, euler.timesteps(20), start)
    np.testing.assert_allclose(got, expected, atol=2e-4)
    # DDIM is Euler at the same timesteps (Karras et al. section 4).
    plain = EulerScheduler(use_karras_sigmas=False, timestep_spacing="leading")
    np.testing.assert_allclose(
        run(plain, 20), run(DDIMScheduler(), 20), atol=2e-4
    )
    # Heun is second order: doubling the levels divides its error by
    # about 4 (Euler's by about 2); at 50 levels (99 network evaluations)
    # it beats Euler at as many evaluations (measured: errors 0.0129 and
    # 0.0013 at 25 and 50 levels, Euler 0.032 and 0.017 at 49 and 99).
    heun = [abs(run(HeunScheduler(), n).std() - S) for n in (25, 50)]
    plain = [abs(run(euler, 2 * n - 1).std() - S) for n in (25, 50)]
    assert heun[0] / heun[1] > 3.0, heun
    assert plain[0] / plain[1] < 2.5, plain
    assert heun[1] < plain[1] / 4, (heun, plain)


def test_dpm_solver_at_20_steps_is_closer_than_ddim():
    ddim = run(DDIMScheduler(), 20).std()
    dpm = run(DPMSolverMultistepScheduler(), 20).std()
    assert abs(dpm - S) < abs(ddim - S), (dpm, ddim)


def test_ddim_eta_zero_is_deterministic_and_eta_one_is_ddpm():
    scheduler = DDIMScheduler()
    a = run(scheduler, 10, num_samples=64, seed=0)
    x = np.random.default_rng(0).normal(size=(64,)).astype("float32")
    outputs = []
    for seed in (1, 2):
        out = scheduler.step(
            oracle_eps(x, scheduler.alphas_cumprod[900]), 900, 800, x, seed=seed
        )
        outputs.append(np.asarray(out))
    np.testing.assert_array_equal(*outputs)
    assert np.isfinite(a).all()
    # eta = 1 is DDPM's posterior step (Song et al. section 4.1): with the
    # same noise the two give the same sample, at any previous timestep.
    eps = oracle_eps(x, scheduler.alphas_cumprod[900]).astype("float32")
    ddim = scheduler.step(eps, 900, 800, x, seed=3, eta=1.0)
    ddpm = DDPMScheduler().step(eps, 900, 800, x, seed=3)
    np.testing.assert_allclose(ddim, ddpm, atol=1e-5)
    stochastic = scheduler.step(eps, 900, 800, x, seed=4, eta=1.0)
    assert not np.allclose(ddim, stochastic)
    with pytest.raises(ValueError, match="eta"):
        scheduler.step(eps, 900, 800, x, eta=-0.1)


def test_learned_range_interpolates_the_log_variance():
    scheduler = DDPMScheduler(variance_type="learned_range")
    x = np.zeros((20000, 1), "float32")
    eps = np.zeros((20000, 1), "float32")
    ab = scheduler.alphas_cumprod
    beta = 1 - ab[500] / ab[499]
    small = (1 - ab[499]) / (1 - ab[500]) * beta
    for v, variance in (
        (1.0, beta),
        (-1.0, small),
        (0.0, np.sqrt(beta * small)),
    ):
        output = np.concatenate([eps, np.full_like(eps, v)], axis=-1)
        out = np.asarray(scheduler.step(output, 500, 499, x, seed=0))
        assert out.shape == (20000, 1)
        assert out.std() == pytest.approx(np.sqrt(variance), rel=0.03)
    with pytest.raises(ValueError, match="learned_range"):
        schedulers.get_scheduler("ddim", like=scheduler)


@pytest.mark.parametrize("cls", ALL)
def test_compiled_loop_equals_eager(cls):
    scheduler = cls()
    x = np.random.default_rng(0).normal(size=(8, 2)).astype("float32")
    timesteps = scheduler.timesteps(10)
    previous = scheduler.previous_timesteps(timesteps)

    def denoiser(sample, t):  # a fixed dummy network (diffusers' pattern)
        t = ops.cast(t, "float32")
        return sample * t / (t + 1.0)

    def loop(sample):
        state = scheduler.initial_state(sample)
        for t, s in zip(timesteps, previous):
            out = scheduler.step(
                denoiser(sample, t),
                t,
                s,
                sample,
                seed=0,
                state=state,
                return_dict=True,
            )
            sample, state = out["prev_sample"], out["state"]
        return sample

    def body(i, carry):
        sample, state = carry
        t = ops.take(ops.convert_to_tensor(timesteps), i)
        s = ops.take(ops.convert_to_tensor(previous), i)
        out = scheduler.step(
            denoiser(sample, t),
            t,
            s,
            sample,
            seed=0,
            state=state,
            return_dict=True,
        )
        return out["prev_sample"], out["state"]

    @tf.function(jit_compile=False)
    def compiled(sample):
        return ops.fori_loop(
            0, len(timesteps), body, (sample, scheduler.initial_state(sample))
        )[0]

    eager = np.asarray(loop(ops.convert_to_tensor(x)))
    np.testing.assert_allclose(
        np.asarray(compiled(x)), eager, rtol=1e-5, atol=1e-5
    )
    assert np.isfinite(eager).all() and not np.allclose(eager, x)


@pytest.mark.parametrize("cls", ALL)
def test_config_round_trip_and_registry(cls):
    scheduler = cls(
        beta_schedule="squaredcos_cap_v2", prediction_type="v_prediction"
    )
    restored = keras.saving.deserialize_keras_object(
        keras.saving.serialize_keras_object(scheduler)
    )
    assert (
        type(restored) is cls
        and restored.get_config() == scheduler.get_config()
    )
    np.testing.assert_array_equal(
        restored.alphas_cumprod, scheduler.alphas_cumprod
    )
    for name in schedulers.list_schedulers():
        if schedulers.SCHEDULERS[name].process != "vp":
            continue
        other = schedulers.get_scheduler(name, like=scheduler)
        np.testing.assert_array_equal(
            other.alphas_cumprod, scheduler.alphas_cumprod
        )
        assert other.prediction_type == "v_prediction"
        assert other.timestep_spacing == type(other).default_timestep_spacing


def test_bad_arguments():
    with pytest.raises(ValueError, match=r"'ddpm'.*received 'euler_x'"):
        schedulers.get_scheduler("euler_x")
    for kwargs, name in (
        ({"prediction_type": "noise"}, "prediction_type"),
        ({"timestep_spacing": "uniform"}, "timestep_spacing"),
        ({"num_train_timesteps": 0}, "num_train_timesteps"),
        ({"beta_end": 1.5}, "beta_end"),
        ({"steps_offset": -1}, "steps_offset"),
        ({"clip_sample": "yes"}, "clip_sample"),
    ):
        with pytest.raises(ValueError, match=name):
            DDIMScheduler(**kwargs)
    with pytest.raises(ValueError, match="variance_type"):
        DDPMScheduler(variance_type="learned")
    with pytest.raises(ValueError, match="eta"):
        DDIMScheduler(eta=-1.0)


def test_ve_process_and_annealed_langevin_oracle():
    scheduler = schedulers.AnnealedLangevinScheduler(steps_per_level=20)
    sigmas = scheduler.sigmas
    assert sigmas[0] == pytest.approx(0.01) and sigmas[-1] == pytest.approx(50)
    np.testing.assert_allclose(sigmas[1:] / sigmas[:-1], sigmas[1] / sigmas[0])
    x0 = np.ones((2, 3), "float32")
    noise = np.full((2, 3), 2.0, "float32")
    noisy = scheduler.add_noise(x0, noise, np.array([0, 999]))
    np.testing.assert_allclose(noisy[:, 0], [1.02, 101.0], rtol=1e-5)
    timesteps = scheduler.timesteps(50)
    assert len(timesteps) == 1000 and timesteps[0] == 999 and timesteps[-1] == 0
    x = run(scheduler, 50)
    assert abs(x.mean() - MU) < 0.02, x.mean()
    assert abs(x.std() - S) < 0.03, x.std()
    # Without the final Tweedie step the last noise level stays.
    raw = run(
        schedulers.AnnealedLangevinScheduler(steps_per_level=20, denoise=False),
        50,
    )
    assert raw.std() > x.std()


@pytest.mark.parametrize("name", ["score_sde_ve", "score_sde_vp"])
def test_predictor_corrector_oracle(name):
    scheduler = schedulers.get_scheduler(name)
    timesteps = scheduler.timesteps(500)
    previous = scheduler.previous_timesteps(timesteps)
    assert len(timesteps) == 1000
    np.testing.assert_array_equal(previous[0::2], timesteps[0::2])  # correctors
    np.testing.assert_array_equal(previous[1::2][:-1], timesteps[2::2])
    assert previous[-1] == -1
    x = run(scheduler, 500)
    assert abs(x.mean() - MU) < 0.02, x.mean()
    assert abs(x.std() - S) < 0.02, x.std()


def test_processes_do_not_mix():
    with pytest.raises(ValueError, match="VP process.*cannot sample"):
        schedulers.get_scheduler("score_sde_ve", like=DDIMScheduler())
    with pytest.raises(ValueError, match="VE process.*cannot sample"):
        schedulers.get_scheduler("ddim", like=schedulers.ScoreSdeVeScheduler())
    ve = schedulers.ScoreSdeVeScheduler(sigma_max=20.0, num_train_timesteps=100)
    langevin = schedulers.get_scheduler("annealed_langevin", like=ve)
    np.testing.assert_array_equal(langevin.sigmas, ve.sigmas)
    restored = keras.saving.deserialize_keras_object(
        keras.saving.serialize_keras_object(langevin)
    )
    assert restored.get_config() == langevin.get_config()
    with pytest.raises(ValueError, match="sigma_max"):
        schedulers.VEScheduler(sigma_min=1.0, sigma_max=0.5)
    with pytest.raises(ValueError, match="prediction_type"):
        schedulers.VEScheduler(prediction_type="v_prediction")
    with pytest.raises(ValueError, match="snr"):
        schedulers.ScoreSdeVpScheduler(snr=0.0)
