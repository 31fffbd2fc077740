"""Shared timing loop of the training benchmarks."""

import argparse
import json
import os
import platform
import time

import keras
import numpy as np


def parse_args(description, name, default_steps):
    """`--steps`, `--rounds` and `--output` of a training benchmark."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--steps", type=int, default=default_steps)
    parser.add_argument(
        "--rounds",
        type=int,
        default=3,
        help="Interleaved timing rounds; the median is reported.",
    )
    parser.add_argument("--output", default=f"benchmarks/results/{name}.json")
    return parser.parse_args()


def fashion_mnist_batches(batch_size):
    """An infinite dataset of 100 batches of Fashion-MNIST in `[-1, 1]`."""
    import tensorflow as tf

    from kerasgen.datasets import fashion_mnist

    (x_train, _), _ = fashion_mnist.load_data()
    data = x_train[: 100 * batch_size, ..., None].astype("float32")
    data = data / 127.5 - 1.0
    dataset = tf.data.Dataset.from_tensor_slices(data).batch(batch_size)
    return data, dataset.repeat().prefetch(2)


def prepare(name, build, compile_fn, policy, jit, dataset):
    """Builds and compiles one variant and runs its first (tracing) steps.

    Args:
        name: str. Variant name in the JSON.
        build: callable returning a new model.
        compile_fn: callable `(model, jit_compile) -> None`.
        policy: str. Keras dtype policy while the model is built.
        jit: bool. `jit_compile`.
        dataset: infinite `tf.data.Dataset` of training batches.
    """
    keras.config.set_dtype_policy(policy)
    keras.utils.set_random_seed(0)
    model = build()
    compile_fn(model, jit)
    model.fit(dataset, steps_per_epoch=5, epochs=1, verbose=0)
    keras.config.set_dtype_policy("float32")
    variant = {"name": name, "dtype_policy": policy, "jit_compile": jit}
    return variant, model


def time_rounds(variants, dataset, steps, rounds, batch_size):
    """Median images/s of each variant over interleaved rounds.

    Rounds interleave the variants so that machine noise hits all alike.
    The first variant is the baseline of the ratios.
    """
    speeds = [[] for _ in variants]
    for _ in range(rounds):
        for index, (_, model) in enumerate(variants):
            start = time.perf_counter()
            model.fit(dataset, steps_per_epoch=steps, epochs=1, verbose=0)
            elapsed = time.perf_counter() - start
            speeds[index].append(steps * batch_size / elapsed)
    runs = []
    for (variant, _), values in zip(variants, speeds):
        variant["images_per_second"] = round(float(np.median(values)), 1)
        variant["images_per_second_rounds"] = [round(v, 1) for v in values]
        variant["steps"] = steps
        runs.append(variant)
    baseline = runs[0]["images_per_second"]
    for run in runs:
        run["ratio_vs_baseline"] = round(run["images_per_second"] / baseline, 3)
    return runs


def write_result(name, batch_size, runs, output, **extra):
    """Writes and prints the JSON result of a benchmark."""
    result = {
        "benchmark": name,
        "batch_size": batch_size,
        "machine": f"{platform.machine()}, {os.cpu_count()} CPUs",
        "keras": keras.__version__,
        "backend": keras.backend.backend(),
        "baseline": runs[0]["name"],
        **extra,
        "runs": runs,
    }
    os.makedirs(os.path.dirname(output) or ".", exist_ok=True)
    with open(output, "w") as f:
        json.dump(result, f, indent=2)
    print(json.dumps(result, indent=2))
    return result
