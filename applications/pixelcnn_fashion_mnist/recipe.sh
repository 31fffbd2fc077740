#!/usr/bin/env bash
# Recipe of the pixelcnn_fashion_mnist bundle. Run from the repository root
# after `make venv`; the training took 26 minutes on 2 CPU cores (README.md).
set -euo pipefail
RUN=${RUN:-runs/pixelcnn_fashion_mnist}
.venv/bin/kerasgen train pixelcnn --dataset fashion_mnist --epochs 3 \
  --batch-size 64 --filters 64 --num-blocks 6 --output-filters 128 \
  --seed 0 --output-dir "$RUN" --verbose 2
.venv/bin/kerasgen bundle "$RUN/model.keras" applications/pixelcnn_fashion_mnist \
  --metrics bits_per_dim,histogram_bits_per_dim,fid,kid \
  --dataset fashion_mnist --split test --seed 0 --num-samples 10000 \
  --license "Apache-2.0 (weights); Fashion-MNIST is MIT" \
  --preview samples.png --preview-images 64
