"""Sampling 16 images from an autoregressive model: cache vs none vs keras.io.

Three ways to sample the same network (same weights, batch of 16):

- `keras_io_predict`: the keras.io `pixelcnn.py` way, one `model.predict`
  call on the whole canvas per sub-pixel in a Python loop, sampling in
  NumPy (the baseline of the ratios);
- `compiled_no_cache`: kerasgen's one compiled (XLA) loop over the pixels,
  recomputing the whole network at every step (`cache=False`);
- `compiled_cache`: the same loop with the network's cache (`cache=True`:
  per-position convolutions, LSTM states or the KV cache).

The first call of each variant (tracing, XLA compilation) is not timed; the
rounds interleave the variants and the median is reported. Usage:

    .venv/bin/python benchmarks/autoregressive_sampling.py --model PixelCNN \
        --preset pixelcnn_fashion_mnist --rounds 3
    .venv/bin/python benchmarks/autoregressive_sampling.py \
        --model ImageTransformer --kwargs '{"num_layers": 4}' --rounds 3
"""

import argparse
import json
import os
import platform
import time

import keras
import numpy as np

import kerasgen


def keras_io_sample(model, num_samples, seed):
    """One `predict` per sub-pixel, sampling in NumPy (keras.io's loop)."""
    rng = np.random.default_rng(seed)
    height, width, channels = model.image_shape
    labels = None
    if model.num_classes is not None:
        labels = np.arange(num_samples) % model.num_classes
    canvas = np.zeros((num_samples, height, width, channels), "float32")
    likelihood = model.pixel_likelihood
    for i in range(height):
        for j in range(width):
            for c in range(channels if likelihood.sequential_channels else 1):
                inputs = (
                    canvas
                    if labels is None
                    else {"images": canvas, "labels": labels}
                )
                params = model.predict(
                    inputs, verbose=0, batch_size=num_samples
                )
                if likelihood.sequential_channels:
                    logits = params[:, i, j, c * 256 : (c + 1) * 256]
                    probs = np.exp(logits - logits.max(-1, keepdims=True))
                    probs /= probs.sum(-1, keepdims=True)
                    levels = [rng.choice(256, p=p) for p in probs]
                    canvas[:, i, j, c] = np.asarray(levels) / 127.5 - 1.0
                else:
                    values, _ = likelihood.sample_pixel(
                        params[:, i, j],
                        channels,
                        kerasgen.utils.seed_utils.TensorSeed(
                            kerasgen.utils.seed_utils.make_seed(
                                seed, i * width + j
                            )
                        ),
                        1.0,
                    )
                    canvas[:, i, j] = keras.ops.convert_to_numpy(values)
    return canvas


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="PixelCNN")
    parser.add_argument("--preset", default=None)
    parser.add_argument("--kwargs", default="{}", help="JSON constructor args")
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--skip-keras-io", action="store_true")
    parser.add_argument("--output", default=None)
    args = parser.parse_args()
    cls = getattr(kerasgen.models, args.model)
    if args.preset:
        model = cls.from_preset(args.preset)
    else:
        model = cls(seed=0, **json.loads(args.kwargs))
    n = args.batch_size
    inputs = None
    if model.num_classes is not None:
        inputs = np.arange(n) % model.num_classes
    variants = {
        "compiled_cache": lambda s: model.generate(
            inputs, num_samples=n, seed=s, cache=True
        ),
        "compiled_no_cache": lambda s: model.generate(
            inputs, num_samples=n, seed=s, cache=False
        ),
    }
    if not args.skip_keras_io:
        variants = {
            "keras_io_predict": lambda s: keras_io_sample(model, n, s),
            **variants,
        }
    for name, run in variants.items():  # trace / compile, untimed
        if name != "keras_io_predict":
            run(0)
    # Same seed: cached and uncached give identical images.
    identical = bool(
        np.array_equal(
            variants["compiled_cache"](1), variants["compiled_no_cache"](1)
        )
    )
    seconds = {name: [] for name in variants}
    for round_index in range(args.rounds):
        for name, run in variants.items():
            start = time.perf_counter()
            run(round_index + 2)
            seconds[name].append(time.perf_counter() - start)
    baseline = next(iter(variants))
    median = {name: float(np.median(v)) for name, v in seconds.items()}
    runs = [
        {
            "name": name,
            "seconds_median": round(median[name], 3),
            "seconds_rounds": [round(v, 3) for v in seconds[name]],
            "seconds_per_image": round(median[name] / n, 4),
            "speedup_vs_baseline": round(median[baseline] / median[name], 2),
        }
        for name in variants
    ]
    result = {
        "benchmark": "autoregressive_sampling",
        "model": args.model,
        "preset": args.preset,
        "kwargs": json.loads(args.kwargs),
        "num_params": int(model.count_params()),
        "batch_size": n,
        "cached_equals_uncached": identical,
        "cache_speedup_vs_no_cache": round(
            median["compiled_no_cache"] / median["compiled_cache"], 2
        ),
        "machine": f"{platform.machine()}, {os.cpu_count()} CPUs",
        "keras": keras.__version__,
        "backend": keras.backend.backend(),
        "baseline": baseline,
        "runs": runs,
    }
    output = args.output or (
        f"benchmarks/results/sampling_{args.preset or args.model.lower()}.json"
    )
    os.makedirs(os.path.dirname(output), exist_ok=True)
    with open(output, "w") as f:
        json.dump(result, f, indent=2)
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
