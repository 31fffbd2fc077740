"""Likelihoods of 8-bit (or binarized) images given per-pixel parameters."""

import math

import keras
from keras import ops

_NUM_PARAMS = {"categorical": 256, "discretized_logistic": 2, "bernoulli": 1}


@keras.saving.register_keras_serializable(package="kerasgen")
class PixelLikelihood:
    """A factorized likelihood over the pixels of an image.

    Images are float in `[-1, 1]` holding 8-bit values (`k / 127.5 - 1` for
    `k` in `0..255`), so each likelihood is a *discrete* probability and its
    negative log is a code length: a model whose loss is this NLL (plus a KL
    term for a VAE) bounds the data's negative log-likelihood in bits/dim.

    - `"categorical"`: a 256-way softmax per sub-pixel (van den Oord et al.
      2016, PixelRNN). 256 parameters per channel.
    - `"discretized_logistic"`: a logistic of mean `mu` and scale `s`
      integrated over each value's bin of width `2 / 255`, the edge bins
      taking the tails (Salimans et al. 2017, PixelCNN++; Kingma et al.
      2016). 2 parameters per channel.
    - `"bernoulli"`: for *binarized* data only: a pixel is on when its value
      is > 0. 1 parameter (a logit) per channel. Its NLL is not a bound on
      8-bit data.

    Args:
        kind: str. One of `"categorical"`, `"discretized_logistic"`,
            `"bernoulli"`. Defaults to `"categorical"`.

    Example:
    >>> likelihood = PixelLikelihood("categorical")
    >>> params = keras.ops.zeros((2, 4, 4, likelihood.params_per_channel))
    >>> images = keras.ops.zeros((2, 4, 4, 1))
    >>> nll = likelihood.negative_log_likelihood(params, images)  # (2,)

    References:
        van den Oord et al. 2016, "Pixel Recurrent Neural Networks".
        Salimans et al. 2017, "PixelCNN++".
    """

    def __init__(self, kind="categorical"):
        if kind not in _NUM_PARAMS:
            raise ValueError(
                f"likelihood must be one of {sorted(_NUM_PARAMS)}; "
                f"received {kind!r}"
            )
        self.kind = kind

    @property
    def params_per_channel(self):
        """Number of decoder outputs per image channel."""
        return _NUM_PARAMS[self.kind]

    def get_config(self):
        return {"kind": self.kind}

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def _split(self, params, channels):
        # (B, H, W, C * P) -> (B, H, W, C, P), in float32 for stable maths.
        params = ops.cast(params, "float32")
        shape = ops.shape(params)
        return ops.reshape(
            params,
            (shape[0], shape[1], shape[2], channels, self.params_per_channel),
        )

    def negative_log_likelihood(self, params, images):
        """Per-example NLL in nats.

        Args:
            params: tensor `(batch, height, width, channels * P)`.
            images: float tensor `(batch, height, width, channels)` in
                `[-1, 1]` holding 8-bit values.

        Returns:
            float32 tensor `(batch,)`.
        """
        images = ops.cast(images, "float32")
        channels = images.shape[-1]
        params = self._split(params, channels)
        if self.kind == "categorical":
            targets = ops.cast(ops.round((images + 1.0) * 127.5), "int32")
            log_prob = -ops.sparse_categorical_crossentropy(
                targets, params, from_logits=True
            )
        elif self.kind == "discretized_logistic":
            log_prob = discretized_logistic_log_prob(
                params[..., 0], params[..., 1], images
            )
        else:
            targets = ops.cast(images > 0.0, "float32")
            log_prob = -ops.binary_crossentropy(
                targets, params[..., 0], from_logits=True
            )
        return -ops.sum(log_prob, axis=(1, 2, 3))

    def mean(self, params, channels):
        """Expected image in `[-1, 1]`, `(batch, height, width, channels)`."""
        params = self._split(params, channels)
        if self.kind == "categorical":
            levels = ops.arange(256, dtype="float32") / 127.5 - 1.0
            return ops.sum(ops.softmax(params, axis=-1) * levels, axis=-1)
        if self.kind == "discretized_logistic":
            return ops.clip(params[..., 0], -1.0, 1.0)
        return ops.sigmoid(params[..., 0]) * 2.0 - 1.0

    def sample(self, params, channels, seed):
        """An image drawn from the likelihood, 8-bit values in `[-1, 1]`."""
        params = self._split(params, channels)
        if self.kind == "categorical":
            shape = ops.shape(params)
            flat_logits = ops.reshape(params, (-1, 256))
            values = keras.random.categorical(flat_logits, 1, seed=seed)
            values = ops.reshape(ops.cast(values, "float32"), shape[:-1])
            return values / 127.5 - 1.0
        if self.kind == "discretized_logistic":
            mu, log_scale = params[..., 0], clip_log_scale(params[..., 1])
            uniform = keras.random.uniform(
                ops.shape(mu), minval=1e-5, maxval=1.0 - 1e-5, seed=seed
            )
            logistic = ops.log(uniform) - ops.log(1.0 - uniform)
            values = ops.clip(mu + ops.exp(log_scale) * logistic, -1.0, 1.0)
            return ops.round((values + 1.0) * 127.5) / 127.5 - 1.0
        probs = ops.sigmoid(params[..., 0])
        uniform = keras.random.uniform(ops.shape(probs), seed=seed)
        return ops.cast(uniform < probs, "float32") * 2.0 - 1.0


def clip_log_scale(log_scale):
    return ops.maximum(log_scale, -7.0)


def discretized_logistic_log_prob(mu, log_scale, images):
    # PixelCNN++ (Salimans et al. 2017), eq. 2 with one mixture component:
    # P(x) = sigmoid((x + 1/255 - mu) / s) - sigmoid((x - 1/255 - mu) / s),
    # with the bins of 0 and 255 extended to -inf and +inf.
    log_scale = clip_log_scale(log_scale)
    centered = images - mu
    inv_scale = ops.exp(-log_scale)
    plus_in = inv_scale * (centered + 1.0 / 255.0)
    min_in = inv_scale * (centered - 1.0 / 255.0)
    cdf_delta = ops.sigmoid(plus_in) - ops.sigmoid(min_in)
    log_cdf_plus = plus_in - ops.softplus(plus_in)  # log sigmoid(plus_in)
    log_one_minus_cdf_min = -ops.softplus(min_in)  # log(1 - sigmoid(min_in))
    mid_in = inv_scale * centered
    # Density at the bin centre times the bin width, for tiny bins where the
    # difference of sigmoids underflows.
    log_pdf_mid = mid_in - log_scale - 2.0 * ops.softplus(mid_in)
    log_bin = ops.where(
        cdf_delta > 1e-5,
        ops.log(ops.maximum(cdf_delta, 1e-12)),
        log_pdf_mid - math.log(127.5),
    )
    return ops.where(
        images < -0.999,
        log_cdf_plus,
        ops.where(images > 0.999, log_one_minus_cdf_min, log_bin),
    )
