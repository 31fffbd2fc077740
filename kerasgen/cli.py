"""The `kerasgen` command line: list, train, generate, evaluate.

Examples:
    kerasgen list
    kerasgen train vae --dataset fashion_mnist --epochs 10 --output-dir runs/vae
    kerasgen train cgan --epochs 20 --output-dir runs/cgan
    kerasgen generate runs/vae/model.keras --num-samples 64 --output grid.png
    kerasgen generate vae_fashion_mnist --num-samples 64 --output grid.png
    kerasgen evaluate vae_fashion_mnist --dataset fashion_mnist
"""

import argparse
import json
import os
import sys

TRAINABLE_MODELS = {
    "vae": "Variational autoencoder (Kingma & Welling 2013)",
    "gan": "DCGAN, non-saturating loss (Radford et al. 2015)",
    "cgan": "Class-conditional DCGAN with a projection discriminator "
    "(Mirza & Osindero 2014; Miyato & Koyama 2018)",
    "wgan_gp": "Wasserstein GAN with gradient penalty, 5 critic steps "
    "(Gulrajani et al. 2017)",
}
GAN_MODELS = ("gan", "cgan", "wgan_gp")


def _build_parser():
    parser = argparse.ArgumentParser(
        prog="kerasgen",
        description="Train, sample and evaluate kerasgen image generative "
        "models.",
    )
    commands = parser.add_subparsers(dest="command", required=True)

    commands.add_parser(
        "list", help="List trainable models and pretrained applications."
    )

    train = commands.add_parser(
        "train",
        help="Train a model with model.fit, with backups, sample grids and "
        "TensorBoard logs.",
        description="Train a model. A run killed at any point resumes from "
        "OUTPUT_DIR/backup when the same command is run again.",
    )
    train.add_argument("model", choices=sorted(TRAINABLE_MODELS), help="Model.")
    train.add_argument(
        "--dataset",
        default="fashion_mnist",
        help="'fashion_mnist' (local files), a TFDS name, or a folder of "
        "images. Default: fashion_mnist.",
    )
    train.add_argument(
        "--split", default="train", help="Training split. Default: train."
    )
    train.add_argument(
        "--validation-split",
        default=None,
        help="Split evaluated after each epoch (e.g. 'test'). Default: none.",
    )
    train.add_argument("--epochs", type=int, default=10, help="Default: 10.")
    train.add_argument(
        "--steps-per-epoch",
        type=int,
        default=None,
        help="Batches per epoch (the data repeats). Default: one pass.",
    )
    train.add_argument(
        "--batch-size", type=int, default=128, help="Default: 128."
    )
    train.add_argument(
        "--learning-rate",
        type=float,
        default=None,
        help="Adam learning rate. Default: 1e-3 (vae), 2e-4 (gan, cgan), "
        "1e-4 (wgan_gp).",
    )
    train.add_argument(
        "--output-dir",
        required=True,
        help="Run folder: model.keras, backup/, samples/, logs/, history.csv.",
    )
    train.add_argument(
        "--seed",
        type=int,
        default=0,
        help="Seed of data and noise. Default: 0.",
    )
    train.add_argument(
        "--latent-dim",
        type=int,
        default=None,
        help="Latent size. Default: 16 (vae), 128 (GANs).",
    )
    train.add_argument(
        "--discriminator-steps",
        type=int,
        default=None,
        help="GAN discriminator updates per generator update. Default: 1 "
        "(gan, cgan), 5 (wgan_gp).",
    )
    train.add_argument(
        "--gradient-penalty-weight",
        type=float,
        default=None,
        help="GAN gradient penalty weight. Default: 10 (wgan_gp), 0 (others).",
    )
    train.add_argument(
        "--r1-weight",
        type=float,
        default=0.0,
        help="GAN R1 penalty weight on real images. Default: 0.",
    )
    train.add_argument(
        "--likelihood",
        default="discretized_logistic",
        choices=["discretized_logistic", "categorical", "bernoulli"],
        help="VAE pixel likelihood. Default: discretized_logistic.",
    )
    train.add_argument(
        "--kl-weight",
        type=float,
        default=1.0,
        help="VAE KL weight. Default: 1.",
    )
    train.add_argument(
        "--ema",
        type=float,
        default=None,
        help="EMA momentum of the weights (e.g. 0.999); samples and the saved "
        "model use the EMA weights (vae only). Default: off.",
    )
    train.add_argument(
        "--mixed-precision",
        action="store_true",
        help="Train under the mixed_bfloat16 policy.",
    )
    train.add_argument(
        "--jit-compile",
        choices=["auto", "true", "false"],
        default="auto",
        help="XLA compilation of the train step. Default: auto.",
    )
    train.add_argument(
        "--num-samples",
        type=int,
        default=64,
        help="Images in each epoch's sample grid. Default: 64.",
    )
    train.add_argument(
        "--verbose", type=int, default=1, choices=[0, 1, 2], help="Default: 1."
    )

    generate = commands.add_parser(
        "generate",
        help="Generate images from a .keras file or a pretrained application.",
    )
    generate.add_argument(
        "model", help="A .keras file, a preset folder or an application name."
    )
    generate.add_argument(
        "--num-samples", type=int, default=64, help="Default: 64."
    )
    generate.add_argument(
        "--seed",
        type=int,
        default=0,
        help="Same seed, same images. Default: 0.",
    )
    generate.add_argument(
        "--batch-size", type=int, default=None, help="Images per step."
    )
    generate.add_argument(
        "--output",
        default="samples.png",
        help="PNG grid. Default: samples.png.",
    )
    generate.add_argument(
        "--npz", default=None, help="Also save the uint8 images to this .npz."
    )
    generate.add_argument(
        "--scale", type=int, default=2, help="Grid upscaling. Default: 2."
    )

    evaluate = commands.add_parser(
        "evaluate",
        help="Evaluate a model (a likelihood model reports bits/dim).",
    )
    evaluate.add_argument(
        "model", help="A .keras file, a preset folder or an application name."
    )
    evaluate.add_argument(
        "--dataset",
        default="fashion_mnist",
        help="'fashion_mnist', a TFDS name or a folder. Default: "
        "fashion_mnist.",
    )
    evaluate.add_argument("--split", default="test", help="Default: test.")
    evaluate.add_argument(
        "--batch-size", type=int, default=256, help="Default: 256."
    )
    evaluate.add_argument(
        "--output", default=None, help="Also write the metrics to this JSON."
    )
    return parser


