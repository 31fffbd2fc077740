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
    generative, other = out.split("Other pretrained networks")
    assert "vae" in generative and "vae_fashion_mnist" in generative
    # The feature network is listed, but not among the models that generate.
    assert "fmnist_features" in other and "fmnist_features" not in generative


def test_generate_refuses_a_network_that_does_not_generate(capsys, tmp_path):
    code = cli.main(
        ["generate", "fmnist_features", "--output", str(tmp_path / "g.png")]
    )
    assert code == 2
    err = capsys.readouterr().err
    assert "FashionMNISTClassifier" in err and "generative" in err
    assert not (tmp_path / "g.png").exists()


def test_generate_with_labels_matches_the_python_call(tmp_path):
    import kerasgen

    npz = str(tmp_path / "images.npz")
    args = ["--num-samples", "6", "--output", str(tmp_path / "g.png")]
    code = cli.main(
        ["generate", "cgan_fashion_mnist", "--labels", "3,8", "--npz", npz]
        + args
    )
    assert code == 0
    gan = kerasgen.models.GAN.from_preset("cgan_fashion_mnist")
    expected = gan.generate(np.array([3, 8, 3, 8, 3, 8]), seed=0)
    np.testing.assert_array_equal(np.load(npz)["images"], expected)


@pytest.mark.parametrize(
    "model, labels, message",
    [
        ("vae_fashion_mnist", "1", "--labels needs a class-conditional"),
        ("cgan_fashion_mnist", "1,x", "--labels must be comma-separated"),
        ("cgan_fashion_mnist", "2,10", "--labels must lie in [0, 10)"),
    ],
)
def test_generate_refuses_bad_labels(capsys, tmp_path, model, labels, message):
    output = tmp_path / "g.png"
    code = cli.main(
        ["generate", model, "--labels", labels, "--output", str(output)]
    )
    assert code == 2
    assert message in capsys.readouterr().err
    assert not output.exists()


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


@pytest.fixture
def tiny_vae_file(tmp_path, monkeypatch):
    from kerasgen.testing.tiny_models import tiny_vae

    monkeypatch.setenv("KERASGEN_CACHE_DIR", str(tmp_path / "cache"))
    path = str(tmp_path / "tiny.keras")
    tiny_vae(image_shape=(28, 28, 1)).save(path)
    return path


def _image_folder(root, per_class=20, classes=True):
    """Fashion-MNIST test images as PNGs, one subfolder per class."""
    from kerasgen.datasets import fashion_mnist

    _, (images, labels) = fashion_mnist.load_data()
    for label in range(10):
        folder = os.path.join(root, f"class_{label}" if classes else "")
        os.makedirs(folder, exist_ok=True)
        indices = np.flatnonzero(labels == label)[:per_class]
        for index in indices:
            path = os.path.join(folder, f"{label}_{index}.png")
            Image.fromarray(images[index]).save(path)
    return str(root)


def test_evaluate_sample_metrics(tiny_vae_file, tmp_path, capsys):
    output = str(tmp_path / "metrics.json")
    folder = _image_folder(tmp_path / "images")
    code = cli.main(
        [
            "evaluate",
            tiny_vae_file,
            "--dataset",
            folder,
            "--metrics",
            "fid,kid,is,pr",
            "--num-samples",
            "40",
            "--seed",
            "1",
            "--output-json",
            output,
        ]
    )
    assert code == 0, capsys.readouterr().err
    metrics = json.load(open(output))
    assert json.loads(capsys.readouterr().out) == metrics
    assert metrics["num_samples"] == 40
    assert metrics["feature_extractor"].startswith("fmnist_features_")
    assert metrics["fid"] > 0.0 and np.isfinite(metrics["kid"])
    assert 1.0 <= metrics["inception_score"] <= 10.0
    assert 0.0 <= metrics["precision"] <= 1.0
    assert 0.0 <= metrics["recall"] <= 1.0
    assert "bits_per_dim" not in metrics
    # A folder has no cache key: nothing was cached.
    assert not os.path.exists(tmp_path / "cache")


def test_evaluate_fid_on_fashion_mnist_caches_the_reference(
    tiny_vae_file, tmp_path, capsys
):
    args = ["evaluate", tiny_vae_file, "--metrics", "fid", "--seed", "1"]
    assert cli.main(args + ["--num-samples", "40"]) == 0
    first = json.loads(capsys.readouterr().out)
    cached = os.listdir(tmp_path / "cache" / "reference_statistics")
    assert cached == [f"fashion_mnist_test_{first['feature_extractor']}.npz"]
    assert cli.main(args + ["--num-samples", "40"]) == 0
    second = json.loads(capsys.readouterr().out)
    assert second["fid"] == pytest.approx(first["fid"], rel=1e-9)
    assert second["fid"] > 0.0


