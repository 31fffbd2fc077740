"""The `kerasgen` command line: list, train, generate, evaluate.

Examples:
    kerasgen list
    kerasgen train vae --dataset fashion_mnist --epochs 10 --output-dir runs/vae
    kerasgen train cgan --epochs 20 --output-dir runs/cgan
    kerasgen train vqvae --epochs 2 --output-dir runs/vqvae
    kerasgen generate runs/vae/model.keras --num-samples 64 --output grid.png
    kerasgen generate vae_fashion_mnist --num-samples 64 --output grid.png
    kerasgen evaluate vae_fashion_mnist --dataset fashion_mnist
    kerasgen evaluate vae_fashion_mnist --metrics fid,kid,is,pr
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
    "vqvae": "VQ-VAE image tokenizer, EMA codebook with dead-code restarts "
    "(van den Oord et al. 2017)",
    "dvae": "DALL-E discrete VAE image tokenizer, Gumbel-softmax annealed "
    "from 1 to 1/16 (Ramesh et al. 2021)",
    "vqgan": "VQ-GAN image tokenizer: VQ-VAE + perceptual and PatchGAN "
    "losses (Esser et al. 2021)",
}
GAN_MODELS = ("gan", "cgan", "wgan_gp")
TOKENIZER_MODELS = ("vqvae", "dvae", "vqgan")


def _int_tuple(text):
    try:
        values = tuple(int(value) for value in text.split(","))
    except ValueError:
        values = ()
    if not values or min(values) < 1:
        raise argparse.ArgumentTypeError(
            f"expected comma-separated positive integers such as 16,32,64; "
            f"received {text!r}"
        )
    return values


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
        help="Adam learning rate. Default: 1e-3 (vae), 2e-4 (gan, cgan, "
        "tokenizers), 1e-4 (wgan_gp).",
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
        help="Latent size: of the VAE's latent, the GAN's noise, the "
        "tokenizer's codebook vectors. Default: 16 (vae, vqvae, vqgan), 128 "
        "(GANs), 64 (dvae).",
    )
    train.add_argument(
        "--codebook-size",
        type=int,
        default=512,
        help="Tokenizer vocabulary (vqvae, dvae, vqgan). Default: 512.",
    )
    train.add_argument(
        "--filters",
        type=_int_tuple,
        default=(16, 32, 64),
        help="Tokenizer encoder/decoder level widths, comma-separated; the "
        "token grid side is the image side / 2**(levels - 1). Default: "
        "16,32,64 (7x7 tokens for 28x28 images).",
    )
    train.add_argument(
        "--dead-code-threshold",
        type=float,
        default=None,
        help="vqvae/vqgan: restart a code whose EMA share of the vectors "
        "falls below this; 0 turns restarts off. Default: 0.1 / "
        "codebook size.",
    )
    train.add_argument(
        "--discriminator-start",
        type=int,
        default=400,
        help="vqgan: training steps before the adversarial loss. Default: 400.",
    )
    train.add_argument(
        "--perceptual-loss",
        choices=["auto", "fmnist_features", "vgg16", "none"],
        default="auto",
        help="vqgan perceptual loss network. Default: auto (fmnist_features "
        "for 28x28x1 images, vgg16 otherwise).",
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
        default=None,
        help="KL weight of the VAE (to N(0, I)) or the dvae (to the uniform "
        "prior over codes). Default: 1 (vae), 5e-4 (dvae).",
    )
    train.add_argument(
        "--straight-through",
        action="store_true",
        help="dvae: hard one-hot codes in the forward pass of training, "
        "softmax gradients (straight-through Gumbel-softmax).",
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
        help="Images in each epoch's sample (or reconstruction) grid. "
        "Default: 64.",
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
    generate.add_argument(
        "--labels",
        default=None,
        help="Class-conditional models: comma-separated class labels, "
        "repeated to --num-samples (e.g. '3' for only class 3). Default: "
        "the classes in turn.",
    )

    evaluate = commands.add_parser(
        "evaluate",
        help="Evaluate a model: bits/dim (likelihood models) or sample "
        "metrics (FID, KID, Inception Score, precision/recall).",
        description="Evaluate a model on a dataset split. bits_per_dim runs "
        "model.evaluate on the split (likelihood models). fid, kid, is and "
        "pr compare NUM_SAMPLES images from model.generate with the split's "
        "images in the feature space of --feature-extractor; conditional "
        "models (num_classes not None) get class labels drawn from the "
        "split's labels (or round robin). Reference statistics are cached "
        "under $KERASGEN_CACHE_DIR (default ~/.cache/kerasgen).",
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
        "--metrics",
        default="bits_per_dim",
        help="Comma-separated, from: "
        + ", ".join(EVALUATE_METRICS)
        + ". Default: bits_per_dim.",
    )
    evaluate.add_argument(
        "--feature-extractor",
        default="fmnist_features",
        choices=["fmnist_features", "inception_v3"],
        help="Feature network of fid, kid, is and pr: fmnist_features (the "
        "bundled Fashion-MNIST classifier, offline; 28x28 grayscale) or "
        "inception_v3 (ImageNet weights, downloaded by Keras on first use). "
        "Default: fmnist_features.",
    )
    evaluate.add_argument(
        "--num-samples",
        type=int,
        default=10000,
        help="Generated images for fid, kid, is and pr. Default: 10000.",
    )
    evaluate.add_argument(
        "--seed",
        type=int,
        default=0,
        help="Seed of generate (and of the KID subsets). Default: 0.",
    )
    evaluate.add_argument(
        "--batch-size", type=int, default=256, help="Default: 256."
    )
    evaluate.add_argument(
        "--output",
        "--output-json",
        dest="output",
        default=None,
        help="Also write the metrics to this JSON file.",
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


def _build_tokenizer(args, image_shape):
    import kerasgen

    if args.codebook_size < 2:
        raise ValueError(
            f"--codebook-size must be >= 2; received {args.codebook_size}"
        )
    if args.model == "dvae":
        return kerasgen.models.DiscreteVAE(
            image_shape=image_shape,
            codebook_size=args.codebook_size,
            codebook_dim=args.latent_dim or 64,
            filters=args.filters,
            kl_weight=5e-4 if args.kl_weight is None else args.kl_weight,
            straight_through=args.straight_through,
            seed=args.seed,
        )
    latent_dim = args.latent_dim or 16
    threshold = args.dead_code_threshold
    if threshold is None:
        # Restart a code whose EMA share of the vectors falls below a tenth
        # of the uniform share (at batch 128 of 28x28 images, 6,272 vectors
        # over 512 codes: under 1.2 vectors a batch).
        threshold = 0.1 / args.codebook_size
    quantizer = kerasgen.quantizers.VectorQuantizer(
        args.codebook_size,
        latent_dim,
        use_ema=True,
        decay=0.99,
        dead_code_threshold=threshold,
        seed=args.seed,
        name="quantizer",
    )
    common = dict(
        image_shape=image_shape,
        latent_dim=latent_dim,
        codebook_size=args.codebook_size,
        filters=args.filters,
        quantizer=quantizer,
        seed=args.seed,
    )
    if args.model == "vqvae":
        return kerasgen.models.VQVAE(**common)
    perceptual = args.perceptual_loss
    if perceptual == "auto":
        is_fmnist_shape = image_shape == (28, 28, 1)
        perceptual = "fmnist_features" if is_fmnist_shape else "vgg16"
    return kerasgen.models.VQGAN(
        perceptual_loss=None if perceptual == "none" else perceptual,
        discriminator_start=args.discriminator_start,
        **common,
    )


def _compile(args, model, jit):
    import keras

    if args.model in GAN_MODELS or args.model == "vqgan":
        learning_rate = args.learning_rate or (
            1e-4 if args.model == "wgan_gp" else 2e-4
        )
        beta_1, beta_2 = {"wgan_gp": (0.0, 0.9), "vqgan": (0.5, 0.9)}.get(
            args.model, (0.5, 0.999)
        )

        def adam():
            return keras.optimizers.Adam(
                learning_rate, beta_1=beta_1, beta_2=beta_2
            )

        model.compile(
            generator_optimizer=adam(),
            discriminator_optimizer=adam(),
            jit_compile=jit,
        )
        return
    learning_rate = args.learning_rate or (
        1e-3 if args.model == "vae" else 2e-4
    )
    optimizer = keras.optimizers.Adam(
        learning_rate,
        use_ema=args.ema is not None,
        ema_momentum=args.ema or 0.99,
    )
    model.compile(optimizer=optimizer, jit_compile=jit)


def _first_images(dataset, num_images):
    """The first `num_images` images of a batched (images[, labels]) dataset."""
    import numpy as np

    batches, count = [], 0
    for batch in dataset:
        images = batch[0] if isinstance(batch, tuple) else batch
        batches.append(np.asarray(images))
        count += len(batches[-1])
        if count >= num_images:
            break
    return np.concatenate(batches)[:num_images]


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
    is_tokenizer = args.model in TOKENIZER_MODELS
    if args.ema is not None and args.model != "vae":
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
    elif is_tokenizer:
        model = _build_tokenizer(args, image_shape)
    else:
        model = kerasgen.models.VAE(
            image_shape=image_shape,
            latent_dim=args.latent_dim or 16,
            likelihood=args.likelihood,
            kl_weight=1.0 if args.kl_weight is None else args.kl_weight,
            seed=args.seed,
        )
    _compile(args, model, jit)

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
    if args.model == "dvae":
        steps_per_epoch = args.steps_per_epoch or int(train_data.cardinality())
        if steps_per_epoch < 1:  # unknown cardinality: count the batches
            steps_per_epoch = sum(1 for _ in train_data)
        # DALL-E anneals the temperature from 1 to 1/16; here over the run.
        callbacks.append(
            kerasgen.callbacks.GumbelTemperatureSchedule(
                start=1.0,
                end=1.0 / 16,
                decay_steps=args.epochs * steps_per_epoch,
            )
        )
    reconstruction_grid = None
    if not is_gan:
        # Fixed images of the (unshuffled) training split over their
        # reconstructions: for tokenizers, what the tokens keep.
        reconstruction_grid = kerasgen.callbacks.ReconstructionGrid(
            os.path.join(args.output_dir, "reconstructions"),
            _first_images(
                _dataset(args, args.split, shuffle=False), args.num_samples
            ),
        )
        callbacks.append(reconstruction_grid)
    if not is_tokenizer:  # a tokenizer's uniform-token samples are noise
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
    written = [path]
    if reconstruction_grid is not None:
        written.append(
            reconstruction_grid.save(
                os.path.join(args.output_dir, "reconstructions.png")
            )
        )
    if not is_tokenizer:
        images = model.generate(num_samples=args.num_samples, seed=args.seed)
        written.append(
            kerasgen.utils.save_image_grid(
                images, os.path.join(args.output_dir, "samples.png"), scale=2
            )
        )
    print(f"Saved {' and '.join(written)}")
    return 0


def _generate(args):
    import numpy as np

    from kerasgen.utils import save_image_grid

    model = load_model(args.model)
    if not _is_generative(model):
        raise ValueError(
            f"model {args.model!r} is a {type(model).__name__}, which does not "
            "generate images; expected a generative model (see `kerasgen list`)"
        )
    labels = _parse_labels(args.labels, model, args.num_samples)
    images = model.generate(
        labels,
        num_samples=args.num_samples,
        seed=args.seed,
        batch_size=args.batch_size,
    )
    save_image_grid(images, args.output, scale=args.scale)
    if args.npz:
        np.savez_compressed(args.npz, images=images)
    print(f"Wrote {len(images)} images to {args.output}")
    return 0


def _parse_labels(text, model, num_samples):
    """`--labels '0,3'` as int labels repeated to `num_samples`, or None."""
    import numpy as np

    if text is None:
        return None
    if getattr(model, "num_classes", None) is None:
        raise ValueError(
            f"--labels needs a class-conditional model; received {text!r} "
            f"for a {type(model).__name__} without num_classes"
        )
    try:
        labels = [int(label) for label in text.split(",")]
    except ValueError:
        raise ValueError(
            f"--labels must be comma-separated integers; received {text!r}"
        ) from None
    if min(labels) < 0 or max(labels) >= model.num_classes:
        raise ValueError(
            f"--labels must lie in [0, {model.num_classes}); received {text!r}"
        )
    return np.resize(np.asarray(labels, "int32"), num_samples)


# Metrics of `kerasgen evaluate --metrics`.
EVALUATE_METRICS = ("bits_per_dim", "fid", "kid", "is", "pr")


def _evaluate(args):
    names = _parse_metrics(args.metrics)
    sample_metrics = [name for name in names if name != "bits_per_dim"]
    if args.batch_size < 1:
        raise ValueError(f"--batch-size must be >= 1; got {args.batch_size}")
    if sample_metrics and args.num_samples < 2:
        raise ValueError(
            f"--num-samples must be >= 2 for {', '.join(sample_metrics)}; "
            f"received {args.num_samples}"
        )
    model = load_model(args.model)
    if sample_metrics and not _is_generative(model):
        raise ValueError(
            f"--metrics {', '.join(sample_metrics)} needs a generative model "
            f"with generate(); received {args.model!r}, a "
            f"{type(model).__name__}"
        )
    metrics = {}
    if "bits_per_dim" in names:
        if getattr(model, "compiled", False) is False:
            model.compile()
        data = _dataset(args, args.split, shuffle=False)
        results = model.evaluate(data, return_dict=True, verbose=1)
        metrics.update({key: float(value) for key, value in results.items()})
    if sample_metrics:
        metrics.update(_sample_metrics(args, model, sample_metrics))
    print(json.dumps(metrics, indent=2, sort_keys=True))
    if args.output:
        with open(args.output, "w") as f:
            json.dump(metrics, f, indent=2, sort_keys=True)
    return 0


def _parse_metrics(text):
    names = [name.strip().lower() for name in text.split(",") if name.strip()]
    unknown = [name for name in names if name not in EVALUATE_METRICS]
    if unknown or not names:
        raise ValueError(
            f"--metrics must be a comma-separated list of "
            f"{', '.join(EVALUATE_METRICS)}; received {text!r} (unknown: "
            f"{', '.join(unknown) or 'none given'})"
        )
    return list(dict.fromkeys(names))


def _reference_split(args, with_labels):
    """The split's images (float [-1, 1]) and labels (or None), in memory."""
    import numpy as np

    from kerasgen.data import image_dataset

    # A folder has no splits: --split only applies to named datasets.
    split = None if os.path.isdir(args.dataset) else args.split
    data = image_dataset(
        args.dataset,
        split=split,
        batch_size=1000,
        shuffle=False,
        cache=False,
        with_labels=with_labels,
    )
    images, labels = [], []
    for batch in data.as_numpy_iterator():
        if with_labels:
            batch, batch_labels = batch
            labels.append(np.asarray(batch_labels).reshape(-1))
        images.append(np.asarray(batch))
    if not images:
        raise ValueError(
            f"--split {args.split!r} of --dataset {args.dataset!r} holds no "
            "images"
        )
    return (
        np.concatenate(images),
        np.concatenate(labels) if with_labels else None,
    )


