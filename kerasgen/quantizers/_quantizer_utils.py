"""Private helpers shared by the quantizers: checks, statistics, metrics."""

import keras
import numpy as np
from keras import ops


def check_positive_int(name, value, minimum=1):
    """Raises a `ValueError` unless `value` is an int `>= minimum`."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise ValueError(
            f"{name} must be an int >= {minimum}; received {value!r} of type "
            f"{type(value).__name__}"
        )
    if value < minimum:
        raise ValueError(
            f"{name} must be an int >= {minimum}; received {value}"
        )
    return int(value)


def check_last_dim(latents, expected, what="codebook_dim", name="latents"):
    """Checks rank >= 2 and the static last dimension of `latents`."""
    shape = tuple(latents.shape)
    if len(shape) < 2:
        raise ValueError(
            f"{name} must have shape (batch, ..., {what}); received shape "
            f"{shape}"
        )
    if shape[-1] is not None and shape[-1] != expected:
        raise ValueError(
            f"{name} must have last dimension {what}={expected}; received "
            f"shape {shape}"
        )


def concrete_numpy(value):
    """`value` as a NumPy array when it is concrete, else `None`.

    Symbolic values (a `keras.KerasTensor`, a tensor inside a traced
    `tf.function`) return `None`: their values are only known at run time.
    """
    if isinstance(value, keras.KerasTensor):
        return None
    if isinstance(value, (np.ndarray, np.generic, list, tuple, int)):
        return np.asarray(value)
    try:
        return np.asarray(ops.convert_to_numpy(value))
    except Exception:  # a symbolic tensor of the backend
        return None


def check_indices(indices, codebook_size, name="indices"):
    """Checks integer ids inside `[0, codebook_size)` when they are concrete.

    Keras' `take` wraps negative ids around and clips large ones silently;
    this refuses them (ARCHITECTURE.md section 3, rule 10).
    """
    values = concrete_numpy(indices)
    if values is None:
        return
    if values.dtype.kind not in "iu":
        raise ValueError(
            f"{name} must be integer codebook ids; received dtype "
            f"{values.dtype}"
        )
    if values.size and (values.min() < 0 or values.max() >= codebook_size):
        raise ValueError(
            f"{name} must be in [0, codebook_size={codebook_size}); received "
            f"min={values.min()}, max={values.max()}"
        )


def code_statistics(code_fraction):
    """`(perplexity, usage)` of the average code assignment of a batch.

    Args:
        code_fraction: float `(codebook_size,)`, the fraction of the batch's
            vectors assigned to each code (sums to 1).

    Returns:
        perplexity: `exp(entropy)`, between 1 (one code) and
            `codebook_size` (uniform use).
        usage: the fraction of codes used at least once.
    """
    code_fraction = ops.cast(code_fraction, "float32")
    entropy = -ops.sum(code_fraction * ops.log(code_fraction + 1e-10))
    perplexity = ops.exp(entropy)
    usage = ops.mean(ops.cast(ops.greater(code_fraction, 0.0), "float32"))
    return perplexity, usage


def add_batch_code_fraction(layer, codebook_size):
    """Adds `layer.batch_code_fraction`, the last training batch's usage.

    A non-trainable `(codebook_size,)` variable with `aggregation="mean"`:
    assigned each replica's fraction of vectors per code in a training
    call, it holds (on equal shards) the global batch's fraction, from which
    the logged perplexity and usage are computed, so that they are the same
    under a `MirroredStrategy` as on one device.
    """
    layer.batch_code_fraction = layer.add_weight(
        name="batch_code_fraction",
        shape=(codebook_size,),
        initializer="zeros",
        trainable=False,
        aggregation="mean",
        autocast=False,
    )


def batch_code_fraction(layer, flat_indices, training):
    """Fraction of the batch's ids per code; replica mean in training."""
    counts = ops.segment_sum(
        ops.ones_like(flat_indices, dtype="float32"),
        flat_indices,
        num_segments=layer.codebook_size,
    )
    fraction = counts / ops.cast(ops.shape(flat_indices)[0], "float32")
    if training:
        layer.batch_code_fraction.assign(fraction)
        fraction = ops.convert_to_tensor(layer.batch_code_fraction)
    return fraction


def per_example_mean(values):
    """Mean over every axis but the first: `(batch, ...) -> (batch,)`."""
    if len(values.shape) == 1:
        return values
    return ops.mean(values, axis=tuple(range(1, len(values.shape))))
