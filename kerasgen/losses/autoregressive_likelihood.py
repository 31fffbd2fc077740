"""The per-pixel distributions of autoregressive image models."""

import math

import keras
from keras import ops


class AutoregressiveLikelihood:
    """The distribution of one pixel given its parameters.

    An autoregressive network outputs `num_params(channels)` values per
    pixel; the likelihood turns them into log-probabilities of 8-bit images
    and draws pixels from them. Images are float in `[-1, 1]` holding 8-bit
    values (`k / 127.5 - 1`).

    `sequential_channels`: `True` when channel `c` of a pixel is predicted
    by a network pass that has seen channels `< c` of that pixel (per-channel
    masks, the 256-way softmax of PixelCNN); the sampler then runs the
    network once per channel and draws one channel at a time with
    `sample_channel`. `False` when the likelihood holds the dependence
    between channels itself (PixelCNN++'s mixture); the sampler runs the
    network once per pixel and draws all channels with `sample_pixel`.
    """

    name = None
    sequential_channels = True

    def num_params(self, channels):
        """Network outputs per pixel for an image of `channels` channels."""
        raise NotImplementedError

    def log_prob(self, params, images):
        """Log-probability of every pixel in nats.

        Args:
            params: `(batch, height, width, num_params(channels))`.
            images: float `(batch, height, width, channels)` in `[-1, 1]` on
                the 256-level grid.

        Returns:
            float32 `(batch, height, width)`: `log p(x_ij | x_<ij)`, its
            channels summed.
        """
        raise NotImplementedError

    def sample_channel(self, params, channel, seed, temperature):
        """Draws channel `channel` of a pixel (sequential likelihoods).

        Returns:
            `(values, log_probs)`: `(batch,)` values in `[-1, 1]` and their
            log-probabilities in nats under the model (temperature 1).
        """
        raise NotImplementedError

    def sample_pixel(self, params, channels, seed, temperature):
        """Draws every channel of a pixel (joint likelihoods).

        Returns:
            `(values, log_probs)`: `(batch, channels)` values in `[-1, 1]`
            and `(batch,)` log-probabilities under the model (temperature 1).
        """
        values = []
        log_probs = 0.0
        for channel in range(channels):
            value, log_prob = self.sample_channel(
                params, channel, seed, temperature
            )
            values.append(value)
            log_probs = log_probs + log_prob
        return ops.stack(values, axis=-1), log_probs

    def get_config(self):
        return {}


def levels_to_values(levels):
    """Integer levels `0..255` to floats in `[-1, 1]`."""
    return ops.cast(levels, "float32") / 127.5 - 1.0


def values_to_levels(values):
    """Floats in `[-1, 1]` on the 256-level grid to int32 levels."""
    return ops.cast(
        ops.round((ops.cast(values, "float32") + 1.0) * 127.5), "int32"
    )


def to_bits_per_dim(nats, num_dims):
    """Nats per image to bits per dimension."""
    return nats / (num_dims * math.log(2.0))


_LIKELIHOODS = {}


def register_likelihood(cls):
    """Class decorator: `get_likelihood(cls.name)` returns an instance."""
    _LIKELIHOODS[cls.name] = cls
    return keras.saving.register_keras_serializable(package="kerasgen")(cls)


def get_likelihood(name, **kwargs):
    """The likelihood registered under `name` (`ValueError` if unknown)."""
    if name not in _LIKELIHOODS:
        raise ValueError(
            f"likelihood must be one of {sorted(_LIKELIHOODS)}; received "
            f"{name!r}"
        )
    return _LIKELIHOODS[name](**kwargs)