def _class_labels(model, split_labels, num_samples, seed):
    """Labels for a conditional model: the split's, shuffled, or round robin."""
    import numpy as np

    if split_labels is not None and len(split_labels):
        rng = np.random.default_rng(seed)
        labels = np.resize(rng.permutation(split_labels), num_samples)
    else:
        labels = np.arange(num_samples) % int(model.num_classes)
    return labels.astype("int32")


def _sample_metrics(args, model, names):
    """FID, KID, Inception Score and precision/recall of generated images.

    The reference is the whole split: its Gaussian statistics (FID) are
    cached per dataset, split and feature extractor when the dataset is a
    name (not a folder); KID and precision/recall use its features, the
    latter on a random subset of `num_samples` real images (the metric
    assumes equal numbers of real and generated samples).
    """
    import numpy as np

    from kerasgen import metrics as kg_metrics
    from kerasgen.metrics._metric_utils import get_feature_extractor

    conditional = getattr(model, "num_classes", None) is not None
    extractor = get_feature_extractor(args.feature_extractor)
    split = {}

    def split_images():
        if "images" not in split:
            try:
                split["images"], split["labels"] = _reference_split(
                    args, with_labels=conditional
                )
            except ValueError:
                if not conditional:
                    raise
                # A dataset without labels: round-robin classes.
                split["images"], split["labels"] = _reference_split(
                    args, with_labels=False
                )
        return split["images"]

    try:  # a dataset name and split that can key the cache
        cache_path = kg_metrics.reference_statistics_path(
            args.dataset, args.split, extractor.name
        )
    except ValueError:  # a folder or a split slice: in memory only
        cache_path = None
    reference_features = None
    if "kid" in names or "pr" in names:
        reference_features = extractor.features(split_images())
    statistics = None
    if "fid" in names:
        if cache_path is not None and reference_features is None:
            statistics = kg_metrics.cached_reference_statistics(
                args.dataset, args.split, extractor, split_images
            )
        else:
            if reference_features is None:
                reference_features = extractor.features(split_images())
            statistics = kg_metrics.compute_statistics(reference_features)
            if cache_path is not None and not os.path.exists(cache_path):
                kg_metrics.save_reference_statistics(
                    cache_path,
                    *statistics,
                    num_samples=len(reference_features),
                )

    labels = None
    if conditional:
        split_images()
        labels = _class_labels(
            model, split["labels"], args.num_samples, args.seed
        )
    images = model.generate(
        labels,
        num_samples=args.num_samples,
        seed=args.seed,
        batch_size=args.batch_size,
    )
    fake = extractor.extract(images)
    results = {
        "num_samples": int(args.num_samples),
        "feature_extractor": extractor.name,
    }
    if "fid" in names:
        fid = kg_metrics.FrechetDistance(
            extractor, reference_statistics=statistics
        )
        fid.update_state(fake_features=fake["features"])
        results["fid"] = float(fid.result())
    if "kid" in names:
        kid = kg_metrics.KernelInceptionDistance(
            extractor,
            subset_size=min(1000, args.num_samples, len(reference_features)),
            seed=args.seed,
        )
        kid.set_reference_features(reference_features)
        kid.update_state(fake_features=fake["features"])
        results["kid"] = float(kid.result())
        results["kid_std"] = kid.std()
    if "is" in names:
        if fake["logits"] is None:
            raise ValueError(
                "--metrics is needs a feature extractor with class logits; "
                f"received --feature-extractor {args.feature_extractor}"
            )
        score = kg_metrics.InceptionScore(num_splits=10)
        score.update_state(logits=fake["logits"])
        results["inception_score"] = float(score.result())
        results["inception_score_std"] = score.std()
    if "pr" in names:
        rng = np.random.default_rng(args.seed)
        count = min(args.num_samples, len(reference_features))
        subset = rng.choice(len(reference_features), count, replace=False)
        precision_recall = kg_metrics.PrecisionRecall(extractor, nearest_k=3)
        precision_recall.set_reference_features(reference_features[subset])
        precision_recall.update_state(fake_features=fake["features"])
        results["precision"] = precision_recall.precision()
        results["recall"] = precision_recall.recall()
    return results


