#!/usr/bin/env bash
# Recipe of the dvae_fashion_mnist bundle. Run from the repository root after
# `make venv`. Trains the DALL-E style discrete VAE (Gumbel-softmax, the
# temperature annealed from 1 to 1/16; about 50 minutes on 2 CPU cores), then
# measures it on the test split and writes the bundle.
set -euo pipefail
RUN=${RUN:-runs/dvae_fashion_mnist}
EPOCHS=${EPOCHS:-2}
.venv/bin/kerasgen train dvae --epochs "$EPOCHS" --batch-size 128 --learning-rate 1e-3 \
  --jit-compile true --seed 0 --verbose 2 --output-dir "$RUN"
.venv/bin/python applications/tokenizer_bundle.py "$RUN/model.keras" \
  applications/dvae_fashion_mnist
