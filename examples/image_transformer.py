"""
Title: Image Transformer on Fashion-MNIST: local attention and a KV cache
Author: the kerasgen team
Date created: 2026/12/01
Last modified: 2026/12/01
Description: Train a small Image Transformer (pixels as tokens, 2D-local
self-attention) with `model.fit`, measure its exact bits/dim, and sample it
with a key/value cache.
Accelerator: None (about 15 minutes on 2 CPU cores; `--smoke`: about a
minute)
"""

"""
## Introduction

The Image Transformer (Parmar et al. 2018) is a decoder-only transformer
over the pixels of an image in raster order: position `t` holds an
embedding of pixel `t - 1` and predicts pixel `t` with a 256-way softmax,
so `log p(x) = sum_t log p(x_t | x_<t)` is exact, like PixelCNN's. Full
attention over 784 positions costs `784^2` per layer; the paper's *local*
attention lets each block of queries attend to a memory of nearby earlier
pixels only. `kerasgen.networks.CausalTransformer` implements full,
1D-local and 2D-local patterns as exact attention masks, and a key/value
cache: sampling runs the transformer on one new position per pixel.

Run `python examples/image_transformer.py` (outputs in
`image_transformer_output/`), or with `--smoke` for a short check.
"""

"""
## Setup
"""

import os
import sys
import time

os.environ.setdefault("KERAS_BACKEND", "tensorflow")

import keras  # noqa: E402
import numpy as np  # noqa: E402

import kerasgen  # noqa: E402
from kerasgen.datasets import fashion_mnist  # noqa: E402
from kerasgen.networks.causal_transformer import attention_mask  # noqa: E402

SMOKE = "--smoke" in sys.argv
SIZE = 12 if SMOKE else 28  # the smoke run models 12x12 crops
EPOCHS = 1
NUM_TRAIN = 256 if SMOKE else 20000
OUTPUT_DIR = os.environ.get(
    "KERASGEN_EXAMPLE_OUTPUT", "image_transformer_output"
)
SEED = 0
keras.utils.set_random_seed(SEED)
os.makedirs(OUTPUT_DIR, exist_ok=True)

"""
## The attention patterns

Which earlier pixels the last pixel of a query block may attend to, on a
28x28 image, for 2D-local attention with query blocks of 4 x 7 pixels and
a memory of 4 rows above and 7 columns on either side (white: attended).
"""

positions = keras.ops.arange(28 * 28)
pattern = dict(block_shape=(4, 7), memory_shape=(4, 7), image_width=28)
mask = attention_mask(positions, positions, attention="local_2d", **pattern)
query = 13 * 28 + 20  # row 13, column 20
picture = keras.ops.convert_to_numpy(mask)[query].reshape(28, 28)
kerasgen.utils.save_image_grid(
    (picture[None, ..., None] * 255).astype("uint8"),
    os.path.join(OUTPUT_DIR, "local_2d_attention.png"),
    scale=8,
)
print(
    f"pixel (13, 20) attends to {int(picture.sum())} of {query + 1} "
    "earlier-or-same positions"
)

"""
## Data and model
"""

(x_train, _), (x_test, _) = fashion_mnist.load_data()
crop = slice((28 - SIZE) // 2, (28 - SIZE) // 2 + SIZE)
x_train = x_train[:NUM_TRAIN, crop, crop, None]
x_test = x_test[: 500 if SMOKE else 10000, crop, crop, None]

model = kerasgen.models.ImageTransformer(
    image_shape=(SIZE, SIZE, 1),
    num_layers=1 if SMOKE else 4,
    num_heads=2 if SMOKE else 4,
    hidden_dim=16 if SMOKE else 64,
    intermediate_dim=32 if SMOKE else 128,
    attention="local_2d",
    block_shape=(4, 6) if SMOKE else (4, 7),
    memory_shape=(4, 6) if SMOKE else (4, 7),
    seed=SEED,
)
model.compile()
model.summary()

"""
## Training and exact bits/dim
"""

model.fit(x_train, epochs=EPOCHS, batch_size=64, verbose=2)
metrics = model.evaluate(x_test, batch_size=100, return_dict=True, verbose=0)
print(f"test: {metrics['bits_per_dim']:.3f} bits/dim")

"""
## Sampling with and without the key/value cache

With `cache=True` each step runs the transformer on the one new position
against the cached keys and values of the earlier ones; `cache=False`
recomputes the whole sequence per pixel. Same seed, same images.
"""

timings = {}
samples = {}
for cache in (True, False):
    model.generate(num_samples=4, seed=1, cache=cache)  # compile
    start = time.perf_counter()
    samples[cache] = model.generate(num_samples=4, seed=SEED, cache=cache)
    timings[cache] = time.perf_counter() - start
    print(f"cache={cache}: {timings[cache]:.2f} s for 4 images")
assert np.array_equal(samples[True], samples[False])
print(f"KV cache speed-up: {timings[False] / timings[True]:.1f}x")
kerasgen.utils.save_image_grid(
    model.generate(num_samples=16, seed=SEED),
    os.path.join(OUTPUT_DIR, "generated.png"),
    scale=2,
)

"""
## Completion

Given the top half, the model samples the rest in raster order.
"""

known = np.zeros((4, SIZE, SIZE), bool)
known[:, : SIZE // 2] = True
completed = model.generate({"images": x_test[:4], "mask": known}, seed=SEED)
assert np.array_equal(completed[:, : SIZE // 2], x_test[:4, : SIZE // 2])
kerasgen.utils.save_image_grid(
    np.concatenate([completed, x_test[:4]]),
    os.path.join(OUTPUT_DIR, "completions.png"),
    num_rows=2,
    scale=2,
)
path = os.path.join(OUTPUT_DIR, "image_transformer.keras")
model.save(path)
assert np.array_equal(
    keras.saving.load_model(path).generate(num_samples=2, seed=3),
    model.generate(num_samples=2, seed=3),
)

"""
## The pretrained model

`image_transformer_fashion_mnist` ships with kerasgen: 4 layers of width 64
like the model above, but with 1D-local attention (query blocks of two
rows, 56 pixels, each also attending to the 56 pixels before its block),
trained for 2 epochs on the 60,000 training images. Its card lists its
test bits/dim, FID, sampling times and the recipe; here, its bits/dim on
the first test images, a few samples, and completions of the top halves.
"""

pretrained = kerasgen.models.ImageTransformer.from_preset(
    "image_transformer_fashion_mnist"
)
(_, _), (full_test, _) = fashion_mnist.load_data()
full_test = full_test[: 100 if SMOKE else 1000, ..., None]
bits = pretrained.evaluate(
    full_test, batch_size=100, return_dict=True, verbose=0
)["bits_per_dim"]
print(f"pretrained: {bits:.3f} bits/dim on {len(full_test)} test images")
half = np.zeros((4, 28, 28), bool)
half[:, :14] = True
completed = pretrained.generate(
    {"images": full_test[:4], "mask": half}, seed=SEED
)
kerasgen.utils.save_image_grid(
    np.concatenate(
        [
            pretrained.generate(num_samples=4, seed=SEED),
            completed,
            full_test[:4],
        ]
    ),
    os.path.join(OUTPUT_DIR, "pretrained.png"),
    num_rows=3,
    scale=2,
)
print(f"Pictures written to {OUTPUT_DIR}/")
