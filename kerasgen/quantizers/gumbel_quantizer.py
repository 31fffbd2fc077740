"""Gumbel-softmax quantization (the DALL-E discrete VAE's relaxation)."""

import keras
from keras import ops

from kerasgen.quantizers import _quantizer_utils as utils
from kerasgen.quantizers.quantizer import Quantizer
from kerasgen.utils import argument_validation as av
from kerasgen.utils import distribution_utils


@keras.saving.register_keras_serializable(package="kerasgen")
class GumbelQuantizer(Quantizer):
    """Encoder logits over a codebook to codebook vectors, Gumbel-softmax.

    Unlike `VectorQuantizer`, the input is not a latent vector to look up
    but the encoder's *logits over the codebook*, `(batch, ...,
    codebook_size)`: the encoder ends with a layer of `codebook_size`
    channels. In training the one-hot choice of a code is relaxed to
    `softmax((logits + g) / temperature)` with Gumbel noise `g`
    (Jang et al. 2016, Maddison et al. 2016), and the output is that soft
    one-hot times the codebook, `(batch, ..., codebook_dim)`. With
    `straight_through=True` the forward value is the hard one-hot of the
    sample and the gradient that of the soft one (taming-transformers'
    `GumbelQuantize`). In inference the code is `argmax(logits)`.

    The loss per example is `kl_weight * KL(softmax(logits) || uniform)`,
    summed over the codebook and averaged over positions: the prior term
    of the DALL-E dVAE's ELBO with a uniform prior (Ramesh et al. 2021).

    The temperature is held in the non-trainable variable
    `current_temperature`, so that a schedule can anneal it during training
    (`kerasgen.callbacks.GumbelTemperatureSchedule`, DALL-E anneals it from
    1 to 1/16) and it is saved with the model; `set_temperature(value)`
    sets it. The `temperature` argument is its initial value.

    Under a `MirroredStrategy` every replica draws its own Gumbel noise
    (rows of the global batch's noise, `distribution_utils.replica_uniform`),
    so a distributed step draws the noise of the same step on one device.

    Args:
        codebook_size: int >= 1. Number of codes (channels of the logits).
        codebook_dim: int >= 1. Size of the codebook vectors (channels of
            `"quantized"`).
        temperature: float > 0. Initial relaxation temperature. Defaults to
            1.0.
        kl_weight: float >= 0. Weight of the KL to the uniform prior.
            Defaults to 5e-4 (taming-transformers' default).
        entropy_weight: float >= 0. Weight of the entropy penalty above.
            Defaults to 0.0 (off).
        anneal_noise: bool. Scale the Gumbel noise by the current
            temperature, so that training samples follow
            `softmax(logits / temperature)`: as the temperature anneals,
            the sampled code becomes the argmax that inference uses (with
            constant noise the sample stays a draw from `softmax(logits)`,
            which can differ from the argmax while the logits are flat).
            Defaults to `False`.
        straight_through: bool. Hard one-hot forward in training. Defaults
            to `False`.
        seed: int or `None`. Seed of the codebook initializer and the
            Gumbel noise. Defaults to `None`.

    Call arguments:
        latents: float logits `(batch, ..., codebook_size)`.
        training: bool. Sample with Gumbel noise. Defaults to `False`.

    Returns:
        A dict with `"quantized"` (`(batch, ..., codebook_dim)`),
        `"indices"` (int32 `(batch, ...)`, the argmax of the sample in
        training and of the logits in inference), `"loss"` (float32
        `(batch,)`), `"perplexity"` and `"usage"` of the batch's ids (also
        logged by `perplexity_tracker` and `usage_tracker`, named
        `<layer name>_perplexity` and `<layer name>_usage`). In a training
        call the code fraction is stored in `batch_code_fraction`
        (mean-aggregated), so that under a `MirroredStrategy` they are
        statistics of the global batch; in an inference call, of each
        replica's batch.

    Example:
    >>> quantizer = GumbelQuantizer(codebook_size=8, codebook_dim=4, seed=0)
    >>> logits = keras.random.normal((2, 3, 3, 8), seed=0)
    >>> tuple(quantizer(logits, training=True)["quantized"].shape)
    (2, 3, 3, 4)
    >>> tuple(quantizer.indices_to_codes(quantizer(logits)["indices"]).shape)
    (2, 3, 3, 4)

    References:
        Ramesh et al. 2021, "Zero-Shot Text-to-Image Generation".
        Jang et al. 2016, "Categorical Reparameterization with
        Gumbel-Softmax".
    """

    input_dim_name = "codebook_size"

    def __init__(
        self,
        codebook_size,
        codebook_dim,
        temperature=1.0,
        kl_weight=5e-4,
        straight_through=False,
        seed=None,
        entropy_weight=0.0,
        anneal_noise=False,
        **kwargs,
    ):
        codebook_size = av.check_positive_int("codebook_size", codebook_size)
        codebook_dim = av.check_positive_int("codebook_dim", codebook_dim)
        _check_temperature(temperature)
        av.check_float("kl_weight", kl_weight, minimum=0.0)
        av.check_float("entropy_weight", entropy_weight, minimum=0.0)
        utils.check_bool("straight_through", straight_through)
        utils.check_bool("anneal_noise", anneal_noise)
        super().__init__(codebook_size, codebook_dim, **kwargs)
        self.seed_generator = keras.random.SeedGenerator(seed)

        # === Config ===
        self.temperature = float(temperature)
        self.kl_weight = float(kl_weight)
        self.entropy_weight = float(entropy_weight)
        self.anneal_noise = anneal_noise
        self.straight_through = straight_through
        self.seed = seed

    def build(self, input_shape):
        super().build(input_shape)
        self.codebook = self.add_weight(
            name="codebook",
            shape=(self.codebook_size, self.codebook_dim),
            # N(0, 1), as torch's nn.Embedding in taming-transformers.
            initializer=keras.initializers.RandomNormal(
                stddev=1.0, seed=self.seed
            ),
            autocast=False,
        )
        self.current_temperature = self.add_weight(
            name="current_temperature",
            shape=(),
            initializer=keras.initializers.Constant(self.temperature),
            trainable=False,
            aggregation="mean",
            autocast=False,
        )
        self._add_code_fraction()

    def set_temperature(self, temperature):
        """Sets the relaxation temperature (a float > 0)."""
        _check_temperature(temperature)
        self.current_temperature.assign(float(temperature))

    def _quantize(self, latents, training):
        logits = ops.cast(latents, "float32")
        if training:
            uniform = distribution_utils.replica_uniform(
                ops.shape(logits), self.seed_generator
            )
            uniform = ops.clip(uniform, 1e-10, 1.0 - 1e-7)
            gumbel = -ops.log(-ops.log(uniform))
            temperature = ops.convert_to_tensor(self.current_temperature)
            if self.anneal_noise:
                gumbel = gumbel * temperature
            weights = ops.softmax((logits + gumbel) / temperature, axis=-1)
            indices = ops.cast(ops.argmax(weights, axis=-1), "int32")
            if self.straight_through:
                hard = ops.one_hot(indices, self.codebook_size, dtype="float32")
                weights = hard + weights - ops.stop_gradient(weights)
        else:
            indices = ops.cast(ops.argmax(logits, axis=-1), "int32")
            weights = ops.one_hot(indices, self.codebook_size, dtype="float32")
        codebook = ops.convert_to_tensor(self.codebook)
        quantized = ops.matmul(weights, codebook)

        # KL(q || uniform) = sum_k q_k log(q_k * codebook_size), per position.
        probabilities = ops.softmax(logits, axis=-1)
        kl = ops.sum(
            probabilities * ops.log(probabilities * self.codebook_size + 1e-10),
            axis=-1,
        )
        loss = self.kl_weight * utils.per_example_mean(kl)
        if self.entropy_weight > 0.0:
            loss = loss + self.entropy_weight * _entropy_penalty(probabilities)

        return {
            "quantized": quantized,
            "indices": indices,
            "loss": loss,
            "code_fraction": self._code_fraction(
                ops.reshape(indices, (-1,)), training
            ),
        }

    def _indices_to_codes(self, indices):
        return ops.take(ops.convert_to_tensor(self.codebook), indices, axis=0)


def _entropy(probabilities):
    return -ops.sum(probabilities * ops.log(probabilities + 1e-10), axis=-1)


def _entropy_penalty(probabilities):
    """Per example: its mean position entropy minus the batch's entropy."""
    size = ops.shape(probabilities)[-1]
    flat = ops.reshape(probabilities, (-1, size))
    batch_entropy = _entropy(ops.mean(flat, axis=0))
    return utils.per_example_mean(_entropy(probabilities)) - batch_entropy


def _check_temperature(temperature):
    av.check_float("temperature", temperature, minimum=0.0, min_inclusive=False)
