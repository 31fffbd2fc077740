"""VAE training throughput: kerasgen vs the keras.io VAE, same architecture.

The keras.io VAE example (fchollet, 2020): encoder conv 32 and 64 filters
with stride 2, dense 16, latent 2; decoder dense 7x7x64, transposed convs 64
and 32 with stride 2, a sigmoid conv; batch 128 of 28x28x1, its own
`train_step` with a binary cross-entropy. kerasgen's VAE is built with the
same networks and the Bernoulli likelihood (the same cost per pixel) and
trained by the stock `train_step`.

Every variant runs in this process; ratios are against the keras.io model in
float32 without XLA. Usage:

    .venv/bin/python benchmarks/vae_training.py --steps 40 \
        --output benchmarks/results/vae_training.json
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
from kerasgen.networks import ConvDecoder
from kerasgen.networks import ConvEncoder

BATCH_SIZE = 128
LATENT_DIM = 2


class KerasIOVAE(keras.Model):
    """The keras.io VAE (Keras 3 version), as the baseline."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        inputs = keras.Input((28, 28, 1))
        x = layers.Conv2D(32, 3, 2, "same", activation="relu")(inputs)
        x = layers.Conv2D(64, 3, 2, "same", activation="relu")(x)
        x = layers.Dense(16, activation="relu")(layers.Flatten()(x))
        self.encoder = keras.Model(
            inputs, [layers.Dense(LATENT_DIM)(x), layers.Dense(LATENT_DIM)(x)]
        )
        latents = keras.Input((LATENT_DIM,))
        x = layers.Dense(7 * 7 * 64, activation="relu")(latents)
        x = layers.Reshape((7, 7, 64))(x)
        x = layers.Conv2DTranspose(64, 3, 2, "same", activation="relu")(x)
        x = layers.Conv2DTranspose(32, 3, 2, "same", activation="relu")(x)
        outputs = layers.Conv2DTranspose(1, 3, padding="same")(x)
        self.decoder = keras.Model(latents, outputs)
        self.seed_generator = keras.random.SeedGenerator(0)
        self.loss_tracker = keras.metrics.Mean(name="loss")

    def call(self, images):
        return self.decoder(self.encoder(images)[0])

    def train_step(self, images):
        import tensorflow as tf

        targets = (images + 1.0) / 2.0
        with tf.GradientTape() as tape:
            mean, log_var = self.encoder(images)
            noise = keras.random.normal(
                ops.shape(mean), seed=self.seed_generator
            )
            z = mean + ops.exp(0.5 * log_var) * noise
            logits = ops.cast(self.decoder(z), "float32")
            reconstruction = ops.mean(
                ops.sum(
                    ops.binary_crossentropy(targets, logits, from_logits=True),
                    axis=(1, 2, 3),
                )
            )
            kl = -0.5 * (1 + log_var - ops.square(mean) - ops.exp(log_var))
            loss = reconstruction + ops.mean(ops.sum(kl, axis=1))
        grads = tape.gradient(loss, self.trainable_weights)
        self.optimizer.apply_gradients(zip(grads, self.trainable_weights))
        self.loss_tracker.update_state(loss)
        return {"loss": self.loss_tracker.result()}


def build_kerasgen():
    encoder = ConvEncoder(
        (28, 28, 1), 2 * LATENT_DIM, filters=(32, 64), hidden_dim=16
    )
    decoder = ConvDecoder(
        (28, 28, 1), LATENT_DIM, 1, filters=(64, 32), hidden_dim=None
    )
    return kerasgen.models.VAE(
        latent_dim=LATENT_DIM,
        likelihood="bernoulli",
        encoder=encoder,
        decoder=decoder,
        seed=0,
    )


def compile_adam(model, jit):
    model.compile(optimizer=keras.optimizers.Adam(1e-3), jit_compile=jit)


def main():
    args = parse_args(__doc__.split("\n")[0], "vae_training", 60)
    _, dataset = fashion_mnist_batches(BATCH_SIZE)
    specs = [("keras_io_vae", KerasIOVAE, "float32", jit) for jit in (0, 1)]
    specs += [
        ("kerasgen_vae", build_kerasgen, policy, jit)
        for policy in ("float32", "mixed_bfloat16")
        for jit in (0, 1)
    ]
    variants = [
        prepare(name, build, compile_adam, policy, bool(jit), dataset)
        for name, build, policy, jit in specs
    ]
    runs = time_rounds(variants, dataset, args.steps, args.rounds, BATCH_SIZE)
    write_result("vae_training", BATCH_SIZE, runs, args.output)


if __name__ == "__main__":
    main()
