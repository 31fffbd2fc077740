"""Distribution: which devices train, and losses, logs and noise under it.

`distribution_scope(kind, ...)` sets up training on one host's GPUs
(`"mirrored"`), a TPU (`"tpu"`) or one or several hosts on JAX
(`"data_parallel"`), and yields a `DistributionContext` whose
`shard_dataset` gives each process its part of the global batch.

The other helpers keep a model right under it (ARCHITECTURE.md section 3):
a loss must be scaled by the number of `tf.distribute` replicas (the stock
`train_step` unscales it again for the logs), and a random draw must differ
between replicas while matching one device at the same global batch. On JAX
under `keras.distribution` a batch is one global array (its rows sharded
over the devices of every process), so the noise of the global batch is
drawn directly; there, as on one device, these are the identity / a plain
draw.
"""

import contextlib
import functools
import re

import keras
from keras import ops

from kerasgen.utils import argument_validation as av

#: Values of `kind` that `distribution_scope` accepts.
DISTRIBUTION_KINDS = ("none", "mirrored", "tpu", "data_parallel")

MULTI_WORKER_ERROR = (
    "TensorFlow's MultiWorkerMirroredStrategy is not supported: Keras 3's "
    "fit fails under it (keras-team/keras#20585). Train on several machines "
    "with the JAX backend and keras.distribution instead: on each machine "
    "I = 0 .. N-1 run `KERAS_BACKEND=jax kerasgen train ... --distribute "
    "data_parallel --coordinator HOST:PORT --num-processes N "
    "--process-id I` (HOST:PORT is an address of process 0)."
)

_COORDINATOR = re.compile(r"^\[?[A-Za-z0-9_.:-]+\]?:[0-9]{1,5}$")


class DistributionContext:
    """What `distribution_scope` yields: the setup and its dataset hook.

    Attributes:
        kind: str. One of `DISTRIBUTION_KINDS`.
        num_processes: int. Processes training together (1 but for
            multi-process `"data_parallel"`).
        process_id: int. This process, in `[0, num_processes)`.
        num_replicas: int. Devices the global batch is split over (all
            processes together).
        strategy: the `tf.distribute.Strategy` of `"mirrored"`/`"tpu"`, or
            `None`.
        distribution: the `keras.distribution.DataParallel` of
            `"data_parallel"`, or `None`.
    """

    def __init__(
        self,
        kind,
        num_processes=1,
        process_id=0,
        num_replicas=1,
        strategy=None,
        distribution=None,
    ):
        self.kind = kind
        self.num_processes = num_processes
        self.process_id = process_id
        self.num_replicas = num_replicas
        self.strategy = strategy
        self.distribution = distribution

    @property
    def is_chief(self):
        """Whether this process writes the outputs (process 0)."""
        return self.process_id == 0

    def per_process_batch_size(self, global_batch_size):
        """Examples per step that this process feeds to `fit`.

        Args:
            global_batch_size: int. Examples per step, all processes
                together (the `--batch-size` of the command line).

        Returns:
            `global_batch_size // num_processes`.

        Raises:
            ValueError: `global_batch_size` is not a positive multiple of
                `num_processes` (and, for `"mirrored"`/`"tpu"`, of
                `num_replicas`).
        """
        global_batch_size = av.check_positive_int(
            "global_batch_size", global_batch_size
        )
        divisor = self.num_processes
        if self.strategy is not None:
            divisor = self.num_replicas
        if global_batch_size % divisor:
            what = "processes" if self.strategy is None else "replicas"
            raise ValueError(
                f"global_batch_size must be a multiple of the {divisor} "
                f"{what} of --distribute {self.kind}; received "
                f"{global_batch_size}"
            )
        return global_batch_size // self.num_processes

    def shard_dataset(self, dataset, global_batch_size):
        """This process's part of a dataset batched at the global batch.

        `dataset` must yield the same batches of `global_batch_size`
        examples, in the same order, in every process (a fixed shuffle
        seed). Process `i` of `N` keeps rows `[i * b, (i + 1) * b)` of every
        batch, `b = global_batch_size // N`, and the JAX trainer puts the
        `N` parts back together in process order
        (`jax.make_array_from_process_local_data`), so every step sees
        exactly the global batch that one process would see, and draws the
        same noise for it. A last batch smaller than `global_batch_size` is
        dropped wherever its shards could not have equal shapes
        (several processes) or the shape must be static (`"tpu"`).

        Each process reads the whole input and keeps its rows: right for
        the datasets of this zoo; a very large dataset would rather read
        one file shard per process.

        With one process (`"none"`, `"mirrored"`, single-process
        `"data_parallel"`) the dataset is returned as it is: Keras splits
        each global batch over the local devices itself.

        Args:
            dataset: a `tf.data.Dataset` of batches of `global_batch_size`
                (elements: a tensor, a tuple or a dict of tensors with the
                batch as first axis).
            global_batch_size: int. Its batch size.

        Returns:
            A `tf.data.Dataset` of batches of
            `per_process_batch_size(global_batch_size)`.
        """
        per_process = self.per_process_batch_size(global_batch_size)
        drop_partial = self.num_processes > 1 or self.kind == "tpu"
        if not drop_partial:
            return dataset
        import tensorflow as tf

        def full(*element):
            first = tf.nest.flatten(element)[0]
            return tf.equal(tf.shape(first)[0], global_batch_size)

        dataset = dataset.filter(full)
        if self.num_processes == 1:
            return dataset
        start = self.process_id * per_process

        def own_rows(*element):
            rows = tf.nest.map_structure(
                lambda t: t[start : start + per_process], element
            )
            return rows[0] if len(rows) == 1 else rows

        return dataset.map(own_rows, num_parallel_calls=tf.data.AUTOTUNE)

    def __repr__(self):
        return (
            f"DistributionContext(kind={self.kind!r}, "
            f"num_processes={self.num_processes}, "
            f"process_id={self.process_id}, "
            f"num_replicas={self.num_replicas})"
        )


