"""VQ-GAN (Esser et al. 2021, stage 1), an adversarially trained tokenizer."""

import keras
from keras import ops

from kerasgen.losses.perceptual_loss import PerceptualLoss
from kerasgen.models import _config_utils
from kerasgen.models.vqvae.vqvae import VQVAE
from kerasgen.networks.patch_gan_discriminator import PatchGANDiscriminator
from kerasgen.utils import adversarial_utils
from kerasgen.utils import argument_validation as av

_PERCEPTUAL_BUILDERS = {
    "fmnist_features": PerceptualLoss.fmnist_features,
    "vgg16": PerceptualLoss.vgg16,
}


@keras.saving.register_keras_serializable(package="kerasgen")
class VQGAN(VQVAE):
    """VQ autoencoder trained with perceptual and PatchGAN losses.

    The tokenizer of `VQVAE` (encoder, `VectorQuantizer`, decoder) trained
    as in taming-transformers' `VQLPIPSWithDiscriminator`. Per example, the
    autoencoder minimizes

        L_rec + quantizer loss + f * lambda * L_GAN

    with `L_rec = |x - x_hat| + perceptual_weight * P(x, x_hat)` (mean over
    pixels; `P` is `perceptual_loss`), `L_GAN = -mean D(x_hat)` over the
    discriminator's patch logits, `f` = 1 from `discriminator_start` steps
    on (0 before), and the adaptive weight (eq. 7 of the paper)

        lambda = discriminator_weight * ||grad_L L_rec|| /
                 (||grad_L L_GAN|| + 1e-4)

    with gradients taken at the kernel of the decoder's last layer `L`,
    clipped to `[0, 1e4]` and not differentiated. Under a distribution
    strategy the gradients are summed over replicas first, so lambda is
    that of the global batch. The PatchGAN discriminator minimizes the
    hinge loss `f * 0.5 * (mean relu(1 - D(x)) + mean relu(1 + D(x_hat)))`.
    Both steps run in one `train_step` (TensorFlow backend only), each with
    its own optimizer (`compile(generator_optimizer=...,
    discriminator_optimizer=...)`); both are saved in `.keras` files.

    Logged: `loss` (the autoencoder's), `reconstruction_loss` (L1),
    `perceptual_loss`, `quantizer_loss`, `g_loss`, `d_loss`,
    `adaptive_weight` (`f * lambda`), `logits_real`, `logits_fake` and the
    quantizer's perplexity and usage. `evaluate` reports the first four.

    Args:
        image_shape, latent_dim, codebook_size, filters, num_res_blocks,
        num_groups, quantizer, commitment_weight, encoder, decoder, seed:
            as in `VQVAE`. The decoder must have a `last_layer` property, the
            layer with a `kernel` where the adaptive weight is measured (the
            default `ResidualDecoder` has).
        reconstruction_loss: `"l1"` (the paper) or `"mse"`. Defaults to
            `"l1"`.
        perceptual_loss: a `kerasgen.losses.PerceptualLoss`,
            `"fmnist_features"` (the bundled Fashion-MNIST classifier,
            offline), `"vgg16"` (LPIPS-style VGG16 on ImageNet weights,
            downloaded by Keras) or `None` (no perceptual term). Defaults to
            `"fmnist_features"`.
        perceptual_weight: float >= 0. Defaults to 1.0.
        discriminator: `keras.Model` from images to patch logits or `None`
            for `PatchGANDiscriminator(image_shape)`.
        discriminator_weight: float >= 0. Scale of the adaptive weight.
            Defaults to 0.8 (taming-transformers' configs).
        discriminator_start: int >= 0. Autoencoder steps before the
            adversarial losses turn on. Defaults to 0.

    Example:
    >>> import numpy as np
    >>> vqgan = VQGAN((8, 8, 1), latent_dim=2, codebook_size=8,
    ...               filters=(8, 8), num_groups=2, perceptual_loss=None,
    ...               discriminator=PatchGANDiscriminator((8, 8, 1), 8, 1))
    >>> vqgan.compile()
    >>> x = np.random.randint(0, 256, (16, 8, 8, 1), dtype="uint8")
    >>> history = vqgan.fit(x, epochs=1, batch_size=8, verbose=0)
    >>> sorted(history.history)[:3]
    ['adaptive_weight', 'd_loss', 'g_loss']

    References:
        Esser et al. 2021, "Taming Transformers for High-Resolution Image
        Synthesis".
        Isola et al. 2017, "Image-to-Image Translation with Conditional
        Adversarial Networks" (PatchGAN).
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
        reconstruction_loss="l1",
        perceptual_loss="fmnist_features",
        perceptual_weight=1.0,
        discriminator=None,
        discriminator_weight=0.8,
        discriminator_start=0,
        encoder=None,
        decoder=None,
        seed=None,
        **kwargs,
    ):
        av.check_float("perceptual_weight", perceptual_weight, minimum=0.0)
        av.check_float(
            "discriminator_weight", discriminator_weight, minimum=0.0
        )
        av.check_int("discriminator_start", discriminator_start, minimum=0)
        super().__init__(
            image_shape=image_shape,
            latent_dim=latent_dim,
            codebook_size=codebook_size,
            filters=filters,
            num_res_blocks=num_res_blocks,
            num_groups=num_groups,
            quantizer=quantizer,
            commitment_weight=commitment_weight,
            reconstruction_loss=reconstruction_loss,
            encoder=encoder,
            decoder=decoder,
            seed=seed,
            **kwargs,
        )
        if isinstance(perceptual_loss, str):
            if perceptual_loss not in _PERCEPTUAL_BUILDERS:
                raise ValueError(
                    "perceptual_loss must be a PerceptualLoss, one of "
                    f"{sorted(_PERCEPTUAL_BUILDERS)} or None; received "
                    f"{perceptual_loss!r}"
                )
            perceptual_loss = _PERCEPTUAL_BUILDERS[perceptual_loss]()
        perceptual_loss = self._deserialize(perceptual_loss)
        discriminator = self._deserialize(discriminator)
        self._given_networks["discriminator"] = discriminator is not None
        if discriminator is None:
            discriminator = PatchGANDiscriminator(
                self.image_shape, name="discriminator"
            )
        self.perceptual_loss = perceptual_loss
        self.discriminator = discriminator
        self._last_kernel()  # fails early on an unsuitable decoder
        self.generator_optimizer = None
        self.discriminator_optimizer = None

        # === Metrics ===
        names = (
            "loss",
            "perceptual_loss",
            "g_loss",
            "d_loss",
            "adaptive_weight",
            "logits_real",
            "logits_fake",
        )
        self.trackers = {name: keras.metrics.Mean(name=name) for name in names}
        self.trackers["reconstruction_loss"] = self.reconstruction_loss_tracker
        self.trackers["quantizer_loss"] = self.quantizer_loss_tracker

        # === Config ===
        self.perceptual_weight = perceptual_weight
        self.discriminator_weight = discriminator_weight
        self.discriminator_start = discriminator_start

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "perceptual_loss": keras.saving.serialize_keras_object(
                    self.perceptual_loss
                ),
                "perceptual_weight": self.perceptual_weight,
                "discriminator_weight": self.discriminator_weight,
                "discriminator_start": self.discriminator_start,
            }
        )
        config.update(
            _config_utils.network_config(
                {
                    "discriminator": (
                        self.discriminator,
                        self._given_networks["discriminator"],
                    )
                },
                {},
            )
        )
        return config

    def _last_kernel(self):
        """The kernel of `decoder.last_layer` (for the adaptive weight)."""
        layer = getattr(self.decoder, "last_layer", None)
        if layer is None or not hasattr(layer, "kernel"):
            raise ValueError(
                "decoder must have a `last_layer` property, a layer with a "
                "kernel (its output convolution, where the adaptive weight "
                "is measured), as ResidualDecoder has; received "
                f"{type(self.decoder).__name__} {self.decoder.name!r}"
            )
        return layer.kernel

    # --- Compilation: two optimizers, as GAN.
    def compile(
        self, generator_optimizer=None, discriminator_optimizer=None, **kwargs
    ):
        """Configures the optimizers of the autoencoder and discriminator.

        Args:
            generator_optimizer: optimizer (or name, config) of the encoder,
                codebook and decoder, or `None` for Adam(2e-4, beta_1=0.5,
                beta_2=0.9) (taming-transformers' betas).
            discriminator_optimizer: the same, for the discriminator.
            **kwargs: other `keras.Model.compile` arguments (`jit_compile`,
                `steps_per_execution`, `run_eagerly`).
        """
        adversarial_utils.check_compile("VQGAN", kwargs)
        defaults = self.default_optimizers()
        self.generator_optimizer = adversarial_utils.make_optimizer(
            self,
            generator_optimizer,
            lambda: defaults["generator_optimizer"],
            "generator_optimizer",
        )
        self.discriminator_optimizer = adversarial_utils.make_optimizer(
            self,
            discriminator_optimizer,
            lambda: defaults["discriminator_optimizer"],
            "discriminator_optimizer",
        )
        super().compile(optimizer=None, **kwargs)
        self.generator_optimizer.build(self._autoencoder_variables())
        self.discriminator_optimizer.build(
            self.discriminator.trainable_variables
        )

    # --- Defaults the model owns.
    training_only = ("discriminator", "perceptual_loss")

    def default_optimizers(self, learning_rate=None, **optimizer_kwargs):
        """Adam(2e-4, beta_1=0.5, beta_2=0.9) for the autoencoder and the
        discriminator (taming-transformers' betas)."""
        return adversarial_utils.two_optimizers(
            dict(learning_rate=2e-4, beta_1=0.5, beta_2=0.9),
            learning_rate,
            **optimizer_kwargs,
        )

    def get_compile_config(self):
        return adversarial_utils.compile_config(self)

    def compile_from_config(self, config):
        self.compile(**keras.saving.deserialize_keras_object(config))

    @property
    def metrics(self):
        return list(self.trackers.values()) + self.quantizer.metrics

    # --- Training (TensorFlow).
    def _autoencoder_variables(self):
        return (
            self.encoder.trainable_variables
            + self.quantizer.trainable_variables
            + self.decoder.trainable_variables
        )

    def _patch_logits(self, images):
        logits = self.discriminator(images, training=True)
        return ops.reshape(
            ops.cast(logits, "float32"), (ops.shape(logits)[0], -1)
        )

    def _nll(self, images, reconstructions):
        """Per-example L_rec: pixel error plus the weighted perceptual term."""
        nll = self.reconstruction_error(images, reconstructions)
        perceptual = ops.zeros_like(nll)
        if self.perceptual_loss is not None:
            perceptual = self.perceptual_loss(images, reconstructions)
        self.trackers["perceptual_loss"].update_state(perceptual)
        return nll, nll + self.perceptual_weight * perceptual

    def _adaptive_weight(self, nll_gradient, gan_gradient):
        import tensorflow as tf

        context = tf.distribute.get_replica_context()
        if context is not None:
            nll_gradient, gan_gradient = context.all_reduce(
                "sum", [nll_gradient, gan_gradient]
            )
        weight = ops.norm(ops.reshape(nll_gradient, (-1,))) / (
            ops.norm(ops.reshape(gan_gradient, (-1,))) + 1e-4
        )
        weight = ops.clip(ops.cast(weight, "float32"), 0.0, 1e4)
        return ops.stop_gradient(weight) * self.discriminator_weight

    def train_step(self, data):
        import tensorflow as tf

        images, _, _ = keras.utils.unpack_x_y_sample_weight(data)
        images = ops.cast(images, "float32")
        # f: 0 before discriminator_start autoencoder steps, then 1.
        factor = ops.cast(
            self.generator_optimizer.iterations >= self.discriminator_start,
            "float32",
        )

        # Autoencoder step. Two backward passes (L_rec + quantizer loss, and
        # L_GAN) give the adaptive weight from their last-layer gradients
        # and the total gradient by linearity.
        variables = self._autoencoder_variables()
        with tf.GradientTape(persistent=True) as tape:
            outputs = self.forward(images, training=True)
            reconstructions = outputs["reconstructions"]
            pixel, nll = self._nll(images, reconstructions)
            quantizer_loss = ops.cast(outputs["loss"], "float32")
            g_loss = -ops.mean(self._patch_logits(reconstructions), axis=-1)
            ae_loss = adversarial_utils.scale_loss(
                self.generator_optimizer, ops.mean(nll + quantizer_loss)
            )
            gan_loss = adversarial_utils.scale_loss(
                self.generator_optimizer, ops.mean(g_loss)
            )
        ae_gradients = tape.gradient(ae_loss, variables)
        gan_gradients = tape.gradient(gan_loss, variables)
        del tape
        kernel = self._last_kernel()
        index = [id(v) for v in variables].index(id(kernel))
        weight = factor * self._adaptive_weight(
            ae_gradients[index], gan_gradients[index]
        )
        gradients = [
            a if g is None else a + ops.cast(weight, a.dtype) * g
            for a, g in zip(ae_gradients, gan_gradients)
        ]
        self.generator_optimizer.apply(gradients, variables)

        # Discriminator step (hinge loss) on the same reconstructions.
        fakes = ops.stop_gradient(ops.cast(reconstructions, "float32"))
        variables = self.discriminator.trainable_variables
        with tf.GradientTape() as tape:
            logits_real = self._patch_logits(images)
            logits_fake = self._patch_logits(fakes)
            d_loss = 0.5 * (
                ops.mean(ops.relu(1.0 - logits_real), axis=-1)
                + ops.mean(ops.relu(1.0 + logits_fake), axis=-1)
            )
            loss = adversarial_utils.scale_loss(
                self.discriminator_optimizer, factor * ops.mean(d_loss)
            )
        gradients = tape.gradient(loss, variables)
        self.discriminator_optimizer.apply(gradients, variables)

        total = nll + quantizer_loss + weight * g_loss
        for name, value in (
            ("loss", total),
            ("reconstruction_loss", pixel),
            ("quantizer_loss", quantizer_loss),
            ("g_loss", g_loss),
            ("d_loss", d_loss),
            ("adaptive_weight", weight),
            ("logits_real", ops.mean(logits_real, axis=-1)),
            ("logits_fake", ops.mean(logits_fake, axis=-1)),
        ):
            self.trackers[name].update_state(value)
        return {metric.name: metric.result() for metric in self.metrics}

    def test_step(self, data):
        images, _, _ = keras.utils.unpack_x_y_sample_weight(data)
        images = ops.cast(images, "float32")
        outputs = self.forward(images, training=False)
        pixel, nll = self._nll(images, outputs["reconstructions"])
        quantizer_loss = ops.cast(outputs["loss"], "float32")
        self.trackers["loss"].update_state(nll + quantizer_loss)
        self.trackers["reconstruction_loss"].update_state(pixel)
        self.trackers["quantizer_loss"].update_state(quantizer_loss)
        names = ("loss", "reconstruction_loss", "perceptual_loss")
        names += ("quantizer_loss",)
        return {name: self.trackers[name].result() for name in names}
