"""VQ-VAE (van den Oord et al. 2017), an image tokenizer."""

import keras

from kerasgen.models import _config_utils
from kerasgen.models.image_tokenizer import ImageTokenizer


@keras.saving.register_keras_serializable(package="kerasgen")
class VQVAE(ImageTokenizer):
    """Vector-quantized autoencoder: images to a grid of codebook ids.

    The encoder maps an image to a grid of `latent_dim` vectors, the
    quantizer replaces each with its nearest codebook entry (straight-through
    gradients), the decoder reconstructs the image from the codes. The loss
    per example is

        reconstruction (mean over pixels) + quantizer loss

    where the `VectorQuantizer` loss is the codebook term plus
    `commitment_weight` x the commitment term (eq. 3 of the paper; with EMA
    codebook updates only the commitment term).

    Logged: `loss`, `reconstruction_loss`, `quantizer_loss`, and the
    quantizer's own `quantizer_perplexity` (exp of the entropy of the
    batch's code usage) and `quantizer_usage` (fraction of the codebook used
    in the batch).

    Args:
        image_shape: tuple `(height, width, channels)`. Defaults to
            `(28, 28, 1)`.
        latent_dim: int. Channels of the latent grid (the codebook
            dimension of the default quantizer). Defaults to 16.
        codebook_size: int. Codes of the default quantizer. Defaults to 512.
        filters: tuple of int. Widths of the default encoder/decoder levels;
            the token grid side is the image side divided by
            `2 ** (len(filters) - 1)`. Defaults to `(32, 64, 128)` (7x7
            tokens for 28x28 images).
        num_res_blocks: int. Residual blocks per level. Defaults to 1.
        num_groups: int. Group normalization groups. Defaults to 8.
        quantizer: a quantizer layer (`kerasgen.quantizers`) or `None` for
            `VectorQuantizer(codebook_size, latent_dim, commitment_weight)`.
        commitment_weight: float >= 0, for the default quantizer. Defaults
            to 0.25.
        reconstruction_loss: `"mse"` or `"l1"`. Defaults to `"mse"`.
        encoder: `keras.Model` or `None`. Images to a latent grid. Defaults
            to a `ResidualEncoder`.
        decoder: `keras.Model` or `None`. Codes to images. Defaults to a
            `ResidualDecoder`.
        seed: int or `None`. Seed of the training noise. Defaults to `None`.

    Call arguments:
        images: float tensor `(batch, height, width, channels)` in `[-1, 1]`.
        training: bool. In training mode `call` returns a dict with the
            quantizer outputs and `reconstructions`.

    Returns:
        Reconstructions `(batch, height, width, channels)`, float.

    Example:
    >>> import numpy as np
    >>> vqvae = VQVAE((8, 8, 1), latent_dim=2, codebook_size=8,
    ...               filters=(8, 8), num_groups=2)
    >>> vqvae.compile(optimizer="adam")
    >>> x = np.random.randint(0, 256, (16, 8, 8, 1), dtype="uint8")
    >>> history = vqvae.fit(x, epochs=1, batch_size=8, verbose=0)
    >>> vqvae.tokenize(x[:2]).shape
    TensorShape([2, 4, 4])

    References:
        van den Oord et al. 2017, "Neural Discrete Representation
        Learning".
    """

    def __init__(
        self,
        image_shape=None,
        latent_dim=None,
        codebook_size=None,
        filters=None,
        num_res_blocks=None,
        num_groups=None,
        quantizer=None,
        commitment_weight=None,
        reconstruction_loss="mse",
        encoder=None,
        decoder=None,
        seed=None,
        **kwargs,
    ):
        from kerasgen.quantizers import VectorQuantizer

        super().__init__(
            reconstruction_loss=reconstruction_loss, seed=seed, **kwargs
        )

        # === Networks ===
        encoder, decoder, quantizer, resolved = self._given_networks_and_levels(
            encoder,
            decoder,
            quantizer,
            image_shape=image_shape,
            filters=filters,
            num_res_blocks=num_res_blocks,
            num_groups=num_groups,
        )
        image_shape = resolved["image_shape"]
        latent_dim = _config_utils.resolve(
            "latent_dim",
            latent_dim,
            16,
            [
                (
                    "the given encoder",
                    _config_utils.latent_channels(encoder, image_shape),
                ),
                ("the given decoder", _config_utils.input_channels(decoder)),
                ("the given quantizer", getattr(quantizer, "input_dim", None)),
            ],
        )
        codebook_size = _config_utils.resolve(
            "codebook_size",
            codebook_size,
            512,
            [
                (
                    "the given quantizer",
                    getattr(quantizer, "codebook_size", None),
                )
            ],
        )
        commitment_weight = _config_utils.resolve(
            "commitment_weight",
            commitment_weight,
            0.25,
            [
                (
                    "the given quantizer",
                    getattr(quantizer, "commitment_weight", None),
                )
            ],
        )
        self._set_networks(
            encoder,
            decoder,
            quantizer,
            resolved,
            encoder_dim=latent_dim,
            decoder_dim=latent_dim,
            default_quantizer=lambda: VectorQuantizer(
                codebook_size,
                latent_dim,
                commitment_weight=commitment_weight,
                seed=seed,
                name="quantizer",
            ),
        )

        # === Config ===
        self.latent_dim = latent_dim
        self.codebook_size = codebook_size
        self.commitment_weight = commitment_weight
        self.built = True

    def _hyperparameters(self):
        networks = ("encoder", "decoder")
        return {
            "latent_dim": (self.latent_dim, networks + ("quantizer",)),
            "codebook_size": (self.codebook_size, ("quantizer",)),
            "filters": (self.filters, networks),
            "num_res_blocks": (self.num_res_blocks, networks),
            "num_groups": (self.num_groups, networks),
            "commitment_weight": (self.commitment_weight, ("quantizer",)),
        }