@contextlib.contextmanager
def distribution_scope(
    kind, coordinator=None, num_processes=None, process_id=None
):
    """Trains on one host's GPUs, a TPU, or several hosts, by `kind`.

    Build, compile and `fit` the model inside the scope, and feed `fit` the
    dataset that `context.shard_dataset` returns:

    - `"none"`: the default device; nothing changes.
    - `"mirrored"` (TensorFlow backend): `tf.distribute.MirroredStrategy`
      over this host's GPUs (or its CPU); Keras splits each global batch
      over them.
    - `"tpu"` (TensorFlow backend): `tf.distribute.TPUStrategy` with a
      `TPUClusterResolver` found from the environment (a Cloud TPU VM, or
      `TPU_NAME`); the last partial batch is dropped (static shapes).
    - `"data_parallel"` (JAX backend): `keras.distribution.DataParallel`
      over every device of every process, the weights replicated, each batch
      split by rows. With `num_processes > 1` it first calls
      `keras.distribution.initialize(coordinator, num_processes,
      process_id)` (`jax.distributed`; CPU collectives through gloo), and
      every process feeds its own rows of each global batch
      (`shard_dataset`): per-process batch = global batch / num_processes.
      Process `I` of `N` runs the same command with `--process-id I`; all
      must use the same data order (a shuffle seed) and the same model
      seed. `N` processes then train to the weights of one process at the
      same global batch.

    TensorFlow's `MultiWorkerMirroredStrategy` (`"multi_worker_mirrored"`)
    is refused: Keras 3's `fit` fails under it (keras-team/keras#20585);
    several hosts go through `"data_parallel"` on JAX.

    Args:
        kind: str. One of `"none"`, `"mirrored"`, `"tpu"`,
            `"data_parallel"` (`-` may stand for `_`).
        coordinator: str or `None`. `"HOST:PORT"` of process 0, which every
            process connects to; required when `num_processes > 1`
            (`"data_parallel"` only). Defaults to `None`.
        num_processes: int >= 1 or `None`. Processes training together
            (`"data_parallel"` only). Defaults to `None` (one).
        process_id: int or `None`. This process, in `[0, num_processes)`
            (`"data_parallel"` only); required when `num_processes > 1`.
            Defaults to `None` (0).

    Yields:
        A `DistributionContext` (`num_processes`, `process_id`,
        `num_replicas`, `is_chief`, `strategy`, `distribution`,
        `per_process_batch_size`, `shard_dataset`).

    Raises:
        ValueError: an unknown `kind`; `"multi_worker_mirrored"` (why, and
            the JAX command to use instead); `"mirrored"`/`"tpu"` on another
            backend than TensorFlow or `"data_parallel"` on another than JAX
            (the message says which backend to use); process arguments with
            another kind than `"data_parallel"`, or inconsistent ones.

    Example:

    >>> import numpy as np
    >>> import tensorflow as tf
    >>> from kerasgen.models import VAE
    >>> with distribution_scope("none") as context:
    ...     vae = VAE(image_shape=(8, 8, 1), latent_dim=2, hidden_dim=8,
    ...               encoder_filters=(4,), decoder_filters=(4,), seed=0)
    ...     vae.compile(optimizer="adam")
    ...     images = np.zeros((16, 8, 8, 1), "float32")
    ...     data = tf.data.Dataset.from_tensor_slices(images).batch(8)
    ...     data = context.shard_dataset(data, global_batch_size=8)
    ...     history = vae.fit(data, epochs=1, verbose=0)
    >>> context.num_processes
    1

    Two processes on two hosts (or on 127.0.0.1, as
    `tests/utils/data_parallel_test.py` does), each running the same
    script with its own `process_id`:

        # KERAS_BACKEND=jax python train.py --process-id 0  (and 1)
        with distribution_scope(
            "data_parallel", coordinator="10.0.0.1:1234",
            num_processes=2, process_id=args.process_id,
        ) as context:
            model = build_model()
            model.compile(...)
            data = image_dataset(..., batch_size=128, seed=0)
            model.fit(context.shard_dataset(data, 128), ...)
            if context.is_chief:
                model.save("model.keras")
    """
    kind = _check_kind(kind)
    backend = keras.backend.backend()
    if kind != "data_parallel":
        given = {
            name: value
            for name, value in (
                ("coordinator", coordinator),
                ("num_processes", num_processes),
                ("process_id", process_id),
            )
            if value is not None
        }
        if given:
            raise ValueError(
                f"{', '.join(sorted(given))} are for kind='data_parallel' "
                f"only; received kind={kind!r} with {given}"
            )
    if kind == "none":
        yield DistributionContext(kind)
    elif kind in ("mirrored", "tpu"):
        if backend != "tensorflow":
            raise ValueError(
                f"kind={kind!r} needs the TensorFlow backend "
                f"(KERAS_BACKEND=tensorflow); the backend is {backend!r}. "
                "On JAX use kind='data_parallel'."
            )
        if kind == "mirrored":
            strategy = _mirrored_strategy()
        else:
            strategy = _tpu_strategy()
        with strategy.scope():
            yield DistributionContext(
                kind,
                num_replicas=strategy.num_replicas_in_sync,
                strategy=strategy,
            )
    else:
        if backend != "jax":
            raise ValueError(
                "kind='data_parallel' needs the JAX backend "
                f"(KERAS_BACKEND=jax); the backend is {backend!r}. On "
                "TensorFlow use kind='mirrored' (one host's GPUs) or "
                "kind='tpu'."
            )
        num_processes, process_id = _check_processes(
            coordinator, num_processes, process_id
        )
        distribution = _data_parallel(coordinator, num_processes, process_id)
        with distribution.scope():
            yield DistributionContext(
                kind,
                num_processes=num_processes,
                process_id=process_id,
                num_replicas=distribution.num_model_replicas,
                distribution=distribution,
            )


