"""The DDPM variational bound in bits/dim (improved-diffusion's calc_bpd_loop).

For 8-bit images `x_0` in `[-1, 1]` (Ho et al. 2020, eq. 5):

    -log p(x_0) <= L_T + sum_{t=1}^{T-1} L_t + L_0
    L_T = KL(q(x_T | x_0) || N(0, I))                 (the prior term)
    L_t = KL(q(x_{t-1} | x_t, x_0) || p(x_{t-1} | x_t)),  x_t ~ q(x_t | x_0)
    L_0 = -log p(x_0 | x_1), a Gaussian discretized to the 256 bins

(0-based timesteps here, as in the code: `L_t` pairs `alphas_cumprod[t]`
with `alphas_cumprod[t - 1]`). `L_T` is computed in closed form and `L_0`
with one draw of `x_1`. The `T - 1` middle terms are estimated by stratified
Monte Carlo: `{1, ..., T - 1}` is cut into `num_strata` equal runs, one
timestep is drawn uniformly in each run for each image, and its term is
multiplied by the run's length: an unbiased estimate of their sum with far
less variance than `T - 1` uniform draws would have for the same cost.
`num_strata >= T - 1` takes every timestep once (improved-diffusion's loop).

The model's mean is that of its `x_0` prediction clipped to `[-1, 1]`, its
variance the scheduler's `variance_type` with improved-diffusion's clipping
(the zero posterior variance at `t = 0` replaced by the one at `t = 1`).
"""

import math

import numpy as np
from keras import ops


def _schedule(scheduler):
    """float64 coefficients `(coef1, coef2, log_var_q, log_var_p)` per t."""
    betas = np.asarray(scheduler.betas, "float64")
    alpha_bar = np.asarray(scheduler.alphas_cumprod, "float64")
    alpha_bar_prev = np.append(1.0, alpha_bar[:-1])
    posterior_variance = betas * (1.0 - alpha_bar_prev) / (1.0 - alpha_bar)
    clipped = np.append(posterior_variance[1], posterior_variance[1:])
    coef1 = betas * np.sqrt(alpha_bar_prev) / (1.0 - alpha_bar)
    coef2 = (1.0 - alpha_bar_prev) * np.sqrt(1.0 - betas) / (1.0 - alpha_bar)
    variance_type = getattr(scheduler, "variance_type", "fixed_small")
    if variance_type == "fixed_small":
        model_variance = clipped
    elif variance_type == "fixed_large":
        model_variance = np.append(posterior_variance[1], betas[1:])
    else:
        raise ValueError(
            "the variational bound needs variance_type 'fixed_small' or "
            f"'fixed_large'; received {variance_type!r}"
        )
    return coef1, coef2, np.log(clipped), np.log(model_variance)


def _normal_kl(mean1, logvar1, mean2, logvar2):
    return 0.5 * (
        -1.0
        + logvar2
        - logvar1
        + ops.exp(logvar1 - logvar2)
        + ops.square(mean1 - mean2) * ops.exp(-logvar2)
    )


def _normal_cdf(x):
    return 0.5 * (1.0 + ops.erf(x / math.sqrt(2.0)))


def discretized_gaussian_log_likelihood(x, means, log_scales):
    """log p of 8-bit `x` in `[-1, 1]` under a Gaussian over 256 bins.

    The bins have width `2 / 255` around each level; the first and last
    extend to -inf and +inf (improved-diffusion's
    `discretized_gaussian_log_likelihood`, with the exact normal CDF).
    """
    centered = x - means
    inv_stdv = ops.exp(-log_scales)
    cdf_plus = _normal_cdf(inv_stdv * (centered + 1.0 / 255.0))
    cdf_min = _normal_cdf(inv_stdv * (centered - 1.0 / 255.0))
    log_cdf_plus = ops.log(ops.maximum(cdf_plus, 1e-12))
    log_one_minus_cdf_min = ops.log(ops.maximum(1.0 - cdf_min, 1e-12))
    log_delta = ops.log(ops.maximum(cdf_plus - cdf_min, 1e-12))
    return ops.where(
        x < -0.999,
        log_cdf_plus,
        ops.where(x > 0.999, log_one_minus_cdf_min, log_delta),
    )


