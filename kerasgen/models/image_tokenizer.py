"""The image tokenizer / de-tokenizer surface shared by VQ-VAE, dVAE, VQ-GAN."""

import keras
import numpy as np
from keras import ops

from kerasgen.models import _config_utils
from kerasgen.models.generative_model import GenerativeModel
from kerasgen.networks.residual_decoder import ResidualDecoder
from kerasgen.networks.residual_encoder import ResidualEncoder
from kerasgen.quantizers import _quantizer_utils as quantizer_utils
from kerasgen.utils import distribution_utils
from kerasgen.utils import image_utils

RECONSTRUCTION_LOSSES = ("mse", "l1")


@keras.saving.register_keras_serializable(package="kerasgen")
class ImageTokenizer(GenerativeModel):
    """Base of the models that turn images into a grid of discrete tokens.

    A tokenizer is an encoder to a grid of continuous latents, a quantizer
    (`kerasgen.quantizers`) that snaps each latent vector to one of
    `vocabulary_size` codes, and a decoder back to images:

        images --encode--> latents --quantizer--> (codes, token ids)
        token ids --indices_to_codes--> codes --decode--> images

    Token transformers depend on `tokenize`, `detokenize`,
    `vocabulary_size` and `token_shape` only. `encode`/`decode` work on
    continuous latents (as keras-hub's VAE and diffusers' `VQModel`).

    `call(images)` is the reconstruction through the quantizer, so
    `predict()` reconstructs, and `detokenize(tokenize(x))` equals
    `call(x)`. `generate()` decodes token grids drawn uniformly from the
    vocabulary: the prior every one of these models assumes while it is
    trained (van den Oord et al. 2017; Ramesh et al. 2021). Good samples
    need a learned prior over the tokens (a token transformer).

    Training (`fit`) minimizes, per example, the reconstruction error (mean
    over pixels, `reconstruction_loss` `"mse"` or `"l1"`) plus the
    quantizer's loss, and logs `loss`, `reconstruction_loss`,
    `quantizer_loss` and the quantizer's own `<name>_perplexity` and
    `<name>_usage`.

    Subclasses call `super().__init__(reconstruction_loss=..., seed=...)`,
    set `self.encoder`, `self.quantizer`, `self.decoder`,
    `self._given_networks` (which of them were given) and
    `self.image_shape`, then call `self._build_token_shape()`; their
    constructors take `image_shape`, `encoder`, `decoder` and `quantizer`
    (objects or config dicts, see `_deserialize`) or the hyperparameters of
    the default ones, and `_hyperparameters()` names which hyperparameter
    builds which default sub-network: `get_config` stores a given
    sub-network, or the hyperparameters of a default one, never both.

    Images: float in `[-1, 1]` inside the model; `tokenize`, `encode`,
    `fit`, `evaluate` and `predict` also accept NumPy uint8 `[0, 255]`;
    `detokenize` and `decode` return float in `[-1, 1]`.
    """

    per_sample_generate_kwargs = ("token_ids",)
    default_learning_rate = 2e-4
    default_evaluation_metrics = (
        "mse",
        "psnr",
        "reconstruction_fid",
        "codebook_usage",
        "codebook_perplexity",
    )

    def preview_images(self, num_images=64, seed=0, images=None, **kwargs):
        """Rows of test images, each over the row of its reconstructions.

        Args:
            num_images: int. Images in the grid (originals and
                reconstructions together). Defaults to 64.
            seed: int. Unused (reconstruction is deterministic).
            images: uint8 or `[-1, 1]` images `(n, h, w, c)`, or `None` for
                the first Fashion-MNIST test images (28x28x1 models only).
            **kwargs: `generate` arguments; a tokenizer has none to take.

        Returns:
            uint8 `(num_images, h, w, c)` for an 8-wide grid.
        """
        del seed
        from kerasgen.utils import argument_validation

        if kwargs:
            raise TypeError(
                f"{type(self).__name__}.preview_images shows reconstructions "
                f"and takes no generate arguments; received {sorted(kwargs)}"
            )

        num_images = argument_validation.check_positive_int(
            "num_images", num_images
        )
        count = max(1, num_images // 2)
        if images is None:
            if tuple(self.image_shape) != (28, 28, 1):
                raise ValueError(
                    "images is required for a tokenizer of image_shape "
                    f"{tuple(self.image_shape)}; received None"
                )
            from kerasgen.datasets import fashion_mnist

            (_, _), (test_images, _) = fashion_mnist.load_data()
            images = test_images[:count, ..., None]
        originals = image_utils.validate_images(
            images, self.image_shape, name="images"
        )[:count]
        reconstructions = self.predict(originals, verbose=0)
        return image_utils.interleave_rows(
            image_utils.float_to_uint8(originals),
            image_utils.float_to_uint8(reconstructions),
            images_per_row=8,
        )

    def __init__(self, reconstruction_loss="mse", **kwargs):
        if reconstruction_loss not in RECONSTRUCTION_LOSSES:
            raise ValueError(
                f"reconstruction_loss must be one of {RECONSTRUCTION_LOSSES}; "
                f"received {reconstruction_loss!r}"
            )
        super().__init__(**kwargs)
        self.reconstruction_loss = reconstruction_loss
        self.reconstruction_loss_tracker = keras.metrics.Mean(
            name="reconstruction_loss"
        )
        self.quantizer_loss_tracker = keras.metrics.Mean(name="quantizer_loss")

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "reconstruction_loss": self.reconstruction_loss,
                "image_shape": self.image_shape,
            }
        )
        networks = {
            name: (getattr(self, name), self._given_networks[name])
            for name in ("encoder", "decoder", "quantizer")
        }
        config.update(
            _config_utils.network_config(networks, self._hyperparameters())
        )
        return config

    def _given_networks_and_levels(self, encoder, decoder, quantizer, **levels):
        """Deserializes the given networks, records which were given, and
        resolves `image_shape` and the residual level arguments against
        them (`_config_utils.resolve_residual_levels`).

        Returns:
            `(encoder, decoder, quantizer, levels)`, networks `None` where
            not given.
        """
        encoder, decoder, quantizer = map(
            self._deserialize, (encoder, decoder, quantizer)
        )
        self._given_networks = {
            "encoder": encoder is not None,
            "decoder": decoder is not None,
            "quantizer": quantizer is not None,
        }
        levels = _config_utils.resolve_residual_levels(
            encoder, decoder, **levels
        )
        return encoder, decoder, quantizer, levels

    def _set_networks(
        self,
        encoder,
        decoder,
        quantizer,
        levels,
        encoder_dim,
        decoder_dim,
        default_quantizer,
    ):
        """Sets the networks, the default ones built where `None`.

        The defaults are a `ResidualEncoder` to `encoder_dim` channels, a
        `ResidualDecoder` from `decoder_dim` channels (both with the
        resolved `levels` of `_given_networks_and_levels`) and
        `default_quantizer()`. Also sets `image_shape` and the level
        attributes and builds the token shape.
        """
        image_shape = levels["image_shape"]
        blocks = {
            key: levels[key]
            for key in ("filters", "num_res_blocks", "num_groups")
        }
        if encoder is None:
            encoder = ResidualEncoder(
                image_shape, encoder_dim, name="encoder", **blocks
            )
        if decoder is None:
            decoder = ResidualDecoder(
                image_shape, decoder_dim, name="decoder", **blocks
            )
        self.encoder = encoder
        self.quantizer = default_quantizer() if quantizer is None else quantizer
        self.decoder = decoder

        # === Config ===
        self.image_shape = image_shape
        for key, value in blocks.items():
            setattr(self, key, value)
        self._build_token_shape()

    def _hyperparameters(self):
        """`name -> (value, default sub-networks that use it)` (subclasses).

        A hyperparameter is stored in the config only while one of the
        sub-networks it builds is a default one (one truth per config).
        """
        return {}

    _deserialize = staticmethod(_config_utils.deserialize)

    # --- Vocabulary.
    @property
    def vocabulary_size(self):
        """Number of distinct token ids: ids lie in `[0, vocabulary_size)`."""
        return int(self.quantizer.codebook_size)

    @property
    def token_shape(self):
        """Shape of one image's token grid, e.g. `(7, 7)`."""
        return self._token_shape

    def _build_token_shape(self):
        latent_spec = self.encoder.compute_output_spec(
            keras.KerasTensor((1,) + tuple(self.image_shape))
        )
        self._latent_shape = tuple(latent_spec.shape[1:])
        if not self.quantizer.built:  # its variables exist from the start
            self.quantizer.build((None,) + self._latent_shape)
        outputs = self.quantizer.compute_output_spec(
            keras.KerasTensor((1,) + self._latent_shape)
        )
        self._token_shape = tuple(outputs["indices"].shape[1:])

    # --- Continuous latents.
    def encode(self, images):
        """Continuous latents before quantization.

        Args:
            images: uint8 `[0, 255]` or float `[-1, 1]`,
                `(batch, height, width, channels)`.

        Returns:
            `(batch, *latent grid, latent channels)`.
        """
        return self.encoder(self._check_images(images, "images"))

    def decode(self, codes):
        """Images from quantized latents (codebook vectors).

        Args:
            codes: `(batch, *latent grid, codebook_dim)`, e.g. the
                `"quantized"` output of the quantizer.

        Returns:
            `(batch, height, width, channels)`, float (a trained model's
            output lies in about `[-1, 1]`).
        """
        return self.decoder(codes)

    def quantize_latents(self, latents, training=False):
        """Runs the quantizer: a dict with `quantized`, `indices`, `loss`.

        (Not named `quantize`: that is `keras.Model.quantize`, the int8/float8
        weight quantization, which tokenizers keep.)
        """
        return self.quantizer(latents, training=training)

    # --- Tokens.
    def tokenize(self, images):
        """Token ids of images.

        Args:
            images: uint8 `[0, 255]` or float `[-1, 1]`,
                `(batch, height, width, channels)`.

        Returns:
            int32 `(batch, *token_shape)` in `[0, vocabulary_size)`.
        """
        outputs = self.quantize_latents(self.encode(images))
        return ops.cast(outputs["indices"], "int32")

    def detokenize(self, token_ids):
        """Images from token ids.

        Args:
            token_ids: integer `(batch, *token_shape)`, each in
                `[0, vocabulary_size)`.

        Returns:
            `(batch, height, width, channels)`, float in `[-1, 1]` (the
            same as `call()` on the images the ids came from).

        Raises:
            ValueError: a float dtype, a wrong shape, or ids outside
                `[0, vocabulary_size)` (they are never wrapped or clipped).
        """
        token_ids = self._check_token_ids(token_ids)
        return self.decode(self.quantizer.indices_to_codes(token_ids))

    def _check_token_ids(self, token_ids, name="token_ids"):
        if isinstance(token_ids, keras.KerasTensor):
            return token_ids
        if not isinstance(token_ids, (np.ndarray, list, tuple)):
            try:
                token_ids = ops.convert_to_numpy(token_ids)
            except Exception:  # symbolic tensor inside a traced function
                return token_ids
        array = np.asarray(token_ids)
        if not np.issubdtype(array.dtype, np.integer):
            raise ValueError(
                f"{name} must be integers; received dtype {array.dtype}"
            )
        if tuple(array.shape[1:]) != self.token_shape or array.ndim < 2:
            raise ValueError(
                f"{name} must have shape (batch, "
                f"{', '.join(map(str, self.token_shape))}); received "
                f"shape {array.shape}"
            )
        if array.size and (
            array.min() < 0 or array.max() >= self.vocabulary_size
        ):
            raise ValueError(
                f"{name} must lie in [0, {self.vocabulary_size}); received "
                f"min={array.min()}, max={array.max()}"
            )
        return array.astype("int32")

    # --- Keras model surface.
    def forward(self, images, training=False):
        """The quantizer's outputs dict plus `"reconstructions"`."""
        latents = self.encoder(images, training=training)
        outputs = self.quantize_latents(latents, training=training)
        reconstructions = self.decoder(outputs["quantized"], training=training)
        return dict(outputs, reconstructions=reconstructions)

    def call(self, images, training=False):
        outputs = self.forward(images, training=training)
        return outputs if training else outputs["reconstructions"]

    def generate(self, inputs=None, num_samples=None, seed=None, **kwargs):
        """Decodes uniform token grids, or the given `token_ids`.

        See `GenerativeModel.generate`; `token_ids` (integers
        `(num_samples, *token_shape)` in `[0, vocabulary_size)`) are checked
        here, before the compiled loop sees them.
        """
        if kwargs.get("token_ids") is not None:
            kwargs["token_ids"] = self._check_token_ids(kwargs["token_ids"])
        return super().generate(inputs, num_samples, seed, **kwargs)

    def generate_step(self, inputs, num_samples, seed, token_ids=None):
        """Decodes token grids drawn uniformly (or the given `token_ids`).

        Args:
            inputs: must be `None`.
            num_samples: int.
            seed: `SeedGenerator`.
            token_ids: `(num_samples, *token_shape)` or `None` to draw them
                uniformly from the vocabulary.
        """
        del inputs
        if token_ids is None:
            token_ids = keras.random.randint(
                (num_samples,) + self.token_shape,
                0,
                self.vocabulary_size,
                seed=seed,
                dtype="int32",
            )
        else:
            token_ids = self._check_token_ids(token_ids)
        return self.detokenize(token_ids)

    # --- Training.
    def reconstruction_error(self, images, reconstructions):
        """Per-example reconstruction loss `(batch,)`, mean over pixels."""
        error = ops.cast(reconstructions, "float32") - ops.cast(
            images, "float32"
        )
        if self.reconstruction_loss == "mse":
            error = ops.square(error)
        else:
            error = ops.abs(error)
        return ops.mean(ops.reshape(error, (ops.shape(error)[0], -1)), axis=-1)

    def compute_loss(
        self, x=None, y=None, y_pred=None, sample_weight=None, training=True
    ):
        del y, sample_weight
        # fit passes the training call's dict; evaluate an inference output,
        # so the quantizer runs again in inference mode (no EMA update).
        outputs = y_pred
        if not isinstance(outputs, dict):
            outputs = self.forward(x, training=training)
        reconstruction = self.reconstruction_error(
            x, outputs["reconstructions"]
        )
        quantizer_loss = ops.cast(outputs["loss"], "float32")
        self.reconstruction_loss_tracker.update_state(reconstruction)
        self.quantizer_loss_tracker.update_state(quantizer_loss)
        # JAX: the quantizer's perplexity/usage kept from its call().
        quantizer_utils.flush_code_statistics(self)
        loss = ops.mean(reconstruction + quantizer_loss)
        if self.losses:
            loss = loss + ops.cast(ops.sum(self.losses), loss.dtype)
        return distribution_utils.scale_loss_for_distribution(loss)
