#!/usr/bin/env bash
# Recipe of the liquid_fashion_mnist bundle (Liquid-style): a small GPT-2
# (keras-hub GPT2CausalLM) over a byte-level BPE of the caption words is
# pretrained on the training captions alone (--text-epochs), extended by the
# 512 ids of vqgan_fashion_mnist plus <boi>/<eoi> (new rows mean-initialised),
# then fine-tuned on caption -> image and image -> caption sequences. Run
# from the repository root after `make venv`; see README.md for the time.
set -euo pipefail
RUN=${RUN:-runs/liquid_fashion_mnist}
.venv/bin/kerasgen train liquid_transformer --dataset fashion_mnist \
  --tokenizer vqgan_fashion_mnist --text-epochs 2 --epochs 7 \
  --batch-size 64 --num-layers 4 --num-heads 4 --hidden-dim 128 \
  --intermediate-dim 512 --max-text-length 8 --caption-dropout 0.1 \
  --image-first-rate 0.5 --jit-compile true --seed 0 --output-dir "$RUN" \
  --verbose 2
.venv/bin/kerasgen bundle "$RUN/model.keras" applications/liquid_fashion_mnist \
  --metrics text_to_image,image_to_text,caption_perplexity \
  --dataset fashion_mnist --split test --seed 0 --num-samples 2000 \
  --generate-kwargs guidance_scale=3 \
  --license "Apache-2.0 (weights); Fashion-MNIST is MIT" \
  --preview samples.png --preview-images 40
