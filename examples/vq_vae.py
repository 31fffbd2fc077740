"""
Title: VQ-VAE: images to tokens and back
Author: the kerasgen team
Date created: 2026/11/29
Last modified: 2026/11/29
Description: Train a vector-quantized autoencoder with `model.fit`, turn
images into a 7x7 grid of token ids and back, and look at codebook usage.
Accelerator: None (the full run takes about 15 minutes on 2 CPU cores)
"""

"""
## Introduction

A VQ-VAE (van den Oord et al., 2017) is an autoencoder whose latent grid is
*discrete*. The encoder maps a 28x28 image to a 7x7 grid of 16-dim vectors;
a `VectorQuantizer` replaces each vector by the nearest of 512 learned
codebook vectors, and the decoder reconstructs the image from those codes.
The index of the chosen code at each grid position is a **token**: an image
becomes 49 integers in `[0, 512)`. That is the step that lets a transformer
model images as sequences (later tutorials), and DALL-E, VQ-GAN and
Chameleon all build on it.

Picking the nearest code has no gradient, so the quantizer passes the
decoder's gradient straight through to the encoder (`z + stop_gradient(e -
z)`), and adds two terms to the loss: the codebook term `||sg(z) - e||^2`
that pulls codes toward encoder outputs, and `commitment_weight` x the
commitment term `||z - sg(e)||^2` that keeps encoder outputs near their
codes. Here the codebook term is replaced by an exponential moving average
of the vectors assigned to each code (Razavi et al., 2019), which trains the
codebook faster and more stably.

The codebook must be a weight the model tracks: the keras.io VQ-VAE example
keeps it in a bare `tf.Variable`, which Keras 3 never trains nor saves. In
kerasgen it is a layer weight, saved in `.keras` files with its EMA
statistics.

A common failure of VQ models is **codebook collapse**: a few codes win
early, the others never get vectors assigned and never move. `dead_code_
threshold` restarts a code whose moving share of the batch falls below the
threshold at a random encoder output of the batch.

Run it as `python examples/vq_vae.py` (outputs go to `vq_vae_output/`), or
with `--smoke` for a quick check that it runs.
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
import numpy as np  # noqa: E402

import kerasgen  # noqa: E402
from kerasgen.datasets import fashion_mnist  # noqa: E402

SMOKE = "--smoke" in sys.argv

"""
## Hyperparameters

The same settings as the pretrained `vqvae_fashion_mnist`
(`kerasgen train vqvae`, see its recipe.sh).
"""

CODEBOOK_SIZE = 512
LATENT_DIM = 16
FILTERS = (16, 32, 64)  # two downsamplings: 28x28 -> 7x7 tokens
EPOCHS = 1 if SMOKE else 2
BATCH_SIZE = 128
NUM_TRAIN = 512 if SMOKE else None  # None: all 60,000 images
OUTPUT_DIR = os.environ.get("KERASGEN_EXAMPLE_OUTPUT", "vq_vae_output")
SEED = 0

keras.utils.set_random_seed(SEED)
os.makedirs(OUTPUT_DIR, exist_ok=True)

"""
## Data

Models take uint8 images `[0, 255]` from NumPy and scale them to `[-1, 1]`;
`image_dataset` does the same for a `tf.data` pipeline and shuffles every
epoch.
"""

(x_train, _), (x_test, _) = fashion_mnist.load_data()
x_train = x_train[:NUM_TRAIN, ..., None]
x_test = x_test[..., None]
train_data = kerasgen.data.image_dataset(
    x_train, batch_size=BATCH_SIZE, seed=SEED
)

"""
## The model

`VQVAE` puts a `ResidualEncoder`, the quantizer and a `ResidualDecoder`
together. The threshold `0.1 / 512` restarts a code once it gets under a
tenth of its uniform share of the vectors.
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
vqvae = kerasgen.models.VQVAE(
    latent_dim=LATENT_DIM,
    codebook_size=CODEBOOK_SIZE,
    filters=FILTERS,
    quantizer=quantizer,
    seed=SEED,
)
vqvae.compile(optimizer=keras.optimizers.Adam(2e-4))
print("token grid:", vqvae.token_shape, "vocabulary:", vqvae.vocabulary_size)

"""
## Training

`fit` logs the reconstruction error, the quantizer's loss (here the
commitment term), and the quantizer's perplexity (`exp` of the entropy of the
batch's code histogram: how many codes are effectively in use) and usage
(the fraction of codes used in the batch).
"""

history = vqvae.fit(train_data, epochs=EPOCHS, verbose=2)

"""
## Tokenize and detokenize

`tokenize` returns int32 ids, `detokenize` decodes them; together they are
exactly the model's reconstruction (`predict`). Ids outside the vocabulary are
refused, never wrapped.
"""

images = x_test[:10]
token_ids = vqvae.tokenize(images)
print("token ids of the first image:\n", np.asarray(token_ids[0]))
reconstructions = vqvae.detokenize(token_ids)
np.testing.assert_allclose(
    reconstructions, vqvae.predict(images, verbose=0), atol=1e-5
)
try:
    vqvae.detokenize(np.full((1, 7, 7), CODEBOOK_SIZE))
except ValueError as error:
    print("refused:", error)

kerasgen.utils.save_image_grid(
    np.concatenate(
        [images, kerasgen.utils.float_to_uint8(np.asarray(reconstructions))]
    ),
    os.path.join(OUTPUT_DIR, "reconstructions.png"),
    num_rows=2,
    scale=2,
)

"""
## Codebook usage

Count how often every code occurs in the test split's token grids, sorted
from the most to the least used. A healthy codebook has a long, flat curve; a
collapsed one drops to zero after a few codes.
"""


def code_counts(model, images):
    ids = np.concatenate(
        [
            np.asarray(model.tokenize(images[i : i + 1000]))
            for i in range(0, len(images), 1000)
        ]
    )
    return np.bincount(ids.ravel(), minlength=model.vocabulary_size)


models = {
    "trained here": vqvae,
    "pretrained": kerasgen.models.VQVAE.from_preset("vqvae_fashion_mnist"),
}
num_eval = 1000 if SMOKE else len(x_test)
plt.figure(figsize=(7, 4))
for name, model in models.items():
    counts = code_counts(model, x_test[:num_eval])
    share = counts / counts.sum()
    nonzero = share[share > 0]
    perplexity = np.exp(-np.sum(nonzero * np.log(nonzero)))
    print(
        f"{name}: {np.mean(counts > 0):.1%} of the codes used, "
        f"perplexity {perplexity:.1f} of {model.vocabulary_size}"
    )
    plt.plot(np.sort(counts)[::-1], label=name)
plt.yscale("symlog")
plt.xlabel("code (sorted by frequency)")
plt.ylabel("occurrences in the test tokens")
plt.legend()
plt.tight_layout()
plt.savefig(os.path.join(OUTPUT_DIR, "codebook_usage.png"))

"""
## Save and reload

The `.keras` file holds the codebook and its EMA statistics, so the
reloaded model tokenizes identically (and would continue training exactly).
"""

path = os.path.join(OUTPUT_DIR, "vq_vae.keras")
vqvae.save(path)
reloaded = keras.saving.load_model(path)
np.testing.assert_array_equal(reloaded.tokenize(images), token_ids)
print("reloaded model gives the same tokens")

"""
## What next

The tokens are only useful with a model of their distribution: `generate()`
decodes token grids drawn uniformly, which look like noise made of clothing
parts. A transformer over the 49 tokens (the token transformers of a later
tutorial) learns that prior. `examples/vqgan.py` trains the same tokenizer
with perceptual and adversarial losses for sharper reconstructions.
"""
