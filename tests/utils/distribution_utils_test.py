import keras
import numpy as np
import pytest
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


# --- distribution_scope and its dataset hook.


def _batches(dataset):
    return [
        keras.tree.map_structure(lambda t: t.numpy(), batch)
        for batch in dataset
    ]


def test_none_scope_changes_nothing():
    with distribution_utils.distribution_scope("none") as context:
        assert not tf.distribute.has_strategy()
        assert keras.distribution.distribution() is None
        data = tf.data.Dataset.range(10).batch(4)
        assert context.shard_dataset(data, 4) is data
    assert (context.num_processes, context.process_id) == (1, 0)
    assert context.is_chief


def test_mirrored_scope_enters_a_mirrored_strategy():
    with distribution_utils.distribution_scope("Mirrored") as context:
        strategy = tf.distribute.get_strategy()
        assert isinstance(strategy, tf.distribute.MirroredStrategy)
        assert context.strategy is strategy
        assert context.num_replicas == strategy.num_replicas_in_sync
        data = tf.data.Dataset.range(10).batch(2)
        assert context.shard_dataset(data, 2) is data
    assert not tf.distribute.has_strategy()


@pytest.mark.parametrize(
    "kind",
    ["multi_worker_mirrored", "multi-worker-mirrored", "MultiWorkerMirrored"],
)
def test_multi_worker_mirrored_names_the_issue_and_the_jax_command(kind):
    with pytest.raises(ValueError) as error:
        with distribution_utils.distribution_scope(kind):
            pass
    message = str(error.value)
    assert "keras-team/keras#20585" in message
    assert "KERAS_BACKEND=jax" in message
    assert "--distribute data_parallel" in message
    assert "--coordinator HOST:PORT" in message


def test_data_parallel_on_tensorflow_says_to_use_jax():
    with pytest.raises(ValueError, match="KERAS_BACKEND=jax.*mirrored"):
        with distribution_utils.distribution_scope("data_parallel"):
            pass
    assert keras.distribution.distribution() is None


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(kind="gpus"), "kind must be one of"),
        (dict(kind=3), "kind must be one of"),
        (dict(kind="mirrored", num_processes=2), "num_processes"),
        (dict(kind="none", coordinator="h:1"), "coordinator"),
    ],
)
def test_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        with distribution_utils.distribution_scope(**kwargs):
            pass


@pytest.mark.parametrize(
    "coordinator, num_processes, process_id, match",
    [
        ("127.0.0.1:1234", 0, None, "num_processes"),
        ("127.0.0.1:1234", 2, None, "process_id is required"),
        ("127.0.0.1:1234", 2, 2, r"process_id must be an int in \[0, 1\]"),
        (None, 2, 1, "coordinator"),
        ("127.0.0.1", 2, 1, "HOST:PORT"),
    ],
)
def test_data_parallel_process_arguments_are_checked(
    coordinator, num_processes, process_id, match
):
    with pytest.raises(ValueError, match=match):
        distribution_utils._check_processes(
            coordinator, num_processes, process_id
        )
    assert distribution_utils._check_processes(None, None, None) == (1, 0)
    assert distribution_utils._check_processes("h.example:80", 3, 2) == (3, 2)


def _process_contexts(num_processes):
    return [
        distribution_utils.DistributionContext(
            "data_parallel",
            num_processes=num_processes,
            process_id=i,
            num_replicas=num_processes,
        )
        for i in range(num_processes)
    ]


def test_processes_get_their_rows_of_each_global_batch():
    # 11 examples at a global batch of 4 on 2 processes: 2 full batches;
    # the last one (3 examples) cannot be split in equal halves: dropped.
    images = np.arange(11 * 2, dtype="float32").reshape(11, 2)
    labels = np.arange(11, dtype="int32")
    data = tf.data.Dataset.from_tensor_slices((images, labels)).batch(4)
    shards = [
        _batches(context.shard_dataset(data, 4))
        for context in _process_contexts(2)
    ]
    assert [len(s) for s in shards] == [2, 2]
    for step in range(2):
        for part in (0, 1):  # images, labels
            rows = np.concatenate([s[step][part] for s in shards])
            expected = (images, labels)[part][4 * step : 4 * step + 4]
            np.testing.assert_array_equal(rows, expected)
        assert shards[0][step][0].shape == (2, 2)


def test_shard_dataset_keeps_dict_elements_and_checks_the_batch():
    data = tf.data.Dataset.from_tensor_slices(
        {"image": np.arange(12.0).reshape(6, 2)}
    ).batch(6)
    contexts = _process_contexts(3)
    parts = [_batches(c.shard_dataset(data, 6))[0]["image"] for c in contexts]
    np.testing.assert_array_equal(
        np.concatenate(parts), np.arange(12.0).reshape(6, 2)
    )
    assert contexts[1].per_process_batch_size(6) == 2
    with pytest.raises(ValueError, match="multiple of the 3 processes"):
        contexts[0].shard_dataset(data, 4)
    with pytest.raises(ValueError, match="global_batch_size"):
        contexts[0].per_process_batch_size(0)


def test_tpu_context_drops_the_partial_batch():
    context = distribution_utils.DistributionContext(
        "tpu", num_replicas=2, strategy=object()
    )
    data = tf.data.Dataset.range(10).batch(4)
    batches = _batches(context.shard_dataset(data, 4))
    assert [len(b) for b in batches] == [4, 4]
    with pytest.raises(ValueError, match="multiple of the 2 replicas"):
        context.shard_dataset(data, 3)
