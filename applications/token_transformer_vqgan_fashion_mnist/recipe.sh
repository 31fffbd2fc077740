#!/usr/bin/env bash
# Recipe of the token_transformer_vqgan_fashion_mnist bundle: a
# class-conditional transformer over the 7x7 token grids of
# vqgan_fashion_mnist. Run from the repository root after `make venv`; see
# README.md for the time.
set -euo pipefail
RUN=${RUN:-runs/token_transformer_vqgan_fashion_mnist}
.venv/bin/kerasgen train token_transformer --dataset fashion_mnist \
  --tokenizer vqgan_fashion_mnist --epochs 8 --batch-size 64 \
  --num-layers 4 --num-heads 4 --hidden-dim 128 --intermediate-dim 512 \
  --label-dropout 0.1 --jit-compile true --seed 0 --output-dir "$RUN" \
  --verbose 2
.venv/bin/kerasgen bundle "$RUN/model.keras" \
  applications/token_transformer_vqgan_fashion_mnist \
  --metrics evaluate,fid,kid,label_agreement \
  --dataset fashion_mnist --split test --seed 0 --num-samples 10000 \
  --generate-kwargs guidance_scale=3 \
  --license "Apache-2.0 (weights); Fashion-MNIST is MIT" \
  --preview samples.png --preview-images 64
