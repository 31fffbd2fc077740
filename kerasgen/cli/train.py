"""`kerasgen train MODEL`: train any registered recipe with `model.fit`."""

import json
import os

DISTRIBUTIONS = ("none", "mirrored", "tpu", "data_parallel")
MULTI_WORKER_ISSUE = (
    "Keras 3's fit fails under TensorFlow's MultiWorkerMirroredStrategy "
    "(keras-team/keras#20585); train on several hosts with JAX instead: "
    "KERAS_BACKEND=jax kerasgen train ... --distribute data_parallel "
    "--coordinator HOST:PORT --num-processes N --process-id I"
)


def distribution_kind(text):
    """argparse type of `--distribute`; TF multi-worker gets the reason."""
    import argparse

    kind = text.strip().lower().replace("-", "_")
    if "multi" in kind or "worker" in kind:
        raise argparse.ArgumentTypeError(f"{text!r}: {MULTI_WORKER_ISSUE}")
    if kind not in DISTRIBUTIONS:
        raise argparse.ArgumentTypeError(
            f"expected one of {', '.join(DISTRIBUTIONS)}; received {text!r}"
        )
    return kind


def add_common_arguments(parser, recipe):
    """The flags every recipe shares (some only if the recipe has them)."""
    add = parser.add_argument
    add(
        "--dataset",
        default="fashion_mnist",
        help="'fashion_mnist' (local files), a TFDS name, or a folder of "
        "images (one subfolder per class for conditional models). Default: "
        "fashion_mnist.",
    )
    add("--split", default="train", help="Training split. Default: train.")
    if recipe.supports_validation:
        add(
            "--validation-split",
            default=None,
            help="Split evaluated after each epoch (e.g. 'test'). Default: "
            "none.",
        )
    add("--epochs", type=int, default=10, help="Default: 10.")
    add(
        "--steps-per-epoch",
        type=int,
        default=None,
        help="Batches per epoch (the data repeats). Default: one pass.",
    )
    add("--batch-size", type=int, default=128, help="Default: 128.")
    add(
        "--learning-rate",
        type=float,
        default=None,
        help="Adam learning rate of every optimizer. Default: the model's "
        "(model.default_optimizers()).",
    )
    add(
        "--output-dir",
        required=True,
        help="Run folder: model.keras, backup/, samples/ or "
        "reconstructions/, logs/ (TensorBoard), history.csv, args.json.",
    )
    add(
        "--seed",
        type=int,
        default=0,
        help="Seed of data and noise. Default: 0.",
    )
    if recipe.supports_ema:
        add(
            "--ema",
            type=float,
            default=None,
            help="EMA momentum of the weights (e.g. 0.9999), reached after a "
            "warm-up (kerasgen.optimizers.EMAWarmupAdam); the sample grids "
            "and the saved model use the EMA weights. Default: off.",
        )
    add(
        "--mixed-precision",
        action="store_true",
        help="Train under the mixed_bfloat16 policy.",
    )
    add(
        "--jit-compile",
        choices=["auto", "true", "false"],
        default="auto",
        help="XLA compilation of the train step. Default: auto.",
    )
    add(
        "--num-samples",
        type=int,
        default=64,
        help="Images in each epoch's sample (or reconstruction) grid. "
        "Default: 64.",
    )
    add("--verbose", type=int, default=1, choices=[0, 1, 2], help="Default: 1.")
    add(
        "--distribute",
        type=distribution_kind,
        default="none",
        metavar="{" + ",".join(DISTRIBUTIONS) + "}",
        help="none; mirrored (tf.distribute.MirroredStrategy over the local "
        "devices) or tpu (TPUStrategy) on TensorFlow; data_parallel "
        "(keras.distribution.DataParallel, one or several processes) on "
        "JAX. Default: none.",
    )
    add(
        "--coordinator",
        default=None,
        help="data_parallel on several hosts: HOST:PORT of process 0.",
    )
    add(
        "--num-processes",
        type=int,
        default=None,
        help="data_parallel on several hosts: number of processes.",
    )
    add(
        "--process-id",
        type=int,
        default=None,
        help="data_parallel on several hosts: this process, in "
        "[0, num_processes).",
    )


def add_parser(commands):
    from kerasgen import recipes

    train = commands.add_parser(
        "train",
        help="Train a model with model.fit, with backups, sample grids and "
        "TensorBoard logs.",
        description="Train a model. A run killed at any point resumes from "
        "OUTPUT_DIR/backup when the same command is run again. "
        "`kerasgen train MODEL --help` lists the model's flags.",
    )
    models = train.add_subparsers(
        dest="model", required=True, metavar="MODEL", title="models"
    )
    for name, summary in recipes.list_recipes().items():
        recipe = recipes.get_recipe(name)
        parser = models.add_parser(
            name, help=summary, description=f"Train {name}: {summary}."
        )
        add_common_arguments(parser, recipe)
        recipe.add_arguments(parser.add_argument_group(f"{name} options"))
        parser.set_defaults(handler=run, parser=parser)


