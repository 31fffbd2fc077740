import os
import re

from kerasgen import recipes
from tests.cli.conftest import run_command_line

TF_LOG_LINE = re.compile(r"^[IWEF]\d{4} |absl::InitializeLog|oneDNN|cuda")


def test_list_shows_recipes_and_applications(kerasgen):
    code, out, err = kerasgen("list")
    assert code == 0 and not err
    models, applications = out.split("Pretrained applications")
    for name, summary in recipes.list_recipes().items():
        assert re.search(rf"^  {name} +{re.escape(summary)}$", models, re.M)
    generative, other = applications.split("Other pretrained networks")
    assert re.search(
        r"^  vae_fashion_mnist +VAE +bits_per_dim=3\.\d+$", generative, re.M
    )
    assert re.search(r"^  dcgan_fashion_mnist +GAN +fid=\d", generative, re.M)
    # The feature network is listed, but not among the models that generate.
    assert "fmnist_features" in other and "fmnist_features" not in generative


def test_list_prints_no_tensorflow_logs():
    result = run_command_line("list")
    assert result.returncode == 0, result.stderr
    assert "Trainable models" in result.stdout
    logs = [
        line
        for line in (result.stdout + result.stderr).splitlines()
        if TF_LOG_LINE.search(line)
    ]
    assert logs == []


def test_a_users_log_level_is_kept(monkeypatch):
    import sys

    from kerasgen.cli import startup

    monkeypatch.setenv("TF_CPP_MIN_LOG_LEVEL", "0")
    monkeypatch.delitem(sys.modules, "tensorflow")  # as if not loaded yet
    startup.silence_tensorflow()
    assert os.environ["TF_CPP_MIN_LOG_LEVEL"] == "0"
    assert "tensorflow" not in sys.modules  # nothing was imported


def test_only_the_command_line_is_quieted(monkeypatch):
    import sys

    from kerasgen.cli import startup

    monkeypatch.setattr(sys, "argv", ["/venv/bin/kerasgen", "list"])
    assert startup.is_command_line()
    monkeypatch.setattr(sys, "argv", ["-m"])
    monkeypatch.setattr(sys, "orig_argv", ["python", "-m", "kerasgen.cli"])
    assert startup.is_command_line()
    monkeypatch.setattr(sys, "argv", ["train.py"])
    monkeypatch.setattr(sys, "orig_argv", ["python", "train.py"])
    assert not startup.is_command_line()
