"""Datasets as NumPy arrays, read locally before any download."""

from kerasgen.datasets import fashion_mnist
from kerasgen.datasets import fashion_mnist_captions

__all__ = ["fashion_mnist", "fashion_mnist_captions"]
