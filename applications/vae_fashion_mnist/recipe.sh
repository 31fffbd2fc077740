#!/usr/bin/env bash
# Recipe of the vae_fashion_mnist bundle. Run from the repository root after
# `make venv`; about 25 minutes on 2 CPU cores.
set -euo pipefail
RUN=${RUN:-runs/vae_fashion_mnist}
.venv/bin/kerasgen train vae --dataset fashion_mnist --epochs 12 \
  --batch-size 128 --latent-dim 16 --likelihood discretized_logistic \
  --learning-rate 1e-3 --seed 0 --output-dir "$RUN" --verbose 2
.venv/bin/python applications/vae_fashion_mnist/make_bundle.py \
  "$RUN/model.keras" applications/vae_fashion_mnist
