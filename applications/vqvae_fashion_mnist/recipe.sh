#!/usr/bin/env bash
# Recipe of the vqvae_fashion_mnist bundle. Run from the repository root after
# `make venv`. Trains the VQ-VAE with dead-code restarts and, for comparison,
# the same model without them (about 12 minutes each on 2 CPU cores), then
# measures both on the test split and writes the bundle of the first.
set -euo pipefail
RUN=${RUN:-runs/vqvae_fashion_mnist}
RUN_NO_RESTART=${RUN_NO_RESTART:-runs/vqvae_no_restart}
EPOCHS=${EPOCHS:-2}
.venv/bin/python applications/train_tokenizer.py vqvae --epochs "$EPOCHS" \
  --output-dir "$RUN"
.venv/bin/python applications/train_tokenizer.py vqvae --epochs "$EPOCHS" \
  --dead-code-threshold 0 --output-dir "$RUN_NO_RESTART"
.venv/bin/python applications/tokenizer_bundle.py "$RUN/model.keras" \
  applications/vqvae_fashion_mnist \
  --compare "no_restart=$RUN_NO_RESTART/model.keras"
