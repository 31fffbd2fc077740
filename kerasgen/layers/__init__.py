"""Reusable layers with one job each."""

from kerasgen.layers.masked_conv2d import MaskedConv2D
