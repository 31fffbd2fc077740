"""VQ-VAE training throughput vs the keras.io VQ-VAE, and the cost of the
nearest-code search as the codebook grows.

1. Training. The keras.io example "Vector-Quantized Variational
   Autoencoders" (Sayak Paul, 2021): encoder 3x3 stride-2 convolutions of 32
   and 64 filters with ReLU and a 1x1 convolution to 16 channels; a
   16-dimensional codebook of 128 codes (codebook and commitment losses,
   beta 0.25, added with `add_loss`); decoder transposed convolutions 64,
   32 (stride 2, ReLU) and 1; batch 128 of 28x28x1; loss the squared error
   divided by the data variance plus the VQ losses, in its own
   `train_step`. Its codebook is a bare `tf.Variable`, which Keras 3 does
   not track; the baseline here makes it a layer weight (so that it trains,
   at the same cost). kerasgen's `VQVAE` gets the same encoder and decoder
   and a `VectorQuantizer(128, 16)` and trains with the stock `train_step`.
   Ratios are against the keras.io model in float32 without XLA.
2. Nearest-code search. One `VectorQuantizer` inference call on a batch of
   6,272 vectors (128 images of 7x7 latents) of 16 dims, compiled with XLA,
   for codebooks of 512 to 16,384 codes; ratios are against 512 codes.

Usage:
    .venv/bin/python benchmarks/vqvae_training.py --steps 30 --rounds 3 \
        --output benchmarks/results/vqvae_training.json
"""

import time

import keras
import numpy as np
from benchmark_utils import fashion_mnist_batches
from benchmark_utils import parse_args
from benchmark_utils import prepare
from benchmark_utils import time_rounds
from benchmark_utils import write_result
from keras import layers
from keras import ops

import kerasgen

BATCH_SIZE = 128
LATENT_DIM = 16
NUM_CODES = 128
CODEBOOK_SIZES = (512, 1024, 2048, 4096, 8192, 16384)


def keras_io_encoder():
    return keras.Sequential(
        [
            keras.Input((28, 28, 1)),
            layers.Conv2D(32, 3, activation="relu", strides=2, padding="same"),
            layers.Conv2D(64, 3, activation="relu", strides=2, padding="same"),
            layers.Conv2D(LATENT_DIM, 1, padding="same"),
        ],
        name="encoder",
    )


def keras_io_decoder():
    return keras.Sequential(
        [
            keras.Input((7, 7, LATENT_DIM)),
            layers.Conv2DTranspose(
                64, 3, activation="relu", strides=2, padding="same"
            ),
            layers.Conv2DTranspose(
                32, 3, activation="relu", strides=2, padding="same"
            ),
            layers.Conv2DTranspose(1, 3, padding="same"),
        ],
        name="decoder",
    )


class KerasIOQuantizer(layers.Layer):
    """keras.io's VectorQuantizer, with the codebook as a layer weight."""

    def __init__(self, num_embeddings, embedding_dim, beta=0.25, **kwargs):
        super().__init__(**kwargs)
        self.embedding_dim = embedding_dim
        self.num_embeddings = num_embeddings
        self.beta = beta
        self.embeddings = self.add_weight(
            shape=(embedding_dim, num_embeddings),
            initializer="random_uniform",
            name="embeddings_vqvae",
        )

    def call(self, x):
        input_shape = ops.shape(x)
        flattened = ops.reshape(x, (-1, self.embedding_dim))
        similarity = ops.matmul(flattened, self.embeddings)
        distances = (
            ops.sum(flattened**2, axis=1, keepdims=True)
            + ops.sum(self.embeddings**2, axis=0)
            - 2 * similarity
        )
        indices = ops.argmin(distances, axis=1)
        encodings = ops.one_hot(indices, self.num_embeddings)
        quantized = ops.matmul(encodings, ops.transpose(self.embeddings))
        quantized = ops.reshape(quantized, input_shape)
        commitment = ops.mean((ops.stop_gradient(quantized) - x) ** 2)
        codebook = ops.mean((quantized - ops.stop_gradient(x)) ** 2)
        self.add_loss(self.beta * commitment + codebook)
        return x + ops.stop_gradient(quantized - x)


