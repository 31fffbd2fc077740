"""
Title: DCGAN on Fashion-MNIST
Author: the kerasgen team
Date created: 2026/11/28
Last modified: 2026/11/28
Description: Train a deep convolutional GAN with `model.fit`, watch its
samples improve, and measure it with FID and KID.
Accelerator: None (the full run takes about an hour on 2 CPU cores)
"""

"""
## Introduction

A generative adversarial network (Goodfellow et al., 2014) trains two
networks against each other. The generator `G` maps a latent vector
`z ~ N(0, I)` to an image; the discriminator `D` outputs a logit, the belief
that its input is a real image. `D` learns to tell real from generated images
and `G` learns to fool it.

kerasgen's `GAN` uses the *non-saturating* loss of the paper's section 3 by
default: `D` minimises `softplus(-D(x)) + softplus(D(G(z)))` (the binary
cross-entropy of real-vs-fake) while `G` minimises `softplus(-D(G(z)))`,
which gives strong gradients early in training when `D` easily rejects the
fakes.

DCGAN (Radford et al., 2015) is the architecture that made this stable for
images: strided (transposed) convolutions instead of pooling, batch
normalization in the generator, ReLU in `G` and leaky ReLU in `D`, `tanh`
outputs, and Adam with learning rate 2e-4 and `beta_1 = 0.5`.

A GAN has two optimizers and alternates their updates, which is why `GAN`
overrides `train_step`; it still trains with a plain `model.fit`, saves both
optimizers in `.keras` files and runs under `tf.distribute` strategies.

Run it as `python examples/dcgan.py` (outputs go to `dcgan_output/`), or with
`--smoke` for a quick check that it runs.
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

LATENT_DIM = 128
EPOCHS = 1 if SMOKE else 8
BATCH_SIZE = 64
LEARNING_RATE = 2e-4
BETA_1 = 0.5
NUM_TRAIN = 256 if SMOKE else None  # None: all 60,000 images
NUM_EVAL = 200 if SMOKE else 10000
OUTPUT_DIR = os.environ.get("KERASGEN_EXAMPLE_OUTPUT", "dcgan_output")
SEED = 0

keras.utils.set_random_seed(SEED)
os.makedirs(OUTPUT_DIR, exist_ok=True)

"""
## Data

The generator ends in `tanh`, so real images are scaled to `[-1, 1]` too;
`kerasgen.data.image_dataset` does that and shuffles every epoch.
"""

(x_train, _), (x_test, _) = fashion_mnist.load_data()
x_train = x_train[:NUM_TRAIN, ..., None]
x_test = x_test[..., None]
train_data = kerasgen.data.image_dataset(
    x_train, batch_size=BATCH_SIZE, seed=SEED
)

"""
## The networks

`DCGANGenerator` projects the latent vector to a 7x7x128 map and doubles the
resolution twice with transposed convolutions (64 then 32 filters), each
followed by batch normalization and ReLU. `DCGANDiscriminator` mirrors it with
stride-2 convolutions (64, 128 filters) and leaky ReLU, then one dense logit.
"""

generator = kerasgen.networks.DCGANGenerator(
    image_shape=(28, 28, 1), latent_dim=LATENT_DIM, name="generator"
)
discriminator = kerasgen.networks.DCGANDiscriminator(
    image_shape=(28, 28, 1), name="discriminator"
)
gan = kerasgen.models.GAN(
    generator,
    discriminator,
    latent_dim=LATENT_DIM,
    image_shape=(28, 28, 1),
    loss="non_saturating",
    seed=SEED,
)
gan.compile(
    generator_optimizer=keras.optimizers.Adam(LEARNING_RATE, beta_1=BETA_1),
    discriminator_optimizer=keras.optimizers.Adam(LEARNING_RATE, beta_1=BETA_1),
)
generator.summary()
discriminator.summary()

"""
## Training

`fit` logs `d_loss` and `g_loss`. They do not go to zero: at the equilibrium
`D` outputs 1/2 everywhere and `d_loss = 2 log 2 = 1.39`, `g_loss = log 2 =
0.69`. A `d_loss` near 0 means `D` wins and `G` gets no useful signal; a NaN
stops training (`GAN.fit` adds a `TerminateOnNaNLosses` guard on both
losses). `SampleGrid` saves a grid from the same latents after every epoch.
"""

history = gan.fit(
    train_data,
    epochs=EPOCHS,
    callbacks=[
        kerasgen.callbacks.SampleGrid(
            os.path.join(OUTPUT_DIR, "samples"), num_samples=64, seed=SEED
        )
    ],
    verbose=2,
)

"""
## Samples
"""

images = gan.generate(num_samples=64, seed=SEED)
kerasgen.utils.save_image_grid(
    images, os.path.join(OUTPUT_DIR, "generated.png"), scale=2
)

"""
## Measuring it: FID and KID

Losses say little about a GAN's samples. The Fréchet distance (Heusel et al.,
2017) fits a Gaussian to the features of real and of generated images and
measures the distance between the two; the kernel distance (KID, Bińkowski et
al., 2018) is an unbiased MMD on the same features. Both are lower for better
samples. The usual features come from InceptionV3 trained on ImageNet; offline
kerasgen ships `fmnist_features`, a Fashion-MNIST classifier, so these numbers
compare models with each other, not with published Inception FIDs.

For scale we also measure real training images against the test images (the
floor at this sample size) and an untrained generator.
"""

extractor = kerasgen.metrics.FeatureExtractor.fmnist_features()


def fid_kid(fake_images):
    fid = kerasgen.metrics.FrechetDistance(extractor)
    kid = kerasgen.metrics.KernelInceptionDistance(
        extractor, subset_size=min(1000, NUM_EVAL)
    )
    for metric in (fid, kid):
        metric.update_state(x_test[:NUM_EVAL], fake_images)
    return float(fid.result()), float(kid.result())


samples = gan.generate(num_samples=NUM_EVAL, seed=SEED)
untrained = kerasgen.models.GAN.from_config(gan.get_config())
rows = {
    "real (train vs test)": fid_kid(x_train[-NUM_EVAL:]),
    "this DCGAN": fid_kid(samples),
    "untrained generator": fid_kid(
        untrained.generate(num_samples=NUM_EVAL, seed=SEED)
    ),
}
for name, (fid, kid) in rows.items():
    print(f"{name:>22}: FID {fid:8.2f}   KID {kid:.4f}")

"""
## Save, reload, and the pretrained model

The `.keras` file holds both networks, both optimizers and the random state,
so `fit` on the reloaded model continues exactly where this one stopped. The
pretrained `dcgan_fashion_mnist` ships with kerasgen; its model card has its
FID and the command that measured it.
"""

path = os.path.join(OUTPUT_DIR, "dcgan.keras")
gan.save(path)
reloaded = keras.saving.load_model(path)
assert (
    reloaded.generate(num_samples=8, seed=1)
    == gan.generate(num_samples=8, seed=1)
).all()

pretrained = kerasgen.models.GAN.from_preset("dcgan_fashion_mnist")
kerasgen.utils.save_image_grid(
    pretrained.generate(num_samples=64, seed=SEED),
    os.path.join(OUTPUT_DIR, "pretrained.png"),
    scale=2,
)
print(f"Pictures written to {OUTPUT_DIR}/")
