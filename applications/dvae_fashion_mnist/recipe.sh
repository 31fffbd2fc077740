#!/usr/bin/env bash
# Recipe of the dvae_fashion_mnist bundle. Run from the repository root after
# `make venv`. Trains the DALL-E style discrete VAE (Gumbel-softmax, the
# temperature annealed from 1 to 1/16; about 50 minutes on 2 CPU cores), then
# writes the bundle and measures its reconstructions of the test split.
set -euo pipefail
RUN=${RUN:-runs/dvae_fashion_mnist}
EPOCHS=${EPOCHS:-2}
.venv/bin/kerasgen train dvae --epochs "$EPOCHS" --batch-size 128 --learning-rate 1e-3 \
  --jit-compile true --seed 0 --verbose 2 --output-dir "$RUN"
.venv/bin/kerasgen bundle "$RUN/model.keras" applications/dvae_fashion_mnist \
  --metrics mse,psnr,reconstruction_fid,reconstruction_kid,codebook_usage,codebook_perplexity,real_fid \
  --dataset fashion_mnist --split test --feature-extractor fmnist_features \
  --num-samples 10000 --seed 0 \
  --license "Apache-2.0 (weights); Fashion-MNIST is MIT" \
  --preview reconstructions.png --preview-images 64