def _check_kind(kind):
    if not isinstance(kind, str):
        raise ValueError(
            f"kind must be one of {DISTRIBUTION_KINDS}; received {kind!r}"
        )
    normalized = kind.strip().lower().replace("-", "_")
    if "multi" in normalized and (
        "worker" in normalized or "mirrored" in normalized
    ):
        raise ValueError(f"kind={kind!r}: {MULTI_WORKER_ERROR}")
    if normalized not in DISTRIBUTION_KINDS:
        raise ValueError(
            f"kind must be one of {DISTRIBUTION_KINDS}; received {kind!r}"
        )
    return normalized


def _check_processes(coordinator, num_processes, process_id):
    if num_processes is None:
        num_processes = 1
    num_processes = av.check_positive_int("num_processes", num_processes)
    if num_processes > 1 and process_id is None:
        raise ValueError(
            f"process_id is required with num_processes={num_processes}; "
            "received None"
        )
    if process_id is None:
        process_id = 0
    process_id = av.check_int(
        "process_id", process_id, minimum=0, maximum=num_processes - 1
    )
    if num_processes > 1 and coordinator is None:
        raise ValueError(
            f"coordinator ('HOST:PORT' of process 0) is required with "
            f"num_processes={num_processes}; received None"
        )
    if coordinator is not None and (
        not isinstance(coordinator, str) or not _COORDINATOR.match(coordinator)
    ):
        raise ValueError(
            "coordinator must be 'HOST:PORT' (e.g. '10.0.0.1:1234'); "
            f"received {coordinator!r}"
        )
    return num_processes, process_id


