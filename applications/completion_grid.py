"""Writes the completion grid of an autoregressive bundle's model card.

Rows: the test images with their bottom half removed, three completions
(seeds 0, 1, 2) sampled in raster order given the top half, and the
originals. Usage, from the repository root:

    .venv/bin/python applications/completion_grid.py pixelcnn_fashion_mnist
"""

import os
import sys

import numpy as np

import kerasgen
from kerasgen.datasets import fashion_mnist


def main(name, num_images=8, known_rows=14):
    bundle_dir = os.path.join(os.path.dirname(__file__), name)
    model = kerasgen.applications.load(name)
    _, (x_test, y_test) = fashion_mnist.load_data()
    images = x_test[:num_images, ..., None]
    mask = np.zeros(images.shape[:3], bool)
    mask[:, :known_rows] = True
    inputs = {"images": images, "mask": mask}
    if model.num_classes is not None:
        inputs["labels"] = y_test[:num_images].astype("int32")
    completions = [model.generate(inputs, seed=seed) for seed in range(3)]
    for completion in completions:
        assert np.array_equal(
            completion[:, :known_rows], images[:, :known_rows]
        )
    given = np.where(mask[..., None], images, 0).astype("uint8")
    rows = np.concatenate([given] + completions + [images])
    path = os.path.join(bundle_dir, "completions.png")
    kerasgen.utils.save_image_grid(rows, path, num_rows=5, scale=2)
    print(f"Wrote {path}")


if __name__ == "__main__":
    main(sys.argv[1])
