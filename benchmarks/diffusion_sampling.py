"""Diffusion sampling speed: one compiled loop vs one `predict` per step.

16 images from the pretrained `ddpm_fashion_mnist` with DDPM, DDIM and
DPM-Solver++ 2M at several step counts, two ways in one process, in
interleaved rounds:

- `compiled`: `model.generate(...)`, the whole loop in one `tf.function`
  (`ops.fori_loop`), traced once per batch size and option set;
- `predict_per_step`: the keras.io `ddpm.py` way, a Python loop that calls
  `denoiser.predict(...)` once per step and applies the same scheduler's
  `step` eagerly.

Both use the same network, start noise and scheduler; the script checks
that their images agree. The ratio is seconds of `predict_per_step` over
seconds of `compiled`; `traces` counts traces of the compiled function after
all rounds (one per setting: a second call does not trace again). Run it
with nothing else on the machine:

    .venv/bin/python benchmarks/diffusion_sampling.py --rounds 3
"""

import argparse
import os
import statistics
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import benchmark_utils  # noqa: E402
import keras  # noqa: E402
import numpy as np  # noqa: E402
from keras import ops  # noqa: E402

import kerasgen  # noqa: E402
from kerasgen.utils import seed_utils  # noqa: E402


def predict_per_step(model, num_samples, seed, scheduler, num_steps):
    """The sampling loop with one `predict` call per step (keras.io)."""
    sampler = model.sampling_scheduler(scheduler)
    timesteps = sampler.timesteps(num_steps)
    previous = sampler.previous_timesteps(timesteps)
    tensor_seed = seed_utils.TensorSeed(seed_utils.make_seed(seed, 0))
    shape = (num_samples,) + tuple(model.image_shape)
    x = keras.random.normal(shape, seed=tensor_seed) * sampler.init_noise_sigma
    state = sampler.initial_state(x)
    for i, (t, s) in enumerate(zip(timesteps, previous)):
        output = model.denoiser.predict(
            {
                "images": ops.convert_to_numpy(x),
                "timesteps": np.full((num_samples,), t, "float32"),
            },
            batch_size=num_samples,
            verbose=0,
        )
        out = sampler.step(
            output,
            t,
            s,
            x,
            seed=tensor_seed.fold_in(i),
            state=state,
            return_dict=True,
        )
        x, state = out["prev_sample"], out["state"]
    return kerasgen.utils.float_to_uint8(ops.clip(x, -1.0, 1.0))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--num-samples", type=int, default=16)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument(
        "--steps", default="20,50,1000", help="Comma-separated step counts."
    )
    parser.add_argument(
        "--output", default="benchmarks/results/diffusion_sampling.json"
    )
    args = parser.parse_args()
    model = kerasgen.models.DiffusionModel.from_preset("ddpm_fashion_mnist")
    n = args.num_samples
    runs = []
    for num_steps in [int(s) for s in args.steps.split(",")]:
        for scheduler in ("ddpm", "ddim", "dpm_solver"):
            kwargs = dict(scheduler=scheduler, num_steps=num_steps)
            variants = {
                "compiled": lambda: model.generate(
                    num_samples=n, seed=0, verbose=0, **kwargs
                ),
                "predict_per_step": lambda: predict_per_step(
                    model, n, 0, **kwargs
                ),
            }
            images = {name: fn() for name, fn in variants.items()}  # warm-up
            agree = float(
                np.mean(
                    np.abs(
                        images["compiled"].astype(int)
                        - images["predict_per_step"].astype(int)
                    )
                    <= 1
                )
            )
            seconds = {name: [] for name in variants}
            for _ in range(args.rounds):
                for name, fn in variants.items():
                    start = time.perf_counter()
                    fn()
                    seconds[name].append(time.perf_counter() - start)
            compiled = statistics.median(seconds["compiled"])
            for name, values in seconds.items():
                median = statistics.median(values)
                runs.append(
                    {
                        "name": f"{scheduler} {num_steps} steps {name}",
                        "seconds_rounds": [round(v, 3) for v in values],
                        "seconds_median": round(median, 3),
                        "spread_seconds": round(max(values) - min(values), 3),
                        "seconds_per_image": round(median / n, 4),
                        "ratio_vs_compiled": round(median / compiled, 2),
                        "pixels_within_one_level": agree,
                    }
                )
            print(runs[-2], runs[-1], sep="\n")
    runs.append({"name": "traces", "traces": model.generate_trace_count})
    benchmark_utils.write_result(
        "diffusion_sampling",
        n,
        runs,
        args.output,
        rounds=args.rounds,
    )


if __name__ == "__main__":
    main()
