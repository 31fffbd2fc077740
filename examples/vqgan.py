"""
Title: VQ-GAN: a tokenizer trained with perceptual and adversarial losses
Author: the kerasgen team
Date created: 2026/11/29
Last modified: 2026/11/29
Description: Train the VQ-GAN of "Taming Transformers" with `model.fit`
and compare its reconstructions with a VQ-VAE's at the same 7x7 token grid.
Accelerator: None (the full run takes about 35 minutes on 2 CPU cores)
"""

"""
## Introduction

A VQ-VAE trained with a pixel loss alone reconstructs blurry images: under
uncertainty the squared error is smallest for the average of the plausible
images. VQ-GAN (Esser et al., 2021) keeps the VQ autoencoder but trains it
with two more losses:

- a **perceptual loss** `P(x, x_hat)`: the distance between the feature maps
  of a frozen network for the image and its reconstruction (LPIPS over VGG16
  in the paper). Offline kerasgen uses the feature maps of its bundled
  Fashion-MNIST classifier (`PerceptualLoss.fmnist_features()`);
  `perceptual_loss="vgg16"` uses ImageNet VGG16 where it can be downloaded;
- an **adversarial loss** from a PatchGAN discriminator (Isola et al., 2017),
  which outputs one real/fake logit per image patch (7x7 patches here) and is
  trained with the hinge loss, while the autoencoder minimizes
  `L_GAN = -mean D(x_hat)`.

The adversarial term is weighted adaptively (eq. 7 of the paper): `lambda =
||grad_L L_rec|| / (||grad_L L_GAN|| + 1e-4)`, the ratio of the two losses'
gradient norms at the decoder's last layer `L`, so that neither loss swamps
the other whatever their scales. The discriminator joins after
`discriminator_start` steps, once reconstructions are reasonable.

Run it as `python examples/vqgan.py` (outputs go to `vqgan_output/`), or with
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

The settings of the pretrained `vqgan_fashion_mnist` (`kerasgen train
vqgan`, see its recipe.sh); its encoder, decoder and quantizer are
those of `vqvae_fashion_mnist`, so the two differ only in the losses.
"""

CODEBOOK_SIZE = 512
LATENT_DIM = 16
FILTERS = (16, 32, 64)
EPOCHS = 1 if SMOKE else 2
BATCH_SIZE = 128
DISCRIMINATOR_START = 1 if SMOKE else 400
NUM_TRAIN = 256 if SMOKE else None  # None: all 60,000 images
NUM_EVAL = 500 if SMOKE else 10000
OUTPUT_DIR = os.environ.get("KERASGEN_EXAMPLE_OUTPUT", "vqgan_output")
SEED = 0

keras.utils.set_random_seed(SEED)
os.makedirs(OUTPUT_DIR, exist_ok=True)

(x_train, _), (x_test, _) = fashion_mnist.load_data()
x_train = x_train[:NUM_TRAIN, ..., None]
x_test = x_test[:NUM_EVAL, ..., None]
train_data = kerasgen.data.image_dataset(
    x_train, batch_size=BATCH_SIZE, seed=SEED
)

"""
## The model

`VQGAN` takes the arguments of `VQVAE` plus the perceptual loss, the
discriminator (default `PatchGANDiscriminator`, 7x7 patch logits for 28x28
images), the scale of the adaptive weight (0.8, taming-transformers'
setting) and the start step. It has two optimizers, like `GAN`
(Adam with `beta_1 = 0.5, beta_2 = 0.9` as in the paper's code).
"""

quantizer = kerasgen.quantizers.VectorQuantizer(
    CODEBOOK_SIZE,
    LATENT_DIM,
    use_ema=True,
    decay=0.99,
    dead_code_threshold=0.1 / CODEBOOK_SIZE,
    seed=SEED,
    name="quantizer",
)
vqgan = kerasgen.models.VQGAN(
    latent_dim=LATENT_DIM,
    codebook_size=CODEBOOK_SIZE,
    filters=FILTERS,
    quantizer=quantizer,
    perceptual_loss="fmnist_features",
    discriminator_weight=0.8,
    discriminator_start=DISCRIMINATOR_START,
    seed=SEED,
)


def adam():
    return keras.optimizers.Adam(2e-4, beta_1=0.5, beta_2=0.9)


vqgan.compile(generator_optimizer=adam(), discriminator_optimizer=adam())
vqgan.discriminator.summary()

"""
## Training

`fit` logs the L1 `reconstruction_loss`, `perceptual_loss`,
`quantizer_loss`, the generator's `g_loss`, the discriminator's hinge
`d_loss`, the `adaptive_weight` actually applied (0 before the start step)
and the mean patch logits of real and reconstructed images.
"""

history = vqgan.fit(train_data, epochs=EPOCHS, verbose=2)
print(
    "adaptive weight by epoch:", np.round(history.history["adaptive_weight"], 3)
)

"""
## Reconstruction quality: VQ-GAN against VQ-VAE

Reconstruction FID compares the test images with their reconstructions in
the feature space of `fmnist_features`: it is low when reconstructions are
as sharp and varied as real images, which the mean squared error does not
reward. We compare the model trained here and the pretrained VQ-GAN with the
pretrained VQ-VAE at the same 7x7 grid of 512 codes.
"""

extractor = kerasgen.metrics.FeatureExtractor.fmnist_features()


def reconstruct(model):
    ids = model.tokenize(x_test)
    return kerasgen.utils.float_to_uint8(np.asarray(model.detokenize(ids)))


def scores(model):
    reconstructions = reconstruct(model)
    fid = kerasgen.metrics.FrechetDistance(extractor)
    fid.update_state(x_test, reconstructions)
    mse = np.mean(((reconstructions.astype("float64") - x_test) / 255.0) ** 2)
    return float(fid.result()), 10 * np.log10(1.0 / mse)


rows = {
    "VQ-GAN trained here": vqgan,
    "pretrained vqgan_fashion_mnist": kerasgen.models.VQGAN.from_preset(
        "vqgan_fashion_mnist"
    ),
    "pretrained vqvae_fashion_mnist": kerasgen.models.VQVAE.from_preset(
        "vqvae_fashion_mnist"
    ),
}
grid = [x_test[:10]]
for name, model in rows.items():
    fid, psnr = scores(model)
    print(f"{name:>32}: reconstruction FID {fid:6.2f}   PSNR {psnr:5.2f} dB")
    grid.append(reconstruct(model)[:10])
kerasgen.utils.save_image_grid(
    np.concatenate(grid),
    os.path.join(OUTPUT_DIR, "reconstructions.png"),
    num_rows=len(grid),
    scale=2,
)

"""
The VQ-GAN usually has the lower FID but not the higher PSNR: it trades a
little pixel accuracy for texture and edges that look real.

## Save and reload

The `.keras` file holds the autoencoder, the discriminator, the frozen
perceptual network and both optimizers.
"""

path = os.path.join(OUTPUT_DIR, "vqgan.keras")
vqgan.save(path)
reloaded = keras.saving.load_model(path)
np.testing.assert_array_equal(
    reloaded.tokenize(x_test[:8]), vqgan.tokenize(x_test[:8])
)
print("reloaded model gives the same tokens")
