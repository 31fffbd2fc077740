#!/usr/bin/env bash
# Recipe of the vae_fashion_mnist bundle. Run from the repository root after
# `make venv`; about 25 minutes on 2 CPU cores. Then writes the bundle and
# measures the test negative ELBO in bits/dim next to the per-pixel histogram
# baseline, and draws the latent scatter plot of the model card.
set -euo pipefail
RUN=${RUN:-runs/vae_fashion_mnist}
.venv/bin/kerasgen train vae --dataset fashion_mnist --epochs 12 \
  --batch-size 128 --latent-dim 16 --likelihood discretized_logistic \
  --learning-rate 1e-3 --seed 0 --output-dir "$RUN" --verbose 2
.venv/bin/kerasgen bundle "$RUN/model.keras" applications/vae_fashion_mnist \
  --metrics bits_per_dim,evaluate,histogram_bits_per_dim \
  --dataset fashion_mnist --split test --seed 0 \
  --license "Apache-2.0 (weights); Fashion-MNIST is MIT" \
  --preview samples.png --preview-images 64
.venv/bin/python applications/vae_fashion_mnist/latent_scatter.py \
  applications/vae_fashion_mnist
