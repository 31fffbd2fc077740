"""Every `>>>` example in kerasgen runs and gives the output it shows.

keras-hub's `docstring_test.py` pattern: walk every module of the package
with `pkgutil`, collect its doctests with `doctest.DocTestFinder`, and run
them (one pytest case per module) with `ELLIPSIS | NORMALIZE_WHITESPACE`. A
module that fails to import fails too, so new modules are covered with no
new test code.
"""

import doctest
import importlib
import pkgutil

import keras
import numpy as np
import pytest

import kerasgen

OPTIONFLAGS = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE


def _module_names():
    names = [kerasgen.__name__]
    for info in pkgutil.walk_packages(
        kerasgen.__path__, prefix=f"{kerasgen.__name__}."
    ):
        names.append(info.name)
    return sorted(names)


MODULE_NAMES = _module_names()


def _doctests(module):
    finder = doctest.DocTestFinder(exclude_empty=True)
    tests = []
    for test in finder.find(module, module.__name__):
        # Objects re-exported from another module are tested there.
        if test.examples and test.name.startswith(module.__name__):
            tests.append(test)
    return tests


MODULES_WITH_EXAMPLES = [
    name for name in MODULE_NAMES if _doctests(importlib.import_module(name))
]


def test_every_module_is_walked_and_imports():
    assert "kerasgen.networks.network" in MODULE_NAMES
    assert "kerasgen.quantizers.quantizer" in MODULE_NAMES
    assert len(MODULE_NAMES) > 40
    # The 37 examples the suite started with, and those added since.
    count = sum(
        len(test.examples)
        for name in MODULES_WITH_EXAMPLES
        for test in _doctests(importlib.import_module(name))
    )
    assert count >= 37, count


@pytest.mark.parametrize("module_name", MODULES_WITH_EXAMPLES)
def test_docstring_examples(module_name):
    module = importlib.import_module(module_name)
    tests = _doctests(module)
    runner = doctest.DocTestRunner(optionflags=OPTIONFLAGS)
    failures = []
    for test in tests:
        skipped = [
            example
            for example in test.examples
            if example.options.get(doctest.SKIP)
        ]
        assert not skipped, f"{test.name}: examples must run, not be skipped"
        # The names every example may use without importing them.
        test.globs = dict(test.globs, keras=keras, np=np)
        keras.utils.set_random_seed(0)
        output = []
        result = runner.run(test, out=output.append, clear_globs=True)
        if result.failed:
            failures.append("".join(output))
    assert not failures, "\n".join(failures)
