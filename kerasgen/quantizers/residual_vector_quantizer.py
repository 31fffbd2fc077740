"""Residual vector quantization: a stack of codebooks (SoundStream)."""

import keras
from keras import ops

from kerasgen.quantizers import _quantizer_utils as utils
from kerasgen.quantizers.quantizer import Quantizer
from kerasgen.quantizers.vector_quantizer import VectorQuantizer
from kerasgen.utils import argument_validation as av


@keras.saving.register_keras_serializable(package="kerasgen")
class ResidualVectorQuantizer(Quantizer):
    """Quantizes what the previous codebooks left (Zeghidour et al. 2021).

    Stage 1 quantizes the latents, stage `i + 1` the residual
    `latents - (codes_1 + ... + codes_i)` (algorithm 1 of SoundStream); the
    quantized latents are the sum of the stages' codes. Each stage is a
    `VectorQuantizer` with the same arguments (stage `i` seeded `seed + i`),
    so it can use EMA, k-means init and dead-code restarts. The residuals
    are formed from the codes' values (no gradient), so every stage's
    commitment loss pulls the encoder, and the output's gradient w.r.t. the
    latents is the identity (`latents + stop_gradient(sum - latents)`); the
    loss is the sum of the stages' losses.

    Factorized (`projection_dim`) and l2-normalized lookups are not offered
    here: a residual of projected or normalized codes is not a residual of
    the latents.

    Args:
        num_quantizers: int >= 1. Number of stages.
        codebook_size: int >= 1. Codes per stage.
        codebook_dim: int >= 1. Size of the latent vectors.
        commitment_weight: float >= 0. Defaults to 0.25.
        use_ema: bool. Defaults to `False`.
        decay: float in (0, 1). Defaults to 0.99.
        epsilon: float > 0. Defaults to 1e-5.
        kmeans_init: bool. Defaults to `False`.
        kmeans_iters: int >= 1. Defaults to 10.
        dead_code_threshold: float in `[0, 1 / codebook_size)`. Defaults to
            0.0.
        seed: int or `None`. Defaults to `None`.
        (See `VectorQuantizer` for the meaning of these.)

    Call arguments:
        latents: float `(batch, ..., codebook_dim)`.
        training: bool. Defaults to `False`.

    Returns:
        A dict with `"quantized"` (the shape of `latents`), `"indices"`
        (int32 `(batch, ..., num_quantizers)`), `"loss"` (`(batch,)`, the
        sum over stages), `"perplexity"` and `"usage"` (the means over
        stages). Each stage logs its own metrics, named
        `<layer name>_stage_<i>_perplexity` and `..._usage`.

    Example:
    >>> quantizer = ResidualVectorQuantizer(
    ...     num_quantizers=3, codebook_size=8, codebook_dim=4, seed=0
    ... )
    >>> outputs = quantizer(keras.random.normal((2, 3, 3, 4), seed=0))
    >>> tuple(outputs["indices"].shape)
    (2, 3, 3, 3)

    References:
        Zeghidour et al. 2021, "SoundStream: An End-to-End Neural Audio
        Codec".
    """

    def __init__(
        self,
        num_quantizers,
        codebook_size,
        codebook_dim,
        commitment_weight=0.25,
        use_ema=False,
        decay=0.99,
        epsilon=1e-5,
        kmeans_init=False,
        kmeans_iters=10,
        dead_code_threshold=0.0,
        seed=None,
        **kwargs,
    ):
        num_quantizers = av.check_positive_int("num_quantizers", num_quantizers)
        seed = av.check_int("seed", seed, minimum=0, allow_none=True)
        codebook_size, codebook_dim, kmeans_iters = utils.check_vq_arguments(
            codebook_size,
            codebook_dim,
            commitment_weight,
            use_ema,
            decay,
            epsilon,
            kmeans_init,
            kmeans_iters,
            dead_code_threshold,
        )
        super().__init__(codebook_size, codebook_dim, **kwargs)

        # === Layers ===
        self.stages = [
            VectorQuantizer(
                codebook_size,
                codebook_dim,
                commitment_weight=commitment_weight,
                use_ema=use_ema,
                decay=decay,
                epsilon=epsilon,
                kmeans_init=kmeans_init,
                kmeans_iters=kmeans_iters,
                dead_code_threshold=dead_code_threshold,
                seed=None if seed is None else seed + index,
                name=f"{self.name}_stage_{index}",
                dtype=self.dtype_policy,
            )
            for index in range(num_quantizers)
        ]

        # === Config ===
        self.num_quantizers = num_quantizers
        self.commitment_weight = commitment_weight
        self.use_ema = use_ema
        self.decay = decay
        self.epsilon = epsilon
        self.kmeans_init = kmeans_init
        self.kmeans_iters = kmeans_iters
        self.dead_code_threshold = dead_code_threshold
        self.seed = seed

    @property
    def index_shape(self):
        return (self.num_quantizers,)

    def _describe_index_shape(self):
        return f"num_quantizers={self.num_quantizers}"

    def build(self, input_shape):
        super().build(input_shape)
        for stage in self.stages:
            stage.build(input_shape)

    def _quantize(self, latents, training):
        latents = ops.cast(latents, "float32")
        residual = latents
        total = ops.zeros_like(latents)
        indices, losses, perplexities, usages = [], [], [], []
        for stage in self.stages:
            outputs = stage(residual, training=training)
            codes = ops.stop_gradient(ops.cast(outputs["quantized"], "float32"))
            residual = residual - codes
            total = total + codes
            indices.append(outputs["indices"])
            losses.append(outputs["loss"])
            perplexities.append(outputs["perplexity"])
            usages.append(outputs["usage"])
        quantized = latents + ops.stop_gradient(total - latents)
        return {
            "quantized": quantized,
            "indices": ops.stack(indices, axis=-1),
            "loss": ops.sum(ops.stack(losses, axis=0), axis=0),
            "perplexity": ops.mean(ops.stack(perplexities)),
            "usage": ops.mean(ops.stack(usages)),
        }

    def _indices_to_codes(self, indices):
        codes = [
            ops.cast(stage.indices_to_codes(indices[..., index]), "float32")
            for index, stage in enumerate(self.stages)
        ]
        return ops.sum(ops.stack(codes), axis=0)
