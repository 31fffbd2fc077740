"""Variational autoencoder (Kingma & Welling 2013)."""

import math

import keras
from keras import ops

from kerasgen.losses.pixel_likelihood import PixelLikelihood
from kerasgen.models import _config_utils
from kerasgen.models.generative_model import GenerativeModel
from kerasgen.networks.conv_decoder import ConvDecoder
from kerasgen.networks.conv_encoder import ConvEncoder
from kerasgen.utils import argument_validation as av
from kerasgen.utils import distribution_utils


@keras.saving.register_keras_serializable(package="kerasgen")
class VAE(GenerativeModel):
    """Variational autoencoder with a discrete likelihood for 8-bit images.

    The encoder gives a diagonal Gaussian posterior `q(z|x)`, a latent is
    drawn by reparameterization, and the decoder gives the parameters of a
    per-pixel likelihood `p(x|z)` (`PixelLikelihood`: a discretized logistic
    by default, Kingma et al. 2016; a 256-way categorical is 3-5x slower to
    train on CPU at 28x28). The loss is the negative ELBO

        -ELBO = E_q[-log p(x|z)] + kl_weight * KL(q(z|x) || N(0, I)),

    which with `kl_weight=1` and a discrete likelihood is an upper bound on
    the negative log-likelihood of the 8-bit data. Every logged value is in
    bits per dimension (nats / (height * width * channels * ln 2)):

    - `loss`: the training objective (with `kl_weight`);
    - `reconstruction_loss`, `kl_loss`: its two terms (KL unweighted);
    - `bits_per_dim`: the negative ELBO with `kl_weight=1`, the number
      `evaluate()` reports as the likelihood bound.

    Images: float in `[-1, 1]` inside the model; NumPy uint8 `[0, 255]` is
    accepted by `fit`/`evaluate`/`predict`/`encode`; `generate` returns uint8.

    Args:
        image_shape: tuple `(height, width, channels)`. Defaults to
            `(28, 28, 1)`.
        latent_dim: int. Defaults to 16.
        likelihood: str. `"discretized_logistic"`, `"categorical"` or
            `"bernoulli"` (binarized data only). Defaults to
            `"discretized_logistic"`.
        kl_weight: float >= 0. Weight of the KL term (`beta` of beta-VAE).
            Defaults to 1.0.
        encoder: `keras.Model` or `None`. Maps images to `2 * latent_dim`
            values (mean, then log-variance). Defaults to a `ConvEncoder`.
        decoder: `keras.Model` or `None`. Maps `(batch, latent_dim)` to
            `(batch, height, width, channels * P)` likelihood parameters.
            Defaults to a `ConvDecoder`.
        encoder_filters: tuple of int. Filters of the default encoder.
            Defaults to `(32, 64)`.
        decoder_filters: tuple of int. Filters of the default decoder.
            Defaults to `(64, 32)`.
        hidden_dim: int. Dense width of the default networks. Defaults to
            256.
        seed: int or `None`. Seed of the training noise. Defaults to `None`.

    Call arguments:
        images: float tensor `(batch, height, width, channels)` in `[-1, 1]`.
        training: bool. In training mode (`fit`) `call` returns a dict of the
            tensors the loss needs (`latent_mean`, `latent_log_var`,
            `latents`, `params`); in inference it returns the reconstruction.

    Returns:
        Reconstructions (decoder mean at the posterior mean), float in
        `[-1, 1]`, `(batch, height, width, channels)`.

    Example:
    >>> import numpy as np
    >>> vae = VAE(image_shape=(8, 8, 1), latent_dim=2, hidden_dim=16,
    ...           encoder_filters=(4,), decoder_filters=(4,))
    >>> vae.compile(optimizer="adam")
    >>> x = np.random.randint(0, 256, (16, 8, 8, 1), dtype="uint8")
    >>> history = vae.fit(x, epochs=1, batch_size=8, verbose=0)
    >>> vae.generate(num_samples=4, seed=0).shape
    (4, 8, 8, 1)

    References:
        Kingma & Welling 2013, "Auto-Encoding Variational Bayes".
    """

    per_sample_generate_kwargs = ("latents",)
    default_learning_rate = 1e-3
    default_evaluation_metrics = ("bits_per_dim",)

    def __init__(
        self,
        image_shape=None,
        latent_dim=None,
        likelihood="discretized_logistic",
        kl_weight=1.0,
        encoder=None,
        decoder=None,
        encoder_filters=None,
        decoder_filters=None,
        hidden_dim=None,
        seed=None,
        **kwargs,
    ):
        if image_shape is not None:
            image_shape = av.check_int_tuple(
                "image_shape", image_shape, length=3
            )
        av.check_positive_int("latent_dim", latent_dim, allow_none=True)
        av.check_float("kl_weight", kl_weight, minimum=0.0)
        pixel_likelihood = PixelLikelihood(likelihood)
        super().__init__(seed=seed, **kwargs)

        # === Networks ===
        # One truth: a hyperparameter left at None comes from the given
        # network (or the default); one that contradicts it raises.
        encoder = _config_utils.deserialize(encoder)
        decoder = _config_utils.deserialize(decoder)

        def read(network, name):
            return None if network is None else getattr(network, name, None)

        def resolve(name, value, default, from_encoder, from_decoder):
            return _config_utils.resolve(
                name,
                value,
                default,
                [
                    ("the given encoder", from_encoder),
                    ("the given decoder", from_decoder),
                ],
            )

        image_shape = tuple(
            resolve(
                "image_shape",
                image_shape,
                (28, 28, 1),
                read(encoder, "image_shape"),
                read(decoder, "image_shape"),
            )
        )
        encoder_dim = read(encoder, "output_dim")
        latent_dim = resolve(
            "latent_dim",
            latent_dim,
            16,
            None if encoder_dim is None else encoder_dim // 2,
            read(decoder, "input_dim"),
        )
        encoder_filters = tuple(
            resolve(
                "encoder_filters",
                encoder_filters,
                (32, 64),
                read(encoder, "filters"),
                None,
            )
        )
        decoder_filters = tuple(
            resolve(
                "decoder_filters",
                decoder_filters,
                (64, 32),
                None,
                read(decoder, "filters"),
            )
        )
        hidden_dim = resolve(
            "hidden_dim",
            hidden_dim,
            256,
            read(encoder, "hidden_dim"),
            read(decoder, "hidden_dim"),
        )
        if encoder is None:
            encoder = ConvEncoder(
                image_shape,
                output_dim=2 * latent_dim,
                filters=encoder_filters,
                hidden_dim=hidden_dim,
                name="encoder",
            )
        if decoder is None:
            decoder = ConvDecoder(
                image_shape,
                input_dim=latent_dim,
                output_channels=image_shape[-1]
                * pixel_likelihood.params_per_channel,
                filters=decoder_filters,
                hidden_dim=hidden_dim,
                name="decoder",
            )
        _check_output(encoder, "encoder", (2 * latent_dim,))
        _check_output(
            decoder,
            "decoder",
            image_shape[:2]
            + (image_shape[-1] * pixel_likelihood.params_per_channel,),
        )
        self.encoder = encoder
        self.decoder = decoder
        self.pixel_likelihood = pixel_likelihood

        # === Metrics ===
        self.reconstruction_loss_tracker = keras.metrics.Mean(
            name="reconstruction_loss"
        )
        self.kl_loss_tracker = keras.metrics.Mean(name="kl_loss")
        self.bits_per_dim_tracker = keras.metrics.Mean(name="bits_per_dim")

        # === Config ===
        self.image_shape = image_shape
        self.latent_dim = latent_dim
        self.likelihood = likelihood
        self.kl_weight = float(kl_weight)
        self.encoder_filters = tuple(encoder_filters)
        self.decoder_filters = tuple(decoder_filters)
        self.hidden_dim = hidden_dim
        self.built = True

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "image_shape": self.image_shape,
                "latent_dim": self.latent_dim,
                "likelihood": self.likelihood,
                "kl_weight": self.kl_weight,
                "encoder": keras.saving.serialize_keras_object(self.encoder),
                "decoder": keras.saving.serialize_keras_object(self.decoder),
                "encoder_filters": self.encoder_filters,
                "decoder_filters": self.decoder_filters,
                "hidden_dim": self.hidden_dim,
            }
        )
        return config

    @property
    def num_dims(self):
        height, width, channels = self.image_shape
        return height * width * channels

    # --- Networks and the forward pass.
    def _posterior(self, images):
        stats = self.encoder(images)
        latent_mean = stats[:, : self.latent_dim]
        # Clipped for numerical safety of exp(); the clip is far outside the
        # range a trained encoder uses.
        latent_log_var = ops.clip(stats[:, self.latent_dim :], -30.0, 20.0)
        return latent_mean, latent_log_var

    def _forward(self, images, sample):
        latent_mean, latent_log_var = self._posterior(images)
        latents = latent_mean
        if sample:
            noise = distribution_utils.replica_normal(
                ops.shape(latent_mean),
                self.seed_generator,
                dtype=latent_mean.dtype,
            )
            latents = latent_mean + ops.exp(0.5 * latent_log_var) * noise
        return {
            "latent_mean": latent_mean,
            "latent_log_var": latent_log_var,
            "latents": latents,
            "params": self.decoder(latents),
        }

    def call(self, images, training=False):
        outputs = self._forward(images, sample=bool(training))
        if training:
            return outputs
        return self.pixel_likelihood.mean(
            outputs["params"], self.image_shape[-1]
        )

    def compute_loss(
        self, x=None, y=None, y_pred=None, sample_weight=None, training=True
    ):
        del y, sample_weight
        outputs = y_pred if isinstance(y_pred, dict) else None
        if outputs is None:
            outputs = self._forward(x, sample=True)
        reconstruction = self.pixel_likelihood.negative_log_likelihood(
            outputs["params"], x
        )
        mean = ops.cast(outputs["latent_mean"], "float32")
        log_var = ops.cast(outputs["latent_log_var"], "float32")
        # Closed-form KL(N(mean, exp(log_var)) || N(0, I)), Kingma & Welling
        # 2013, appendix B.
        kl = 0.5 * ops.sum(
            ops.exp(log_var) + ops.square(mean) - 1.0 - log_var, axis=-1
        )
        to_bits_per_dim = 1.0 / (self.num_dims * math.log(2.0))
        self.reconstruction_loss_tracker.update_state(
            reconstruction * to_bits_per_dim
        )
        self.kl_loss_tracker.update_state(kl * to_bits_per_dim)
        self.bits_per_dim_tracker.update_state(
            (reconstruction + kl) * to_bits_per_dim
        )
        loss = ops.mean(reconstruction + self.kl_weight * kl) * to_bits_per_dim
        if self.losses:
            loss = loss + ops.cast(ops.sum(self.losses), loss.dtype)
        return distribution_utils.scale_loss_for_distribution(loss)

    # --- Public encode / decode / generate.
    def encode(self, images):
        """Posterior parameters of images.

        Args:
            images: uint8 `[0, 255]` or float `[-1, 1]`,
                `(batch, height, width, channels)`.

        Returns:
            Tuple `(latent_mean, latent_log_var)`, each
            `(batch, latent_dim)`.
        """
        images = self._check_images(images, "images")
        return self._posterior(images)

    def decode(self, latents, sample_pixels=False, seed=None):
        """Images from latents, float in `[-1, 1]`.

        Args:
            latents: `(batch, latent_dim)`.
            sample_pixels: bool. Draw the pixels from the likelihood instead
                of taking its mean. Defaults to `False`.
            seed: int, `SeedGenerator` or `None`, for `sample_pixels`.

        Returns:
            `(batch, height, width, channels)`, float in `[-1, 1]`.
        """
        latents = ops.convert_to_tensor(latents, dtype="float32")
        if len(latents.shape) != 2 or latents.shape[-1] != self.latent_dim:
            raise ValueError(
                f"latents must have shape (batch, {self.latent_dim}); "
                f"received {tuple(latents.shape)}"
            )
        params = self.decoder(latents)
        channels = self.image_shape[-1]
        if sample_pixels:
            return self.pixel_likelihood.sample(params, channels, seed)
        return self.pixel_likelihood.mean(params, channels)

    def generate_step(
        self, inputs, num_samples, seed, latents=None, sample_pixels=False
    ):
        """Decodes prior latents `z ~ N(0, I)` (or the given `latents`).

        Args:
            inputs: must be `None` (the VAE is unconditional).
            num_samples: int.
            seed: `SeedGenerator`.
            latents: `(num_samples, latent_dim)` or `None` to draw them.
            sample_pixels: bool. Draw pixels from the likelihood instead of
                its mean (noisier, the model's true samples). Defaults to
                `False`, the usual VAE picture.
        """
        del inputs
        if latents is None:
            latents = keras.random.normal(
                (num_samples, self.latent_dim), seed=seed
            )
        return self.decode(latents, sample_pixels=sample_pixels, seed=seed)


def _check_output(network, name, expected):
    shape = tuple(network.output_shape[1:])
    if shape != tuple(expected):
        raise ValueError(
            f"{name} must output (batch, {', '.join(map(str, expected))}); "
            f"its output shape is (batch, {', '.join(map(str, shape))})"
        )
