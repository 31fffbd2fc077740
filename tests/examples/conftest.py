import os
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(__file__)))


@pytest.fixture
def run_example(tmp_path):
    """Runs `examples/NAME --smoke` with outputs in `tmp_path`; its stdout."""

    def run(name):
        result = subprocess.run(
            [sys.executable, os.path.join(ROOT, "examples", name), "--smoke"],
            capture_output=True,
            text=True,
            timeout=900,
            env=dict(os.environ, KERASGEN_EXAMPLE_OUTPUT=str(tmp_path)),
        )
        assert result.returncode == 0, result.stderr[-3000:]
        return result.stdout

    return run