def _is_generative(model_or_class):
    """Whether a model (or class) has the `generate()` of GenerativeModel."""
    return callable(getattr(model_or_class, "generate", None))


# The metrics `kerasgen list` shows of an application (its model card has all).
HEADLINE_METRICS = (
    "test_negative_elbo_bits_per_dim",
    "test_bits_per_dim",
    "fid",
    "kid",
    "label_agreement",
    "reconstruction_fid",
    "test_psnr",
    "codebook_usage",
    "test_accuracy",
)


def _list(args):
    del args
    import keras

    from kerasgen import applications

    print("Trainable models (kerasgen train MODEL):")
    for name, description in sorted(TRAINABLE_MODELS.items()):
        print(f"  {name:24s} {description}")
    generative, other = [], []
    for name, metadata in applications.list_applications().items():
        class_name = metadata.get("class_name")
        cls = keras.saving.get_registered_object(f"kerasgen>{class_name}")
        metrics = metadata.get("metrics", {})
        summary = ", ".join(
            f"{key}={metrics[key]}"
            for key in HEADLINE_METRICS
            if key in metrics
        )
        line = (
            f"  {name:24s} {class_name} on {metadata.get('dataset')} {summary}"
        )
        (generative if cls and _is_generative(cls) else other).append(line)
    print("Pretrained applications (kerasgen generate|evaluate NAME):")
    print("\n".join(generative))
    if other:
        print("Other pretrained networks (kerasgen.applications.load(NAME)):")
        print("\n".join(other))
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
