"""DCGAN training throughput: kerasgen vs the keras.io GAN, same architecture.

The keras.io example "GAN overriding Model.train_step" (fchollet, 2019/2020):
generator dense 7x7x128, two 4x4 stride-2 transposed convolutions of 128
filters with leaky ReLU, a 7x7 output convolution; discriminator 3x3
stride-2 convolutions of 64 and 128 filters with leaky ReLU, global max
pooling and a dense logit; latent 128, batch 64 of 28x28x1, 1.41M parameters,
binary cross-entropy from logits, one discriminator step (on the
concatenated real and fake batch) and one generator step per batch.
kerasgen's `GAN` is built with the same networks (`DCGANGenerator` with
`filters=(128, 128, 128)`, no normalization; `DCGANDiscriminator` with 3x3
kernels and global max pooling) and the non-saturating loss, which is the
same binary cross-entropy.

Every variant runs in this process; ratios are against the keras.io model in
float32 without XLA. Usage:

    .venv/bin/python benchmarks/dcgan_training.py --steps 30 --rounds 3 \
        --output benchmarks/results/dcgan_training.json
"""

import keras
from benchmark_utils import fashion_mnist_batches
from benchmark_utils import parse_args
from benchmark_utils import prepare
from benchmark_utils import time_rounds
from benchmark_utils import write_result
from keras import layers
from keras import ops

import kerasgen
from kerasgen.networks import DCGANDiscriminator
from kerasgen.networks import DCGANGenerator

BATCH_SIZE = 64
LATENT_DIM = 128


def keras_io_generator():
    return keras.Sequential(
        [
            keras.Input((LATENT_DIM,)),
            layers.Dense(7 * 7 * 128),
            layers.LeakyReLU(0.2),
            layers.Reshape((7, 7, 128)),
            layers.Conv2DTranspose(128, 4, strides=2, padding="same"),
            layers.LeakyReLU(0.2),
            layers.Conv2DTranspose(128, 4, strides=2, padding="same"),
            layers.LeakyReLU(0.2),
            layers.Conv2D(1, 7, padding="same", activation="sigmoid"),
        ],
        name="generator",
    )


def keras_io_discriminator():
    return keras.Sequential(
        [
            keras.Input((28, 28, 1)),
            layers.Conv2D(64, 3, strides=2, padding="same"),
            layers.LeakyReLU(0.2),
            layers.Conv2D(128, 3, strides=2, padding="same"),
            layers.LeakyReLU(0.2),
            layers.GlobalMaxPooling2D(),
            layers.Dense(1),
        ],
        name="discriminator",
    )


class KerasIOGAN(keras.Model):
    """The keras.io GAN with its own `train_step`, as the baseline."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.generator = keras_io_generator()
        self.discriminator = keras_io_discriminator()
        self.seed_generator = keras.random.SeedGenerator(0)
        self.loss_fn = keras.losses.BinaryCrossentropy(from_logits=True)
        self.d_loss_tracker = keras.metrics.Mean(name="d_loss")
        self.g_loss_tracker = keras.metrics.Mean(name="g_loss")

    def call(self, latents):
        return self.generator(latents)

    def compile(self, jit_compile=False):
        super().compile(jit_compile=jit_compile)
        self.d_optimizer = keras.optimizers.Adam(3e-4)
        self.g_optimizer = keras.optimizers.Adam(3e-4)

    def train_step(self, real_images):
        import tensorflow as tf

        batch_size = ops.shape(real_images)[0]
        latents = keras.random.normal(
            (batch_size, LATENT_DIM), seed=self.seed_generator
        )
        generated = self.generator(latents)
        combined = ops.concatenate([generated, real_images], axis=0)
        labels = ops.concatenate(
            [ops.ones((batch_size, 1)), ops.zeros((batch_size, 1))], axis=0
        )
        labels += 0.05 * keras.random.uniform(
            ops.shape(labels), seed=self.seed_generator
        )
        with tf.GradientTape() as tape:
            d_loss = self.loss_fn(labels, self.discriminator(combined))
        grads = tape.gradient(d_loss, self.discriminator.trainable_weights)
        self.d_optimizer.apply_gradients(
            zip(grads, self.discriminator.trainable_weights)
        )
        latents = keras.random.normal(
            (batch_size, LATENT_DIM), seed=self.seed_generator
        )
        with tf.GradientTape() as tape:
            predictions = self.discriminator(self.generator(latents))
            g_loss = self.loss_fn(ops.zeros((batch_size, 1)), predictions)
        grads = tape.gradient(g_loss, self.generator.trainable_weights)
        self.g_optimizer.apply_gradients(
            zip(grads, self.generator.trainable_weights)
        )
        self.d_loss_tracker.update_state(d_loss)
        self.g_loss_tracker.update_state(g_loss)
        return {
            "d_loss": self.d_loss_tracker.result(),
            "g_loss": self.g_loss_tracker.result(),
        }


def build_kerasgen():
    generator = DCGANGenerator(
        (28, 28, 1),
        latent_dim=LATENT_DIM,
        filters=(128, 128, 128),
        kernel_size=4,
        output_kernel_size=7,
        normalization=None,
        activation="leaky_relu",
    )
    discriminator = DCGANDiscriminator(
        (28, 28, 1), filters=(64, 128), kernel_size=3, pooling="global_max"
    )
    return kerasgen.models.GAN(
        generator, discriminator, latent_dim=LATENT_DIM, seed=0
    )


def compile_gan(model, jit):
    if isinstance(model, KerasIOGAN):
        model.compile(jit_compile=jit)
    else:
        model.compile(
            generator_optimizer=keras.optimizers.Adam(3e-4),
            discriminator_optimizer=keras.optimizers.Adam(3e-4),
            jit_compile=jit,
        )


def main():
    args = parse_args(__doc__.split("\n")[0], "dcgan_training", 30)
    _, dataset = fashion_mnist_batches(BATCH_SIZE)
    specs = [("keras_io_gan", KerasIOGAN, "float32", jit) for jit in (0, 1)]
    specs += [
        ("kerasgen_gan", build_kerasgen, policy, jit)
        for policy in ("float32", "mixed_bfloat16")
        for jit in (0, 1)
    ]
    variants = [
        prepare(name, build, compile_gan, policy, bool(jit), dataset)
        for name, build, policy, jit in specs
    ]
    num_params = {
        variant["name"]: int(
            model.generator.count_params() + model.discriminator.count_params()
        )
        for variant, model in variants
    }
    runs = time_rounds(variants, dataset, args.steps, args.rounds, BATCH_SIZE)
    write_result(
        "dcgan_training", BATCH_SIZE, runs, args.output, num_params=num_params
    )


if __name__ == "__main__":
    main()
