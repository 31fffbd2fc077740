"""Draws the latent scatter plot of the vae_fashion_mnist model card.

Usage (from the repository root, after `kerasgen bundle`):
    .venv/bin/python applications/vae_fashion_mnist/latent_scatter.py \
        applications/vae_fashion_mnist

The posterior means of the first 5,000 Fashion-MNIST test images, coloured
by class, written to `BUNDLE_DIR/latent_scatter.png`. The bundle's metrics
come from `kerasgen bundle` (see `recipe.sh`); this script only draws.
"""

import os
import sys

import kerasgen
from kerasgen.datasets import fashion_mnist


def main(bundle_dir):
    model = kerasgen.models.VAE.from_preset(bundle_dir)
    _, (x_test, y_test) = fashion_mnist.load_data()
    path = os.path.join(bundle_dir, "latent_scatter.png")
    kerasgen.utils.plot_latent_scatter(
        model,
        x_test[:5000, ..., None],
        y_test[:5000],
        path,
        class_names=list(fashion_mnist.CLASS_NAMES),
    )
    print(f"Wrote {path}")


if __name__ == "__main__":
    main(sys.argv[1])
