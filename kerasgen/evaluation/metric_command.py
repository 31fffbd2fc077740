"""The `kerasgen evaluate` command line that reproduces measured numbers.

`metric_command` writes it, `add_evaluate_arguments` declares its flags on
an `argparse` parser and `parse_metric_command` reads it back, so the
command stored in a bundle and the command line agree by construction.
"""

import argparse
import json
import shlex
import textwrap

from kerasgen.evaluation.measurement import list_measurements
from kerasgen.evaluation.measurement import parse_measurement_names
from kerasgen.utils import argument_validation

FEATURE_EXTRACTORS = ("fmnist_features", "inception_v3")


def _non_empty_str(name, value):
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"{name} must be a non-empty str; received {value!r}")
    return value


def metric_command(
    preset_name_or_path,
    names,
    dataset="fashion_mnist",
    split="test",
    feature_extractor="fmnist_features",
    num_samples=10000,
    seed=0,
    batch_size=None,
    generate_kwargs=None,
):
    """The exact `kerasgen evaluate ...` command that re-measures `names`.

    Every flag is written out (not left to defaults), so the command keeps
    its meaning when a default changes.

    Args:
        preset_name_or_path: str. A bundle name or a preset folder.
        names: list of measurement names or a comma-separated str.
        dataset: str. A dataset name or folder (in-memory arrays cannot be
            named in a command). Defaults to `"fashion_mnist"`.
        split: str. Defaults to `"test"`.
        feature_extractor: str, one of `FEATURE_EXTRACTORS`. Defaults to
            `"fmnist_features"`.
        num_samples: int >= 2. Defaults to 10000.
        seed: int >= 0. Defaults to 0.
        batch_size: int >= 1 or `None` (the command's default, not
            written). Defaults to `None`.
        generate_kwargs: dict of `model.generate` arguments (numbers,
            bools, strings), written as `--generate-kwargs key=value,...`
            when not empty. Defaults to `None`.

    Returns:
        str, quoted for a POSIX shell.

    Example:
    >>> command = metric_command("dcgan_fashion_mnist", ["fid", "kid"])
    >>> for part in command.split(" --"):
    ...     print(part)
    kerasgen evaluate dcgan_fashion_mnist
    dataset fashion_mnist
    split test
    metrics fid,kid
    feature-extractor fmnist_features
    num-samples 10000
    seed 0
    """
    _non_empty_str("preset_name_or_path", preset_name_or_path)
    names = parse_measurement_names(names)
    if not isinstance(dataset, str):
        raise ValueError(
            "dataset must be a dataset name or folder (a str) to be written "
            f"in a command; received {type(dataset).__name__}"
        )
    _non_empty_str("dataset", dataset)
    _non_empty_str("split", split)
    argument_validation.check_choice(
        "feature_extractor", feature_extractor, FEATURE_EXTRACTORS
    )
    num_samples = argument_validation.check_int(
        "num_samples", num_samples, minimum=2
    )
    seed = argument_validation.check_int("seed", seed, minimum=0)
    batch_size = argument_validation.check_positive_int(
        "batch_size", batch_size, allow_none=True
    )
    parts = [
        "kerasgen",
        "evaluate",
        preset_name_or_path,
        "--dataset",
        dataset,
        "--split",
        split,
        "--metrics",
        ",".join(names),
        "--feature-extractor",
        feature_extractor,
        "--num-samples",
        str(num_samples),
        "--seed",
        str(seed),
    ]
    if batch_size is not None:
        parts += ["--batch-size", str(batch_size)]
    if generate_kwargs:
        parts += ["--generate-kwargs", format_generate_kwargs(generate_kwargs)]
    return shlex.join(parts)


def format_generate_kwargs(kwargs):
    """`{"guidance_scale": 3.0}` as `"guidance_scale=3.0"` (sorted keys)."""
    for key, value in kwargs.items():
        if not isinstance(value, (bool, int, float, str)) or (
            isinstance(value, str) and ("," in value or "=" in value)
        ):
            raise ValueError(
                f"generate_kwargs[{key!r}] must be a number, a bool or a "
                f"str without ',' or '=' to be written in a command; "
                f"received {value!r}"
            )
    return ",".join(
        f"{key}={json.dumps(value) if not isinstance(value, str) else value}"
        for key, value in sorted(kwargs.items())
    )


