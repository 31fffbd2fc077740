"""The discretized logistic mixture of PixelCNN++ (Salimans et al. 2017)."""

import keras
import numpy as np
from keras import ops
from scipy import stats

from kerasgen.losses.discretized_logistic_mixture import (
    DiscretizedLogisticMixture,
)
from kerasgen.testing import TestCase

LEVELS = np.arange(256) / 127.5 - 1.0


def _sigmoid(x):
    return 0.5 * (1.0 + np.tanh(0.5 * x))


def _split(params, channels, k):
    """The layout of `DiscretizedLogisticMixture`, in float64 NumPy."""
    params = np.asarray(params, "float64")
    shape = params.shape[:-1]
    logits = params[..., :k]
    rest = params[..., k:]
    means = rest[..., : channels * k].reshape(shape + (channels, k))
    log_scales = rest[..., channels * k : 2 * channels * k]
    log_scales = np.maximum(log_scales.reshape(shape + (channels, k)), -7.0)
    coeffs = None
    if channels == 3:
        coeffs = np.tanh(rest[..., 2 * channels * k :].reshape(shape + (3, k)))
    return logits, means, log_scales, coeffs


def _bin_probability(x, mean, log_scale):
    """Equation 2: the logistic's mass on the bin of `x`, edges to +-inf."""
    scale = np.exp(log_scale)
    upper = np.where(x > 0.999, 1.0, _sigmoid((x + 1 / 255 - mean) / scale))
    lower = np.where(x < -0.999, 0.0, _sigmoid((x - 1 / 255 - mean) / scale))
    return upper - lower


def reference_prob(params, images, k):
    """`p(x)` of the paper's formula (eqs. 2 and 3), float64 NumPy."""
    images = np.asarray(images, "float64")
    channels = images.shape[-1]
    logits, means, log_scales, coeffs = _split(params, channels, k)
    weights = np.exp(logits - logits.max(-1, keepdims=True))
    weights /= weights.sum(-1, keepdims=True)
    x = images[..., None]  # (..., C, 1)
    if channels == 3:
        # mu_g + alpha r, mu_b + beta r + gamma g (section 2.2).
        means = np.stack(
            [
                means[..., 0, :],
                means[..., 1, :] + coeffs[..., 0, :] * x[..., 0, :],
                means[..., 2, :]
                + coeffs[..., 1, :] * x[..., 0, :]
                + coeffs[..., 2, :] * x[..., 1, :],
            ],
            axis=-2,
        )
    per_channel = _bin_probability(x, means, log_scales)
    return np.sum(weights * np.prod(per_channel, axis=-2), axis=-1)


def _random_params(rng, n, channels, k, log_scale=(-4.0, -1.0)):
    logits = rng.normal(size=(n, k))
    means = rng.uniform(-1.1, 1.1, (n, channels * k))
    log_scales = rng.uniform(*log_scale, (n, channels * k))
    parts = [logits, means, log_scales]
    if channels == 3:
        parts.append(rng.normal(size=(n, 3 * k)))
    return np.concatenate(parts, axis=-1).astype("float32")


def _log_prob(likelihood, params, images):
    return ops.convert_to_numpy(
        likelihood.log_prob(
            ops.convert_to_tensor(params), ops.convert_to_tensor(images)
        )
    ).astype("float64")


def _chi_square_p_value(counts, probabilities):
    """Pearson's test, cells with an expected count < 5 pooled."""
    counts = np.asarray(counts, "float64")
    expected = np.asarray(probabilities, "float64") * counts.sum()
    small = expected < 5
    observed = np.append(counts[~small], counts[small].sum())
    expected = np.append(expected[~small], expected[small].sum())
    statistic = np.sum((observed - expected) ** 2 / np.maximum(expected, 1e-9))
    return stats.chi2.sf(statistic, len(observed) - 1)