class KerasIOVQVAE(keras.Model):
    """The keras.io `VQVAETrainer` with its own `train_step`."""

    def __init__(self, train_variance, **kwargs):
        super().__init__(**kwargs)
        self.train_variance = train_variance
        self.encoder = keras_io_encoder()
        self.quantizer = KerasIOQuantizer(NUM_CODES, LATENT_DIM)
        self.decoder = keras_io_decoder()
        self.total_loss_tracker = keras.metrics.Mean(name="total_loss")

    def call(self, x):
        return self.decoder(self.quantizer(self.encoder(x)))

    def train_step(self, x):
        import tensorflow as tf

        with tf.GradientTape() as tape:
            reconstructions = self(x)
            reconstruction_loss = (
                ops.mean((x - reconstructions) ** 2) / self.train_variance
            )
            total_loss = reconstruction_loss + ops.sum(self.losses)
        grads = tape.gradient(total_loss, self.trainable_variables)
        self.optimizer.apply_gradients(zip(grads, self.trainable_variables))
        self.total_loss_tracker.update_state(total_loss)
        return {"loss": self.total_loss_tracker.result()}


def build_kerasgen():
    return kerasgen.models.VQVAE(
        latent_dim=LATENT_DIM,
        codebook_size=NUM_CODES,
        encoder=keras_io_encoder(),
        decoder=keras_io_decoder(),
        seed=0,
    )


def compile_adam(model, jit):
    model.compile(optimizer=keras.optimizers.Adam(), jit_compile=jit)


def search_cost(rounds):
    """Vectors/s of a VectorQuantizer inference call by codebook size."""
    import tensorflow as tf

    rng = np.random.default_rng(0)
    latents = tf.constant(
        rng.normal(size=(BATCH_SIZE, 7, 7, LATENT_DIM)).astype("float32")
    )
    num_vectors = BATCH_SIZE * 7 * 7
    runs = []
    for size in CODEBOOK_SIZES:
        quantizer = kerasgen.quantizers.VectorQuantizer(
            size, LATENT_DIM, seed=0
        )
        lookup = tf.function(
            lambda x, q=quantizer: q(x)["indices"], jit_compile=True
        )
        lookup(latents).numpy()  # trace and compile
        timings = []
        for _ in range(rounds):
            start = time.perf_counter()
            for _ in range(10):
                lookup(latents).numpy()
            timings.append((time.perf_counter() - start) / 10)
        seconds = float(np.median(timings))
        runs.append(
            {
                "codebook_size": size,
                "milliseconds_per_call": round(1000 * seconds, 3),
                "vectors_per_second": round(num_vectors / seconds),
            }
        )
    for run in runs:
        run["time_ratio_vs_512"] = round(
            run["milliseconds_per_call"] / runs[0]["milliseconds_per_call"], 2
        )
    return {
        "num_vectors": num_vectors,
        "codebook_dim": LATENT_DIM,
        "runs": runs,
    }


def main():
    args = parse_args(__doc__.split("\n")[0], "vqvae_training", 30)
    data, dataset = fashion_mnist_batches(BATCH_SIZE)
    variance = float(np.var(data))
    specs = [
        ("keras_io_vqvae", lambda: KerasIOVQVAE(variance), jit)
        for jit in (0, 1)
    ]
    specs += [("kerasgen_vqvae", build_kerasgen, jit) for jit in (0, 1)]
    variants = [
        prepare(name, build, compile_adam, "float32", bool(jit), dataset)
        for name, build, jit in specs
    ]
    runs = time_rounds(variants, dataset, args.steps, args.rounds, BATCH_SIZE)
    write_result(
        "vqvae_training",
        BATCH_SIZE,
        runs,
        args.output,
        num_params={
            variant["name"]: int(model.count_params())
            for variant, model in variants
        },
        nearest_code_search=search_cost(args.rounds),
    )


if __name__ == "__main__":
    main()
