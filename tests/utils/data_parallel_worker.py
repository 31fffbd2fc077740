"""One process of `data_parallel_test.py`: 3 VAE steps, weights to a file.

Run with `KERAS_BACKEND=jax`:

    python tests/utils/data_parallel_worker.py --kind data_parallel \\
        --coordinator 127.0.0.1:PORT --num-processes 2 --process-id I \\
        --output weights_I.npz

or `--kind none` for the one-process reference. Every run builds the same
tiny VAE from the same seeds and trains it for 3 steps at a global batch of
8 on the same 24 images, through `distribution_utils.distribution_scope` and
its `shard_dataset`; it writes every weight, the loss history and what the
context reported.
"""

import argparse
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

GLOBAL_BATCH_SIZE = 8
NUM_STEPS = 3


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--kind", default="data_parallel")
    parser.add_argument("--coordinator", default=None)
    parser.add_argument("--num-processes", type=int, default=None)
    parser.add_argument("--process-id", type=int, default=None)
    parser.add_argument("--output", required=True)
    args = parser.parse_args()

    import keras
    import numpy as np
    import tensorflow as tf

    from kerasgen.testing import tiny_vae
    from kerasgen.utils import distribution_utils

    if keras.backend.backend() != "jax":
        raise SystemExit(
            f"needs KERAS_BACKEND=jax; got {keras.backend.backend()}"
        )
    rng = np.random.default_rng(0)
    images = rng.integers(
        0, 256, (GLOBAL_BATCH_SIZE * NUM_STEPS, 8, 8, 1), dtype="uint8"
    )
    images = images.astype("float32") / 127.5 - 1.0

    with distribution_utils.distribution_scope(
        args.kind,
        coordinator=args.coordinator,
        num_processes=args.num_processes,
        process_id=args.process_id,
    ) as context:
        keras.utils.set_random_seed(0)
        model = tiny_vae(seed=0)
        initial = [keras.ops.convert_to_numpy(v.value) for v in model.weights]
        # SGD: the update is linear in the gradient, so float reordering of
        # the cross-device sum stays at float32 rounding (Adam divides tiny
        # gradients by their own size and amplifies it).
        model.compile(optimizer=keras.optimizers.SGD(0.1))
        dataset = tf.data.Dataset.from_tensor_slices(images).batch(
            GLOBAL_BATCH_SIZE
        )
        dataset = context.shard_dataset(dataset, GLOBAL_BATCH_SIZE)
        local_batches = [b.shape[0] for b in dataset]
        history = model.fit(dataset, epochs=1, shuffle=False, verbose=0)
        weights = {
            f"weight_{i}": np.asarray(keras.ops.convert_to_numpy(v.value))
            for i, v in enumerate(model.weights)
        }
        weights.update(
            {f"initial_{i}": value for i, value in enumerate(initial)}
        )
    np.savez(
        args.output,
        loss=np.asarray(history.history["loss"]),
        iterations=int(keras.ops.convert_to_numpy(model.optimizer.iterations)),
        num_processes=context.num_processes,
        process_id=context.process_id,
        num_replicas=context.num_replicas,
        local_batches=np.asarray(local_batches),
        **weights,
    )


if __name__ == "__main__":
    main()