def load_model(path_or_name):
    """Loads a `.keras` file, a preset folder or a bundled application."""
    import keras

    import kerasgen  # noqa: F401  (registers the classes)
    from kerasgen import applications

    if str(path_or_name).endswith(".keras"):
        if not os.path.isfile(path_or_name):
            raise ValueError(f"model file {path_or_name!r} does not exist")
        return keras.saving.load_model(path_or_name, safe_mode=True)
    return applications.load(path_or_name)


def _dataset(args, split, shuffle, repeat=False, with_labels=False):
    from kerasgen.data import image_dataset

    dataset = image_dataset(
        args.dataset,
        split=split,
        batch_size=args.batch_size,
        shuffle=shuffle,
        seed=getattr(args, "seed", None),
        cache=False,
        with_labels=with_labels,
    )
    return dataset.repeat() if repeat else dataset


def _build_gan(args, image_shape):
    import kerasgen

    num_classes = None
    if args.model == "cgan":
        num_classes = 10 if args.dataset == "fashion_mnist" else None
        if num_classes is None:
            import tensorflow_datasets as tfds

            name = args.dataset.removeprefix("tfds:")
            num_classes = tfds.builder(name).info.features["label"].num_classes
    wasserstein = args.model == "wgan_gp"
    discriminator_steps = args.discriminator_steps or (5 if wasserstein else 1)
    if discriminator_steps < 1:
        raise ValueError("--discriminator-steps must be >= 1")
    return kerasgen.models.GAN(
        latent_dim=args.latent_dim or 128,
        num_classes=num_classes,
        image_shape=image_shape,
        loss="wasserstein" if wasserstein else "non_saturating",
        gradient_penalty_weight=args.gradient_penalty_weight,
        r1_weight=args.r1_weight,
        discriminator_steps=discriminator_steps,
        seed=args.seed,
    )


