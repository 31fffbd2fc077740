#!/usr/bin/env bash
# Recipe of the vqvae_fashion_mnist bundle. Run from the repository root after
# `make venv`. Trains the VQ-VAE with dead-code restarts and, for comparison,
# the same model without them (about 12 minutes each on 2 CPU cores), then
# measures both on the test split and writes the bundle of the first.
set -euo pipefail
RUN=${RUN:-runs/vqvae_fashion_mnist}
RUN_NO_RESTART=${RUN_NO_RESTART:-runs/vqvae_no_restart}
EPOCHS=${EPOCHS:-2}
.venv/bin/kerasgen train vqvae --epochs "$EPOCHS" --batch-size 128 \
  --jit-compile true --seed 0 --verbose 2 --output-dir "$RUN"
.venv/bin/kerasgen train vqvae --epochs "$EPOCHS" --batch-size 128 \
  --jit-compile true --seed 0 --verbose 2 --dead-code-threshold 0 \
  --output-dir "$RUN_NO_RESTART"
.venv/bin/python applications/tokenizer_bundle.py "$RUN/model.keras" \
  applications/vqvae_fashion_mnist \
  --compare "no_restart=$RUN_NO_RESTART/model.keras"
