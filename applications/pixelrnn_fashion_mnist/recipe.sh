#!/usr/bin/env bash
# Recipe of the pixelrnn_fashion_mnist bundle. Run from the repository root
# after `make venv` (README.md gives the time it took).
set -euo pipefail
RUN=${RUN:-runs/pixelrnn_fashion_mnist}
.venv/bin/kerasgen train pixelrnn --dataset fashion_mnist --epochs 2 \
  --batch-size 64 --cell row_lstm --hidden-dim 32 --num-layers 4 \
  --seed 0 --output-dir "$RUN" --verbose 2
.venv/bin/kerasgen bundle "$RUN/model.keras" applications/pixelrnn_fashion_mnist \
  --metrics bits_per_dim,histogram_bits_per_dim,fid,kid \
  --dataset fashion_mnist --split test --seed 0 --num-samples 10000 \
  --license "Apache-2.0 (weights); Fashion-MNIST is MIT" \
  --preview samples.png --preview-images 64
