"""Quantizers: continuous latents to codebook ids and back.

Every quantizer is a `Quantizer` (a `keras.layers.Layer`) whose
`call(latents, training)` returns `{"quantized", "indices", "loss",
"perplexity", "usage"}`, with `indices_to_codes(indices)`, `codebook_size`
and `codebook_dim` (ARCHITECTURE.md section 2).
"""

from kerasgen.quantizers.finite_scalar_quantizer import FiniteScalarQuantizer
from kerasgen.quantizers.gumbel_quantizer import GumbelQuantizer
from kerasgen.quantizers.quantizer import Quantizer
from kerasgen.quantizers.residual_vector_quantizer import (
    ResidualVectorQuantizer,
)
from kerasgen.quantizers.vector_quantizer import VectorQuantizer