class DiscretizedLogisticMixtureTest(TestCase):
    def test_num_params(self):
        likelihood = DiscretizedLogisticMixture(num_mixtures=4)
        self.assertEqual(likelihood.num_params(1), 12)
        self.assertEqual(likelihood.num_params(3), 40)
        with self.assertRaisesRegex(ValueError, "1 or 3 channels"):
            likelihood.num_params(2)
        with self.assertRaisesRegex(ValueError, "num_mixtures"):
            DiscretizedLogisticMixture(num_mixtures=0)

    def test_grayscale_sums_to_one_over_all_values(self):
        rng = np.random.default_rng(0)
        likelihood = DiscretizedLogisticMixture(num_mixtures=3)
        # Wide, narrow (log-scale clipped at -7) and off-range components.
        params = _random_params(rng, 6, 1, 3, log_scale=(-9.0, 0.5))
        params[0, 3:6] = (-1.5, 1.5, 0.0)
        grid = np.broadcast_to(LEVELS[None, :, None], (6, 256, 1))
        log_p = _log_prob(
            likelihood, np.repeat(params[:, None], 256, axis=1), grid
        )
        np.testing.assert_allclose(np.exp(log_p).sum(axis=1), 1.0, atol=1e-4)

    def test_rgb_sums_to_one_by_factorization(self):
        # p(r, g, b) = sum_k pi_k p_k(r) p_k(g | r) p_k(b | r, g): summing
        # out b then g leaves the red marginal sum_k pi_k p_k(r), which
        # sums to one over r. The exhaustive sum over (g, b) runs for a few
        # values of r, the red marginal is checked over all 256.
        rng = np.random.default_rng(1)
        k = 2
        likelihood = DiscretizedLogisticMixture(num_mixtures=k)
        params = _random_params(rng, 1, 3, k, log_scale=(-3.0, -1.0))[0]
        green, blue = np.meshgrid(LEVELS, LEVELS, indexing="ij")
        logits, means, log_scales, _ = _split(params, 3, k)
        weights = np.exp(logits) / np.exp(logits).sum()
        red_marginal = np.sum(
            weights
            * _bin_probability(LEVELS[:, None], means[0], log_scales[0]),
            axis=-1,
        )
        self.assertAlmostEqual(red_marginal.sum(), 1.0, places=6)
        for level in (0, 97, 128, 255):
            images = np.stack(
                [np.full_like(green, LEVELS[level]), green, blue], axis=-1
            ).astype("float32")
            tiled = np.broadcast_to(params, green.shape + params.shape)
            total = np.exp(_log_prob(likelihood, tiled, images)).sum()
            np.testing.assert_allclose(total, red_marginal[level], rtol=1e-4)

    def test_matches_the_papers_formula(self):
        rng = np.random.default_rng(2)
        for channels in (1, 3):
            k = 3
            likelihood = DiscretizedLogisticMixture(num_mixtures=k)
            params = _random_params(rng, 400, channels, k)
            # Points where the mixture has mass (drawn from it), and the
            # edge bins, which take the tails.
            images, _ = likelihood.sample_pixel(
                ops.convert_to_tensor(params),
                channels,
                keras.random.SeedGenerator(channels),
                1.0,
            )
            images = ops.convert_to_numpy(images)
            images[:20, 0] = -1.0
            images[20:40, -1] = 1.0
            expected = reference_prob(params, images, k)
            log_p = _log_prob(likelihood, params, images)
            # Float32 differences of sigmoids near 0 or 1 lose digits where
            # the probability is tiny: compare where it is not.
            usable = expected > 1e-6
            self.assertGreater(usable.mean(), 0.5)
            np.testing.assert_allclose(
                log_p[usable], np.log(expected[usable]), rtol=1e-3, atol=1e-3
            )

    def test_grayscale_sampling_frequencies_match_the_pmf(self):
        likelihood = DiscretizedLogisticMixture(num_mixtures=3)
        params = np.array(
            [0.0, 0.5, -0.5, -0.95, 0.1, 0.97, -4.0, -3.5, -4.5], "float32"
        )
        n = 20000
        values, log_probs = likelihood.sample_pixel(
            ops.convert_to_tensor(np.tile(params, (n, 1))),
            1,
            keras.random.SeedGenerator(0),
            1.0,
        )
        levels = np.round((ops.convert_to_numpy(values)[:, 0] + 1) * 127.5)
        counts = np.bincount(levels.astype(int), minlength=256)
        pmf = reference_prob(params[None], LEVELS[:, None], 3)
        self.assertAlmostEqual(pmf.sum(), 1.0, places=6)
        self.assertGreater(_chi_square_p_value(counts, pmf), 1e-3)
        # The returned log-probabilities are those of the drawn values
        # (below 1e-5 the likelihood takes the density at the bin centre).
        drawn = pmf[levels.astype(int)]
        np.testing.assert_allclose(
            ops.convert_to_numpy(log_probs)[drawn > 1e-5],
            np.log(drawn[drawn > 1e-5]),
            rtol=1e-4,
            atol=1e-4,
        )

    def test_rgb_sampling_frequencies_match_the_pmf(self):
        # Narrow components: the joint pmf sits on a few hundred triples,
        # green and blue linearly dependent on the red (and green) value.
        k = 2
        likelihood = DiscretizedLogisticMixture(num_mixtures=k)
        params = np.concatenate(
            [
                [0.3, -0.2],  # logits
                [-0.4, 0.5, 0.1, -0.3, 0.2, 0.0],  # means (R, G, B) x k
                np.full(6, -4.5),  # log-scales
                [1.0, -0.8, 0.5, 0.3, 0.7, -1.2],  # alpha, beta, gamma x k
            ]
        ).astype("float32")
        n = 20000
        values, _ = likelihood.sample_pixel(
            ops.convert_to_tensor(np.tile(params, (n, 1))),
            3,
            keras.random.SeedGenerator(1),
            1.0,
        )
        levels = np.round((ops.convert_to_numpy(values) + 1) * 127.5)
        levels = levels.astype(int)
        # Every triple of a box around the draws is a cell (the mass
        # outside it is pooled with the cells of small expected counts).
        low, high = levels.min(0) - 3, levels.max(0) + 4
        box = np.stack(
            np.meshgrid(*map(np.arange, low, high), indexing="ij"), -1
        ).reshape(-1, 3)
        box = box[np.all((box >= 0) & (box <= 255), axis=-1)]
        pmf = reference_prob(
            np.broadcast_to(params, (len(box), len(params))), LEVELS[box], k
        )
        self.assertGreater(pmf.sum(), 0.999)
        size = high - low
        cell = lambda t: np.ravel_multi_index((t - low).T, size)  # noqa: E731
        counts = np.bincount(cell(levels), minlength=np.prod(size))[cell(box)]
        self.assertEqual(counts.sum(), n)
        counts = np.append(counts, 0)
        pmf = np.append(pmf, max(1.0 - pmf.sum(), 0.0))
        self.assertGreater(_chi_square_p_value(counts, pmf), 1e-3)

    def test_temperature(self):
        likelihood = DiscretizedLogisticMixture(num_mixtures=2)
        # Component 0 (mean 0.2) is the likelier one.
        params = np.array([1.0, 0.0, 0.2, -0.6, -3.0, -3.0], "float32")
        n = 4000
        tiled = ops.convert_to_tensor(np.tile(params, (n, 1)))

        def draw(temperature, seed=0):
            values, log_probs = likelihood.sample_pixel(
                tiled, 1, keras.random.SeedGenerator(seed), temperature
            )
            return (
                ops.convert_to_numpy(values)[:, 0],
                ops.convert_to_numpy(log_probs),
            )

        spreads = []
        for temperature in (0.25, 1.0, 2.0):
            values, log_probs = draw(temperature)
            spreads.append(np.std(values))
            # Log-probabilities are the model's (temperature 1).
            expected = _log_prob(
                likelihood, tiled[:, None], values[:, None, None]
            )[:, 0]
            np.testing.assert_allclose(log_probs, expected, rtol=1e-5)
        self.assertLess(spreads[0], spreads[1])
        self.assertLess(spreads[1], spreads[2])
        # Nearly zero temperature: the likelier component's mean, always.
        values, _ = draw(1e-3)
        np.testing.assert_allclose(
            values, np.round(1.2 * 127.5) / 127.5 - 1, atol=1e-6
        )
        # An int seed still gives independent draws for every channel.
        rgb = DiscretizedLogisticMixture(num_mixtures=1)
        flat = np.array([0, 0, 0, 0, -2, -2, -2, 0, 0, 0], "float32")
        values, _ = rgb.sample_pixel(
            ops.convert_to_tensor(np.tile(flat, (500, 1))), 3, 7, 1.0
        )
        values = ops.convert_to_numpy(values)
        self.assertLess(abs(np.corrcoef(values[:, 0], values[:, 1])[0, 1]), 0.2)
