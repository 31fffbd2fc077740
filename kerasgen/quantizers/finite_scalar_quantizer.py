"""Finite scalar quantization (FSQ): a fixed grid, no codebook to learn."""

import math

import keras
import numpy as np
from keras import ops

from kerasgen.quantizers.quantizer import Quantizer
from kerasgen.utils import argument_validation as av


@keras.saving.register_keras_serializable(package="kerasgen")
class FiniteScalarQuantizer(Quantizer):
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
        levels = av.check_int_tuple("levels", levels, minimum=2)
        if math.prod(levels) > 2**31 - 1:
            raise ValueError(
                "levels must have prod(levels) < 2**31 (int32 ids); received "
                f"{levels} with prod {math.prod(levels)}"
            )
        super().__init__(math.prod(levels), len(levels), **kwargs)

        # === Config ===
        self.levels = levels
        self._levels = np.asarray(levels, "float32")
        self._basis = np.cumprod((1,) + levels[:-1]).astype("int32")

    def build(self, input_shape):
        super().build(input_shape)
        self._add_code_fraction()

    def _bound(self, latents):
        levels = self._levels
        half_l = (levels - 1.0) * (1.0 - 1e-3) / 2.0
        offset = np.where(levels % 2 == 1, 0.0, 0.5).astype("float32")
        shift = np.tan(offset / half_l).astype("float32")
        return ops.tanh(latents + shift) * half_l - offset

    def _quantize(self, latents, training):
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

        return {
            "quantized": quantized,
            "indices": indices,
            "loss": ops.zeros(ops.shape(latents)[:1], "float32"),
            "code_fraction": self._code_fraction(
                ops.reshape(indices, (-1,)), training
            ),
        }

    def _indices_to_codes(self, indices):
        digits = ops.mod(
            ops.floor_divide(indices[..., None], self._basis),
            self._levels.astype("int32"),
        )
        half_width = (self._levels // 2).astype("float32")
        return (ops.cast(digits, "float32") - half_width) / half_width
