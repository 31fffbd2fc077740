"""Generation speed: the compiled generate function vs eager `generate_step`.

10,000 images from the pretrained VAE and DCGAN in batches of 256, three
ways in one process, in interleaved rounds:

- `eager`: `generate(compiled=False)`, `generate_step` run op by op (the
  generate loop before the compiled function);
- `compiled`: `generate()`, `tf.function` traced once per batch size;
- `compiled_xla`: the same with `generate_jit_compile = True`.

The ratio is images/s against `eager` of the same model. Run it with nothing
else on the machine:

    .venv/bin/python benchmarks/generate.py --rounds 5
"""

import argparse
import os
import statistics
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import benchmark_utils  # noqa: E402

import kerasgen  # noqa: E402


def _variants(name):
    eager = kerasgen.applications.load(name)
    compiled = kerasgen.applications.load(name)
    xla = kerasgen.applications.load(name)
    xla.generate_jit_compile = True
    return {
        "eager": (eager, {"compiled": False}),
        "compiled": (compiled, {}),
        "compiled_xla": (xla, {}),
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--num-samples", type=int, default=10000)
    parser.add_argument("--batch-size", type=int, default=256)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--output", default="benchmarks/results/generate.json")
    args = parser.parse_args()
    runs = []
    for preset in ("vae_fashion_mnist", "dcgan_fashion_mnist"):
        variants = _variants(preset)
        for model, kwargs in variants.values():  # warm-up: trace, allocate
            model.generate(
                num_samples=args.batch_size, seed=0, verbose=0, **kwargs
            )
        seconds = {name: [] for name in variants}
        for _ in range(args.rounds):
            for name, (model, kwargs) in variants.items():
                start = time.perf_counter()
                model.generate(
                    num_samples=args.num_samples,
                    seed=0,
                    batch_size=args.batch_size,
                    verbose=0,
                    **kwargs,
                )
                seconds[name].append(time.perf_counter() - start)
        baseline = statistics.median(seconds["eager"])
        for name, values in seconds.items():
            median = statistics.median(values)
            runs.append(
                {
                    "name": f"{preset} {name}",
                    "images_per_second": round(args.num_samples / median, 1),
                    "seconds_rounds": [round(v, 3) for v in values],
                    "seconds_median": round(median, 3),
                    "spread_seconds": round(max(values) - min(values), 3),
                    "ratio_vs_eager": round(baseline / median, 3),
                    "traces": variants[name][0].generate_trace_count,
                }
            )
    benchmark_utils.write_result(
        "generate",
        args.batch_size,
        runs,
        args.output,
        num_samples=args.num_samples,
        rounds=args.rounds,
    )


if __name__ == "__main__":
    main()
