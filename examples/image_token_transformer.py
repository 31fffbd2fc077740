"""
Title: A class-conditional transformer over VQ-GAN tokens, with guidance
Author: the kerasgen team
Date created: 2026/12/01
Last modified: 2026/12/01
Description: Turn Fashion-MNIST images into 7x7 grids of VQ-GAN token ids,
train a GPT-style transformer on the grids with `model.fit`, and sample it
with keras-hub samplers and classifier-free guidance.
Accelerator: None (about 10 minutes on 2 CPU cores; `--smoke`: about two
minutes)
"""

"""
## Introduction

The second stage of VQ-VAE and VQ-GAN ("taming transformers", Esser et al.
2021): a tokenizer turns every image into a small grid of discrete ids, and
an autoregressive transformer learns the distribution of those grids in
raster order, like a language model learns sentences. A new image is a
sampled grid, decoded by the tokenizer. Here the grid is 7x7 = 49 ids from
a codebook of 512 (`vqgan_fashion_mnist`, bundled with kerasgen), and the
transformer sees the class first (LlamaGen's class token). Training drops
the class 10% of the time (a "null" class), so sampling can use
classifier-free guidance: `logits = uncond + s * (cond - uncond)`.

Run `python examples/image_token_transformer.py` (outputs in
`image_token_transformer_output/`), or with `--smoke` for a short check.
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
import kerasgen.evaluation  # noqa: E402
from kerasgen.datasets import fashion_mnist  # noqa: E402

SMOKE = "--smoke" in sys.argv
NUM_TRAIN = 512 if SMOKE else 20000
EPOCHS = 1 if SMOKE else 3
OUTPUT_DIR = os.environ.get(
    "KERASGEN_EXAMPLE_OUTPUT", "image_token_transformer_output"
)
SEED = 0
keras.utils.set_random_seed(SEED)
os.makedirs(OUTPUT_DIR, exist_ok=True)

"""
## Images as grids of token ids

The tokenizer's encoder maps a 28x28 image to a 7x7 grid of vectors, and
its quantizer replaces each vector by the id of the nearest of 512 codebook
vectors. `detokenize` decodes a grid back to an image.
"""

(x_train, y_train), (x_test, y_test) = fashion_mnist.load_data()
x_train, y_train = x_train[:NUM_TRAIN, ..., None], y_train[:NUM_TRAIN]
x_test, y_test = x_test[..., None], y_test

tokenizer = kerasgen.models.VQGAN.from_preset("vqgan_fashion_mnist")
ids = np.asarray(tokenizer.tokenize(x_test[:8]))
print("token ids of the first test image (a 7x7 grid):")
print(ids[0])
decoded = kerasgen.utils.image_utils.float_to_uint8(tokenizer.detokenize(ids))
# Each id as a gray level, blown up to the image size: the token picture.
id_pictures = np.kron(ids * (255 / 511), np.ones((4, 4)))[..., None]
kerasgen.utils.save_image_grid(
    np.concatenate([x_test[:8], id_pictures.astype("uint8"), decoded]),
    os.path.join(OUTPUT_DIR, "tokens.png"),
    num_rows=3,
    scale=3,
)

"""
## The transformer

`ImageTokenTransformer` holds the tokenizer (frozen, and saved as a
reference to its preset, not copied) and a `CausalTransformer`: 49
positions, the class id first. `fit` takes the images and their labels and
tokenizes on the fly; the loss is the negative log-likelihood per token.
"""

model = kerasgen.models.ImageTokenTransformer(
    tokenizer,
    num_classes=10,
    label_dropout=0.1,
    num_layers=2 if SMOKE else 4,
    num_heads=2 if SMOKE else 4,
    hidden_dim=32 if SMOKE else 128,
    intermediate_dim=64 if SMOKE else 512,
    seed=SEED,
)
model.compile()
model.fit(x_train, y_train, epochs=EPOCHS, batch_size=64, verbose=2)
logs = model.evaluate(x_test[:1000], y_test[:1000], return_dict=True, verbose=0)
print(f"test: {logs['bits_per_token']:.3f} bits/token")

"""
## Sampling: keras-hub samplers and the guidance scale

`generate(labels, ...)` runs keras-hub's sampler in one compiled loop with
the transformer's key/value cache: `top_k`, `top_p`, `temperature` or
`sampler="greedy"`. The guidance scale trades diversity for agreement with
the class; `fmnist_features`, the bundled classifier, tells which class a
sample looks like.
"""

labels = np.repeat(np.arange(10), 2)
rows = [model.generate(labels, seed=SEED)]
for scale in (1.5, 3.0):
    rows.append(model.generate(labels, seed=SEED, guidance_scale=scale))
kerasgen.utils.save_image_grid(
    np.concatenate(rows),
    os.path.join(OUTPUT_DIR, "guidance.png"),
    num_rows=3,
    scale=2,
)
for scale in (1.0, 3.0):
    kwargs = {} if scale == 1.0 else {"guidance_scale": scale}
    result = kerasgen.evaluation.evaluate(
        model,
        metrics=["label_agreement"],
        num_samples=100 if SMOKE else 1000,
        seed=SEED,
        verbose=0,
        generate_kwargs=kwargs,
    )
    print(f"guidance {scale}: label agreement {result['label_agreement']:.3f}")
top_k = model.generate(labels, seed=SEED, top_k=20, return_token_ids=True)
print("a top-k sampled grid:")
print(top_k["token_ids"][0])
path = os.path.join(OUTPUT_DIR, "image_token_transformer.keras")
model.save(path)
assert np.array_equal(
    keras.saving.load_model(path).generate(labels[:2], seed=3),
    model.generate(labels[:2], seed=3),
)

"""
## The pretrained model

`token_transformer_vqgan_fashion_mnist` ships with kerasgen: the same
architecture as the full run above, trained on the 60,000 training images
(its card has the recipe, FID and label agreement against the guidance
scale). One row per guidance scale:
"""

pretrained = kerasgen.models.ImageTokenTransformer.from_preset(
    "token_transformer_vqgan_fashion_mnist"
)
bits = pretrained.evaluate(
    x_test[:1000], y_test[:1000], return_dict=True, verbose=0
)["bits_per_token"]
print(f"pretrained: {bits:.3f} bits/token on 1000 test images")
rows = [pretrained.generate(labels, seed=SEED)]
for scale in (1.5, 3.0):
    rows.append(pretrained.generate(labels, seed=SEED, guidance_scale=scale))
kerasgen.utils.save_image_grid(
    np.concatenate(rows),
    os.path.join(OUTPUT_DIR, "pretrained.png"),
    num_rows=3,
    scale=2,
)
print(f"Pictures written to {OUTPUT_DIR}/")
