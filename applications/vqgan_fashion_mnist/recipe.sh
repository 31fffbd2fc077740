#!/usr/bin/env bash
# Recipe of the vqgan_fashion_mnist bundle. Run from the repository root after
# `make venv`. Trains the VQ-GAN (same networks and quantizer as
# vqvae_fashion_mnist, plus perceptual and PatchGAN losses; about 50 minutes
# on 2 CPU cores), then measures it on the test split and writes the bundle.
set -euo pipefail
RUN=${RUN:-runs/vqgan_fashion_mnist}
EPOCHS=${EPOCHS:-2}
.venv/bin/kerasgen train vqgan --epochs "$EPOCHS" --batch-size 128 \
  --discriminator-start 400 --seed 0 --verbose 2 --output-dir "$RUN"
.venv/bin/python applications/tokenizer_bundle.py "$RUN/model.keras" \
  applications/vqgan_fashion_mnist
