"""Quiet start-up of the `kerasgen` command line.

Imported first by `kerasgen/__init__.py`, before anything loads
TensorFlow; importing it runs `quiet_start()`, which acts only when the
process is the command line (`kerasgen ...` or `python -m kerasgen.cli`):
a library import stays untouched.
"""

import os
import sys

LOG_LEVEL_VARIABLE = "TF_CPP_MIN_LOG_LEVEL"


def is_command_line():
    """Whether this process runs the `kerasgen` console script or module."""
    if os.path.basename(sys.argv[0] if sys.argv else "") == "kerasgen":
        return True
    argv = list(getattr(sys, "orig_argv", ()))
    return any(
        flag == "-m" and module in ("kerasgen.cli", "kerasgen.cli.__main__")
        for flag, module in zip(argv, argv[1:])
    )


def silence_tensorflow():
    """Hides TensorFlow's start-up logs unless `TF_CPP_MIN_LOG_LEVEL` is set.

    Sets `TF_CPP_MIN_LOG_LEVEL=3` and absl's Python verbosity to errors.
    The C++ messages that TensorFlow writes while it loads, before
    `absl::InitializeLog()` runs (oneDNN, CUDA stubs), ignore that
    variable, so the import runs with the stderr file descriptor sent to a
    temporary file; if the import fails, the captured text is written back
    before the error propagates. A user who sets `TF_CPP_MIN_LOG_LEVEL`
    (to any value) sees every log.
    """
    if LOG_LEVEL_VARIABLE in os.environ or "tensorflow" in sys.modules:
        return
    os.environ[LOG_LEVEL_VARIABLE] = "3"
    try:
        from absl import logging as absl_logging

        absl_logging.set_verbosity(absl_logging.ERROR)
    except ImportError:
        pass
    import importlib.util
    import tempfile

    if importlib.util.find_spec("tensorflow") is None:
        return
    sys.stderr.flush()
    saved = os.dup(2)
    with tempfile.TemporaryFile() as captured:
        os.dup2(captured.fileno(), 2)
        try:
            import tensorflow  # noqa: F401
        except BaseException:
            os.dup2(saved, 2)
            captured.seek(0)
            os.write(2, captured.read())
            raise
        finally:
            os.dup2(saved, 2)
            os.close(saved)


def quiet_start():
    """`silence_tensorflow()` when this process is the command line."""
    if is_command_line():
        silence_tensorflow()


quiet_start()
