#!/usr/bin/env bash
# Recipe of the fmnist_features bundle. Run from the repository root after
# `make venv`; see README.md for the measured time on 2 CPU cores.
set -euo pipefail
/usr/bin/time -v .venv/bin/python applications/fmnist_features/train.py \
  --output-dir applications/fmnist_features --epochs 12 --batch-size 128 \
  --learning-rate 2e-3 --stem-filters 32 --stem-kernel-size 3 \
  --stem-strides 1 --filters 64,128 --convs-per-block 1 --feature-dim 128 \
  --dropout-rate 0.3 --augment flip --label-smoothing 0.1 --seed 0 \
  --eval-every-epoch --verbose 2
# Measure the bundle and write its metadata commands and card table (the
# weights are not re-saved differently: their sha256 names the feature space).
.venv/bin/kerasgen bundle applications/fmnist_features applications/fmnist_features \
  --metrics classifier_accuracy --dataset fashion_mnist --split test \
  --feature-extractor fmnist_features --num-samples 10000 --seed 0
