"""Reference values of the sample metrics with the fmnist_features network.

Usage (from the repository root):
    .venv/bin/python applications/fmnist_features/sanity_metrics.py

Scores three fixed image sets against the Fashion-MNIST test split exactly
as `kerasgen evaluate MODEL --metrics fid,kid,is,pr --num-samples 10000
--seed 0` scores a model's samples (same code path): 10,000 real training
images (what a perfect model would get), the same images blurred by a 3x3
box filter, and uniform noise. Prints one JSON line per set.
"""

import json

import numpy as np

from kerasgen import evaluation
from kerasgen.datasets import fashion_mnist


class _FixedImages:
    """Stands in for a model: `generate` returns fixed images."""

    def __init__(self, images):
        self.images = images

    def generate(self, inputs=None, num_samples=None, seed=None, **kwargs):
        return self.images[:num_samples]


def _box_blur(images):
    padded = np.pad(images.astype("float32"), ((0, 0), (1, 1), (1, 1)))
    total = sum(
        padded[:, i : i + 28, j : j + 28] for i in range(3) for j in range(3)
    )
    return np.round(total / 9.0).astype("uint8")


def main():
    (x_train, _), _ = fashion_mnist.load_data()
    real = x_train[:10000]
    noise = np.random.default_rng(0).integers(0, 256, real.shape, "uint8")
    for name, images in (
        ("train[:10000]", real),
        ("train[:10000] 3x3 box blur", _box_blur(real)),
        ("uniform noise", noise),
    ):
        results = evaluation.evaluate(
            _FixedImages(images[..., None]),
            dataset="fashion_mnist",
            split="test",
            metrics=["fid", "kid", "is", "pr"],
            feature_extractor="fmnist_features",
            num_samples=10000,
            seed=0,
            verbose=0,
        )
        rounded = {
            key: round(value, 4) if isinstance(value, float) else value
            for key, value in results.items()
        }
        print(json.dumps({"images": name, **rounded}))


if __name__ == "__main__":
    main()
