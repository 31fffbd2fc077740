"""Datasets as NumPy arrays, read locally before any download."""

from kerasgen.datasets import fashion_mnist

__all__ = ["fashion_mnist"]
