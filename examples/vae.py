"""
Title: Variational autoencoder on Fashion-MNIST
Author: the kerasgen team
Date created: 2026/11/28
Last modified: 2026/11/28
Description: Train a VAE with `model.fit`, sample it, draw its latent manifold
and measure its likelihood bound in bits/dim.
Accelerator: None (about 4 minutes on 2 CPU cores)
"""

"""
## Introduction

A variational autoencoder (Kingma & Welling, 2013) learns an encoder
`q(z|x)`, a Gaussian over a small latent vector, and a decoder `p(x|z)`. It
maximises the evidence lower bound (ELBO):

    log p(x) >= E_q[log p(x|z)] - KL(q(z|x) || N(0, I)).

`kerasgen.models.VAE` uses a *discrete* pixel likelihood (a discretized
logistic over the 256 pixel values), so the negative ELBO is a real upper
bound on the negative log-likelihood of the 8-bit images, reported in bits per
dimension like every likelihood model in kerasgen.

This tutorial trains a VAE with a 2-dimensional latent space, which lets us
draw the two classic pictures: the decoded latent manifold and the latent
codes of test images coloured by class.

Run it as `python examples/vae.py` (outputs go to `vae_output/`), or with
`--smoke` for a few-second check that it runs.
"""

"""
## Setup
"""

import os
import sys

os.environ.setdefault("KERAS_BACKEND", "tensorflow")

import keras  # noqa: E402

import kerasgen  # noqa: E402
from kerasgen.datasets import fashion_mnist  # noqa: E402

SMOKE = "--smoke" in sys.argv

"""
## Hyperparameters
"""

LATENT_DIM = 2  # 2 so that the latent space can be drawn
EPOCHS = 1 if SMOKE else 10
BATCH_SIZE = 128
LEARNING_RATE = 1e-3
NUM_TRAIN = 512 if SMOKE else None  # None: all 60,000 images
OUTPUT_DIR = os.environ.get("KERASGEN_EXAMPLE_OUTPUT", "vae_output")
SEED = 0

keras.utils.set_random_seed(SEED)
os.makedirs(OUTPUT_DIR, exist_ok=True)

"""
## Data

`kerasgen.datasets.fashion_mnist.load_data()` has the contract of
`keras.datasets.fashion_mnist.load_data()` and reads local files when they are
there. `kerasgen.data.image_dataset` turns the uint8 arrays into a shuffled,
batched `tf.data.Dataset` of floats in `[-1, 1]`, the range of every kerasgen
model.
"""

(x_train, _), (x_test, y_test) = fashion_mnist.load_data()
x_train = x_train[:NUM_TRAIN, ..., None]
x_test = x_test[..., None]
train_data = kerasgen.data.image_dataset(
    x_train, batch_size=BATCH_SIZE, seed=SEED
)
test_data = kerasgen.data.image_dataset(
    x_test[:1000] if SMOKE else x_test, batch_size=500, shuffle=False
)

"""
## The model

The default networks are a strided convolutional encoder (32 and 64 filters)
and its transposed mirror. Every logged value is in bits/dim:
`reconstruction_loss` (expected code length of the pixels given `z`),
`kl_loss` (the cost of `z`) and their sum `bits_per_dim`.
"""

vae = kerasgen.models.VAE(
    image_shape=(28, 28, 1), latent_dim=LATENT_DIM, seed=SEED
)
vae.compile(optimizer=keras.optimizers.Adam(LEARNING_RATE))
vae.summary()

"""
## Training

A `SampleGrid` callback writes samples with a fixed seed after every epoch, so
the grids show the same latents improving.
"""

history = vae.fit(
    train_data,
    epochs=EPOCHS,
    callbacks=[
        kerasgen.callbacks.SampleGrid(
            os.path.join(OUTPUT_DIR, "samples"), num_samples=64
        ),
        kerasgen.callbacks.TerminateOnNaNLosses(),
    ],
    verbose=2,
)

"""
## Likelihood bound on the test set

`evaluate` reports the negative ELBO in bits/dim. A model that learned
nothing pays 8 bits per pixel value.
"""

metrics = vae.evaluate(test_data, return_dict=True, verbose=0)
print(f"test negative ELBO: {metrics['bits_per_dim']:.3f} bits/dim")

"""
## Samples

`generate` decodes latents drawn from the prior and returns uint8 images.
"""

images = vae.generate(num_samples=64, seed=SEED)
kerasgen.utils.save_image_grid(
    images, os.path.join(OUTPUT_DIR, "generated.png"), scale=2
)

"""
## The latent manifold

Decoding a grid of latents spaced by Gaussian quantiles shows how the model
arranges clothes along its two latent axes.
"""

manifold = kerasgen.utils.latent_manifold(vae, grid_size=15)
kerasgen.utils.save_image_grid(
    manifold[None], os.path.join(OUTPUT_DIR, "manifold.png"), padding=0
)

"""
## Latent codes by class

The posterior means of test images, coloured by their label: classes the VAE
was never told about fall into regions.
"""

kerasgen.utils.plot_latent_scatter(
    vae,
    x_test[:5000],
    y_test[:5000],
    os.path.join(OUTPUT_DIR, "latent_scatter.png"),
    class_names=list(fashion_mnist.CLASS_NAMES),
)

"""
## Save, reload, and the pretrained model

A `.keras` file keeps the weights, the optimizer state and the random state.
The pretrained `vae_fashion_mnist` (16 latent dimensions) ships with kerasgen.
"""

path = os.path.join(OUTPUT_DIR, "vae.keras")
vae.save(path)
reloaded = keras.saving.load_model(path)
assert (
    reloaded.generate(num_samples=8, seed=1)
    == vae.generate(num_samples=8, seed=1)
).all()

pretrained = kerasgen.models.VAE.from_preset("vae_fashion_mnist")
kerasgen.utils.save_image_grid(
    pretrained.generate(num_samples=64, seed=SEED),
    os.path.join(OUTPUT_DIR, "pretrained.png"),
    scale=2,
)
print(f"Pictures written to {OUTPUT_DIR}/")
