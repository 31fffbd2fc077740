#!/usr/bin/env bash
# Recipe of the text_image_transformer_fashion_mnist bundle: one
# transformer over caption words and the 7x7 token grids of
# vqgan_fashion_mnist (Chameleon-style early fusion). Run from the
# repository root after `make venv`; see README.md for the time.
set -euo pipefail
RUN=${RUN:-runs/text_image_transformer_fashion_mnist}
# Epochs 1-6 with half the sequences image -> caption, then epochs 7-8
# (the same run resumed from RUN/backup) with 90% of them, for captioning.
.venv/bin/kerasgen train text_image_transformer --dataset fashion_mnist \
  --tokenizer vqgan_fashion_mnist --epochs 6 --batch-size 64 \
  --num-layers 4 --num-heads 4 --hidden-dim 128 --intermediate-dim 512 \
  --max-text-length 8 --caption-dropout 0.1 --image-first-rate 0.5 \
  --jit-compile true --seed 0 --output-dir "$RUN" --verbose 2
.venv/bin/kerasgen train text_image_transformer --dataset fashion_mnist \
  --tokenizer vqgan_fashion_mnist --epochs 8 --batch-size 64 \
  --num-layers 4 --num-heads 4 --hidden-dim 128 --intermediate-dim 512 \
  --max-text-length 8 --caption-dropout 0.1 --image-first-rate 0.9 \
  --jit-compile true --seed 0 --output-dir "$RUN" --verbose 2
.venv/bin/kerasgen bundle "$RUN/model.keras" \
  applications/text_image_transformer_fashion_mnist \
  --metrics text_to_image,image_to_text \
  --dataset fashion_mnist --split test --seed 0 --num-samples 2000 \
  --generate-kwargs guidance_scale=3 \
  --license "Apache-2.0 (weights); Fashion-MNIST is MIT" \
  --preview samples.png --preview-images 40