def test_evaluate_rejects_unknown_metrics(tiny_vae_file, capsys):
    code = cli.main(["evaluate", tiny_vae_file, "--metrics", "fid,lpips"])
    assert code == 2
    err = capsys.readouterr().err
    assert "lpips" in err
    for name in cli.EVALUATE_METRICS:
        assert name in err


class _ConditionalModel:
    """Class k is a uniform image of gray level 25 k."""

    num_classes = 10

    def __init__(self):
        self.labels = None

    def generate(self, inputs=None, num_samples=None, seed=None, **kwargs):
        self.labels = np.asarray(inputs)
        gray = (25 * self.labels).astype("uint8")
        return np.broadcast_to(
            gray[:, None, None, None], (num_samples, 28, 28, 1)
        ).copy()


@pytest.mark.parametrize("classes", [True, False])
def test_evaluate_conditional_model_gets_balanced_labels(
    tmp_path, monkeypatch, capsys, classes
):
    model = _ConditionalModel()
    monkeypatch.setattr(cli, "load_model", lambda name: model)
    folder = _image_folder(tmp_path / "images", per_class=5, classes=classes)
    code = cli.main(
        [
            "evaluate",
            "conditional",
            "--dataset",
            folder,
            "--metrics",
            "fid,pr",
            "--num-samples",
            "100",
        ]
    )
    assert code == 0, capsys.readouterr().err
    assert model.labels.shape == (100,) and model.labels.dtype == np.int32
    # From the folder's 10 classes of 5 images, or round robin without
    # class folders: 10 of each class either way.
    np.testing.assert_array_equal(np.bincount(model.labels), [10] * 10)
    assert np.isfinite(json.loads(capsys.readouterr().out)["fid"])


@pytest.mark.parametrize("model", ["vqvae", "dvae", "vqgan"])
def test_train_tokenizers(tmp_path, model):
    import keras

    run = str(tmp_path / model)
    code = cli.main(
        ["train", model, "--epochs", "2", "--steps-per-epoch", "2"]
        + ["--batch-size", "8", "--codebook-size", "16", "--latent-dim", "4"]
        + ["--filters", "8,8,8", "--discriminator-start", "1"]
        + ["--num-samples", "6", "--output-dir", run, "--verbose", "0"]
        + (
            ["--straight-through", "--kl-weight", "0.01"]
            if model == "dvae"
            else []
        )
    )
    assert code == 0
    tokenizer = keras.saving.load_model(os.path.join(run, "model.keras"))
    assert (
        type(tokenizer).__name__
        == {
            "vqvae": "VQVAE",
            "dvae": "DiscreteVAE",
            "vqgan": "VQGAN",
        }[model]
    )
    assert tokenizer.vocabulary_size == 16
    assert tuple(tokenizer.token_shape) == (7, 7)
    assert tokenizer.filters == (8, 8, 8)
    if model == "dvae":
        # Annealed over epochs x steps = 4 updates; set before the 4th.
        assert tokenizer.codebook_dim == 4
        assert tokenizer.quantizer.straight_through
        assert tokenizer.quantizer.kl_weight == 0.01
        np.testing.assert_allclose(
            float(tokenizer.quantizer.current_temperature),
            16.0**-0.75,
            rtol=1e-5,
        )
    else:
        assert tokenizer.latent_dim == 4
        assert tokenizer.quantizer.use_ema
        np.testing.assert_allclose(
            tokenizer.quantizer.dead_code_threshold, 0.1 / 16
        )
    if model == "vqgan":
        assert tokenizer.discriminator_start == 1
        assert tokenizer.perceptual_loss is not None
        assert int(tokenizer.discriminator_optimizer.iterations) == 4
    # Originals over reconstructions (6 images, 8 a row: two rows), and no
    # sample grid: a tokenizer's uniform-token samples are noise.
    assert sorted(os.listdir(os.path.join(run, "reconstructions"))) == [
        "reconstructions_epoch_001.png",
        "reconstructions_epoch_002.png",
    ]
    grid = np.asarray(Image.open(os.path.join(run, "reconstructions.png")))
    assert grid.shape == (2 * (2 * 28 + 6), 2 * (8 * 28 + 18))
    assert not os.path.exists(os.path.join(run, "samples"))


def test_train_refuses_bad_tokenizer_arguments(tmp_path, capsys):
    base = ["train", "vqvae", "--output-dir", str(tmp_path / "run")]
    assert cli.main(base + ["--codebook-size", "1"]) == 2
    assert "--codebook-size must be >= 2; received 1" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        cli.main(base + ["--filters", "16,x"])
    assert "16,x" in capsys.readouterr().err
    assert cli.main(base + ["--ema", "0.999"]) == 2
    assert "--ema is supported for vae only" in capsys.readouterr().err
