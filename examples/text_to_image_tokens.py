"""
Title: Text and image tokens in one transformer (Chameleon and Liquid style)
Author: the kerasgen team
Date created: 2026/12/01
Last modified: 2026/12/01
Description: Caption Fashion-MNIST from its pixels, train one transformer
on caption -> image and image -> caption sequences of text ids and VQ-GAN
image ids, then draw images from prompts, caption images, and add image
ids to a keras-hub language model's vocabulary.
Accelerator: None (about 10 minutes on 2 CPU cores; `--smoke`: about two
minutes)
"""

"""
## Introduction

Early-fusion models (DALL-E 1, Chameleon) put text and images into one
token stream: an image tokenizer turns a picture into a grid of ids, those
ids join the word ids in one vocabulary, and a single decoder-only
transformer learns sequences such as

    <bos> a photo of a dark coat <boi> 49 image ids <eoi> <eos>
    <bos> <boi> 49 image ids <eoi> a photo of a dark coat <eos>

so that the same model draws an image after a caption and writes a caption
after an image. A token mask keeps each image span exactly 49 image ids
long. Liquid goes one step further and adds the image ids to an existing
language model's vocabulary.

Run `python examples/text_to_image_tokens.py` (outputs in
`text_to_image_tokens_output/`), or with `--smoke` for a short check.
"""

"""
## Setup
"""

import os
import sys

os.environ.setdefault("KERAS_BACKEND", "tensorflow")

import keras  # noqa: E402
import keras_hub  # noqa: E402
import numpy as np  # noqa: E402

import kerasgen  # noqa: E402
from kerasgen.datasets import fashion_mnist_captions  # noqa: E402

SMOKE = "--smoke" in sys.argv
NUM_TRAIN = 512 if SMOKE else 20000
EPOCHS = 1 if SMOKE else 3
OUTPUT_DIR = os.environ.get(
    "KERASGEN_EXAMPLE_OUTPUT", "text_to_image_tokens_output"
)
SEED = 0
keras.utils.set_random_seed(SEED)
os.makedirs(OUTPUT_DIR, exist_ok=True)

"""
## Captions made from the pixels

`fashion_mnist_captions` writes a caption for every image from its label
and two attributes it measures on the image itself (garment brightness:
dark or light; texture: plain or patterned), with three templates. The
attribute functions are public, so a generated image can be checked
against its prompt.
"""

(x_train, c_train, y_train), (x_test, c_test, y_test) = (
    fashion_mnist_captions.load_data()
)
for text in c_test[:6]:
    print(text)
tokenizer = fashion_mnist_captions.text_tokenizer()
print("vocabulary:", fashion_mnist_captions.vocabulary())
print("'a photo of a shiny coat' ->", tokenizer(["a photo of a shiny coat"]))

"""
## One transformer for both directions

`TextImageTransformer` holds the frozen `vqgan_fashion_mnist` tokenizer (a
reference to its preset) and a `CausalTransformer` with QK-norm. It trains
on `{"images", "caption_ids"}`; half of the sequences put the image first.
"""

model = kerasgen.models.TextImageTransformer(
    "vqgan_fashion_mnist",
    fashion_mnist_captions.vocabulary(),
    max_text_length=8,
    num_layers=2 if SMOKE else 4,
    num_heads=2 if SMOKE else 4,
    hidden_dim=32 if SMOKE else 128,
    intermediate_dim=64 if SMOKE else 512,
    seed=SEED,
)
model.compile()
inputs = {
    "images": x_train[:NUM_TRAIN, ..., None],
    "caption_ids": model.tokenize_captions(c_train[:NUM_TRAIN]),
}
model.fit(inputs, epochs=EPOCHS, batch_size=64, verbose=2)

"""
## Prompt -> image, image -> caption

`generate(prompts, guidance_scale=s)` samples the 49 image ids under the
token mask (classifier-free guidance against the caption-less sequence);
`caption(images)` writes the words after `<eoi>` greedily.
"""

prompts = [
    f"a photo of a {shade} {name}"
    for shade in ("dark", "light")
    for name in fashion_mnist_captions.CLASS_WORDS
]
images = model.generate(prompts, seed=SEED, guidance_scale=3.0)
kerasgen.utils.save_image_grid(
    images, os.path.join(OUTPUT_DIR, "prompts.png"), num_rows=2, scale=2
)
print(
    "measured brightness of the dark row:",
    fashion_mnist_captions.brightness(images[:10]).tolist(),
)
for image_caption, truth in zip(model.caption(x_test[:4, ..., None]), c_test):
    print(f"caption: {image_caption!r} (dataset: {truth!r})")
