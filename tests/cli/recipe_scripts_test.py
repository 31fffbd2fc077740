"""The applications' recipe.sh files are valid `kerasgen` commands."""

import glob
import json
import os
import re
import shlex

import keras
import pytest

from kerasgen import evaluation
from kerasgen import recipes
from kerasgen.cli import build_parser

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(__file__)))
SCRIPTS = sorted(
    glob.glob(os.path.join(ROOT, "applications", "*", "recipe.sh"))
)
# $NAME or ${NAME:-default}.
VARIABLE = re.compile(r"\$\{(\w+)(?::-([^}]*))?\}|\$(\w+)")


def kerasgen_commands(path):
    """The argv of every `.venv/bin/kerasgen ...` line, variables filled in."""
    text = open(path).read().replace("\\\n", " ")
    values = {}
    commands = []
    for line in text.splitlines():
        assignment = re.match(r"^(\w+)=(.+)$", line)
        if assignment:
            values[assignment.group(1)] = VARIABLE.sub(
                lambda m: m.group(2) or "", assignment.group(2)
            ).strip('"')
        if line.startswith(".venv/bin/kerasgen "):
            line = VARIABLE.sub(
                lambda m: (
                    values.get(m.group(1) or m.group(3)) or m.group(2) or "x"
                ),
                line,
            )
            commands.append(shlex.split(line)[1:])
    return commands


def bundle_scripts():
    return [path for path in SCRIPTS if "kerasgen bundle" in open(path).read()]


@pytest.mark.parametrize(
    "path", bundle_scripts(), ids=lambda p: os.path.basename(os.path.dirname(p))
)
def test_recipe_trains_the_bundled_model_and_bundles_it(path):
    parser = build_parser()
    commands = kerasgen_commands(path)
    bundle_dir = os.path.dirname(path)
    metadata = json.load(open(os.path.join(bundle_dir, "metadata.json")))
    if not any(argv[0] == "train" for argv in commands):
        # A network bundle (the feature classifier) is trained by the
        # bundle's own train.py, then measured by `kerasgen bundle`.
        train_script = os.path.join(bundle_dir, "train.py")
        assert os.path.exists(train_script)
        assert "train.py" in open(path).read().split("kerasgen bundle")[0]
        config = json.load(open(os.path.join(bundle_dir, "config.json")))
        assert config["class_name"] == metadata["class_name"]
    else:
        assert [argv[0] for argv in commands][:1] == ["train"]
    info = recipes.DatasetInfo((28, 28, 1), num_classes=10)
    bundled = False
    for argv in commands:
        args = parser.parse_args(argv)
        if argv[0] == "train":
            # Same flags, same model: the bundle's class and size.
            model = recipes.get_recipe(args.model).build_model(args, info)
            assert type(model).__name__ == metadata["class_name"]
            config = json.load(open(os.path.join(bundle_dir, "config.json")))
            reference = keras.saving.deserialize_keras_object(config)
            assert model.count_params() == reference.count_params()
        else:
            names = args.metrics.split(",")
            assert set(names) <= set(evaluation.list_measurements())
        if argv[0] == "bundle":
            assert os.path.samefile(
                os.path.join(ROOT, args.bundle_dir), bundle_dir
            )
            bundled = True
    assert bundled


def test_every_generative_bundle_has_a_kerasgen_recipe():
    scripts = {os.path.basename(os.path.dirname(p)) for p in bundle_scripts()}
    for name in ("vae", "dcgan", "cgan", "vqvae", "dvae", "vqgan"):
        assert f"{name}_fashion_mnist" in scripts
