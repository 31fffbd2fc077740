"""Pieces shared by the `kerasgen` commands."""

import argparse
import os
import sys


class CommandError(Exception):
    """An error of a command, reported as one line and exit status 2."""


class ArgumentParser(argparse.ArgumentParser):
    """An `argparse.ArgumentParser` whose errors are one line on stderr."""

    def error(self, message):
        message = " ".join(str(message).split())
        self.exit(2, f"{self.prog}: error: {message}\n")


def one_line(error):
    """The message of an exception on one line."""
    text = " ".join(str(error).split())
    if isinstance(error, KeyError) and len(error.args) == 1:
        text = f"missing key {error.args[0]!r}"
    return text or type(error).__name__


def report(command, error):
    """Prints `kerasgen COMMAND: error: MESSAGE` on stderr; returns 2."""
    prefix = f"kerasgen {command}" if command else "kerasgen"
    print(f"{prefix}: error: {one_line(error)}", file=sys.stderr)
    return 2


def load_model(path_or_name):
    """Loads a `.keras` file, a preset folder or a bundled application."""
    import keras

    import kerasgen  # noqa: F401  (registers the classes)
    from kerasgen import applications

    if str(path_or_name).endswith(".keras"):
        if not os.path.isfile(path_or_name):
            raise FileNotFoundError(
                f"model file {path_or_name!r} does not exist; expected a "
                ".keras file, a preset folder or an application name"
            )
        return keras.saving.load_model(path_or_name, safe_mode=True)
    return applications.load(path_or_name)


def is_generative(model_or_class):
    """Whether a model (or class) has the `generate()` of GenerativeModel."""
    return callable(getattr(model_or_class, "generate", None))


def add_model_argument(parser):
    parser.add_argument(
        "model", help="A .keras file, a preset folder or an application name."
    )


def add_evaluation_arguments(parser):
    """The flags of what `evaluate` measures (`evaluate`, `bundle`).

    They are `kerasgen.evaluation.add_evaluate_arguments`, the flags that
    `metric_command` writes, so a stored command and the command line agree.
    """
    from kerasgen import evaluation

    evaluation.add_evaluate_arguments(parser)
    parser.epilog = evaluation.measurements_help()
    parser.formatter_class = argparse.RawDescriptionHelpFormatter


def evaluation_arguments(args, model=None):
    """`kerasgen.evaluation.evaluate` keyword arguments from the flags.

    The flags are checked with their command-line names; `--metrics`
    defaults to `model.default_evaluation_metrics` (`model=None`: the
    names are left `None`).
    """
    from kerasgen import evaluation
    from kerasgen.evaluation import measurement
    from kerasgen.utils import argument_validation as av

    av.check_int("--num-samples", args.num_samples, minimum=2)
    av.check_int("--seed", args.seed, minimum=0)
    av.check_positive_int("--batch-size", args.batch_size)
    known = evaluation.list_measurements()
    if args.metrics is not None:
        names = [name.strip() for name in args.metrics.split(",")]
        names = [name for name in names if name]
        unknown = [name for name in names if name.lower() not in known]
        if unknown or not names:
            raise ValueError(
                f"--metrics must be a comma-separated list of "
                f"{', '.join(known)}; received {args.metrics!r} (unknown: "
                f"{', '.join(unknown) or 'none given'})"
            )
    kwargs = evaluation.evaluate_kwargs(args)
    if kwargs["metrics"] is None and model is not None:
        kwargs["metrics"] = measurement.default_metrics_of(model)
    return kwargs


def metric_commands(preset, kwargs, metrics):
    """`{key: command}`: for each measured key, the `kerasgen evaluate`
    command of the measurement that returned it."""
    import fnmatch

    from kerasgen import evaluation

    commands = {}
    for name in kwargs["metrics"]:
        command = evaluation.metric_command(
            preset,
            [name],
            kwargs["dataset"],
            kwargs["split"],
            kwargs["feature_extractor"],
            kwargs["num_samples"],
            kwargs["seed"],
            # Generation options matter to the sample measurements only.
            generate_kwargs=kwargs.get("generate_kwargs")
            if evaluation.get_measurement(name).kind == "sample"
            else None,
        )
        patterns = evaluation.get_measurement(name).keys
        for key in metrics:
            if key not in commands and any(
                fnmatch.fnmatchcase(key, pattern) for pattern in patterns
            ):
                commands[key] = command
    return commands
