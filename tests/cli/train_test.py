import glob
import json
import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest

from kerasgen import recipes
from kerasgen.recipes import recipe as recipe_module
from tests.cli.conftest import run_command_line

ONE_STEP = (
    "--epochs", "1", "--steps-per-epoch", "1", "--batch-size", "8",
    "--num-samples", "4", "--verbose", "0", "--jit-compile", "false",
)  # fmt: skip


def image_summary_tags(log_dir):
    """The tags of every image summary in the events files under log_dir."""
    import tensorflow as tf

    tags = set()
    for path in glob.glob(
        os.path.join(log_dir, "**", "events.*"), recursive=True
    ):
        for event in tf.compat.v1.train.summary_iterator(path):
            for value in event.summary.value:
                if value.metadata.plugin_data.plugin_name == "images":
                    tags.add(value.tag)
    return tags


def optimizers_of(model):
    """The compiled optimizers, by the keys of `default_optimizers()`."""
    return {key: getattr(model, key) for key in model.default_optimizers()}


@pytest.mark.parametrize("name", sorted(recipes.list_recipes()))
def test_every_recipe_trains_one_step(kerasgen, tmp_path, name):
    import keras

    recipe = recipes.get_recipe(name)
    run = tmp_path / name
    code, out, err = kerasgen(
        "train", name, *ONE_STEP, *recipe.tiny_arguments,
        "--learning-rate", "0.003", "--output-dir", run,
    )  # fmt: skip
    assert code == 0, err
    assert "Saved" in out
    model = keras.saving.load_model(run / "model.keras")
    # The model the recipe builds for these flags, trained one step.
    args = json.load(open(run / "args.json"))
    assert args["model"] == name and args["learning_rate"] == 0.003
    for key, optimizer in optimizers_of(model).items():
        assert int(optimizer.iterations) >= 1, key
        np.testing.assert_allclose(float(optimizer.learning_rate), 0.003)
    history = open(run / "history.csv").read().splitlines()
    assert len(history) == 2 and history[0].startswith("epoch")
    # The grids the recipe asks for, as PNGs and TensorBoard images.
    assert (run / "samples.png").exists() == recipe.sample_grid
    assert (run / "samples").exists() == recipe.sample_grid
    assert (run / "reconstructions.png").exists() == recipe.reconstruction_grid
    expected = {"samples"} if recipe.sample_grid else set()
    if recipe.reconstruction_grid:
        expected.add("reconstructions")
    assert image_summary_tags(run / "logs") == expected


@pytest.fixture
def toy_recipe(monkeypatch):
    """A recipe registered by this test only: a tiny VAE with a --width."""
    monkeypatch.setattr(recipe_module, "_RECIPES", dict(recipe_module._RECIPES))

    @recipes.register_recipe
    class Toy(recipes.Recipe):
        name = "toy"
        summary = "A toy VAE."
        reconstruction_grid = True
        sample_grid = False

        def add_arguments(self, parser):
            parser.add_argument("--width", type=int, default=2, help="Width.")

        def build_model(self, args, dataset_info):
            from kerasgen.models import VAE

            return VAE(
                image_shape=dataset_info.image_shape,
                latent_dim=2,
                encoder_filters=(args.width,),
                decoder_filters=(args.width,),
                hidden_dim=4,
                seed=args.seed,
            )

    return Toy


def test_a_registered_recipe_is_a_command(kerasgen, tmp_path, toy_recipe):
    import keras

    code, out, _ = kerasgen("train", "toy", "--help")
    assert code == 0 and "--width" in out and "toy options" in out
    assert "--discriminator-start" not in out and "--ema" not in out
    code, out, _ = kerasgen("list")
    assert "toy" in out and "A toy VAE." in out
    run = tmp_path / "toy"
    code, _, err = kerasgen(
        "train", "toy", "--width", "3", *ONE_STEP, "--output-dir", run
    )
    assert code == 0, err
    model = keras.saving.load_model(run / "model.keras")
    assert tuple(model.encoder_filters) == (3,)
    assert (run / "reconstructions.png").exists()
    assert not (run / "samples.png").exists()


