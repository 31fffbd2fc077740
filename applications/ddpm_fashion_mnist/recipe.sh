#!/usr/bin/env bash
# Recipe of the ddpm_fashion_mnist bundle. Run from the repository root after
# `make venv`. Trains on 2 CPU cores (the time is in the model card), then
# writes the bundle and measures it: FID/KID of 10,000 samples (DDPM ancestral,
# 20 steps) with the fmnist_features network. The variational bound and the
# per-scheduler FID table of the card are measured by the commands it lists.
set -euo pipefail
RUN=${RUN:-runs/ddpm_fashion_mnist}
EPOCHS=${EPOCHS:-3}
.venv/bin/kerasgen train ddpm --dataset fashion_mnist --epochs "$EPOCHS" \
  --batch-size 128 --learning-rate 5e-4 --ema 0.9999 --seed 0 \
  --output-dir "$RUN" --verbose 2
.venv/bin/kerasgen bundle "$RUN/model.keras" applications/ddpm_fashion_mnist \
  --metrics fid,kid --dataset fashion_mnist --split test \
  --feature-extractor fmnist_features --num-samples 10000 --seed 0 \
  --generate-kwargs scheduler=ddpm,num_steps=20 \
  --license "Apache-2.0 (weights); Fashion-MNIST is MIT" \
  --preview samples.png --preview-images 100
