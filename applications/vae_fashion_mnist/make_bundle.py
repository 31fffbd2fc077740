"""Turns a trained VAE into the vae_fashion_mnist bundle and measures it.

Usage (from the repository root):
    .venv/bin/python applications/vae_fashion_mnist/make_bundle.py \
        runs/vae_fashion_mnist/model.keras applications/vae_fashion_mnist

Measures, in this one script, the test negative ELBO in bits/dim and the
trivial baseline of an independent per-pixel histogram fitted on the training
set (add-one smoothing), then writes the preset (config, weights, metadata
with sha256 and the metrics), a sample grid, the latent scatter plot, and
prints the metrics as JSON.
"""

import json
import os
import sys

import keras
import numpy as np

import kerasgen
from kerasgen.datasets import fashion_mnist


def histogram_bits_per_dim(x_train, x_test):
    """Test NLL (bits/dim) of independent per-pixel 256-bin histograms."""
    flat_train = x_train.reshape(len(x_train), -1)
    flat_test = x_test.reshape(len(x_test), -1)
    num_pixels = flat_train.shape[1]
    counts = np.zeros((num_pixels, 256), "float64")
    for pixel in range(num_pixels):
        counts[pixel] = np.bincount(flat_train[:, pixel], minlength=256)
    log_probs = np.log2((counts + 1.0) / (len(flat_train) + 256.0))
    nll = -log_probs[np.arange(num_pixels), flat_test].sum(axis=1)
    return float(nll.mean() / num_pixels)


def main(model_path, bundle_dir):
    model = keras.saving.load_model(model_path, safe_mode=True)
    (x_train, _), (x_test, y_test) = fashion_mnist.load_data()
    model.compile()
    test_data = kerasgen.data.image_dataset(
        (x_test[..., None]), batch_size=500, shuffle=False
    )
    model.seed_generator.state.assign([0, 0])
    results = model.evaluate(test_data, return_dict=True, verbose=0)
    metrics = {
        "test_negative_elbo_bits_per_dim": round(results["bits_per_dim"], 4),
        "test_reconstruction_bits_per_dim": round(
            results["reconstruction_loss"], 4
        ),
        "test_kl_bits_per_dim": round(results["kl_loss"], 4),
        "histogram_baseline_bits_per_dim": round(
            histogram_bits_per_dim(x_train, x_test), 4
        ),
    }
    model.save_to_preset(
        bundle_dir,
        metadata={
            "dataset": "fashion_mnist (60,000 train / 10,000 test, 28x28x1)",
            "license": "Apache-2.0 (weights); Fashion-MNIST is MIT",
            "recipe": "applications/vae_fashion_mnist/recipe.sh",
            "metrics": metrics,
            "metrics_command": "bash applications/vae_fashion_mnist/recipe.sh",
        },
    )
    images = model.generate(num_samples=64, seed=0)
    kerasgen.utils.save_image_grid(
        images, os.path.join(bundle_dir, "samples.png"), scale=2
    )
    kerasgen.utils.plot_latent_scatter(
        model,
        x_test[:5000, ..., None],
        y_test[:5000],
        os.path.join(bundle_dir, "latent_scatter.png"),
        class_names=list(fashion_mnist.CLASS_NAMES),
    )
    print(json.dumps(metrics, indent=2))
    return metrics


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
