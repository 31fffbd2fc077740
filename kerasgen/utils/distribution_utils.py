"""Helpers that keep losses, logs and noise right under `tf.distribute`.

ARCHITECTURE.md section 3: a loss must be scaled by the number of replicas
(the stock `train_step` unscales it again for the logs), and a random draw
must differ between replicas. On backends other than TensorFlow these are the
identity / a plain draw.
"""

import keras
from keras import ops


def replica_info():
    """Returns `(num_replicas, replica_id)` of the current replica context.

    `(1, 0)` outside a TensorFlow replica context with several replicas.
    """
    if keras.backend.backend() == "tensorflow":
        import tensorflow as tf

        context = tf.distribute.get_replica_context()
        strategy = tf.distribute.get_strategy()
        if context is not None and strategy.num_replicas_in_sync > 1:
            return (
                strategy.num_replicas_in_sync,
                context.replica_id_in_sync_group,
            )
    return 1, 0


def scale_loss_for_distribution(loss):
    """Divides a per-replica mean loss by the number of replicas.

    The gradients of all replicas are summed, so each must contribute
    `1 / num_replicas` of its mean. Keras' stock `train_step` multiplies the
    logged value back (`unscale_loss_for_distribution`).
    """
    if keras.backend.backend() == "tensorflow":
        import tensorflow as tf

        num_replicas = tf.distribute.get_strategy().num_replicas_in_sync
        if num_replicas > 1:
            loss = ops.multiply(loss, ops.cast(1.0 / num_replicas, loss.dtype))
    return loss


def replica_normal(shape, seed, dtype="float32"):
    """Standard normal noise that differs between replicas.

    Every replica draws the noise of the *global* batch from the same seed
    and keeps its own slice of rows, so one distributed step sees exactly the
    noise of the same step on one device at the same global batch, and no two
    replicas share noise. The cost is `num_replicas` times the draw, which is
    small next to a forward pass for latent or image noise.

    Args:
        shape: tuple. Per-replica shape; the first axis is the batch.
        seed: a `keras.random.SeedGenerator` or int.
        dtype: str. Defaults to `"float32"`.

    Returns:
        A tensor of `shape`.
    """
    return _replica_draw(keras.random.normal, shape, seed, dtype)


def replica_uniform(shape, seed, dtype="float32"):
    """Uniform `[0, 1)` noise that differs between replicas.

    Drawn like `replica_normal`: the global batch from one seed, sliced.
    """
    return _replica_draw(keras.random.uniform, shape, seed, dtype)


def _replica_draw(draw, shape, seed, dtype):
    num_replicas, replica_id = replica_info()
    if num_replicas == 1:
        return draw(shape, seed=seed, dtype=dtype)
    shape = tuple(shape)
    batch = shape[0]
    noise = draw((batch * num_replicas,) + shape[1:], seed=seed, dtype=dtype)
    start = replica_id * batch
    return ops.slice(
        noise, (start,) + (0,) * (len(shape) - 1), (batch,) + shape[1:]
    )