def check_arguments(args):
    from kerasgen.utils import argument_validation as av

    for name in ("epochs", "batch_size", "num_samples"):
        av.check_positive_int(
            f"--{name.replace('_', '-')}", getattr(args, name)
        )
    av.check_positive_int("--steps-per-epoch", args.steps_per_epoch, True)
    av.check_float(
        "--learning-rate",
        args.learning_rate,
        0.0,
        min_inclusive=False,
        allow_none=True,
    )
    if getattr(args, "ema", None) is not None:
        av.check_float("--ema", args.ema, 0.0, 1.0, max_inclusive=False)
    if args.distribute != "data_parallel":
        for flag in ("coordinator", "num_processes", "process_id"):
            if getattr(args, flag) is not None:
                raise ValueError(
                    f"--{flag.replace('_', '-')} is for --distribute "
                    f"data_parallel; received --distribute {args.distribute}"
                )


def distribution_scope(args):
    """`distribution_utils.distribution_scope` of the `--distribute` flags."""
    from kerasgen.utils import distribution_utils

    return distribution_utils.distribution_scope(
        args.distribute,
        coordinator=args.coordinator,
        num_processes=args.num_processes,
        process_id=args.process_id,
    )


def run(args):
    import keras

    from kerasgen import recipes

    recipe = recipes.get_recipe(args.model)
    check_arguments(args)
    keras.utils.set_random_seed(args.seed)
    if args.mixed_precision:
        keras.config.set_dtype_policy("mixed_bfloat16")
    with distribution_scope(args) as distribution:
        if not distribution.is_chief:  # a worker keeps its files apart
            args.output_dir = os.path.join(
                args.output_dir, f"process_{distribution.process_id}"
            )
        return _fit(args, recipe, distribution)


def _fit(args, recipe, distribution):
    import kerasgen
    from kerasgen.cli import training

    train_data = training.dataset(
        args,
        args.split,
        shuffle=True,
        repeat=args.steps_per_epoch is not None,
        with_labels=recipe.with_labels,
    )
    validation_split = getattr(args, "validation_split", None)
    validation_data = None
    if validation_split:
        validation_data = training.dataset(
            args,
            validation_split,
            shuffle=False,
            with_labels=recipe.with_labels,
        )
    image_spec = train_data.element_spec
    if isinstance(image_spec, tuple):
        image_spec = image_spec[0]
    dataset_info = kerasgen.recipes.DatasetInfo(
        tuple(image_spec.shape[1:]),
        num_classes=(lambda: training.num_classes_of(args.dataset))
        if recipe.with_labels
        else None,
    )
    model = recipe.build_model(args, dataset_info)
    train_data = recipe.prepare_data(train_data, model)
    if validation_data is not None:
        validation_data = distribution.shard_dataset(
            recipe.prepare_data(validation_data, model), args.batch_size
        )
    ema = getattr(args, "ema", None)
    optimizer_kwargs = {}
    if ema is not None:
        optimizer_kwargs = dict(use_ema=True, ema_momentum=ema)
    jit = {"auto": "auto", "true": True, "false": False}[args.jit_compile]
    model.compile(
        jit_compile=jit,
        **model.default_optimizers(args.learning_rate, **optimizer_kwargs),
    )
    # Only a model that builds and compiles gets a run folder.
    os.makedirs(args.output_dir, exist_ok=True)
    with open(os.path.join(args.output_dir, "args.json"), "w") as f:
        saved = {
            k: v
            for k, v in vars(args).items()
            if k not in ("handler", "parser")
        }
        json.dump(saved, f, indent=2)
    context = training.TrainContext(args, train_data, dataset_info, model)
    callbacks, grids = training.callbacks(args, recipe, context)
    model.fit(
        distribution.shard_dataset(train_data, args.batch_size),
        epochs=args.epochs,
        steps_per_epoch=args.steps_per_epoch,
        validation_data=validation_data,
        callbacks=callbacks,
        shuffle=False,  # image_dataset shuffles every epoch already
        verbose=args.verbose,
    )
    if ema is not None:
        model.optimizer.finalize_variable_values(model.trainable_variables)
    path = os.path.join(args.output_dir, "model.keras")
    model.save(path)
    written = [path] + training.final_grids(args, recipe, model, grids)
    print(f"Saved {' and '.join(written)}")
    return 0
