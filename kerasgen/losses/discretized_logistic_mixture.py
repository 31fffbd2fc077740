"""The discretized logistic mixture likelihood of PixelCNN++."""

import keras
from keras import ops

from kerasgen.losses.autoregressive_likelihood import AutoregressiveLikelihood
from kerasgen.losses.autoregressive_likelihood import register_likelihood
from kerasgen.losses.pixel_likelihood import clip_log_scale
from kerasgen.losses.pixel_likelihood import discretized_logistic_log_prob
from kerasgen.utils import argument_validation as av


@register_likelihood
class DiscretizedLogisticMixture(AutoregressiveLikelihood):
    """A mixture of discretized logistics per pixel (Salimans et al. 2017).

    PixelCNN++ section 2.1: each pixel is a mixture of `num_mixtures`
    logistics integrated over the bins of the 8-bit values (the edge bins
    taking the tails). For RGB (section 2.2) the channels of one mixture
    component depend linearly on the earlier channels of the same pixel:

        mu_g = mu_g' + alpha * x_r,   mu_b = mu_b' + beta * x_r + gamma * x_g,

    so one network pass per pixel gives the joint distribution of its three
    channels (`sequential_channels = False`). Parameters per pixel: grayscale
    `3 K` (logits, means, log-scales); RGB `10 K` (logits, then 3 means, 3
    log-scales and 3 coefficients per component), with `K = num_mixtures`.

    Sampling draws a component, then each channel as a clipped logistic
    sample rounded to its 8-bit level (openai's
    `sample_from_discretized_mix_logistic`, uniforms in `[1e-5, 1 - 1e-5]`),
    the rounded R (and G) entering the next channel's mean: samples follow
    the probabilities `log_prob` gives (but for the tails beyond the
    uniform's bounds, about 1e-5 either side), where openai feeds the
    unrounded value to the next channel. The parameter layout differs from
    openai's (there `[means, log-scales, coeffs]` per channel), the maths
    does not. At `temperature` `T` the mixture logits are divided by `T`
    and the scales multiplied by `T`; the log-probabilities returned with
    the samples are those of the model (`T = 1`).

    Args:
        num_mixtures: int. Mixture components `K`. Defaults to 10 (the
            paper's value; 5 is enough for 28x28 grayscale).

    Example:
    >>> likelihood = DiscretizedLogisticMixture(num_mixtures=2)
    >>> likelihood.num_params(1), likelihood.num_params(3)
    (6, 20)
    """

    name = "logistic_mixture"
    sequential_channels = False

    def __init__(self, num_mixtures=10):
        self.num_mixtures = av.check_positive_int("num_mixtures", num_mixtures)

    def get_config(self):
        return {"num_mixtures": self.num_mixtures}

    def num_params(self, channels):
        if channels not in (1, 3):
            raise ValueError(
                f"DiscretizedLogisticMixture models 1 or 3 channels; "
                f"received {channels}"
            )
        return self.num_mixtures * (3 if channels == 1 else 10)

    def _split(self, params, channels):
        """Logits `(..., K)`; means, log-scales, coefficients `(..., C, K)`."""
        params = ops.cast(params, "float32")
        k = self.num_mixtures
        shape = tuple(ops.shape(params)[:-1])
        logits = params[..., :k]
        rest = params[..., k:]
        means = ops.reshape(rest[..., : channels * k], shape + (channels, k))
        log_scales = clip_log_scale(
            ops.reshape(
                rest[..., channels * k : 2 * channels * k],
                shape + (channels, k),
            )
        )
        coeffs = None
        if channels == 3:
            coeffs = ops.tanh(
                ops.reshape(rest[..., 2 * channels * k :], shape + (3, k))
            )
        return logits, means, log_scales, coeffs

    @staticmethod
    def _dependent_means(means, coeffs, images):
        """Means of the RGB channels given R and G of the pixel (eq. 3)."""
        red = images[..., 0:1]
        green = images[..., 1:2]
        return ops.stack(
            [
                means[..., 0, :],
                means[..., 1, :] + coeffs[..., 0, :] * red,
                means[..., 2, :]
                + coeffs[..., 1, :] * red
                + coeffs[..., 2, :] * green,
            ],
            axis=-2,
        )

    def log_prob(self, params, images):
        images = ops.cast(images, "float32")
        channels = images.shape[-1]
        logits, means, log_scales, coeffs = self._split(params, channels)
        if coeffs is not None:
            means = self._dependent_means(means, coeffs, images)
        # (..., C, K): every component's log-probability of each channel.
        per_channel = discretized_logistic_log_prob(
            means, log_scales, images[..., None]
        )
        component = ops.sum(per_channel, axis=-2) + ops.log_softmax(
            logits, axis=-1
        )
        return ops.logsumexp(component, axis=-1)

    def sample_pixel(self, params, channels, seed, temperature):
        if isinstance(seed, int):
            # An int seed would give every draw below the same noise.
            seed = keras.random.SeedGenerator(seed)
        logits, means, log_scales, coeffs = self._split(params, channels)
        component = keras.random.categorical(
            logits / temperature, 1, seed=seed, dtype="int32"
        )[:, 0]
        one_hot = ops.one_hot(component, self.num_mixtures)[:, None, :]
        scale = ops.exp(ops.sum(log_scales * one_hot, axis=-1)) * temperature
        base = ops.sum(means * one_hot, axis=-1)
        if coeffs is not None:
            coeff = ops.sum(coeffs * one_hot, axis=-1)
        values = []
        for channel in range(channels):
            mean = base[:, channel]
            if channel == 1:
                mean = mean + coeff[:, 0] * values[0]
            elif channel == 2:
                mean = mean + coeff[:, 1] * values[0] + coeff[:, 2] * values[1]
            uniform = keras.random.uniform(
                ops.shape(mean), minval=1e-5, maxval=1.0 - 1e-5, seed=seed
            )
            logistic = ops.log(uniform) - ops.log(1.0 - uniform)
            value = ops.clip(mean + scale[:, channel] * logistic, -1.0, 1.0)
            # Quantized before the next channel's mean: the model's
            # p(g | r) conditions on the 8-bit value of r.
            values.append(ops.round((value + 1.0) * 127.5) / 127.5 - 1.0)
        values = ops.stack(values, axis=-1)
        log_probs = self.log_prob(params[:, None, None], values[:, None, None])
        return values, log_probs[:, 0, 0]
