"""The tiny autoregressive models of these tests sample without XLA.

`AutoregressiveModel.generate_jit_compile` is True (XLA fuses the long
sampling loops of real-sized models), but compiling each tiny test model's
generate function with XLA costs seconds per variant and dominates these
tests. Tests marked `xla` keep it; `test_xla_sampling_is_consistent` in
`pixel_cnn_test.py` checks the XLA path (cached == uncached, log_prob of
the choices) for the shared base.
"""

import pytest

from kerasgen.models import AutoregressiveModel


@pytest.fixture(autouse=True)
def _no_xla_for_tiny_models(request, monkeypatch):
    if request.node.get_closest_marker("xla") is None:
        monkeypatch.setattr(AutoregressiveModel, "generate_jit_compile", False)
