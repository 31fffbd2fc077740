"""The base of every quantizer: latents to codebook ids and codes."""

import keras
from keras import layers
from keras import ops

from kerasgen.quantizers import _quantizer_utils as utils
from kerasgen.utils import config_utils


@keras.saving.register_keras_serializable(package="kerasgen")
class Quantizer(layers.Layer):
    """Continuous latents to discrete codes, with the shared output contract.

    `call(latents, training=False)` checks the latents' last dimension, runs
    the subclass's `_quantize`, logs the perplexity and usage of the batch's
    codes (`perplexity_tracker`, `usage_tracker`, metrics named
    `<layer name>_perplexity` and `<layer name>_usage`) and returns

    - `"quantized"`: the codes, `(batch, ..., codebook_dim)` in the layer's
      compute dtype, with straight-through gradients;
    - `"indices"`: int32 codebook ids `(batch, ...)` (plus `index_shape`);
    - `"loss"`: float32 `(batch,)`, the auxiliary loss per example;
    - `"perplexity"`: `exp` of the entropy of the batch's average code
      assignment, between 1 and `codebook_size`;
    - `"usage"`: the fraction of codes used in the batch.

    `indices_to_codes(indices)` checks concrete ids (never wrapped or
    clipped) and returns the codes, equal to `"quantized"` of an inference
    call that produced them.

    A subclass calls `super().__init__(codebook_size, codebook_dim,
    **kwargs)`, creates its variables in `build` (after `super().build`),
    and implements only:

    - `_quantize(latents, training)` -> dict with `"quantized"`,
      `"indices"`, `"loss"` and either `"code_fraction"` (the fraction of
      the batch's vectors per code, `(codebook_size,)`) or `"perplexity"`
      and `"usage"`;
    - `_indices_to_codes(indices)` on checked int32 ids.

    Args:
        codebook_size: int >= 1. Number of codes (`indices` lie in
            `[0, codebook_size)`).
        codebook_dim: int >= 1. Size of a code vector.
        **kwargs: `keras.layers.Layer` arguments (`name`, `dtype`).

    Example:
    >>> from kerasgen.quantizers import VectorQuantizer
    >>> quantizer = VectorQuantizer(codebook_size=4, codebook_dim=2, seed=0)
    >>> isinstance(quantizer, Quantizer)
    True
    >>> outputs = quantizer(keras.ops.zeros((3, 5, 2)))
    >>> sorted(outputs)
    ['indices', 'loss', 'perplexity', 'quantized', 'usage']
    >>> tuple(outputs["loss"].shape), float(outputs["perplexity"])
    ((3,), 1.0)
    """

    # The name and size of the latents' last axis, for the error messages.
    input_dim_name = "codebook_dim"

    def __init__(self, codebook_size, codebook_dim, **kwargs):
        super().__init__(**kwargs)
        self.codebook_size = codebook_size
        self.codebook_dim = codebook_dim
        self.perplexity_tracker = keras.metrics.Mean(
            name=f"{self.name}_perplexity"
        )
        self.usage_tracker = keras.metrics.Mean(name=f"{self.name}_usage")

    @property
    def input_dim(self):
        """Size of the last axis of the latents this quantizer takes."""
        return getattr(self, self.input_dim_name)

    @property
    def index_shape(self):
        """Trailing axes of `"indices"` beyond the latents' positions."""
        return ()

    def _describe_index_shape(self):
        return ", ".join(map(str, self.index_shape))

    def _check_latents(self, latents):
        utils.check_last_dim(latents, self.input_dim, self.input_dim_name)

    def build(self, input_shape):
        self._check_latents(keras.KerasTensor(input_shape))
        self.built = True

    def _add_code_fraction(self):
        """Adds `batch_code_fraction` (see `_code_fraction`)."""
        utils.add_batch_code_fraction(self, self.codebook_size)

    def _code_fraction(self, flat_indices, training):
        """The batch's fraction of ids per code; replica mean in training."""
        return utils.batch_code_fraction(self, flat_indices, training)

    def _quantize(self, latents, training):
        raise NotImplementedError(
            f"{type(self).__name__} must implement _quantize"
        )

    def _indices_to_codes(self, indices):
        raise NotImplementedError(
            f"{type(self).__name__} must implement _indices_to_codes"
        )

    def call(self, latents, training=False):
        self._check_latents(latents)
        outputs = self._quantize(latents, training)
        if "code_fraction" in outputs:
            perplexity, usage = utils.code_statistics(outputs["code_fraction"])
        else:
            perplexity, usage = outputs["perplexity"], outputs["usage"]
        utils.update_code_statistics(self, perplexity, usage)
        return {
            "quantized": ops.cast(outputs["quantized"], self.compute_dtype),
            "indices": outputs["indices"],
            "loss": outputs["loss"],
            "perplexity": perplexity,
            "usage": usage,
        }

    def indices_to_codes(self, indices):
        """Codes of codebook ids: the inverse of the lookup.

        Args:
            indices: int `(batch, ..., *index_shape)` in
                `[0, codebook_size)`. Concrete values outside the range
                raise a `ValueError`.

        Returns:
            Float `(batch, ..., codebook_dim)`, equal to `"quantized"` of an
            inference call that produced these ids.
        """
        shape = tuple(indices.shape)
        if self.index_shape and (
            len(shape) <= len(self.index_shape)
            or shape[-len(self.index_shape) :] != self.index_shape
        ):
            raise ValueError(
                f"indices must have shape (batch, ..., "
                f"{self._describe_index_shape()}); received shape {shape}"
            )
        utils.check_indices(indices, self.codebook_size)
        codes = self._indices_to_codes(ops.cast(indices, "int32"))
        return ops.cast(codes, self.compute_dtype)

    def get_config(self):
        # Every constructor argument is an attribute of the same name.
        config = super().get_config()
        config.update(config_utils.constructor_config(self))
        return config

    def compute_output_spec(self, latents, training=False):
        self._check_latents(latents)
        positions = tuple(latents.shape)[:-1]
        return {
            "quantized": keras.KerasTensor(
                positions + (self.codebook_dim,), dtype=self.compute_dtype
            ),
            "indices": keras.KerasTensor(
                positions + self.index_shape, dtype="int32"
            ),
            "loss": keras.KerasTensor(positions[:1], dtype="float32"),
            "perplexity": keras.KerasTensor((), dtype="float32"),
            "usage": keras.KerasTensor((), dtype="float32"),
        }
