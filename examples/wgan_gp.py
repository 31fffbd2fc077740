"""
Title: Wasserstein GAN with gradient penalty on Fashion-MNIST
Author: the kerasgen team
Date created: 2026/11/28
Last modified: 2026/11/28
Description: Train a WGAN-GP with `model.fit`: a critic instead of a
discriminator, five critic steps per generator step, and a loss curve that
means something.
Accelerator: None (the full run takes about an hour on 2 CPU cores)
"""

"""
## Introduction

The Wasserstein GAN (Arjovsky et al., 2017) replaces the discriminator's
real/fake probability by a *critic* `f` whose output difference estimates
the Wasserstein-1 distance between the data and the generator's
distribution,

    W(P_data, P_G) = max over 1-Lipschitz f of E[f(x)] - E[f(G(z))].

The critic minimises `f(G(z)) - f(x)` and the generator minimises `-f(G(z))`.
The maximisation is only valid over 1-Lipschitz critics; Gulrajani et al.
(2017) enforce that softly with a *gradient penalty* on images `x_hat`
interpolated between real and generated ones (their equation 3):

    L_critic = f(G(z)) - f(x) + lambda * (|grad f(x_hat)|_2 - 1)^2,

with `lambda = 10`, five critic updates per generator update, Adam with
`beta_1 = 0` and `beta_2 = 0.9`, and no batch normalization in the critic
(the penalty is per image; batch norm mixes the images of a batch).

In kerasgen this is an argument, not a new class:
`GAN(loss="wasserstein", gradient_penalty_weight=10.0,
discriminator_steps=5)`. The penalty's input gradients use a nested
`GradientTape` inside `GAN.train_step`.

Run it as `python examples/wgan_gp.py` (outputs go to `wgan_gp_output/`), or
with `--smoke` for a quick check.
"""

"""
## Setup
"""

import os
import sys

os.environ.setdefault("KERAS_BACKEND", "tensorflow")

import keras  # noqa: E402
import matplotlib  # noqa: E402

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

import kerasgen  # noqa: E402
from kerasgen.datasets import fashion_mnist  # noqa: E402

SMOKE = "--smoke" in sys.argv

"""
## Hyperparameters
"""

LATENT_DIM = 128
EPOCHS = 2 if SMOKE else 10
BATCH_SIZE = 64
LEARNING_RATE = 1e-4
CRITIC_STEPS = 5
GRADIENT_PENALTY_WEIGHT = 10.0
NUM_TRAIN = 256 if SMOKE else None
NUM_EVAL = 200 if SMOKE else 10000
OUTPUT_DIR = os.environ.get("KERASGEN_EXAMPLE_OUTPUT", "wgan_gp_output")
SEED = 0

keras.utils.set_random_seed(SEED)
os.makedirs(OUTPUT_DIR, exist_ok=True)

"""
## Data
"""

(x_train, _), (x_test, _) = fashion_mnist.load_data()
x_train = x_train[:NUM_TRAIN, ..., None]
x_test = x_test[..., None]
train_data = kerasgen.data.image_dataset(
    x_train, batch_size=BATCH_SIZE, seed=SEED
)

"""
## Generator and critic

The generator is the DCGAN generator. The critic is the DCGAN discriminator
with layer normalization instead of batch normalization, as the WGAN-GP paper
recommends; its output is an unbounded score, not a probability.
"""

generator = kerasgen.networks.DCGANGenerator(
    image_shape=(28, 28, 1), latent_dim=LATENT_DIM, name="generator"
)
critic = kerasgen.networks.DCGANDiscriminator(
    image_shape=(28, 28, 1), normalization="layer", name="critic"
)
wgan = kerasgen.models.GAN(
    generator,
    critic,
    latent_dim=LATENT_DIM,
    image_shape=(28, 28, 1),
    loss="wasserstein",
    gradient_penalty_weight=GRADIENT_PENALTY_WEIGHT,
    discriminator_steps=CRITIC_STEPS,
    seed=SEED,
)
wgan.compile(
    generator_optimizer=keras.optimizers.Adam(
        LEARNING_RATE, beta_1=0.0, beta_2=0.9
    ),
    discriminator_optimizer=keras.optimizers.Adam(
        LEARNING_RATE, beta_1=0.0, beta_2=0.9
    ),
)

"""
## Training

Each `fit` step makes five critic updates (against fresh fakes on the same
real batch) and one generator update. The logs are `d_loss` (the critic loss
with its penalty), `g_loss` and `gradient_penalty`.
"""

history = wgan.fit(
    train_data,
    epochs=EPOCHS,
    callbacks=[
        kerasgen.callbacks.SampleGrid(
            os.path.join(OUTPUT_DIR, "samples"), num_samples=64, seed=SEED
        )
    ],
    verbose=2,
).history

"""
## A loss that tracks quality

Unlike the non-saturating GAN losses, the critic's estimate of the
Wasserstein distance, `E[f(x)] - E[f(G(z))] = -(d_loss - lambda * penalty)`,
falls as the samples improve.
"""

estimate = [
    -(d_loss - GRADIENT_PENALTY_WEIGHT * penalty)
    for d_loss, penalty in zip(history["d_loss"], history["gradient_penalty"])
]
plt.figure(figsize=(5, 3.5))
plt.plot(range(1, len(estimate) + 1), estimate, marker="o")
plt.xlabel("epoch")
plt.ylabel("critic estimate of W(P_data, P_G)")
plt.tight_layout()
plt.savefig(os.path.join(OUTPUT_DIR, "wasserstein_estimate.png"), dpi=100)
for epoch, value in enumerate(estimate, 1):
    print(f"epoch {epoch}: Wasserstein estimate {value:.3f}")

"""
## Samples and FID
"""

images = wgan.generate(num_samples=64, seed=SEED)
kerasgen.utils.save_image_grid(
    images, os.path.join(OUTPUT_DIR, "generated.png"), scale=2
)
fid = kerasgen.metrics.FrechetDistance("fmnist_features")
fid.update_state(
    x_test[:NUM_EVAL], wgan.generate(num_samples=NUM_EVAL, seed=SEED)
)
print(f"FID (fmnist_features, {NUM_EVAL} samples): {float(fid.result()):.2f}")

path = os.path.join(OUTPUT_DIR, "wgan_gp.keras")
wgan.save(path)
print(f"Pictures and model written to {OUTPUT_DIR}/")
