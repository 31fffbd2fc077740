"""
Title: Denoising diffusion (DDPM) on Fashion-MNIST
Author: the kerasgen team
Date created: 2026/12/02
Last modified: 2026/12/02
Description: The forward process pictured, a U-Net trained with `model.fit`
to predict the noise, sampling with DDIM and DPM-Solver++ in one compiled
loop, the denoising trajectory, and the variational bound in bits/dim.
Accelerator: None (the full run trains one epoch of a small U-Net on 2 CPU
cores; `--smoke` runs in under a minute)
"""

"""
## Introduction

A denoising diffusion model (Sohl-Dickstein et al. 2015; Ho et al. 2020)
destroys images by adding Gaussian noise over `T = 1000` small steps and
learns to undo one step at a time. The forward process has a closed form at
any step `t`:

    q(x_t | x_0) = N(sqrt(alpha_bar_t) x_0, (1 - alpha_bar_t) I),

so training is regression: draw `t` and noise `eps`, form
`x_t = sqrt(alpha_bar_t) x_0 + sqrt(1 - alpha_bar_t) eps`, and teach a
U-Net `eps_theta(x_t, t)` to predict `eps` (the "simple" loss of Ho et al.).
Sampling starts from pure noise and applies a *scheduler*'s update with the
network's prediction at each noise level: DDPM's ancestral step (1000
network calls), or DDIM and DPM-Solver++, which reuse the same network in
20-50 calls.

In kerasgen the scheduler is stateless, so `generate` runs any of them in
one compiled `fori_loop`, and `DiffusionModel` only overrides
`compute_loss`: it trains with the stock `fit`.

Run it as `python examples/ddpm.py` (outputs go to `ddpm_output/`), or with
`--smoke` for a quick check that it runs.
"""

"""
## Setup
"""

import os
import sys

os.environ.setdefault("KERAS_BACKEND", "tensorflow")

import keras  # noqa: E402
import numpy as np  # noqa: E402

import kerasgen  # noqa: E402
from kerasgen.datasets import fashion_mnist  # noqa: E402

SMOKE = "--smoke" in sys.argv

"""
## Hyperparameters

The pretrained `ddpm_fashion_mnist` has U-Net widths 32, 64, 64 with two
residual blocks a level; here a smaller one trains for one epoch, which is
enough to see shapes appear (the pretrained model is used for the rest).
"""

EPOCHS = 1
BATCH_SIZE = 128
NUM_TRAIN = 512 if SMOKE else None  # None: all 60,000 images
UNET = (
    dict(filters=(8, 16), num_res_blocks=1, num_groups=4)
    if SMOKE
    else dict(filters=(16, 32, 32), num_res_blocks=1, num_groups=8)
)
NUM_STEPS = 5 if SMOKE else 20
OUTPUT_DIR = os.environ.get("KERASGEN_EXAMPLE_OUTPUT", "ddpm_output")
SEED = 0

keras.utils.set_random_seed(SEED)
os.makedirs(OUTPUT_DIR, exist_ok=True)

(x_train, _), (x_test, _) = fashion_mnist.load_data()
x_train = x_train[:NUM_TRAIN, ..., None]
x_test = x_test[..., None]
train_data = kerasgen.data.image_dataset(
    x_train, batch_size=BATCH_SIZE, seed=SEED
)

"""
## The forward process, pictured

A scheduler holds the noise schedule: here DDPM's linear betas from 1e-4 to
0.02. `add_noise` is `q(x_t | x_0)`. Each row below is one test image; the
columns are `t = 0, 50, 100, 200, 400, 600, 800, 999`. The signal-to-noise
ratio `alpha_bar / (1 - alpha_bar)` falls from about 10^4 to 4e-5: by
`t = 999` nothing of the image is left.
"""

scheduler = kerasgen.schedulers.DDPMScheduler()
steps = np.array([0, 50, 100, 200, 400, 600, 800, 999])
clean = x_test[:6].astype("float32") / 127.5 - 1.0
rows = []
rng = np.random.default_rng(SEED)
for image in clean:
    batch = np.repeat(image[None], len(steps), axis=0)
    noise = rng.standard_normal(batch.shape).astype("float32")
    rows.append(
        keras.ops.convert_to_numpy(scheduler.add_noise(batch, noise, steps))
    )
kerasgen.utils.save_image_grid(
    kerasgen.utils.float_to_uint8(np.concatenate(rows)),
    os.path.join(OUTPUT_DIR, "forward_process.png"),
    num_rows=len(clean),
    scale=2,
)
snr = scheduler.alphas_cumprod / (1.0 - scheduler.alphas_cumprod)
print("SNR at t =", {int(t): float(f"{snr[t]:.3g}") for t in steps})

"""
## The model

`DiffusionModel` pairs a denoiser (by default a `UNet`: time embedding in
every residual block, GroupNorm, self-attention at the lowest resolution)
with the training scheduler. `compile()` with no optimizer uses the model's
default Adam; `use_ema=True` keeps an exponential moving average of the
weights with a warm-up (`EMAWarmupAdam`), which samples better than the raw
weights.
"""

