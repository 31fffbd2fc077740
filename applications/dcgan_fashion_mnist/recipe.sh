#!/usr/bin/env bash
# Recipe of the dcgan_fashion_mnist bundle. Run from the repository root after
# `make venv`. Trains on 2 CPU cores (the time is in the model card), then
# writes the bundle and measures it: FID/KID of 10,000 samples with the
# fmnist_features network, and the floor of 10,000 real training images.
set -euo pipefail
RUN=${RUN:-runs/dcgan_fashion_mnist}
EPOCHS=${EPOCHS:-3}
.venv/bin/kerasgen train gan --dataset fashion_mnist --epochs "$EPOCHS" \
  --batch-size 64 --seed 0 --jit-compile false --output-dir "$RUN" --verbose 2
.venv/bin/kerasgen bundle "$RUN/model.keras" applications/dcgan_fashion_mnist \
  --metrics fid,kid,real_fid,real_kid --dataset fashion_mnist --split test \
  --feature-extractor fmnist_features --num-samples 10000 --seed 0 \
  --license "Apache-2.0 (weights); Fashion-MNIST is MIT" \
  --preview samples.png --preview-images 100
