"""Decoding 16 token grids: KV cache vs recomputing vs keras.io's loop.

Three ways to decode the same `ImageTokenTransformer` (same weights, 16
grids, greedy, so that all three must give the same ids):

- `keras_io_predict`: the keras.io `vq_vae.py` prior sampling, one
  `model.predict` of the whole grid per token in a Python loop, the next id
  picked in NumPy (the baseline of the ratios);
- `compiled_no_cache`: kerasgen's compiled loop (keras-hub's sampler)
  recomputing the whole sequence at every position (`cache=False`);
- `compiled_cache`: the same loop with the transformer's key/value cache.

Times include decoding the grids to images (one tokenizer call, the same in
all three). The first call of each compiled variant is not timed; rounds
interleave the variants and the median is reported. Usage:

    .venv/bin/python benchmarks/token_sampling.py \
        --preset token_transformer_vqgan_fashion_mnist --rounds 5
"""

import argparse
import json
import os
import platform
import time

import keras
import numpy as np

import kerasgen


def keras_io_sample(model, labels):
    """One `predict` per token, the argmax in NumPy (keras.io's loop)."""
    n = len(labels)
    grid = np.zeros((n,) + model.token_shape, "int32")
    width = model.token_shape[1]
    for index in range(model.sequence_length):
        logits = model.predict(
            {"token_ids": grid, "labels": labels}, verbose=0, batch_size=n
        )
        grid[:, index // width, index % width] = logits[:, index].argmax(-1)
    images = model.tokenizer.detokenize(grid)
    return grid, images


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--preset", default="token_transformer_vqgan_fashion_mnist"
    )
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--output", default=None)
    args = parser.parse_args()
    model = kerasgen.models.ImageTokenTransformer.from_preset(args.preset)
    n = args.batch_size
    labels = np.arange(n) % model.num_classes

    def compiled(cache):
        def run():
            out = model.generate(
                labels,
                seed=0,
                sampler="greedy",
                cache=cache,
                return_token_ids=True,
            )
            return out["token_ids"]

        return run

    variants = {
        "keras_io_predict": lambda: keras_io_sample(model, labels)[0],
        "compiled_no_cache": compiled(False),
        "compiled_cache": compiled(True),
    }
    grids = {name: run() for name, run in variants.items()}  # + compile
    identical = all(
        np.array_equal(grids["keras_io_predict"], grid)
        for grid in grids.values()
    )
    seconds = {name: [] for name in variants}
    for _ in range(args.rounds):
        for name, run in variants.items():
            start = time.perf_counter()
            run()
            seconds[name].append(time.perf_counter() - start)
    median = {name: float(np.median(v)) for name, v in seconds.items()}
    runs = [
        {
            "name": name,
            "seconds_median": round(median[name], 4),
            "seconds_rounds": [round(v, 4) for v in seconds[name]],
            "speedup_vs_baseline": round(
                median["keras_io_predict"] / median[name], 2
            ),
        }
        for name in variants
    ]
    result = {
        "benchmark": "token_sampling",
        "preset": args.preset,
        "tokens_per_grid": model.sequence_length,
        "num_params": int(model.transformer.count_params()),
        "batch_size": n,
        "greedy_outputs_identical": identical,
        "cache_speedup_vs_no_cache": round(
            median["compiled_no_cache"] / median["compiled_cache"], 2
        ),
        "machine": f"{platform.machine()}, {os.cpu_count()} CPUs",
        "keras": keras.__version__,
        "backend": keras.backend.backend(),
        "baseline": "keras_io_predict",
        "runs": runs,
    }
    output = args.output or f"benchmarks/results/sampling_{args.preset}.json"
    os.makedirs(os.path.dirname(output), exist_ok=True)
    with open(output, "w") as f:
        json.dump(result, f, indent=2)
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
