#!/usr/bin/env bash
# Recipe of the noise_classifier_fashion_mnist bundle: the noise-aware
# classifier of classifier guidance for ddpm_fashion_mnist (same linear
# schedule, T = 1000). Run from the repository root after `make venv`.
# Trains on 2 CPU cores, then writes the bundle and measures its loss and
# accuracy on noisy test images (uniform t).
set -euo pipefail
RUN=${RUN:-runs/noise_classifier_fashion_mnist}
EPOCHS=${EPOCHS:-2}
.venv/bin/kerasgen train noise_classifier --dataset fashion_mnist \
  --epochs "$EPOCHS" --batch-size 128 --learning-rate 1e-3 --seed 0 \
  --output-dir "$RUN" --verbose 2
.venv/bin/kerasgen bundle "$RUN/model.keras" \
  applications/noise_classifier_fashion_mnist --metrics evaluate \
  --dataset fashion_mnist --split test --num-samples 10000 --seed 0 \
  --license "Apache-2.0 (weights); Fashion-MNIST is MIT" \
  --preview noisy_inputs.png --preview-images 64
