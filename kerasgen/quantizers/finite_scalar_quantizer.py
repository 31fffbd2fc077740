"""Finite scalar quantization (FSQ): a fixed grid, no codebook to learn."""

import math

import keras
import numpy as np
from keras import layers
from keras import ops

from kerasgen.quantizers import _quantizer_utils as utils


@keras.saving.register_keras_serializable(package="kerasgen")
class FiniteScalarQuantizer(layers.Layer):
    """Rounds each latent channel to a few values (Mentzer et al. 2023).

    Channel `i` is bounded to `levels[i]` integer values by
    `tanh(z + shift) * half_l - offset` with `half_l = (L - 1)(1 - 1e-3) / 2`,
    `offset = 0.5` for an even `L` (0 for odd) and
    `shift = tan(offset / half_l)`, so that an even number of levels
    `{-L/2, ..., L/2 - 1}` is reached and `z = 0` maps to about 0 (the
    paper's reference code, appendix A.1; `tan` is close to the exact
    `arctanh` for the small arguments of `L > 2`, and unlike it finite for
    `L = 2`). It is rounded with a straight-through gradient and
    divided by `L // 2`, which puts the codes in `[-1, 1]`. The implicit
    codebook is the grid: `codebook_size = prod(levels)`,
    `codebook_dim = len(levels)`; the index is the mixed-radix number of
    the per-channel levels (channel 0 least significant). There is no
    codebook and no auxiliary loss: `"loss"` is zeros. The only variable is
    `batch_code_fraction`, the last training batch's fraction of vectors per
    code (for the logged metrics; mean-aggregated, so that under a
    `MirroredStrategy` they are those of the global batch).

    Args:
        levels: tuple of int >= 2. Number of values per channel; the paper
            recommends `(8, 5, 5, 5)` for 1000 codes, `(8, 8, 8, 5, 5, 5)`
            for 64000. Defaults to `(8, 5, 5, 5)`.

    Call arguments:
        latents: float `(batch, ..., len(levels))`.
        training: bool. Only stores the batch's code fraction (for the
            logged metrics). Defaults to `False`.

    Returns:
        A dict with `"quantized"` (the shape of `latents`, in `[-1, 1]`,
        straight-through gradients), `"indices"` (int32 `(batch, ...)`),
        `"loss"` (zeros `(batch,)`), `"perplexity"` and `"usage"` of the
        batch's codes (also logged by `perplexity_tracker` and
        `usage_tracker`, named `<layer name>_perplexity` and
        `<layer name>_usage`; in an inference call under a
        `MirroredStrategy`, statistics of each replica's batch).

    Example:
    >>> quantizer = FiniteScalarQuantizer(levels=(8, 5, 5, 5))
    >>> quantizer.codebook_size, quantizer.codebook_dim
    (1000, 4)
    >>> outputs = quantizer(keras.random.normal((2, 3, 3, 4), seed=0))
    >>> tuple(outputs["indices"].shape)
    (2, 3, 3)

    References:
        Mentzer et al. 2023, "Finite Scalar Quantization: VQ-VAE Made
        Simple".
    """

    def __init__(self, levels=(8, 5, 5, 5), **kwargs):
        if isinstance(levels, (int, str)) or not hasattr(levels, "__iter__"):
            raise ValueError(
                f"levels must be a tuple of ints >= 2; received {levels!r}"
            )
        levels = tuple(levels)
        if not levels:
            raise ValueError("levels must hold at least one int >= 2")
        for level in levels:
            utils.check_positive_int("levels", level, minimum=2)
        levels = tuple(int(level) for level in levels)
        if math.prod(levels) > 2**31 - 1:
            raise ValueError(
                "levels must have prod(levels) < 2**31 (int32 ids); received "
                f"{levels} with prod {math.prod(levels)}"
            )
        super().__init__(**kwargs)
        self.perplexity_tracker = keras.metrics.Mean(
            name=f"{self.name}_perplexity"
        )
        self.usage_tracker = keras.metrics.Mean(name=f"{self.name}_usage")

        # === Config ===
        self.levels = levels
        self.codebook_size = math.prod(levels)
        self.codebook_dim = len(levels)
        self._levels = np.asarray(levels, "float32")
        self._basis = np.cumprod((1,) + levels[:-1]).astype("int32")

    def build(self, input_shape):
        utils.check_last_dim(keras.KerasTensor(input_shape), self.codebook_dim)
        utils.add_batch_code_fraction(self, self.codebook_size)
        self.built = True

    def _bound(self, latents):
        levels = self._levels
        half_l = (levels - 1.0) * (1.0 - 1e-3) / 2.0
        offset = np.where(levels % 2 == 1, 0.0, 0.5).astype("float32")
        shift = np.tan(offset / half_l).astype("float32")
        return ops.tanh(latents + shift) * half_l - offset

    def call(self, latents, training=False):
        utils.check_last_dim(latents, self.codebook_dim)
        latents = ops.cast(latents, "float32")
        bounded = self._bound(latents)
        # Round with a straight-through gradient.
        rounded = bounded + ops.stop_gradient(ops.round(bounded) - bounded)
        half_width = (self._levels // 2).astype("float32")
        quantized = rounded / half_width
        # Levels 0..L-1 per channel, then mixed radix.
        digits = ops.cast(
            ops.round(ops.stop_gradient(rounded) + half_width), "int32"
        )
        indices = ops.sum(digits * self._basis, axis=-1)

        fraction = utils.batch_code_fraction(
            self, ops.reshape(indices, (-1,)), training
        )
        perplexity, usage = utils.code_statistics(fraction)
        self.perplexity_tracker.update_state(perplexity)
        self.usage_tracker.update_state(usage)
        return {
            "quantized": ops.cast(quantized, self.compute_dtype),
            "indices": indices,
            "loss": ops.zeros(ops.shape(latents)[:1], "float32"),
            "perplexity": perplexity,
            "usage": usage,
        }

    def indices_to_codes(self, indices):
        """Grid points of ids: the inverse of the mixed-radix index.

        Args:
            indices: int `(batch, ...)` in `[0, codebook_size)`. Concrete
                values outside the range raise a `ValueError`.

        Returns:
            Float `(batch, ..., len(levels))` in `[-1, 1]`, equal to
            `"quantized"` of the call that produced these ids.
        """
        utils.check_indices(indices, self.codebook_size)
        indices = ops.cast(indices, "int32")[..., None]
        digits = ops.mod(
            ops.floor_divide(indices, self._basis), self._levels.astype("int32")
        )
        half_width = (self._levels // 2).astype("float32")
        codes = (ops.cast(digits, "float32") - half_width) / half_width
        return ops.cast(codes, self.compute_dtype)

    def compute_output_spec(self, latents, training=False):
        utils.check_last_dim(latents, self.codebook_dim)
        shape = tuple(latents.shape)
        return {
            "quantized": keras.KerasTensor(shape, dtype=self.compute_dtype),
            "indices": keras.KerasTensor(shape[:-1], dtype="int32"),
            "loss": keras.KerasTensor(shape[:1], dtype="float32"),
            "perplexity": keras.KerasTensor((), dtype="float32"),
            "usage": keras.KerasTensor((), dtype="float32"),
        }

    def get_config(self):
        config = super().get_config()
        config.update({"levels": self.levels})
        return config