def _train(args):
    import keras

    import kerasgen

    for name in ("epochs", "batch_size", "num_samples"):
        if getattr(args, name) < 1:
            raise ValueError(f"--{name.replace('_', '-')} must be >= 1")
    keras.utils.set_random_seed(args.seed)
    if args.mixed_precision:
        keras.config.set_dtype_policy("mixed_bfloat16")
    os.makedirs(args.output_dir, exist_ok=True)
    with open(os.path.join(args.output_dir, "args.json"), "w") as f:
        json.dump(vars(args), f, indent=2)

    is_gan = args.model in GAN_MODELS
    if is_gan and args.ema is not None:
        raise ValueError("--ema is supported for vae only")
    if is_gan and args.validation_split:
        raise ValueError(
            "--validation-split is for likelihood models; measure a GAN with "
            "`kerasgen evaluate MODEL --metrics fid,kid`"
        )
    train_data = _dataset(
        args,
        args.split,
        shuffle=True,
        repeat=args.steps_per_epoch is not None,
        with_labels=args.model == "cgan",
    )
    validation_data = (
        _dataset(args, args.validation_split, shuffle=False)
        if args.validation_split
        else None
    )
    image_spec = train_data.element_spec
    if isinstance(image_spec, tuple):
        image_spec = image_spec[0]
    image_shape = tuple(image_spec.shape[1:])
    jit = {"auto": "auto", "true": True, "false": False}[args.jit_compile]
    if is_gan:
        model = _build_gan(args, image_shape)
        learning_rate = args.learning_rate or (
            1e-4 if args.model == "wgan_gp" else 2e-4
        )
        beta_1, beta_2 = (0.0, 0.9) if args.model == "wgan_gp" else (0.5, 0.999)
        model.compile(
            generator_optimizer=keras.optimizers.Adam(
                learning_rate, beta_1=beta_1, beta_2=beta_2
            ),
            discriminator_optimizer=keras.optimizers.Adam(
                learning_rate, beta_1=beta_1, beta_2=beta_2
            ),
            jit_compile=jit,
        )
    else:
        model = kerasgen.models.VAE(
            image_shape=image_shape,
            latent_dim=args.latent_dim or 16,
            likelihood=args.likelihood,
            kl_weight=args.kl_weight,
            seed=args.seed,
        )
        optimizer = keras.optimizers.Adam(
            args.learning_rate or 1e-3,
            use_ema=args.ema is not None,
            ema_momentum=args.ema or 0.99,
        )
        model.compile(optimizer=optimizer, jit_compile=jit)

    callbacks = [
        keras.callbacks.BackupAndRestore(
            os.path.join(args.output_dir, "backup"), delete_checkpoint=False
        ),
        kerasgen.callbacks.TerminateOnNaNLosses(),
        keras.callbacks.CSVLogger(
            os.path.join(args.output_dir, "history.csv"), append=True
        ),
        keras.callbacks.TensorBoard(os.path.join(args.output_dir, "logs")),
    ]
    if args.ema is not None:
        callbacks.append(keras.callbacks.SwapEMAWeights(swap_on_epoch=True))
    callbacks.append(
        kerasgen.callbacks.SampleGrid(
            os.path.join(args.output_dir, "samples"),
            num_samples=args.num_samples,
            seed=args.seed,
        )
    )
    model.fit(
        train_data,
        epochs=args.epochs,
        steps_per_epoch=args.steps_per_epoch,
        validation_data=validation_data,
        callbacks=callbacks,
        shuffle=False,  # image_dataset shuffles every epoch already
        verbose=args.verbose,
    )
    if args.ema is not None:
        model.optimizer.finalize_variable_values(model.trainable_variables)
    path = os.path.join(args.output_dir, "model.keras")
    model.save(path)
    images = model.generate(num_samples=args.num_samples, seed=args.seed)
    grid = kerasgen.utils.save_image_grid(
        images, os.path.join(args.output_dir, "samples.png"), scale=2
    )
    print(f"Saved {path} and {grid}")
    return 0


def _generate(args):
    import numpy as np

    from kerasgen.utils import save_image_grid

    model = load_model(args.model)
    images = model.generate(
        num_samples=args.num_samples, seed=args.seed, batch_size=args.batch_size
    )
    save_image_grid(images, args.output, scale=args.scale)
    if args.npz:
        np.savez_compressed(args.npz, images=images)
    print(f"Wrote {len(images)} images to {args.output}")
    return 0


def _evaluate(args):
    model = load_model(args.model)
    if getattr(model, "compiled", False) is False:
        model.compile()
    data = _dataset(args, args.split, shuffle=False)
    metrics = model.evaluate(data, return_dict=True, verbose=1)
    metrics = {key: float(value) for key, value in metrics.items()}
    print(json.dumps(metrics, indent=2, sort_keys=True))
    if args.output:
        with open(args.output, "w") as f:
            json.dump(metrics, f, indent=2, sort_keys=True)
    return 0


def _list(args):
    del args
    from kerasgen import applications

    print("Trainable models (kerasgen train MODEL):")
    for name, description in sorted(TRAINABLE_MODELS.items()):
        print(f"  {name:24s} {description}")
    print("Pretrained applications (kerasgen generate NAME):")
    for name, metadata in applications.list_applications().items():
        summary = ", ".join(
            f"{k}={v}" for k, v in metadata.get("metrics", {}).items()
        )
        print(
            f"  {name:24s} {metadata.get('class_name')} on "
            f"{metadata.get('dataset')} {summary}"
        )
    return 0


def main(argv=None):
    """Entry point of the `kerasgen` console script."""
    args = _build_parser().parse_args(argv)
    handlers = {
        "list": _list,
        "train": _train,
        "generate": _generate,
        "evaluate": _evaluate,
    }
    try:
        return handlers[args.command](args)
    except ValueError as error:
        print(f"kerasgen {args.command}: error: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
