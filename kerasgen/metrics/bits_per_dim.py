"""Bits per dimension of a likelihood model, as a streaming metric."""

import math

import keras
from keras import ops

from kerasgen.utils import argument_validation as av


@keras.saving.register_keras_serializable(package="kerasgen")
class BitsPerDim(keras.metrics.Metric):
    """Mean negative log-likelihood in bits per dimension.

    Each example's NLL in nats is divided by `num_dims * ln 2` (the number
    of sub-pixels, e.g. `28 * 28 * 1`); the metric is the mean over all
    examples seen (each example counts once, or `sample_weight` times), so
    batches of different sizes are weighted by their size. Unlike the
    feature metrics its state is two Keras variables, so it also runs
    inside compiled functions.

    Args:
        num_dims: int or `None`. Dimensions per example; `None` requires it
            in every `update_state` call. Defaults to `None`.
        name: str. Metric name. Defaults to `"bits_per_dim"`.
        dtype: dtype of `result()`. Defaults to `None` (floatx).

    Call arguments of `update_state`:
        nll_nats: float tensor `(batch,)`, per-example NLL in nats.
        num_dims: int or `None`. Overrides the constructor's `num_dims`.
        sample_weight: `None` or `(batch,)` per-example weights.

    Returns of `result()`:
        scalar tensor, bits per dimension (0 before any update).

    Example:
    >>> metric = BitsPerDim(num_dims=4)
    >>> metric.update_state([4 * math.log(2.0), 8 * math.log(2.0)])
    >>> float(metric.result())  # (1 + 2) / 2
    1.5

    References:
        Theis et al. 2016, "A note on the evaluation of generative models".
        van den Oord et al. 2016, "Pixel Recurrent Neural Networks".
    """

    def __init__(self, num_dims=None, name="bits_per_dim", dtype=None):
        super().__init__(name=name, dtype=dtype)
        if num_dims is not None:
            num_dims = av.check_int("num_dims", num_dims, minimum=1)
        self.num_dims = num_dims
        self.total = self.add_variable(
            shape=(), initializer="zeros", dtype="float64", name="total"
        )
        self.count = self.add_variable(
            shape=(), initializer="zeros", dtype="float64", name="count"
        )

    def update_state(self, nll_nats, num_dims=None, sample_weight=None):
        """Adds a batch of per-example NLLs (see the class docstring)."""
        if num_dims is None:
            num_dims = self.num_dims
        if num_dims is None:
            raise ValueError(
                "num_dims must be given to BitsPerDim or to update_state; "
                "received None for both"
            )
        num_dims = av.check_int("num_dims", num_dims, minimum=1)
        nll_nats = ops.cast(ops.convert_to_tensor(nll_nats), "float64")
        if len(nll_nats.shape) != 1:
            raise ValueError(
                "nll_nats must have rank 1 (batch,), one NLL per example; "
                f"received shape {tuple(nll_nats.shape)}"
            )
        bits = nll_nats / (num_dims * math.log(2.0))
        if sample_weight is None:
            weights = ops.ones_like(bits)
        else:
            weights = ops.cast(ops.convert_to_tensor(sample_weight), "float64")
            if len(weights.shape) != 1:
                raise ValueError(
                    "sample_weight must have rank 1 (batch,); received shape "
                    f"{tuple(weights.shape)}"
                )
            weights = ops.broadcast_to(weights, ops.shape(bits))
        self.total.assign_add(ops.sum(bits * weights))
        self.count.assign_add(ops.sum(weights))

    def result(self):
        return ops.cast(ops.divide_no_nan(self.total, self.count), self.dtype)

    def get_config(self):
        config = super().get_config()
        config["num_dims"] = self.num_dims
        return config
