"""A 256-way softmax per sub-pixel (PixelRNN, PixelCNN)."""

import keras
from keras import ops

from kerasgen.losses.autoregressive_likelihood import AutoregressiveLikelihood
from kerasgen.losses.autoregressive_likelihood import levels_to_values
from kerasgen.losses.autoregressive_likelihood import register_likelihood
from kerasgen.losses.autoregressive_likelihood import values_to_levels

NUM_LEVELS = 256


@register_likelihood
class CategoricalLikelihood(AutoregressiveLikelihood):
    """A 256-way softmax over the values of each sub-pixel.

    The likelihood of PixelRNN, PixelCNN and the Image Transformer (van den
    Oord et al. 2016a, section 5.3: "a discrete distribution ... 256-way
    softmax"): no assumption on the shape of the distribution. The
    parameters of a pixel are `channels * 256` logits, channel `c` in
    `[c * 256, (c + 1) * 256)`; the network predicts channel `c` having
    seen channels `< c` of the same pixel (`sequential_channels`).

    Example:
    >>> likelihood = CategoricalLikelihood()
    >>> params = keras.ops.zeros((1, 2, 2, likelihood.num_params(1)))
    >>> log_p = likelihood.log_prob(params, keras.ops.zeros((1, 2, 2, 1)))
    >>> round(float(log_p[0, 0, 0]), 4)  # log(1 / 256)
    -5.5452
    """

    name = "categorical"
    sequential_channels = True

    def num_params(self, channels):
        return channels * NUM_LEVELS

    def _logits(self, params, channels):
        params = ops.cast(params, "float32")
        shape = ops.shape(params)
        return ops.reshape(params, tuple(shape[:-1]) + (channels, NUM_LEVELS))

    def log_prob(self, params, images):
        channels = images.shape[-1]
        logits = self._logits(params, channels)
        log_probs = -ops.sparse_categorical_crossentropy(
            values_to_levels(images), logits, from_logits=True
        )
        return ops.sum(log_probs, axis=-1)

    def sample_channel(self, params, channel, seed, temperature):
        params = ops.cast(params, "float32")
        start = channel * NUM_LEVELS
        logits = params[:, start : start + NUM_LEVELS]
        levels = keras.random.categorical(
            logits / temperature, 1, seed=seed, dtype="int32"
        )[:, 0]
        log_probs = ops.take_along_axis(
            ops.log_softmax(logits, axis=-1), levels[:, None], axis=-1
        )[:, 0]
        return levels_to_values(levels), log_probs
