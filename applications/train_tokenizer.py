"""Trains the image tokenizers of the vqvae/dvae/vqgan applications.

Usage (from the repository root):
    .venv/bin/python applications/train_tokenizer.py vqvae \
        --epochs 5 --output-dir runs/vqvae_fashion_mnist

All three share the token grid (7x7 for 28x28 Fashion-MNIST), the 512-code
vocabulary and the encoder/decoder (`ResidualEncoder`/`ResidualDecoder`,
levels 32, 64, 128). VQ-VAE and VQ-GAN share the quantizer: a 16-dim
`VectorQuantizer` with an EMA codebook (decay 0.99) and dead-code restarts
(`--dead-code-threshold 0` turns them off). Adam 2e-4 (VQ-GAN: beta_1 0.5,
beta_2 0.9, as taming-transformers), batch 128, seed 0. A killed run resumes
from OUTPUT_DIR/backup when the same command is run again. Writes
OUTPUT_DIR/model.keras and OUTPUT_DIR/history.csv.
"""

import argparse
import json
import os
import time

os.environ.setdefault("KERAS_BACKEND", "tensorflow")

import keras  # noqa: E402

import kerasgen  # noqa: E402
from kerasgen.data import image_dataset  # noqa: E402

CODEBOOK_SIZE = 512
LATENT_DIM = 16
# A code is restarted when its EMA share of the batch's vectors falls below
# 1/10 of the uniform share 1/512 (an average batch of 6,272 vectors gives
# it under 1.2 of them).
DEAD_CODE_THRESHOLD = 0.1 / CODEBOOK_SIZE


def build(args):
    jit = {"auto": "auto", "true": True, "false": False}[args.jit_compile]
    quantizer = kerasgen.quantizers.VectorQuantizer(
        CODEBOOK_SIZE,
        LATENT_DIM,
        use_ema=True,
        decay=0.99,
        dead_code_threshold=args.dead_code_threshold,
        seed=args.seed,
        name="quantizer",
    )
    if args.model == "vqvae":
        model = kerasgen.models.VQVAE(
            filters=args.filters, quantizer=quantizer, seed=args.seed
        )
        model.compile(
            optimizer=keras.optimizers.Adam(args.learning_rate), jit_compile=jit
        )
    elif args.model == "dvae":
        model = kerasgen.models.DiscreteVAE(
            codebook_size=CODEBOOK_SIZE,
            codebook_dim=64,
            filters=args.filters,
            seed=args.seed,
        )
        model.compile(
            optimizer=keras.optimizers.Adam(args.learning_rate), jit_compile=jit
        )
    else:
        model = kerasgen.models.VQGAN(
            filters=args.filters,
            quantizer=quantizer,
            discriminator_start=args.discriminator_start,
            seed=args.seed,
        )

        def adam():
            return keras.optimizers.Adam(
                args.learning_rate, beta_1=0.5, beta_2=0.9
            )

        model.compile(
            generator_optimizer=adam(), discriminator_optimizer=adam()
        )
    return model


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("model", choices=["vqvae", "dvae", "vqgan"])
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--learning-rate", type=float, default=2e-4)
    parser.add_argument(
        "--dead-code-threshold", type=float, default=DEAD_CODE_THRESHOLD
    )
    parser.add_argument(
        "--discriminator-start",
        type=int,
        default=400,
        help="VQ-GAN steps before the adversarial loss. Default: 400.",
    )
    parser.add_argument(
        "--filters",
        type=lambda text: tuple(int(v) for v in text.split(",")),
        default=(16, 32, 64),
        help="Encoder/decoder level widths. Default: 16,32,64.",
    )
    parser.add_argument(
        "--jit-compile", choices=["auto", "true", "false"], default="true"
    )
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--steps-per-epoch", type=int, default=None)
    parser.add_argument("--output-dir", required=True)
    args = parser.parse_args()

    keras.utils.set_random_seed(args.seed)
    os.makedirs(args.output_dir, exist_ok=True)
    with open(os.path.join(args.output_dir, "args.json"), "w") as f:
        json.dump(vars(args), f, indent=2)
    data = image_dataset(
        "fashion_mnist", batch_size=args.batch_size, seed=args.seed
    )
    if args.steps_per_epoch:
        data = data.repeat()
    model = build(args)
    callbacks = [
        keras.callbacks.BackupAndRestore(
            os.path.join(args.output_dir, "backup"), delete_checkpoint=False
        ),
        kerasgen.callbacks.TerminateOnNaNLosses(),
        keras.callbacks.CSVLogger(
            os.path.join(args.output_dir, "history.csv"), append=True
        ),
    ]
    if args.model == "dvae":
        steps = args.epochs * (
            args.steps_per_epoch or -(-60000 // args.batch_size)
        )
        # DALL-E anneals 1 -> 1/16; over a short CPU run, to 1/16 at the end.
        callbacks.append(
            kerasgen.callbacks.GumbelTemperatureSchedule(
                start=1.0, end=1.0 / 16, decay_steps=steps
            )
        )
    start = time.time()
    model.fit(
        data,
        epochs=args.epochs,
        steps_per_epoch=args.steps_per_epoch,
        callbacks=callbacks,
        shuffle=False,
        verbose=2,
    )
    path = os.path.join(args.output_dir, "model.keras")
    model.save(path)
    print(f"Saved {path} after {time.time() - start:.0f} s of training")


if __name__ == "__main__":
    main()
