#!/usr/bin/env bash
# Recipe of the image_transformer_fashion_mnist bundle. Run from the repository
# root after `make venv` (README.md gives the time it took).
set -euo pipefail
RUN=${RUN:-runs/image_transformer_fashion_mnist}
.venv/bin/kerasgen train image_transformer --dataset fashion_mnist --epochs 2 \
  --batch-size 64 --attention local_1d --query-block 56 --memory 56 \
  --jit-compile true --seed 0 --output-dir "$RUN" --verbose 2
.venv/bin/kerasgen bundle "$RUN/model.keras" applications/image_transformer_fashion_mnist \
  --metrics bits_per_dim,histogram_bits_per_dim,fid,kid \
  --dataset fashion_mnist --split test --seed 0 --num-samples 2000 \
  --license "Apache-2.0 (weights); Fashion-MNIST is MIT" \
  --preview samples.png --preview-images 64