@functools.lru_cache(maxsize=None)
def mirrored_strategy(devices=None):
    """One `tf.distribute.MirroredStrategy` per device set and process.

    Every strategy numbers its collective instances from the same start, so
    a second strategy on the same devices in one process reuses instance
    keys whose shapes the runtime has cached, and its all-reduce then fails
    with "Shape mismatch in the collective instance". A process therefore
    reuses one strategy per device set.

    Args:
        devices: tuple of device names, or `None` for every GPU of the host
            (else its CPU).
    """
    import tensorflow as tf

    return tf.distribute.MirroredStrategy(
        None if devices is None else list(devices)
    )


def _mirrored_strategy():
    return mirrored_strategy()


def _tpu_strategy():
    import tensorflow as tf

    resolver = tf.distribute.cluster_resolver.TPUClusterResolver()
    tf.config.experimental_connect_to_cluster(resolver)
    tf.tpu.experimental.initialize_tpu_system(resolver)
    return tf.distribute.TPUStrategy(resolver)


def _data_parallel(coordinator, num_processes, process_id):
    import jax

    if num_processes > 1:
        if _jax_distributed_is_initialized():
            if (jax.process_count(), jax.process_index()) != (
                num_processes,
                process_id,
            ):
                raise ValueError(
                    "jax.distributed is already initialized with "
                    f"{jax.process_count()} processes as process "
                    f"{jax.process_index()}; received "
                    f"num_processes={num_processes}, process_id={process_id}"
                )
        else:
            # CPU hosts exchange gradients through gloo (the default of
            # recent JAX; older ones have no CPU collectives otherwise).
            jax.config.update("jax_cpu_collectives_implementation", "gloo")
            keras.distribution.initialize(
                coordinator, num_processes=num_processes, process_id=process_id
            )
    return keras.distribution.DataParallel(
        devices=keras.distribution.list_devices(), auto_shard_dataset=False
    )


def _jax_distributed_is_initialized():
    import jax

    is_initialized = getattr(jax.distributed, "is_initialized", None)
    if is_initialized is not None:
        return is_initialized()
    from jax._src import distributed  # older JAX

    return distributed.global_state.client is not None


def replica_info():
    """Returns `(num_replicas, replica_id)` of the current replica context.

    `(1, 0)` outside a TensorFlow replica context with several replicas, and
    on JAX, where a batch under `keras.distribution` is one global array.
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
    logged value back (`unscale_loss_for_distribution`). On JAX the loss is
    already the mean over the global batch: unchanged.
    """
    if keras.backend.backend() == "tensorflow":
        import tensorflow as tf

        num_replicas = tf.distribute.get_strategy().num_replicas_in_sync
        if num_replicas > 1:
            loss = ops.multiply(loss, ops.cast(1.0 / num_replicas, loss.dtype))
    return loss


def replica_normal(shape, seed, dtype="float32"):
    """Standard normal noise that differs between replicas.

    Under `tf.distribute` every replica draws the noise of the *global*
    batch from the same seed and keeps its own slice of rows, so one
    distributed step sees exactly the noise of the same step on one device
    at the same global batch, and no two replicas share noise. The cost is
    `num_replicas` times the draw, which is small next to a forward pass for
    latent or image noise. On JAX `shape` is already the global batch's
    (a global array under `keras.distribution.DataParallel`), drawn
    directly: the same noise as one device.

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
