"""Generative adversarial networks trained through `fit`."""

import keras
import numpy as np
from keras import ops

from kerasgen.callbacks.terminate_on_nan_losses import TerminateOnNaNLosses
from kerasgen.models import _config_utils
from kerasgen.models.generative_model import GenerativeModel
from kerasgen.networks.dcgan_discriminator import DCGANDiscriminator
from kerasgen.networks.dcgan_generator import DCGANGenerator
from kerasgen.utils import adversarial_utils
from kerasgen.utils import argument_validation as av
from kerasgen.utils import distribution_utils

LOSSES = ("non_saturating", "hinge", "wasserstein")


@keras.saving.register_keras_serializable(package="kerasgen")
class GAN(GenerativeModel):
    """A GAN (optionally class-conditional) that trains with `model.fit`.

    Each training step updates the discriminator `discriminator_steps` times
    on the real batch against fresh fakes, then the generator once. The
    adversarial `loss` is one of (`D` is the discriminator logit, `G` the
    generator):

    - `"non_saturating"` (Goodfellow et al. 2014, section 3; DCGAN):
      `L_D = softplus(-D(x)) + softplus(D(G(z)))`,
      `L_G = softplus(-D(G(z)))`;
    - `"hinge"` (Lim & Ye 2017; Miyato et al. 2018):
      `L_D = relu(1 - D(x)) + relu(1 + D(G(z)))`, `L_G = -D(G(z))`;
    - `"wasserstein"` (Arjovsky et al. 2017) with the gradient penalty of
      Gulrajani et al. 2017 (eq. 3):
      `L_D = D(G(z)) - D(x) + lambda (|grad D(x_hat)|_2 - 1)^2`, `x_hat`
      uniform on the segment between a real and a fake image,
      `L_G = -D(G(z))`.

    `gradient_penalty_weight` applies the same penalty to any loss, and
    `r1_weight` adds the R1 penalty `r1_weight / 2 * |grad D(x)|^2` on real
    images (Mescheder et al. 2018, eq. 9).

    A conditional GAN (`num_classes`) feeds the labels of the real batch to
    both networks: the generator makes fakes of those classes, and the
    discriminator judges (image, label) pairs.

    Training follows ARCHITECTURE.md section 3: losses are scaled for
    `tf.distribute` and logged unscaled, latent and interpolation noise are
    drawn per replica from the model's seed generator (saved with the
    weights), both optimizers are saved in `.keras` files and wrapped in
    `LossScaleOptimizer` under `mixed_float16`, and `fit` adds a
    `TerminateOnNaNLosses` guard on `d_loss`/`g_loss` unless one is given.
    Training runs on the TensorFlow backend; other backends raise
    `NotImplementedError` in `compile`.

    Logged: `d_loss` (including penalties), `g_loss`, and
    `gradient_penalty` / `r1_penalty` when used.

    Images: `fit` takes real images, NumPy uint8 `[0, 255]` or float
    `[-1, 1]` (and integer labels as `y` for a conditional GAN); `generate`
    returns uint8.

    Args:
        generator: `keras.Model` or `None`. Maps latents `(batch,
            latent_dim)` (conditional: a dict `{"latents", "labels"}`) to
            images in `[-1, 1]`. Defaults to a `DCGANGenerator`.
        discriminator: `keras.Model` or `None`. Maps images (conditional:
            a dict `{"images", "labels"}`) to logits `(batch, 1)`. Defaults
            to a `DCGANDiscriminator`.
        latent_dim: int. Size of the latent vector. Defaults to 128.
        num_classes: int or `None`. Number of classes of a conditional GAN.
            Defaults to `None`.
        image_shape: tuple. Image shape of the default networks; with given
            networks it must match the generator's output. Defaults to
            `(28, 28, 1)`.
        loss: str. One of `"non_saturating"`, `"hinge"`, `"wasserstein"`.
            Defaults to `"non_saturating"`.
        gradient_penalty_weight: float >= 0 or `None`. `None` means 10.0 for
            `"wasserstein"` and 0.0 otherwise. Defaults to `None`.
        r1_weight: float >= 0. Weight of the R1 penalty. Defaults to 0.0.
        discriminator_steps: int >= 1. Discriminator updates per generator
            update (5 in WGAN-GP). Defaults to 1.
        seed: int or `None`. Seed of the training noise. Defaults to `None`.

    Call arguments:
        inputs: latents `(batch, latent_dim)`; for a conditional GAN a dict
            `{"latents": ..., "labels": ...}` or a list `[latents, labels]`.

    Returns:
        Generated images, float in `[-1, 1]`.

    Example:
    >>> import numpy as np
    >>> gan = GAN(
    ...     generator=DCGANGenerator((8, 8, 1), latent_dim=4, filters=(4, 4)),
    ...     discriminator=DCGANDiscriminator((8, 8, 1), filters=(4,)),
    ...     latent_dim=4, image_shape=(8, 8, 1))
    >>> gan.compile()
    >>> x = np.random.randint(0, 256, (16, 8, 8, 1), dtype="uint8")
    >>> history = gan.fit(x, epochs=1, batch_size=8, verbose=0)
    >>> gan.generate(num_samples=4, seed=0).shape
    (4, 8, 8, 1)

    References:
        Goodfellow et al. 2014, "Generative Adversarial Nets"; Radford et
        al. 2015 (DCGAN); Mirza & Osindero 2014 (conditional GAN);
        Gulrajani et al. 2017, "Improved Training of Wasserstein GANs";
        Mescheder et al. 2018, "Which Training Methods for GANs do actually
        Converge?".
    """

    per_sample_generate_kwargs = ("latents",)

    def __init__(
        self,
        generator=None,
        discriminator=None,
        latent_dim=None,
        num_classes=None,
        image_shape=None,
        loss="non_saturating",
        gradient_penalty_weight=None,
        r1_weight=0.0,
        discriminator_steps=1,
        seed=None,
        **kwargs,
    ):
        av.check_positive_int("latent_dim", latent_dim, allow_none=True)
        av.check_int("num_classes", num_classes, minimum=2, allow_none=True)
        av.check_choice("loss", loss, LOSSES)
        if gradient_penalty_weight is None:
            gradient_penalty_weight = 10.0 if loss == "wasserstein" else 0.0
        av.check_float(
            "gradient_penalty_weight", gradient_penalty_weight, minimum=0.0
        )
        av.check_float("r1_weight", r1_weight, minimum=0.0)
        av.check_positive_int("discriminator_steps", discriminator_steps)
        super().__init__(seed=seed, **kwargs)

        # === Networks ===
        generator = _config_utils.deserialize(generator)
        discriminator = _config_utils.deserialize(discriminator)
        self._given_networks = {
            "generator": generator is not None,
            "discriminator": discriminator is not None,
        }

        def read(network, name):
            return None if network is None else getattr(network, name, None)

        latents = _network_input(generator, "latents")
        latent_dim = _config_utils.resolve(
            "latent_dim",
            latent_dim,
            128,
            [
                (
                    "the given generator",
                    read(latents, "shape") and latents.shape[-1],
                )
            ],
        )
        num_classes = _config_utils.resolve(
            "num_classes",
            num_classes,
            None,
            [
                ("the given generator", read(generator, "num_classes")),
                ("the given discriminator", read(discriminator, "num_classes")),
            ],
        )
        output_shape = read(generator, "output_shape")
        image_shape = _config_utils.resolve(
            "image_shape",
            image_shape,
            (28, 28, 1),
            [
                ("the given generator", output_shape and output_shape[1:]),
                ("the given discriminator", read(discriminator, "image_shape")),
            ],
        )
        image_shape = tuple(image_shape)
        if generator is None:
            generator = DCGANGenerator(
                image_shape,
                latent_dim=latent_dim,
                num_classes=num_classes,
                name="generator",
            )
        if discriminator is None:
            discriminator = DCGANDiscriminator(
                image_shape, num_classes=num_classes, name="discriminator"
            )
        self.generator = generator
        self.discriminator = discriminator
        self._check_networks(image_shape, latent_dim, num_classes)

        # === Metrics ===
        self.d_loss_tracker = keras.metrics.Mean(name="d_loss")
        self.g_loss_tracker = keras.metrics.Mean(name="g_loss")
        self.gradient_penalty_tracker = keras.metrics.Mean(
            name="gradient_penalty"
        )
        self.r1_penalty_tracker = keras.metrics.Mean(name="r1_penalty")

        # === Config ===
        self.latent_dim = latent_dim
        self.num_classes = num_classes
        self.image_shape = image_shape
        self.loss = loss
        self.gradient_penalty_weight = float(gradient_penalty_weight)
        self.r1_weight = float(r1_weight)
        self.discriminator_steps = discriminator_steps
        self.generator_optimizer = None
        self.discriminator_optimizer = None
        self.built = True

    def get_config(self):
        config = super().get_config()
        config.update(
            _config_utils.network_config(
                {
                    name: (getattr(self, name), given)
                    for name, given in self._given_networks.items()
                },
                {},
            )
        )
        config.update(
            {
                "latent_dim": self.latent_dim,
                "num_classes": self.num_classes,
                "image_shape": self.image_shape,
                "loss": self.loss,
                "gradient_penalty_weight": self.gradient_penalty_weight,
                "r1_weight": self.r1_weight,
                "discriminator_steps": self.discriminator_steps,
            }
        )
        return config

    def _check_networks(self, image_shape, latent_dim, num_classes):
        """The input contract: named dict inputs for conditional networks.

        A conditional generator takes `{"latents", "labels"}` and a
        conditional discriminator `{"images", "labels"}`; unconditional ones
        take one tensor.
        """
        conditional = num_classes is not None
        for name, network, key in (
            ("generator", self.generator, "latents"),
            ("discriminator", self.discriminator, "images"),
        ):
            inputs = _input_structure(network)
            if conditional:
                keys = sorted(inputs) if isinstance(inputs, dict) else None
                if keys != sorted((key, "labels")):
                    raise ValueError(
                        f"{name} of a conditional GAN (num_classes="
                        f"{num_classes}) must take a dict input with keys "
                        f"{key!r} and 'labels'; it takes "
                        f"{keys if keys else 'one tensor'}"
                    )
            elif isinstance(inputs, dict) or len(network.inputs) != 1:
                raise ValueError(
                    f"{name} of an unconditional GAN (num_classes=None) "
                    f"must take one tensor ({key}); it takes "
                    f"{len(network.inputs)} inputs (a conditional network "
                    "takes a dict with 'labels')"
                )
        latents = _network_input(self.generator, "latents")
        if latents.shape[-1] != latent_dim:
            raise ValueError(
                f"latent_dim={latent_dim} does not match the generator's "
                f"latent input of size {latents.shape[-1]}"
            )
        output_shape = tuple(self.generator.output_shape[1:])
        if output_shape != image_shape:
            raise ValueError(
                f"image_shape={image_shape} does not match the generator's "
                f"output shape {output_shape}"
            )
        logits_shape = tuple(self.discriminator.output_shape[1:])
        if logits_shape not in ((1,), ()):
            raise ValueError(
                "discriminator must output logits of shape (batch, 1); its "
                f"output shape is (batch, {logits_shape})"
            )

    # --- Compilation: two optimizers (ARCHITECTURE.md section 3.5, 3.8).
    def compile(
        self, generator_optimizer=None, discriminator_optimizer=None, **kwargs
    ):
        """Configures the two optimizers.

        Args:
            generator_optimizer: optimizer, its name or config, or `None`.
                Defaults to Adam(2e-4, beta_1=0.5) (DCGAN), or Adam(1e-4,
                beta_1=0, beta_2=0.9) for `"wasserstein"` (WGAN-GP).
            discriminator_optimizer: the same, for the discriminator.
            **kwargs: other `keras.Model.compile` arguments
                (`jit_compile`, `steps_per_execution`, `run_eagerly`);
                `optimizer`, `loss` and `metrics` are not accepted.
        """
        adversarial_utils.check_compile("GAN", kwargs)
        self.generator_optimizer = self._make_optimizer(
            generator_optimizer, "generator_optimizer"
        )
        self.discriminator_optimizer = self._make_optimizer(
            discriminator_optimizer, "discriminator_optimizer"
        )
        super().compile(optimizer=None, **kwargs)
        self.generator_optimizer.build(self.generator.trainable_variables)
        self.discriminator_optimizer.build(
            self.discriminator.trainable_variables
        )

    def _make_optimizer(self, optimizer, name):
        def default():
            return self.default_optimizers()[name]

        return adversarial_utils.make_optimizer(self, optimizer, default, name)

    # --- Defaults the model owns.
    training_only = ("discriminator",)

    @property
    def default_evaluation_metrics(self):
        if self.num_classes is None:
            return ("fid", "kid")
        return ("fid", "kid", "label_agreement")

    def default_optimizers(self, learning_rate=None, **optimizer_kwargs):
        """Adam(2e-4, beta_1=0.5) for both networks (DCGAN), or Adam(1e-4,
        beta_1=0, beta_2=0.9) for `"wasserstein"` (WGAN-GP)."""
        if self.loss == "wasserstein":
            defaults = dict(learning_rate=1e-4, beta_1=0.0, beta_2=0.9)
        else:
            defaults = dict(learning_rate=2e-4, beta_1=0.5)
        return adversarial_utils.two_optimizers(
            defaults, learning_rate, **optimizer_kwargs
        )

    def get_compile_config(self):
        return adversarial_utils.compile_config(self)

    def compile_from_config(self, config):
        config = keras.saving.deserialize_keras_object(config)
        self.compile(**config)

    @property
    def metrics(self):
        trackers = [self.d_loss_tracker, self.g_loss_tracker]
        if self.gradient_penalty_weight > 0:
            trackers.append(self.gradient_penalty_tracker)
        if self.r1_weight > 0:
            trackers.append(self.r1_penalty_tracker)
        return trackers

    # --- Forward pass.
    def _generator_inputs(self, latents, labels):
        if self.num_classes is None:
            return latents
        return {"latents": latents, "labels": labels}

    def _discriminate(self, images, labels, training):
        if self.num_classes is None:
            logits = self.discriminator(images, training=training)
        else:
            logits = self.discriminator(
                {"images": images, "labels": labels}, training=training
            )
        return ops.reshape(ops.cast(logits, "float32"), (-1,))

    def call(self, inputs, training=False):
        if isinstance(inputs, (list, tuple)) and self.num_classes is not None:
            inputs = {"latents": inputs[0], "labels": inputs[1]}
        return self.generator(inputs, training=training)

    # --- Training (TensorFlow).
    def _adversarial_losses(self, real_logits, fake_logits):
        """Per-example discriminator loss and generator loss (no penalty)."""
        if self.loss == "non_saturating":
            d_loss = ops.softplus(-real_logits) + ops.softplus(fake_logits)
        elif self.loss == "hinge":
            d_loss = ops.relu(1.0 - real_logits) + ops.relu(1.0 + fake_logits)
        else:
            d_loss = fake_logits - real_logits
        return d_loss

    def _generator_loss(self, fake_logits):
        if self.loss == "non_saturating":
            return ops.softplus(-fake_logits)
        return -fake_logits

    def _input_gradient_norms(self, images, labels):
        """Squared L2 norm of dD/dx per example, differentiable."""
        import tensorflow as tf

        with tf.GradientTape() as tape:
            tape.watch(images)
            logits_sum = ops.sum(
                self._discriminate(images, labels, training=True)
            )
        gradients = tape.gradient(logits_sum, images)
        return ops.sum(ops.square(ops.cast(gradients, "float32")), [1, 2, 3])

    def _discriminator_step(self, real_images, labels, batch_size):
        import tensorflow as tf

        latents = distribution_utils.replica_normal(
            (batch_size, self.latent_dim), self.seed_generator
        )
        fake_images = self.generator(
            self._generator_inputs(latents, labels), training=True
        )
        fake_images = ops.stop_gradient(ops.cast(fake_images, "float32"))
        variables = self.discriminator.trainable_variables
        with tf.GradientTape() as tape:
            real_logits = self._discriminate(real_images, labels, True)
            fake_logits = self._discriminate(fake_images, labels, True)
            d_loss = self._adversarial_losses(real_logits, fake_logits)
            if self.gradient_penalty_weight > 0:
                # Gulrajani et al. 2017, algorithm 1, lines 6-8.
                alpha = distribution_utils.replica_uniform(
                    (batch_size, 1, 1, 1), self.seed_generator
                )
                mixed = real_images + alpha * (fake_images - real_images)
                squared_norms = self._input_gradient_norms(mixed, labels)
                penalty = ops.square(ops.sqrt(squared_norms + 1e-12) - 1.0)
                self.gradient_penalty_tracker.update_state(penalty)
                d_loss = d_loss + self.gradient_penalty_weight * penalty
            if self.r1_weight > 0:
                # Mescheder et al. 2018, eq. 9.
                r1 = self._input_gradient_norms(real_images, labels)
                self.r1_penalty_tracker.update_state(r1)
                d_loss = d_loss + 0.5 * self.r1_weight * r1
            self.d_loss_tracker.update_state(d_loss)
            loss = adversarial_utils.scale_loss(
                self.discriminator_optimizer, ops.mean(d_loss)
            )
        gradients = tape.gradient(loss, variables)
        self.discriminator_optimizer.apply(gradients, variables)

    def _generator_step(self, labels, batch_size):
        import tensorflow as tf

        latents = distribution_utils.replica_normal(
            (batch_size, self.latent_dim), self.seed_generator
        )
        variables = self.generator.trainable_variables
        with tf.GradientTape() as tape:
            fake_images = self.generator(
                self._generator_inputs(latents, labels), training=True
            )
            fake_logits = self._discriminate(fake_images, labels, True)
            g_loss = self._generator_loss(fake_logits)
            self.g_loss_tracker.update_state(g_loss)
            loss = adversarial_utils.scale_loss(
                self.generator_optimizer, ops.mean(g_loss)
            )
        gradients = tape.gradient(loss, variables)
        self.generator_optimizer.apply(gradients, variables)

    def train_step(self, data):
        images, labels, _ = keras.utils.unpack_x_y_sample_weight(data)
        if self.num_classes is None and labels is not None:
            raise ValueError(
                "labels (y) were given to an unconditional GAN "
                "(num_classes=None); pass images only or set num_classes"
            )
        if self.num_classes is not None and labels is None:
            raise ValueError(
                f"this GAN is conditional (num_classes={self.num_classes}): "
                "fit needs integer labels as y (or (images, labels) batches)"
            )
        real_images = ops.cast(images, "float32")
        if labels is not None:
            labels = ops.reshape(ops.cast(labels, "int32"), (-1,))
        batch_size = ops.shape(real_images)[0]
        for _ in range(self.discriminator_steps):
            self._discriminator_step(real_images, labels, batch_size)
        self._generator_step(labels, batch_size)
        return {metric.name: metric.result() for metric in self.metrics}

    def test_step(self, data):
        raise NotImplementedError(
            "GAN.evaluate has no loss to report; measure samples with "
            "kerasgen.metrics (FrechetDistance, KernelInceptionDistance) or "
            "`kerasgen evaluate MODEL --metrics fid,kid`"
        )

    # --- User boundary.
    def _check_labels(self, labels, name="labels", count=None):
        return av.check_labels(
            name, labels, self.num_classes, count, model="GAN"
        )

    def _check_latents(self, latents, name="latents"):
        array = np.asarray(latents, dtype="float32")
        if array.ndim != 2 or array.shape[-1] != self.latent_dim:
            raise ValueError(
                f"{name} must have shape (batch, {self.latent_dim}); "
                f"received {np.shape(latents)}"
            )
        if not np.all(np.isfinite(array)):
            raise ValueError(f"{name} contains NaN or infinite values")
        return array

    def fit(self, x=None, y=None, *args, **kwargs):
        if isinstance(x, tuple) and len(x) == 2 and y is None:
            x, y = x
        if y is not None and not hasattr(y, "element_spec"):
            y = self._check_labels(y, name="y (labels)")
        elif (
            self.num_classes is not None
            and isinstance(x, np.ndarray)
            and y is None
        ):
            raise ValueError(
                f"this GAN is conditional (num_classes={self.num_classes}): "
                "fit needs integer labels as y; received y=None"
            )
        callbacks = list(kwargs.pop("callbacks", None) or [])
        if not any(isinstance(c, TerminateOnNaNLosses) for c in callbacks):
            callbacks.append(TerminateOnNaNLosses(["d_loss", "g_loss"]))
        return super().fit(x, y, *args, callbacks=callbacks, **kwargs)

    def predict(self, x, *args, **kwargs):
        if isinstance(x, dict):
            x = dict(x)
            x["latents"] = self._check_latents(x.get("latents"))
            x["labels"] = self._check_labels(
                x.get("labels"), count=len(x["latents"])
            )
        elif isinstance(x, list) and self.num_classes is not None:
            latents = self._check_latents(x[0])
            x = [latents, self._check_labels(x[1], count=len(latents))]
        elif self.num_classes is not None:
            raise ValueError(
                "a conditional GAN predicts from {'latents': ..., 'labels': "
                f"...}} or [latents, labels]; received {type(x).__name__}"
            )
        else:
            x = self._check_latents(x, name="x (latents)")
        return keras.Model.predict(self, x, *args, **kwargs)

    def check_generate_inputs(self, inputs):
        if inputs is None:
            return None
        return self._check_labels(inputs, name="inputs (labels)")

    def generate(self, inputs=None, num_samples=None, seed=None, **kwargs):
        """Generates images from latents `z ~ N(0, I)`.

        Args:
            inputs: class labels `(num_samples,)` ints in
                `[0, num_classes)` for a conditional GAN, else `None`. A
                conditional GAN given only `num_samples` cycles through the
                classes (`0, 1, ..., num_classes - 1, 0, ...`).
            num_samples: int >= 1 or `None` (the number of labels).
            seed: int or `None`. Same seed, same images.
            latents: `(num_samples, latent_dim)` or `None` to draw them.
            batch_size, verbose: see `GenerativeModel.generate`.

        Returns:
            uint8 `(num_samples, height, width, channels)`.
        """
        if (
            self.num_classes is not None
            and inputs is None
            and av.is_int(num_samples)
            and num_samples >= 1
        ):
            inputs = np.arange(num_samples) % self.num_classes
        if kwargs.get("latents") is not None:
            kwargs["latents"] = self._check_latents(kwargs["latents"])
        return super().generate(inputs, num_samples, seed, **kwargs)

    def generate_step(self, inputs, num_samples, seed, latents=None):
        """Runs the generator on `latents` (drawn from `seed` if `None`)."""
        if latents is None:
            latents = keras.random.normal(
                (num_samples, self.latent_dim), seed=seed
            )
        if self.num_classes is not None and inputs is None:
            raise ValueError(
                f"this GAN is conditional (num_classes={self.num_classes}): "
                "pass labels as inputs"
            )
        generator_inputs = self._generator_inputs(
            ops.convert_to_tensor(latents, "float32"),
            None if inputs is None else ops.convert_to_tensor(inputs, "int32"),
        )
        return self.generator(generator_inputs, training=False)


def _network_input(network, key):
    """The input tensor `key` of a dict-input network, or its one input."""
    if network is None:
        return None
    inputs = _input_structure(network)
    if isinstance(inputs, dict):
        return inputs.get(key)
    return network.inputs[0]


def _input_structure(network):
    """`network.input`, also for a `Sequential` that was never called."""
    try:
        return network.input
    except AttributeError:
        inputs = network.inputs
        return inputs[0] if len(inputs) == 1 else inputs
