"""The `kerasgen` command line: list, train, generate, evaluate, bundle.

Examples:
    kerasgen list
    kerasgen train vae --dataset fashion_mnist --epochs 10 --output-dir runs/vae
    kerasgen train vqgan --help        # the common flags and VQ-GAN's own
    kerasgen generate vae_fashion_mnist --num-samples 64 --output grid.png
    kerasgen evaluate dcgan_fashion_mnist          # the model's default metrics
    kerasgen evaluate runs/vae/model.keras --metrics bits_per_dim
    kerasgen bundle runs/vae/model.keras applications/vae_fashion_mnist

Each command is a module of this package with `add_parser(commands)` and
`run(args)`; `kerasgen train MODEL` has one subcommand per recipe of
`kerasgen.recipes`. Every error is one line on stderr and exit status 2
(set `KERASGEN_TRACEBACK=1` to see the traceback instead).
"""

import os
import sys

COMMANDS = ("list", "train", "generate", "evaluate", "bundle")
# Errors of bad input, reported by their message alone; any other exception
# is reported with its type and a hint to see the traceback.
INPUT_ERRORS = (ValueError, TypeError, KeyError, OSError, NotImplementedError)


def build_parser():
    """The `kerasgen` argument parser, with one subparser per command."""
    import importlib

    from kerasgen.cli.common import ArgumentParser

    parser = ArgumentParser(
        prog="kerasgen",
        description="Train, sample, evaluate and bundle kerasgen image "
        "generative models.",
    )
    commands = parser.add_subparsers(
        dest="command", required=True, metavar="COMMAND"
    )
    for name in COMMANDS:
        module = importlib.import_module(f"kerasgen.cli.{name}")
        module.add_parser(commands)
    return parser


def main(argv=None):
    """Entry point of the `kerasgen` console script; returns the exit code."""
    from kerasgen.cli import common

    # (No `list(...)` in this module: importing `kerasgen.cli.list` binds
    # the name `list` here to that submodule.)
    argv = sys.argv[1:] if argv is None else [*argv]
    command = next((arg for arg in argv if arg in COMMANDS), None)
    try:
        args, extras = build_parser().parse_known_args(argv)
        if extras:  # named by the (sub)command that refuses them
            parser = args.parser
            parser.error(
                f"unrecognized arguments: {' '.join(extras)} (see "
                f"`{parser.prog} --help`)"
            )
        return args.handler(args)
    except SystemExit as exit:  # argparse: --help (0) or an error (2)
        return exit.code if isinstance(exit.code, int) else 2
    except KeyboardInterrupt:
        print(f"kerasgen {command}: interrupted", file=sys.stderr)
        return 130
    except Exception as error:
        if os.environ.get("KERASGEN_TRACEBACK"):
            raise
        if not isinstance(error, INPUT_ERRORS):
            error = RuntimeError(
                f"{type(error).__name__}: {common.one_line(error)} (set "
                "KERASGEN_TRACEBACK=1 to see the traceback)"
            )
        return common.report(command, error)
