import json
import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest
from PIL import Image

from kerasgen import cli


def test_help_explains_every_option(capsys):
    parser = cli._build_parser()
    for command in ("train", "generate", "evaluate"):
        with pytest.raises(SystemExit):
            parser.parse_args([command, "--help"])
        text = capsys.readouterr().out
        subparser = parser._subparsers._group_actions[0].choices[command]
        for action in subparser._actions:
            for flag in action.option_strings:
                assert flag in text
            if action.option_strings and flag != "--help":
                assert action.help, f"{command} {flag} has no help"


def test_list_shows_models_and_applications(capsys):
    assert cli.main(["list"]) == 0
    out = capsys.readouterr().out
    assert "vae" in out and "vae_fashion_mnist" in out


def test_unknown_model_is_an_error_listing_presets(capsys, tmp_path):
    code = cli.main(
        ["generate", "no_such_model", "--output", str(tmp_path / "g.png")]
    )
    assert code == 2
    assert "vae_fashion_mnist" in capsys.readouterr().err


def test_train_generate_evaluate(tmp_path, capsys):
    run = str(tmp_path / "run")
    code = cli.main(
        [
            "train",
            "vae",
            "--epochs",
            "2",
            "--steps-per-epoch",
            "2",
            "--batch-size",
            "16",
            "--latent-dim",
            "2",
            "--num-samples",
            "4",
            "--output-dir",
            run,
            "--verbose",
            "0",
        ]
    )
    assert code == 0
    for name in ("model.keras", "samples.png", "history.csv", "args.json"):
        assert os.path.isfile(os.path.join(run, name)), name
    assert sorted(os.listdir(os.path.join(run, "samples"))) == [
        "samples_epoch_001.png",
        "samples_epoch_002.png",
    ]
    assert os.listdir(os.path.join(run, "logs"))

    grid = str(tmp_path / "grid.png")
    npz = str(tmp_path / "images.npz")
    code = cli.main(
        [
            "generate",
            os.path.join(run, "model.keras"),
            "--num-samples",
            "9",
            "--seed",
            "1",
            "--output",
            grid,
            "--npz",
            npz,
            "--scale",
            "1",
        ]
    )
    assert code == 0
    images = np.load(npz)["images"]
    assert images.shape == (9, 28, 28, 1) and images.dtype == np.uint8
    assert np.asarray(Image.open(grid)).shape == (3 * 28 + 8, 3 * 28 + 8)

    metrics_path = str(tmp_path / "metrics.json")
    code = cli.main(
        [
            "evaluate",
            os.path.join(run, "model.keras"),
            "--batch-size",
            "2000",
            "--output",
            metrics_path,
        ]
    )
    assert code == 0
    metrics = json.load(open(metrics_path))
    assert 0.0 < metrics["bits_per_dim"] < 8.0


@pytest.mark.large
def test_killed_training_resumes_from_its_backup(tmp_path):
    run = str(tmp_path / "run")
    command = [
        sys.executable,
        "-m",
        "kerasgen.cli",
        "train",
        "vae",
        "--epochs",
        "4",
        "--steps-per-epoch",
        "15",
        "--batch-size",
        "32",
        "--latent-dim",
        "2",
        "--num-samples",
        "4",
        "--output-dir",
        run,
        "--verbose",
        "2",
    ]
    metadata = os.path.join(run, "backup", "training_metadata.json")
    process = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    deadline = time.time() + 240
    while time.time() < deadline and process.poll() is None:
        if os.path.isfile(metadata):
            if json.load(open(metadata)).get("epoch", -1) >= 1:
                break
        time.sleep(0.2)
    assert process.poll() is None, "training finished before it was killed"
    process.send_signal(signal.SIGKILL)
    process.wait()
    assert not os.path.isfile(os.path.join(run, "model.keras"))

    result = subprocess.run(
        command, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stderr[-2000:]
    output = result.stdout + result.stderr
    assert "Epoch 1/4" not in output
    assert "Epoch 4/4" in output
    epochs = [
        int(line.split(",")[0])
        for line in open(os.path.join(run, "history.csv")).read().splitlines()
        if line and line[0].isdigit()
    ]
    assert epochs[-1] == 3
    assert os.path.isfile(os.path.join(run, "model.keras"))


@pytest.mark.parametrize("model", ["cgan", "wgan_gp"])
def test_train_gans(tmp_path, model):
    import keras

    run = str(tmp_path / model)
    code = cli.main(
        [
            "train",
            model,
            "--epochs",
            "1",
            "--steps-per-epoch",
            "2",
            "--batch-size",
            "8",
            "--latent-dim",
            "8",
            "--num-samples",
            "10",
            "--output-dir",
            run,
            "--verbose",
            "0",
        ]
    )
    assert code == 0
    gan = keras.saving.load_model(os.path.join(run, "model.keras"))
    steps = 5 if model == "wgan_gp" else 1
    assert int(gan.generator_optimizer.iterations) == 2
    assert int(gan.discriminator_optimizer.iterations) == 2 * steps
    assert gan.num_classes == (10 if model == "cgan" else None)
    assert gan.loss == (
        "wasserstein" if model == "wgan_gp" else "non_saturating"
    )
    history = open(os.path.join(run, "history.csv")).read()
    assert "d_loss" in history and "g_loss" in history
    assert os.path.isfile(os.path.join(run, "samples", "samples_epoch_001.png"))
