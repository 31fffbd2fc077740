#!/usr/bin/env bash
# Recipe of the vqvae_fashion_mnist bundle. Run from the repository root after
# `make venv`. Trains the VQ-VAE with dead-code restarts and, for comparison,
# the same model without them (about 12 minutes each on 2 CPU cores), then
# writes the bundle of the first and measures both on the test split (the
# comparison's numbers go to $RUN_NO_RESTART/metrics.json, quoted in the
# model card).
set -euo pipefail
RUN=${RUN:-runs/vqvae_fashion_mnist}
RUN_NO_RESTART=${RUN_NO_RESTART:-runs/vqvae_no_restart}
EPOCHS=${EPOCHS:-2}
METRICS=mse,psnr,reconstruction_fid,reconstruction_kid,codebook_usage,codebook_perplexity
.venv/bin/kerasgen train vqvae --epochs "$EPOCHS" --batch-size 128 \
  --jit-compile true --seed 0 --verbose 2 --output-dir "$RUN"
.venv/bin/kerasgen train vqvae --epochs "$EPOCHS" --batch-size 128 \
  --jit-compile true --seed 0 --verbose 2 --dead-code-threshold 0 \
  --output-dir "$RUN_NO_RESTART"
.venv/bin/kerasgen bundle "$RUN/model.keras" applications/vqvae_fashion_mnist \
  --metrics "$METRICS,real_fid" --dataset fashion_mnist --split test \
  --feature-extractor fmnist_features --num-samples 10000 --seed 0 \
  --license "Apache-2.0 (weights); Fashion-MNIST is MIT" \
  --preview reconstructions.png --preview-images 64
.venv/bin/kerasgen evaluate "$RUN_NO_RESTART/model.keras" --metrics "$METRICS" \
  --dataset fashion_mnist --split test --feature-extractor fmnist_features \
  --num-samples 10000 --seed 0 --output-json "$RUN_NO_RESTART/metrics.json"
