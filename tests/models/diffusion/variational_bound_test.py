"""The DDPM variational bound against float64 NumPy references."""

import math

import numpy as np
import pytest
from keras import ops

from kerasgen import schedulers
from kerasgen.evaluation import evaluate
from kerasgen.models import DiffusionModel
from kerasgen.models.diffusion import variational_bound as vb

TINY_UNET = dict(filters=(8,), num_res_blocks=1, num_groups=4, dropout=0.0)
T = 50


def _model(variance_type="fixed_small", **kwargs):
    return DiffusionModel(
        image_shape=(4, 4, 1),
        scheduler=schedulers.DDPMScheduler(
            num_train_timesteps=T, variance_type=variance_type
        ),
        unet_kwargs=TINY_UNET,
        **kwargs,
    )


def _point_data(n=6):
    """n copies of one 8-bit 4x4 image with interior and edge levels."""
    levels = np.array([0, 1, 77, 128, 200, 254, 255, 3] * 2, "uint8")
    return np.broadcast_to(levels.reshape(1, 4, 4, 1), (n, 4, 4, 1)).copy()


def _offset_oracle(model, images, offset):
    """`model.denoise` replaced by the eps whose x_0 prediction is the data
    point plus `offset` (exact for every noise draw)."""
    target = images[:1].astype("float32") / 127.5 - 1.0 + offset
    alpha_bar = ops.convert_to_tensor(model.scheduler.alphas_cumprod, "float32")

    def denoise(x_t, timesteps, labels=None, training=False):
        t = ops.reshape(ops.cast(timesteps, "int32"), (-1, 1, 1, 1))
        ab = ops.take(alpha_bar, t)
        return (x_t - ops.sqrt(ab) * target) / ops.sqrt(1.0 - ab)

    model.denoise = denoise


def _reference(images, offset, variance_type):
    """float64 NumPy `(prior, middle, decoder)` of the offset oracle
    (deterministic: its error x0_pred - x0 does not depend on the noise)."""
    s = schedulers.DDPMScheduler(num_train_timesteps=T)
    beta = np.asarray(s.betas, "float64")
    ab = np.cumprod(1.0 - beta)
    ab_prev = np.append(1.0, ab[:-1])
    post = beta * (1 - ab_prev) / (1 - ab)
    post[0] = post[1]
    var_p = (
        post if variance_type == "fixed_small" else np.append(post[1], beta[1:])
    )
    x0 = images[0].astype("float64").ravel() / 127.5 - 1.0
    # The model's x_0 is clipped to [-1, 1]: no error at level 255.
    offset = np.clip(x0 + offset, -1, 1) - x0
    bits = 1.0 / math.log(2.0)
    # L_T
    m, v = math.sqrt(ab[-1]) * x0, 1.0 - ab[-1]
    prior = np.mean(0.5 * (-1 - math.log(v) + v + m**2)) * bits
    # sum of L_t: means differ by coef1 * offset
    coef1 = beta * np.sqrt(ab_prev) / (1 - ab)
    t = np.arange(1, T)
    kl = 0.5 * (
        -1
        + np.log(var_p[t] / post[t])[:, None]
        + (post[t] / var_p[t])[:, None]
        + (coef1[t, None] * offset) ** 2 / var_p[t, None]
    )
    middle = kl.mean(axis=1).sum() * bits
    # L_0: N(x0 + offset, var_p[0]) on the bin of x0
    sd = math.sqrt(var_p[0])

    def cdf(z):
        return 0.5 * (1 + math.erf(z / math.sqrt(2)))

    probs = []
    for x, d in zip(x0, offset):
        hi = 1.0 if x > 0.999 else cdf((1 / 255 - d) / sd)
        lo = 0.0 if x < -0.999 else cdf((-1 / 255 - d) / sd)
        probs.append(max(hi - lo, 1e-12))
    decoder = -np.mean(np.log(probs)) * bits
    return prior, middle, decoder


