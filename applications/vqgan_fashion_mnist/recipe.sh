#!/usr/bin/env bash
# Recipe of the vqgan_fashion_mnist bundle. Run from the repository root after
# `make venv`. Trains the VQ-GAN (same networks and quantizer as
# vqvae_fashion_mnist, plus perceptual and PatchGAN losses; about 50 minutes
# on 2 CPU cores), then writes the bundle (without the discriminator and the
# perceptual network, which only training needs) and measures its
# reconstructions of the test split.
set -euo pipefail
RUN=${RUN:-runs/vqgan_fashion_mnist}
EPOCHS=${EPOCHS:-2}
.venv/bin/kerasgen train vqgan --epochs "$EPOCHS" --batch-size 128 \
  --discriminator-start 400 --seed 0 --verbose 2 --output-dir "$RUN"
.venv/bin/kerasgen bundle "$RUN/model.keras" applications/vqgan_fashion_mnist \
  --metrics mse,psnr,reconstruction_fid,reconstruction_kid,codebook_usage,codebook_perplexity,real_fid \
  --dataset fashion_mnist --split test --feature-extractor fmnist_features \
  --num-samples 10000 --seed 0 \
  --license "Apache-2.0 (weights); Fashion-MNIST is MIT" \
  --preview reconstructions.png --preview-images 64