def strata(num_train_timesteps, num_strata):
    """`(low, high)` int arrays: the runs that cut `{1, ..., T - 1}`."""
    middle = num_train_timesteps - 1
    count = min(num_strata, middle)
    edges = np.round(np.linspace(1, num_train_timesteps, count + 1)).astype(
        "int64"
    )
    return edges[:-1], edges[1:]


def variational_bound_terms(model, images, labels, num_strata, rng):
    """Per-image terms in bits/dim for one batch: a dict of numpy arrays.

    Args:
        model: a `DiffusionModel` (its `compiled_denoise()` and
            `scheduler`).
        images: float32 `(batch, h, w, c)` in `[-1, 1]`, 8-bit levels.
        labels: int labels `(batch,)` or `None`.
        num_strata: int >= 1. Runs of the middle timesteps.
        rng: `np.random.Generator` for the timesteps and the noise.

    Returns:
        dict with `prior`, `decoder`, `middle` and `total`, each `(batch,)`.
    """
    scheduler = model.scheduler
    denoise = model.compiled_denoise()
    total_steps = scheduler.num_train_timesteps
    coef1, coef2, log_var_q, log_var_p = _schedule(scheduler)
    alpha_bar = np.asarray(scheduler.alphas_cumprod, "float64")
    x0 = ops.convert_to_tensor(images, "float32")
    batch = int(x0.shape[0])
    to_bits = 1.0 / math.log(2.0)

    def mean_bits(values):
        return (
            ops.convert_to_numpy(
                ops.mean(values, axis=tuple(range(1, len(values.shape))))
            ).astype("float64")
            * to_bits
        )

    def per_image(values):
        return ops.reshape(
            ops.convert_to_tensor(values.astype("float32")), (batch, 1, 1, 1)
        )

    def posterior_and_model(t):
        """x_t ~ q(x_t | x_0), then the means and log variances of q, p."""
        timesteps = ops.convert_to_tensor(t, "int32")
        noise = rng.standard_normal(tuple(x0.shape)).astype("float32")
        x_t = scheduler.add_noise(x0, noise, timesteps)
        output = denoise(x_t, timesteps, labels)
        x0_pred, _ = scheduler.convert_model_output(
            output, timesteps[:, None, None, None], x_t
        )
        x0_pred = ops.clip(x0_pred, -1.0, 1.0)
        mean_q = per_image(coef1[t]) * x0 + per_image(coef2[t]) * x_t
        mean_p = per_image(coef1[t]) * x0_pred + per_image(coef2[t]) * x_t
        return mean_q, mean_p, per_image(log_var_q[t]), per_image(log_var_p[t])

    # L_T: q(x_T | x_0) = N(sqrt(ab_T) x_0, 1 - ab_T) against N(0, 1).
    prior = mean_bits(
        _normal_kl(
            float(np.sqrt(alpha_bar[-1])) * x0,
            float(np.log(1.0 - alpha_bar[-1])),
            0.0,
            0.0,
        )
    )
    # L_0: the decoder p(x_0 | x_1) on the 256 bins.
    zeros = np.zeros(batch, "int64")
    _, mean_p, _, log_var = posterior_and_model(zeros)
    decoder = -mean_bits(
        discretized_gaussian_log_likelihood(x0, mean_p, 0.5 * log_var)
    )
    # sum_{t=1}^{T-1} L_t, one draw per run.
    middle = np.zeros(batch, "float64")
    if total_steps > 1:
        low, high = strata(total_steps, num_strata)
        for lo, hi in zip(low, high):
            t = rng.integers(lo, hi, size=batch)
            mean_q, mean_p, lv_q, lv_p = posterior_and_model(t)
            middle += (hi - lo) * mean_bits(
                _normal_kl(mean_q, lv_q, mean_p, lv_p)
            )
    return {
        "prior": prior,
        "decoder": decoder,
        "middle": middle,
        "total": prior + decoder + middle,
    }
