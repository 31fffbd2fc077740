#!/usr/bin/env bash
# Recipe of the cgan_fashion_mnist bundle. Run from the repository root after
# `make venv`. Trains on 2 CPU cores (the time is in the model card), then
# measures FID/KID with the fmnist_features network and writes the bundle.
set -euo pipefail
RUN=${RUN:-runs/cgan_fashion_mnist}
EPOCHS=${EPOCHS:-5}
.venv/bin/kerasgen train cgan --dataset fashion_mnist --epochs "$EPOCHS" \
  --batch-size 64 --seed 0 --jit-compile false --output-dir "$RUN" --verbose 2
.venv/bin/python applications/gan_bundle.py "$RUN/model.keras" \
  applications/cgan_fashion_mnist
