"""The command line stays generic: no model name in a condition."""

import ast
import glob
import os

import kerasgen.cli
from kerasgen import recipes

CLI_DIR = os.path.dirname(kerasgen.cli.__file__)
MODULES = sorted(glob.glob(os.path.join(CLI_DIR, "*.py")))


def test_no_model_name_in_any_condition():
    names = set(recipes.list_recipes())
    found = []
    for path in MODULES:
        tree = ast.parse(open(path).read())
        for node in ast.walk(tree):
            tests = []
            if isinstance(node, (ast.If, ast.IfExp, ast.While, ast.Assert)):
                tests.append(node.test)
            if isinstance(node, ast.comprehension):
                tests.extend(node.ifs)
            if isinstance(node, ast.Compare):
                tests.append(node)
            for test in tests:
                for leaf in ast.walk(test):
                    if isinstance(leaf, ast.Constant) and leaf.value in names:
                        found.append(f"{os.path.basename(path)}:{leaf.lineno}")
            if isinstance(node, ast.Dict):  # no per-model lookup tables
                for key in node.keys:
                    if isinstance(key, ast.Constant) and key.value in names:
                        found.append(f"{os.path.basename(path)}:{key.lineno}")
    assert found == []


def test_one_small_module_per_command():
    lengths = {os.path.basename(p): len(open(p).readlines()) for p in MODULES}
    for command in kerasgen.cli.COMMANDS:
        assert f"{command}.py" in lengths
    assert max(lengths.values()) <= 300, lengths