def parse_generate_kwargs(text):
    """`"guidance_scale=3,cache=false"` as `{"guidance_scale": 3, ...}`.

    Values are read as JSON (numbers, `true` / `false`, `null`); anything
    else is a str.
    """
    if text is None or not text.strip():
        return {}
    kwargs = {}
    for item in text.split(","):
        key, sep, value = item.partition("=")
        key = key.strip()
        if not sep or not key.isidentifier():
            raise ValueError(
                "--generate-kwargs must be comma-separated key=value pairs "
                f"of model.generate arguments; received {text!r}"
            )
        try:
            kwargs[key] = json.loads(value)
        except json.JSONDecodeError:
            kwargs[key] = value.strip()
    return kwargs


def measurements_help(width=78):
    """Text listing every measurement and its description (for --help)."""
    lines = ["measurements (--metrics):"]
    for name, description in list_measurements().items():
        lines.append(
            textwrap.fill(
                description,
                width=width,
                initial_indent=f"  {name:22s} ",
                subsequent_indent=" " * 25,
            )
        )
    return "\n".join(lines)


def add_evaluate_arguments(parser):
    """Adds the flags of `kerasgen evaluate` (not the model) to `parser`.

    Flags: `--dataset`, `--split`, `--metrics`, `--feature-extractor`,
    `--num-samples`, `--seed`, `--batch-size`; `evaluate_kwargs(args)`
    turns the parsed values into `evaluate()` keyword arguments.
    """
    parser.add_argument(
        "--dataset",
        default="fashion_mnist",
        help="'fashion_mnist', a TFDS name or a folder. Default: "
        "fashion_mnist.",
    )
    parser.add_argument("--split", default="test", help="Default: test.")
    parser.add_argument(
        "--metrics",
        default=None,
        help="Comma-separated measurement names (listed below). Default: "
        "the model's default_evaluation_metrics.",
    )
    parser.add_argument(
        "--feature-extractor",
        default="fmnist_features",
        choices=FEATURE_EXTRACTORS,
        help="Feature network of the feature measurements: fmnist_features "
        "(the bundled Fashion-MNIST classifier, offline) or inception_v3 "
        "(ImageNet weights, downloaded on first use). Default: "
        "fmnist_features.",
    )
    parser.add_argument(
        "--num-samples",
        type=int,
        default=10000,
        help="Generated images of the sample measurements. Default: 10000.",
    )
    parser.add_argument(
        "--seed", type=int, default=0, help="Seed of everything. Default: 0."
    )
    parser.add_argument(
        "--batch-size", type=int, default=256, help="Default: 256."
    )
    parser.add_argument(
        "--generate-kwargs",
        default=None,
        help="Extra model.generate arguments of the sample measurements "
        "(and of bundle's preview grid), comma-separated key=value (values "
        "read as JSON), e.g. "
        "'guidance_scale=3' or 'temperature=0.9'. Default: none.",
    )
    return parser


def evaluate_kwargs(args):
    """`evaluate()` keyword arguments from flags of `add_evaluate_arguments`."""
    metrics = args.metrics
    return {
        "dataset": args.dataset,
        "split": args.split,
        "metrics": None
        if metrics is None
        else parse_measurement_names(metrics),
        "feature_extractor": args.feature_extractor,
        "num_samples": args.num_samples,
        "seed": args.seed,
        "batch_size": args.batch_size,
        "generate_kwargs": parse_generate_kwargs(
            getattr(args, "generate_kwargs", None)
        ),
    }


class _Parser(argparse.ArgumentParser):
    def error(self, message):
        raise ValueError(
            f"command is not a kerasgen evaluate command: {message}"
        )


def parse_metric_command(command):
    """Reads a `metric_command` string back.

    Args:
        command: str, `kerasgen evaluate MODEL --flag value ...`.

    Returns:
        tuple `(model, kwargs)`: the preset name or path and the
        `evaluate()` keyword arguments.

    Example:
    >>> model, kwargs = parse_metric_command(
    ...     metric_command("vae_fashion_mnist", "bits_per_dim")
    ... )
    >>> model, kwargs["metrics"], kwargs["split"]
    ('vae_fashion_mnist', ['bits_per_dim'], 'test')
    """
    _non_empty_str("command", command)
    words = shlex.split(command)
    if words[:2] != ["kerasgen", "evaluate"]:
        raise ValueError(
            f"command must start with 'kerasgen evaluate'; received {command!r}"
        )
    parser = _Parser(prog="kerasgen evaluate", add_help=False)
    parser.add_argument("model")
    add_evaluate_arguments(parser)
    args = parser.parse_args(words[2:])
    return args.model, evaluate_kwargs(args)