def test_help_lists_only_the_recipes_own_flags(kerasgen):
    from kerasgen.cli import build_parser

    common = {"--dataset", "--epochs", "--learning-rate", "--distribute"}
    subparsers = build_parser()._subparsers._group_actions[0]
    train = subparsers.choices["train"]._subparsers._group_actions[0]
    own_flags = {}
    for name in recipes.list_recipes():
        parser = train.choices[name]
        groups = [
            g for g in parser._action_groups if g.title.endswith("options")
        ]
        own_flags[name] = {
            flag
            for group in groups
            if group.title == f"{name} options"
            for action in group._group_actions
            for flag in action.option_strings
        }
        code, out, _ = kerasgen("train", name, "--help")
        assert code == 0
        for flag in common | own_flags[name]:
            assert flag in out, (name, flag)
        for action in parser._actions:
            if action.option_strings and "--help" not in action.option_strings:
                assert action.help, (
                    f"{name} {action.option_strings} has no help"
                )
    assert "--discriminator-start" in own_flags["vqgan"]
    assert "--likelihood" in own_flags["vae"]
    code, out, _ = kerasgen("train", "vqgan", "--help")
    for flag in ("--likelihood", "--straight-through", "--r1-weight", "--ema"):
        assert flag not in out


def test_ema_weights_are_saved(kerasgen, tmp_path):
    import keras

    run = tmp_path / "ema"
    code, _, err = kerasgen(
        "train", "vae", *ONE_STEP, "--latent-dim", "2", "--ema", "0.5",
        "--output-dir", run,
    )  # fmt: skip
    assert code == 0, err
    model = keras.saving.load_model(run / "model.keras")
    assert model.optimizer.use_ema and model.optimizer.ema_momentum == 0.5


def test_mirrored_distribution_trains(tmp_path):
    # In a process of its own, as a user runs it: TensorFlow's collective
    # instance keys of a second MirroredStrategy in one process collide with
    # those of the test harness' strategy.
    run = tmp_path / "mirrored"
    result = run_command_line(
        "train", "vae", *ONE_STEP, "--latent-dim", "2",
        "--distribute", "mirrored", "--output-dir", run,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert (run / "model.keras").exists()


@pytest.mark.large
def test_killed_training_resumes_from_its_backup(tmp_path):
    run = tmp_path / "run"
    argv = [
        "train", "vae", "--epochs", "4", "--steps-per-epoch", "15",
        "--batch-size", "32", "--latent-dim", "2", "--num-samples", "4",
        "--output-dir", str(run), "--verbose", "2",
    ]  # fmt: skip
    metadata = run / "backup" / "training_metadata.json"
    env = {k: v for k, v in os.environ.items() if k != "TF_CPP_MIN_LOG_LEVEL"}
    process = subprocess.Popen(
        [sys.executable, "-m", "kerasgen.cli", *argv],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
    )
    deadline = time.time() + 240
    while time.time() < deadline and process.poll() is None:
        if metadata.is_file():
            if json.load(open(metadata)).get("epoch", -1) >= 1:
                break
        time.sleep(0.2)
    assert process.poll() is None, "training finished before it was killed"
    process.send_signal(signal.SIGKILL)
    process.wait()
    assert not (run / "model.keras").exists()

    result = run_command_line(*argv)
    assert result.returncode == 0, result.stderr[-2000:]
    output = result.stdout + result.stderr
    assert "Epoch 1/4" not in output and "Epoch 4/4" in output
    epochs = [
        int(line.split(",")[0])
        for line in open(run / "history.csv").read().splitlines()
        if line and line[0].isdigit()
    ]
    assert epochs[-1] == 3
    assert (run / "model.keras").exists()
