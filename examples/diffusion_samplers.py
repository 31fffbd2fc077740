"""
Title: One diffusion model, every sampler: FID against the number of steps
Author: the kerasgen team
Date created: 2026/12/02
Last modified: 2026/12/02
Description: Sample the pretrained `ddpm_fashion_mnist` with DDPM, DDIM,
DPM-Solver++ 2M, Euler and Heun at several step counts, and measure FID and
the sampling time of each.
Accelerator: None (the full run draws 1,000 samples per setting: about an hour
on 2 CPU cores; `--smoke` runs in under a minute)
"""

"""
## Introduction

A DDPM is trained once, for one noise schedule; how it is *sampled* is a
separate choice. The training objective only teaches the network
`eps_theta(x_t, t)`; a scheduler turns those predictions into a path from
noise to an image:

- **DDPM** (Ho et al. 2020): the ancestral step of the reverse Markov chain,
  which needs hundreds of steps;
- **DDIM** (Song et al. 2021): a deterministic (`eta=0`) non-Markovian
  process with the same marginals, good at 50 steps;
- **DPM-Solver++ 2M** (Lu et al. 2022): a second-order multistep solver of
  the probability-flow ODE in the data-prediction form, good at 20 steps;
- **Euler / Heun** with Karras sigmas (Karras et al. 2022, EDM): the ODE in
  the sigma parametrisation, Heun being second order (two network calls a
  step).

All of them are stateless `kerasgen.schedulers`, so `generate(scheduler=...,
num_steps=...)` runs each in one compiled loop. FID here is measured in the
feature space of the offline `fmnist_features` classifier (lower is better);
the card of `ddpm_fashion_mnist` has the 10,000-sample figures.

Run it as `python examples/diffusion_samplers.py` (outputs in
`diffusion_samplers_output/`), or with `--smoke`.
"""

"""
## Setup
"""

import json
import os
import sys
import time

os.environ.setdefault("KERAS_BACKEND", "tensorflow")

import matplotlib  # noqa: E402

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

import kerasgen  # noqa: E402
import kerasgen.evaluation  # noqa: E402

SMOKE = "--smoke" in sys.argv
NUM_SAMPLES = 32 if SMOKE else 1000
STEPS = (2,) if SMOKE else (10, 20, 50)
SCHEDULERS = ("ddpm", "ddim", "dpm_solver", "euler", "heun")
OUTPUT_DIR = os.environ.get(
    "KERASGEN_EXAMPLE_OUTPUT", "diffusion_samplers_output"
)
os.makedirs(OUTPUT_DIR, exist_ok=True)

model = kerasgen.models.DiffusionModel.from_preset("ddpm_fashion_mnist")

"""
## Sampling and measuring

`kerasgen.evaluation.evaluate` draws the samples once per setting
(`generate_kwargs` go to `generate`) and scores them against the test split.
The first call of each setting traces the compiled loop; the time below is
that of a second, untraced call on 64 images, per image.
"""


TIMED = 16 if SMOKE else 64


def seconds_per_image(**kwargs):
    model.generate(num_samples=TIMED, seed=1, **kwargs)  # traces
    start = time.perf_counter()
    model.generate(num_samples=TIMED, seed=2, **kwargs)
    return (time.perf_counter() - start) / TIMED


results = []
for name in SCHEDULERS:
    for steps in STEPS:
        kwargs = dict(scheduler=name, num_steps=steps)
        scores = kerasgen.evaluation.evaluate(
            model,
            metrics=["fid"],
            num_samples=NUM_SAMPLES,
            seed=0,
            verbose=0,
            generate_kwargs=kwargs,
        )
        results.append(
            dict(
                scheduler=name,
                num_steps=steps,
                fid=round(scores["fid"], 3),
                seconds_per_image=round(seconds_per_image(**kwargs), 4),
            )
        )
        print(results[-1])

with open(os.path.join(OUTPUT_DIR, "fid_by_steps.json"), "w") as f:
    json.dump(dict(num_samples=NUM_SAMPLES, results=results), f, indent=2)

"""
## FID against steps

DDPM's ancestral sampler is far from converged at 10-50 steps: it was
designed for all 1,000. The ODE solvers reach their best FID in a few tens
of steps; Heun costs two network calls per step, so compare it at equal
*calls*, not steps.
"""

figure, axis = plt.subplots(figsize=(6, 4))
for name in SCHEDULERS:
    rows = [r for r in results if r["scheduler"] == name]
    axis.plot(
        [r["num_steps"] for r in rows],
        [r["fid"] for r in rows],
        marker="o",
        label=name,
    )
axis.set_xscale("log")
axis.set_xlabel("sampling steps")
axis.set_ylabel(f"FID (fmnist_features, {NUM_SAMPLES} samples)")
axis.legend()
figure.tight_layout()
figure.savefig(os.path.join(OUTPUT_DIR, "fid_by_steps.png"), dpi=120)

"""
## The same start noise through every sampler

With one seed, every scheduler starts from the same noise. The ODE samplers
(DDIM, DPM-Solver++, Euler, Heun) follow nearly the same deterministic path
and land on similar images; DDPM adds fresh noise at every step and lands
elsewhere.
"""

rows = [
    model.generate(num_samples=8, seed=0, scheduler=name, num_steps=STEPS[-1])
    for name in SCHEDULERS
]
kerasgen.utils.save_image_grid(
    np.concatenate(rows),
    os.path.join(OUTPUT_DIR, "same_noise.png"),
    num_rows=len(SCHEDULERS),
    scale=2,
)
print(f"Results written to {OUTPUT_DIR}/")
