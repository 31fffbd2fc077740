"""Private helpers shared by the quantizers: checks, statistics, metrics."""

import numbers

import keras
import numpy as np
from keras import ops

from kerasgen.utils import argument_validation as av
from kerasgen.utils.argument_validation import check_bool  # noqa: F401


def check_vq_arguments(
    codebook_size,
    codebook_dim,
    commitment_weight,
    use_ema,
    decay,
    epsilon,
    kmeans_init,
    kmeans_iters,
    dead_code_threshold,
):
    """Checks the arguments a `VectorQuantizer` shares with residual VQ.

    Returns:
        `(codebook_size, codebook_dim, kmeans_iters)` as Python ints.
    """
    codebook_size = av.check_positive_int("codebook_size", codebook_size)
    codebook_dim = av.check_positive_int("codebook_dim", codebook_dim)
    kmeans_iters = av.check_positive_int("kmeans_iters", kmeans_iters)
    av.check_float("commitment_weight", commitment_weight, minimum=0.0)
    av.check_float(
        "decay",
        decay,
        minimum=0.0,
        maximum=1.0,
        min_inclusive=False,
        max_inclusive=False,
    )
    av.check_float("epsilon", epsilon, minimum=0.0, min_inclusive=False)
    if (
        isinstance(dead_code_threshold, bool)
        or not isinstance(dead_code_threshold, numbers.Real)
        or not 0.0 <= dead_code_threshold < 1.0 / codebook_size
    ):
        raise ValueError(
            "dead_code_threshold must be a fraction of vectors in "
            f"[0, 1 / codebook_size) = [0, {1.0 / codebook_size:.4g}) "
            "(a code used at the average rate has usage "
            f"1 / codebook_size); received {dead_code_threshold!r}"
        )
    check_bool("use_ema", use_ema)
    check_bool("kmeans_init", kmeans_init)
    return codebook_size, codebook_dim, kmeans_iters


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


# Attribute (set in the layer's `__dict__`, outside Keras' tracking) holding
# the `(perplexity, usage)` of a training call whose trackers could not be
# updated inside `call()`.
_PENDING_STATISTICS = "_kerasgen_pending_code_statistics"


def update_code_statistics(layer, perplexity, usage):
    """Updates `layer.perplexity_tracker` and `layer.usage_tracker`.

    On JAX, `fit`/`evaluate` run the forward pass through `stateless_call`,
    whose scope maps the model's weights but not its metrics (whose values
    the trainer has moved out), so a metric cannot be updated inside
    `call()`. The statistics are then kept on the layer and applied by
    `flush_code_statistics(model)` from the model's `compute_loss`, whose
    scope maps every metric. Elsewhere the trackers are updated at once.
    """
    if _metrics_unavailable(layer.perplexity_tracker):
        layer.__dict__[_PENDING_STATISTICS] = (perplexity, usage)
        return
    # Values a traced call without compute_loss (predict) left behind.
    layer.__dict__.pop(_PENDING_STATISTICS, None)
    layer.perplexity_tracker.update_state(perplexity)
    layer.usage_tracker.update_state(usage)


def flush_code_statistics(model):
    """Applies statistics that `update_code_statistics` kept (JAX only)."""
    for layer in model._flatten_layers(include_self=False):
        pending = layer.__dict__.pop(_PENDING_STATISTICS, None)
        if pending is not None:
            layer.perplexity_tracker.update_state(pending[0])
            layer.usage_tracker.update_state(pending[1])


def _metrics_unavailable(metric):
    if keras.backend.backend() != "jax":
        return False
    from keras.src.backend.common.stateless_scope import get_stateless_scope

    scope = get_stateless_scope()
    if scope is None:
        return False
    return any(
        scope.get_current_value(variable) is None
        for variable in metric.variables
    )
