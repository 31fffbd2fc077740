#!/usr/bin/env bash
# Recipe of the gated_pixelcnn_fashion_mnist bundle (class-conditional, with
# classifier-free guidance). Run from the repository root after `make venv`;
# see README.md for the time.
set -euo pipefail
RUN=${RUN:-runs/gated_pixelcnn_fashion_mnist}
.venv/bin/kerasgen train gated_pixelcnn --dataset fashion_mnist --epochs 4 \
  --batch-size 64 --filters 24 --num-layers 12 --kernel-size 5 \
  --output-filters 64 --label-dropout 0.1 --jit-compile true --seed 0 \
  --output-dir "$RUN" \
  --verbose 2
.venv/bin/kerasgen bundle "$RUN/model.keras" applications/gated_pixelcnn_fashion_mnist \
  --metrics bits_per_dim,histogram_bits_per_dim,fid,kid,label_agreement \
  --dataset fashion_mnist --split test --seed 0 --num-samples 2000 \
  --generate-kwargs guidance_scale=4 \
  --license "Apache-2.0 (weights); Fashion-MNIST is MIT" \
  --preview samples.png --preview-images 64