model = kerasgen.models.DiffusionModel(
    image_shape=(28, 28, 1),
    scheduler=kerasgen.schedulers.DDPMScheduler(clip_sample=True),
    unet_kwargs=UNET,
    seed=SEED,
)
model.compile(**model.default_optimizers(learning_rate=5e-4, use_ema=True))
print(f"U-Net parameters: {model.denoiser.count_params():,}")

"""
## Training

`fit` as for any Keras model. `SwapEMAWeights` puts the EMA weights in the
model at the end of each epoch, so `SampleGrid` draws with them (20
DDPM steps, the model's preview sampler).
"""

model.fit(
    train_data,
    epochs=EPOCHS,
    callbacks=[
        keras.callbacks.SwapEMAWeights(swap_on_epoch=True),
        kerasgen.callbacks.SampleGrid(
            os.path.join(OUTPUT_DIR, "samples"), num_samples=64
        ),
        kerasgen.callbacks.TerminateOnNaNLosses(),
    ],
    verbose=2,
)
model.optimizer.finalize_variable_values(model.trainable_variables)

"""
## Sampling with any scheduler

`generate` swaps the scheduler at sampling time: the noise schedule stays
the training one, the update and the number of steps change. DDIM with
`eta=0` is deterministic given the start noise; DPM-Solver++ 2M is a
second-order multistep method for the same (probability-flow) ODE. The
ODE samplers need an accurate network at every noise level: for a briefly
trained model, the stochastic DDPM steps, which add fresh noise and so
correct earlier errors, often give cleaner images (see the trajectory
below and `ddpm_fashion_mnist`'s card).
"""

for name, steps_count in [
    ("ddpm", NUM_STEPS),
    ("ddim", 2 * NUM_STEPS),
    ("dpm_solver", NUM_STEPS),
]:
    images = model.generate(
        num_samples=64, seed=SEED, num_steps=steps_count, scheduler=name
    )
    kerasgen.utils.save_image_grid(
        images, os.path.join(OUTPUT_DIR, f"own_{name}.png"), scale=2
    )

"""
## The pretrained model and its denoising trajectory

`ddpm_fashion_mnist` ships with kerasgen (its card has the recipe, FID and
bits/dim). `return_trajectory=True` keeps `x_t` before every step and the
`x_0` that step predicted: the prediction is a blurry average early, when
many images are compatible with the noise, and sharpens as the noise falls.
In each grid the first four rows are `x_t` and the last four the predicted
`x_0`: `trajectory_dpm_solver.png` with the deterministic DPM-Solver++,
`trajectory_ddpm.png` with DDPM, from the same noise.
"""

pretrained = kerasgen.models.DiffusionModel.from_preset("ddpm_fashion_mnist")
for name in ("dpm_solver", "ddpm"):
    out = pretrained.generate(
        num_samples=4,
        seed=SEED,
        num_steps=NUM_STEPS,
        scheduler=name,
        return_trajectory=True,
        compiled=False,  # a few steps, kept: eager, no tracing to wait for
    )
    columns = np.linspace(0, NUM_STEPS - 1, min(NUM_STEPS, 10)).astype(int)
    frames = np.concatenate(
        [
            out["trajectory"][:, columns].reshape((-1, 28, 28, 1)),
            out["predicted_originals"][:, columns].reshape((-1, 28, 28, 1)),
        ]
    )
    kerasgen.utils.save_image_grid(
        kerasgen.utils.float_to_uint8(np.clip(frames, -1.0, 1.0)),
        os.path.join(OUTPUT_DIR, f"trajectory_{name}.png"),
        num_rows=8,
        scale=2,
    )
kerasgen.utils.save_image_grid(
    pretrained.generate(
        num_samples=16 if SMOKE else 64,
        seed=SEED,
        num_steps=NUM_STEPS,
        scheduler="ddpm",
    ),
    os.path.join(OUTPUT_DIR, "pretrained.png"),
    scale=2,
)

"""
## A likelihood: the variational bound in bits/dim

A diffusion model is also a latent-variable model with `T` latents, and its
negative ELBO (Ho et al. 2020, eq. 5) bounds `-log p(x)`:
the prior term `L_T`, the decoder term `L_0` on the 256 pixel levels, and
`T - 1` KL terms estimated here by stratified Monte Carlo (one timestep in
each of `num_strata` runs). In bits/dim it compares with the VAE's bound and
the autoregressive models' exact likelihoods.
"""

count, strata = (16, 5) if SMOKE else (500, 50)
bound = pretrained.variational_bound(x_test[:count], num_strata=strata)
print(
    f"variational bound on {count} test images: "
    f"{bound['bits_per_dim']:.3f} +- {bound['bits_per_dim_stderr']:.3f} "
    f"bits/dim (prior {bound['prior']:.4f}, decoder {bound['decoder']:.3f}, "
    f"middle {bound['middle']:.3f})"
)

"""
## Save and reload

A `.keras` file keeps the denoiser, the scheduler, the optimizer (with its
EMA) and the random state; the reloaded model samples the same images.
"""

path = os.path.join(OUTPUT_DIR, "ddpm.keras")
model.save(path)
reloaded = keras.saving.load_model(path)
assert (
    reloaded.generate(num_samples=4, seed=1, num_steps=3)
    == model.generate(num_samples=4, seed=1, num_steps=3)
).all()
print(f"Pictures written to {OUTPUT_DIR}/")