sequences = model.sample_sequences(4, seed=SEED)
print("a free-running sequence:", sequences[0].tolist())

"""
## Liquid: image ids added to a language model

`extend_vocabulary(causal_lm, n)` rebuilds a keras-hub causal LM with `n`
more ids (here the 512 image ids plus `<boi>` and `<eoi>`), copies every
weight and sets the new embedding rows to the mean of the old ones: the old
tokens' logits do not change. With internet, the same call extends
`keras_hub.models.GPT2CausalLM.from_preset("gpt2_base_en")`; here a small
GPT-2 built from a config, over `fashion_mnist_captions.gpt2_tokenizer()`:
GPT-2's own byte-level BPE tokenizer class with a vocabulary made for the
captions (every caption word one id, anything else split down to bytes).
"""

text_tokenizer = fashion_mnist_captions.gpt2_tokenizer()
backbone = keras_hub.models.GPT2Backbone(
    vocabulary_size=text_tokenizer.vocabulary_size(),
    num_layers=2,
    num_heads=2,
    hidden_dim=32,
    intermediate_dim=64,
    max_sequence_length=64,
    dropout=0.0,
)
language_model = keras_hub.models.GPT2CausalLM(
    backbone, keras_hub.models.GPT2CausalLMPreprocessor(text_tokenizer)
)
extended = kerasgen.models.extend_vocabulary(language_model, 512 + 2)
ids = np.asarray(text_tokenizer(["a photo of a dark coat"]))
x = {"token_ids": ids, "padding_mask": np.ones_like(ids, bool)}
old, new = language_model(x), extended(x)
print(
    f"vocabulary {backbone.vocabulary_size} -> "
    f"{extended.backbone.vocabulary_size}; old-token logits equal: "
    f"{bool(np.allclose(new[..., : backbone.vocabulary_size], old, atol=1e-6))}"
)

"""
`LiquidTransformer` does this for you and trains the extended LM on the
same two kinds of sequence as above. Liquid's recipe is: pretrain the LM on
text, extend it, fine-tune on text and images. `fit_text` is the first step
(the softmax over the text ids only, so the image rows stay untouched and
are then set to the mean of the text rows), and `caption_perplexity`
measures what the images cost the language model.
"""

liquid = kerasgen.models.LiquidTransformer(
    "vqgan_fashion_mnist", language_model, max_text_length=8, seed=SEED
)
test_captions = list(c_test[:500])
print(
    "caption perplexity, untrained:",
    round(liquid.caption_perplexity(test_captions, text_only=True), 1),
)
# Text alone is cheap: eight times the captions of the image training.
liquid.fit_text(
    list(c_train[: 8 * NUM_TRAIN]),
    epochs=EPOCHS,
    learning_rate=1e-3,
    verbose=2,
)
print(
    "after text pretraining:",
    round(liquid.caption_perplexity(test_captions, text_only=True), 2),
)
liquid.compile()
liquid_inputs = {
    "images": inputs["images"],  # the caption ids are the LM tokenizer's
    "caption_ids": liquid.tokenize_captions(c_train[:NUM_TRAIN]),
}
liquid.fit(liquid_inputs, epochs=EPOCHS, batch_size=64, verbose=2)
print(
    "after the image fine-tuning:",
    round(liquid.caption_perplexity(test_captions, text_only=True), 2),
)

"""
## The pretrained model

`text_image_transformer_fashion_mnist` ships with kerasgen (its card has
the recipe and the text -> image and image -> text numbers).
"""

pretrained = kerasgen.models.TextImageTransformer.from_preset(
    "text_image_transformer_fashion_mnist"
)
images = pretrained.generate(prompts, seed=SEED, guidance_scale=3.0)
kerasgen.utils.save_image_grid(
    images, os.path.join(OUTPUT_DIR, "pretrained.png"), num_rows=2, scale=2
)
captions = pretrained.caption(x_test[:100, ..., None])
named = [
    fashion_mnist_captions.parse_caption(c)["label"] == y
    for c, y in zip(captions, y_test[:100])
]
print(
    f"pretrained: captions name the class of {np.mean(named):.0%} "
    "of 100 test images"
)
print(f"Pictures written to {OUTPUT_DIR}/")
