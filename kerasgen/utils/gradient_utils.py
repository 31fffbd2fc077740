"""Gradients with respect to inputs, on every backend that has them."""

import keras
from keras import ops


def input_gradient(function, x):
    """The gradient of `sum(function(x))` with respect to the tensor `x`.

    Works eagerly and inside the compiled generate functions (TensorFlow:
    `tf.GradientTape`; JAX: `jax.grad`; PyTorch: `torch.autograd.grad`),
    so a sampling loop can follow a classifier's gradient (classifier
    guidance). Per-sample gradients come out of a per-sample `function`
    (one value per row), as the sum separates.

    Args:
        function: callable of one float tensor, returning a tensor.
        x: float tensor.

    Returns:
        A tensor of `x`'s shape.

    Raises:
        NotImplementedError: on a backend without autodiff (NumPy).

    Example:
    >>> x = keras.ops.convert_to_tensor([1.0, -2.0])
    >>> [float(v) for v in input_gradient(lambda v: v**2, x)]
    [2.0, -4.0]
    """
    backend = keras.backend.backend()
    x = ops.convert_to_tensor(x)
    if backend == "tensorflow":
        import tensorflow as tf

        with tf.GradientTape() as tape:
            tape.watch(x)
            total = tf.reduce_sum(function(x))
        return tape.gradient(total, x)
    if backend == "jax":
        import jax

        return jax.grad(lambda v: ops.sum(function(v)))(x)
    if backend == "torch":
        import torch

        with torch.enable_grad():
            leaf = x.detach().requires_grad_(True)
            (gradient,) = torch.autograd.grad(ops.sum(function(leaf)), leaf)
        return gradient
    raise NotImplementedError(
        f"input gradients need an autodiff backend; the {backend!r} backend "
        "has none (use tensorflow, jax or torch)"
    )
