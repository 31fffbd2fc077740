"""The DALL-E discrete VAE (Ramesh et al. 2021, stage 1), an image tokenizer."""

import keras

from kerasgen.models import _config_utils
from kerasgen.models.image_tokenizer import ImageTokenizer


@keras.saving.register_keras_serializable(package="kerasgen")
class DiscreteVAE(ImageTokenizer):
    """Discrete VAE: images to a grid of categorical codes, Gumbel-softmax.

    The encoder outputs, at every position of the token grid, logits over
    the `codebook_size` codes; in training a `GumbelQuantizer` relaxes the
    categorical sample to `softmax((logits + g) / temperature)` and mixes
    the codebook vectors with those weights; in inference the code is the
    argmax. The decoder reconstructs the image from the codebook vectors.
    The loss per example is the reconstruction error plus
    `kl_weight x KL(q(z | x) || uniform)` (the ELBO of DALL-E's stage 1,
    with the uniform prior it uses while training the dVAE).

    Anneal the temperature while training with
    `kerasgen.callbacks.GumbelTemperatureSchedule(start=1.0, end=1 / 16,
    decay_steps=...)` (DALL-E: 1 to 1/16); it is saved with the model.

    DALL-E reconstructs with a logit-Laplace likelihood; this model uses the
    `"mse"` or `"l1"` reconstruction error of the other tokenizers, so the
    three compare directly. `encode()` returns the encoder's logits over
    the codes (the continuous latents of this model).

    Args:
        image_shape: tuple `(height, width, channels)`. Defaults to
            `(28, 28, 1)`.
        codebook_size: int. Vocabulary size. Defaults to 512.
        codebook_dim: int. Size of the codebook vectors fed to the decoder.
            Defaults to 64.
        filters: tuple of int. Encoder/decoder level widths; the token grid
            side is the image side divided by `2 ** (len(filters) - 1)`.
            Defaults to `(32, 64, 128)` (7x7 tokens for 28x28 images).
        num_res_blocks: int. Residual blocks per level. Defaults to 1.
        num_groups: int. Group normalization groups. Defaults to 8.
        temperature: float > 0. Initial Gumbel-softmax temperature.
            Defaults to 1.0.
        kl_weight: float >= 0. Weight of the KL to the uniform prior.
            Defaults to 5e-4.
        straight_through: bool. Hard one-hot codes in the forward pass of
            training (straight-through gradients). Defaults to `False`.
        entropy_weight: float >= 0. Weight of the quantizer's entropy
            penalty (confident codes, spread over the codebook; see
            `GumbelQuantizer`). Defaults to 0.0.
        anneal_noise: bool. Gumbel noise scaled by the temperature (see
            `GumbelQuantizer`). Defaults to `False`.
        reconstruction_loss: `"mse"` or `"l1"`. Defaults to `"mse"`.
        encoder, decoder, quantizer: a `keras.Model` from images to
            `codebook_size` logits per position, a `keras.Model` from
            `codebook_dim` vectors to images, a `GumbelQuantizer`; `None`
            for the defaults built from the arguments above.
        seed: int or `None`. Seed of the codebook and Gumbel noise.
            Defaults to `None`.

    Call arguments:
        images: float `(batch, height, width, channels)` in `[-1, 1]`.
        training: bool. In training mode `call` returns the quantizer's
            outputs dict with `"reconstructions"`.

    Returns:
        Reconstructions `(batch, height, width, channels)`, float.

    Example:
    >>> import numpy as np
    >>> dvae = DiscreteVAE((8, 8, 1), codebook_size=8, codebook_dim=4,
    ...                    filters=(8, 8), num_groups=2, seed=0)
    >>> dvae.compile(optimizer="adam")
    >>> x = np.random.randint(0, 256, (16, 8, 8, 1), dtype="uint8")
    >>> history = dvae.fit(x, epochs=1, batch_size=8, verbose=0)
    >>> dvae.tokenize(x[:2]).shape
    TensorShape([2, 4, 4])

    References:
        Ramesh et al. 2021, "Zero-Shot Text-to-Image Generation".
    """

    def __init__(
        self,
        image_shape=None,
        codebook_size=None,
        codebook_dim=None,
        filters=None,
        num_res_blocks=None,
        num_groups=None,
        temperature=None,
        kl_weight=None,
        straight_through=None,
        entropy_weight=None,
        anneal_noise=None,
        reconstruction_loss="mse",
        encoder=None,
        decoder=None,
        quantizer=None,
        seed=None,
        **kwargs,
    ):
        from kerasgen.quantizers import GumbelQuantizer

        super().__init__(
            reconstruction_loss=reconstruction_loss, seed=seed, **kwargs
        )
        encoder, decoder, quantizer, resolved = self._given_networks_and_levels(
            encoder,
            decoder,
            quantizer,
            image_shape=image_shape,
            filters=filters,
            num_res_blocks=num_res_blocks,
            num_groups=num_groups,
        )
        if quantizer is not None and not isinstance(quantizer, GumbelQuantizer):
            raise ValueError(
                "quantizer must be a GumbelQuantizer; received "
                f"{type(quantizer).__name__}"
            )
        image_shape = resolved["image_shape"]

        def from_quantizer(name, value, default, *others):
            given = ("the given quantizer", getattr(quantizer, name, None))
            return _config_utils.resolve(name, value, default, [given, *others])

        codebook_size = from_quantizer(
            "codebook_size",
            codebook_size,
            512,
            (
                "the given encoder",
                _config_utils.latent_channels(encoder, image_shape),
            ),
        )
        codebook_dim = from_quantizer(
            "codebook_dim",
            codebook_dim,
            64,
            ("the given decoder", _config_utils.input_channels(decoder)),
        )
        temperature = from_quantizer("temperature", temperature, 1.0)
        kl_weight = from_quantizer("kl_weight", kl_weight, 5e-4)
        straight_through = from_quantizer(
            "straight_through", straight_through, False
        )
        entropy_weight = from_quantizer("entropy_weight", entropy_weight, 0.0)
        anneal_noise = from_quantizer("anneal_noise", anneal_noise, False)
        self._set_networks(
            encoder,
            decoder,
            quantizer,
            resolved,
            encoder_dim=codebook_size,
            decoder_dim=codebook_dim,
            default_quantizer=lambda: GumbelQuantizer(
                codebook_size,
                codebook_dim,
                temperature=temperature,
                kl_weight=kl_weight,
                straight_through=straight_through,
                entropy_weight=entropy_weight,
                anneal_noise=anneal_noise,
                seed=seed,
                name="quantizer",
            ),
        )

        # === Config ===
        self.codebook_size = codebook_size
        self.codebook_dim = codebook_dim
        self.temperature = temperature
        self.kl_weight = kl_weight
        self.straight_through = straight_through
        self.entropy_weight = entropy_weight
        self.anneal_noise = anneal_noise
        self.built = True

    def _hyperparameters(self):
        networks = ("encoder", "decoder")
        quantizer = ("quantizer",)
        return {
            "codebook_size": (self.codebook_size, ("encoder",) + quantizer),
            "codebook_dim": (self.codebook_dim, ("decoder",) + quantizer),
            "filters": (self.filters, networks),
            "num_res_blocks": (self.num_res_blocks, networks),
            "num_groups": (self.num_groups, networks),
            "temperature": (self.temperature, quantizer),
            "kl_weight": (self.kl_weight, quantizer),
            "straight_through": (self.straight_through, quantizer),
            "entropy_weight": (self.entropy_weight, quantizer),
            "anneal_noise": (self.anneal_noise, quantizer),
        }