@pytest.mark.parametrize(
    "variance_type, offset",
    [("fixed_small", 0.0), ("fixed_small", 0.004), ("fixed_large", 0.002)],
)
def test_bound_of_an_oracle_matches_numpy(variance_type, offset):
    images = _point_data()
    model = _model(variance_type)
    _offset_oracle(model, images, offset)
    bound = model.variational_bound(images, num_strata=T - 1, batch_size=4)
    prior, middle, decoder = _reference(images, offset, variance_type)
    assert bound["num_images"] == 6
    np.testing.assert_allclose(bound["prior"], prior, rtol=1e-4, atol=1e-7)
    np.testing.assert_allclose(bound["middle"], middle, rtol=2e-3, atol=1e-5)
    np.testing.assert_allclose(bound["decoder"], decoder, rtol=2e-3)
    np.testing.assert_allclose(
        bound["bits_per_dim"], prior + middle + decoder, rtol=2e-3
    )
    # Identical images and a deterministic bound: no spread.
    assert bound["bits_per_dim_stderr"] < 1e-3


def test_strata_cover_every_middle_timestep_once():
    for total, count in [(1000, 50), (1000, 7), (50, 49), (50, 200), (2, 3)]:
        low, high = vb.strata(total, count)
        covered = np.concatenate([np.arange(a, b) for a, b in zip(low, high)])
        np.testing.assert_array_equal(covered, np.arange(1, total))
        assert (high > low).all()


def test_stratified_estimate_agrees_with_every_timestep():
    # An untrained network: terms that vary with t and with the noise. The
    # stratified estimate is unbiased: its mean matches the exhaustive one
    # within their standard errors.
    images = np.random.default_rng(0).integers(0, 256, (96, 4, 4, 1), "uint8")
    model = _model(seed=0)
    full = model.variational_bound(images, num_strata=T - 1, seed=1)
    few = model.variational_bound(images, num_strata=5, seed=2)
    spread = math.hypot(full["bits_per_dim_stderr"], few["bits_per_dim_stderr"])
    assert abs(full["bits_per_dim"] - few["bits_per_dim"]) < 4 * spread
    assert few["bits_per_dim_stderr"] > 0
    # The seed fixes the estimate.
    again = model.variational_bound(images, num_strata=5, seed=2)
    assert again["bits_per_dim"] == few["bits_per_dim"]


def test_bad_input_is_refused():
    model = _model()
    with pytest.raises(ValueError, match="8-bit"):
        model.variational_bound(np.full((2, 4, 4, 1), 0.1234, "float32"))
    with pytest.raises(ValueError, match="labels"):
        model.variational_bound(_point_data(2), labels=[0, 1])
    with pytest.raises(ValueError, match="num_strata"):
        model.variational_bound(_point_data(2), num_strata=0)
    conditional = _model(num_classes=3)
    with pytest.raises(ValueError, match="labels"):
        conditional.variational_bound(_point_data(2), labels=[0, 1, 2])


def test_evaluate_reports_the_bound():
    images = _point_data(8)
    model = _model()
    _offset_oracle(model, images, 0.0)
    result = evaluate(
        model,
        dataset=images,
        metrics=["bits_per_dim_bound"],
        num_samples=5,
        verbose=0,
    )
    prior, middle, decoder = _reference(images, 0.0, "fixed_small")
    # 50 strata over 49 middle timesteps: every one once.
    np.testing.assert_allclose(
        result["bits_per_dim_bound"], prior + middle + decoder, rtol=2e-3
    )
    assert result["bits_per_dim_bound_stderr"] < 1e-3


@pytest.mark.skipif(
    __import__("keras").backend.backend() not in ("tensorflow", "jax"),
    reason="compiled only on the TensorFlow and JAX backends",
)
def test_denoiser_pass_is_compiled_once_per_batch_shape():
    # Eagerly the Python denoiser would run once per stratum, per batch and
    # per call (2 x 2 x 4 times); compiled it runs only while tracing.
    images = _point_data(8)
    model = _model()
    _offset_oracle(model, images, 0.0)
    oracle, calls = model.denoise, []

    def counting(*args, **kwargs):
        calls.append(1)
        return oracle(*args, **kwargs)

    model.denoise = counting
    first = model.variational_bound(images, num_strata=3, batch_size=4)
    second = model.variational_bound(images, num_strata=3, batch_size=4)
    assert len(calls) == 1
    assert first == second
