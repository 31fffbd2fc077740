"""Token samplers: keras-hub's samplers, driven with kerasgen's seeds."""

from kerasgen.samplers.token_sampling import check_sampling_arguments
from kerasgen.samplers.token_sampling import get_sampler
from kerasgen.samplers.token_sampling import sample_tokens

__all__ = ["check_sampling_arguments", "get_sampler", "sample_tokens"]
