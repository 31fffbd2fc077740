import keras
import numpy as np
import tensorflow as tf

from kerasgen.utils import distribution_utils


def _strategy():
    devices = [d.name for d in tf.config.list_logical_devices("CPU")[:2]]
    return tf.distribute.MirroredStrategy(devices)


def test_single_device_is_identity():
    assert distribution_utils.replica_info() == (1, 0)
    loss = keras.ops.convert_to_tensor(3.0)
    assert float(distribution_utils.scale_loss_for_distribution(loss)) == 3.0


def test_replicas_get_disjoint_slices_of_the_global_draw():
    strategy = _strategy()
    with strategy.scope():
        generator = keras.random.SeedGenerator(7)
    result = strategy.run(
        tf.function(
            lambda: distribution_utils.replica_normal((3, 2), generator)
        )
    )
    parts = [r.numpy() for r in strategy.experimental_local_results(result)]
    expected = keras.random.normal((6, 2), seed=keras.random.SeedGenerator(7))
    np.testing.assert_allclose(
        np.concatenate(parts), keras.ops.convert_to_numpy(expected), rtol=1e-6
    )
    assert not np.allclose(parts[0], parts[1])


def test_loss_is_scaled_by_replicas():
    strategy = _strategy()
    result = strategy.run(
        tf.function(
            lambda: distribution_utils.scale_loss_for_distribution(
                tf.constant(4.0)
            )
        )
    )
    values = [r.numpy() for r in strategy.experimental_local_results(result)]
    np.testing.assert_allclose(values, [2.0, 2.0])
