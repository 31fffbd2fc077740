"""Every error of every command: one line on stderr, exit status 2."""

import pytest

from tests.cli.conftest import run_command_line

BAD_COMMANDS = [
    ((), "the following arguments are required: COMMAND"),
    (("no_such_command",), "invalid choice: 'no_such_command'"),
    (("list", "--verbose"), "unrecognized arguments: --verbose"),
    (("train",), "required: MODEL"),
    (
        ("train", "no_such_model", "--output-dir", "{tmp}/run"),
        "'no_such_model'",
    ),
    (("train", "vae"), "required: --output-dir"),
    (
        (
            "train",
            "vae",
            "--discriminator-start",
            "5",
            "--output-dir",
            "{tmp}/run",
        ),
        "kerasgen train vae: error: unrecognized arguments: "
        "--discriminator-start 5",
    ),
    (
        ("train", "vqvae", "--ema", "0.999", "--output-dir", "{tmp}/run"),
        "unrecognized arguments: --ema 0.999",
    ),
    (
        (
            "train",
            "gan",
            "--validation-split",
            "test",
            "--output-dir",
            "{tmp}/run",
        ),
        "unrecognized arguments: --validation-split test",
    ),
    (
        ("train", "vae", "--epochs", "0", "--output-dir", "{tmp}/run"),
        "--epochs must be an int >= 1; received 0",
    ),
    (
        ("train", "vae", "--ema", "1.5", "--output-dir", "{tmp}/run"),
        "--ema must be a finite number >= 0.0 and < 1.0; received 1.5",
    ),
    (
        ("train", "vqvae", "--filters", "16,x", "--output-dir", "{tmp}/run"),
        "argument --filters: expected comma-separated positive integers",
    ),
    (
        ("train", "vqvae", "--codebook-size", "1", "--output-dir", "{tmp}/run"),
        "--codebook-size must be an int >= 2; received 1",
    ),
    (
        ("train", "vae", "--learning-rate", "0", "--output-dir", "{tmp}/run"),
        "--learning-rate must be a finite number > 0.0",
    ),
    (
        ("train", "vae", "--coordinator", "h:1", "--output-dir", "{tmp}/run"),
        "--coordinator is for --distribute data_parallel",
    ),
    (
        ("train", "vae", "--distribute", "gpus", "--output-dir", "{tmp}/run"),
        "expected one of none, mirrored, tpu, data_parallel",
    ),
    (("generate",), "required: model"),
    (("generate", "no_such_model"), "Available presets"),
    (("generate", "{tmp}/missing.keras"), "does not exist"),
    (("generate", "fmnist_features"), "does not generate images"),
    (("generate", "vae_fashion_mnist", "--num-samples", "0"), "--num-samples"),
    (
        ("generate", "vae_fashion_mnist", "--labels", "1"),
        "--labels needs a class-conditional",
    ),
    (
        ("generate", "cgan_fashion_mnist", "--labels", "1,x"),
        "--labels must be comma-separated",
    ),
    (
        ("generate", "cgan_fashion_mnist", "--labels", "2,10"),
        "--labels must lie in [0, 10)",
    ),
    (
        ("generate", "vae_fashion_mnist", "--generate-kwargs", "scale"),
        "--generate-kwargs must be comma-separated key=value pairs",
    ),
    (
        (
            "generate",
            "pixelcnn_fashion_mnist",
            "--num-samples",
            "1",
            "--generate-kwargs",
            "guidance_scale=2",
        ),  # fmt: skip
        "guidance_scale needs a PixelCNN trained with label_dropout > 0",
    ),
    (
        ("evaluate", "vae_fashion_mnist", "--generate-kwargs", "a=1,b"),
        "--generate-kwargs must be comma-separated key=value pairs",
    ),
    (("evaluate", "{tmp}/missing.keras"), "does not exist"),
    (
        ("evaluate", "vae_fashion_mnist", "--metrics", "fid,lpips"),
        "(unknown: lpips)",
    ),
    (
        ("evaluate", "vae_fashion_mnist", "--num-samples", "1"),
        "--num-samples must be an int >= 2",
    ),
    (
        ("evaluate", "dcgan_fashion_mnist", "--metrics", "bits_per_dim"),
        "measurement 'bits_per_dim' does not apply to GAN",
    ),
    (("bundle", "{tmp}/missing.keras"), "required: bundle_dir"),
    (("bundle", "{tmp}/missing.keras", "{tmp}/out"), "does not exist"),
    (
        ("bundle", "vae_fashion_mnist", "{tmp}/out", "--preview-images", "0"),
        "--preview-images must be an int >= 1; received 0",
    ),
    (
        ("bundle", "vae_fashion_mnist", "{tmp}/out", "--preview", "a/b.png"),
        "--preview must be a .png file name",
    ),
]


@pytest.mark.parametrize("argv, message", BAD_COMMANDS)
def test_errors_are_one_line_and_exit_2(kerasgen, tmp_path, argv, message):
    argv = [arg.replace("{tmp}", str(tmp_path)) for arg in argv]
    code, out, err = kerasgen(*argv)
    assert code == 2, (argv, out, err)
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("kerasgen") and ": error: " in lines[0]
    assert message in lines[0]
    assert "Traceback" not in err + out
    # A refused command writes nothing.
    assert not (tmp_path / "out").exists()
    assert not (tmp_path / "run").exists()


def test_multi_worker_mirrored_names_the_keras_issue(kerasgen, tmp_path):
    for kind in ("multi_worker_mirrored", "MultiWorkerMirrored"):
        code, _, err = kerasgen(
            "train", "vae", "--distribute", kind, "--output-dir", tmp_path
        )
        assert code == 2 and len(err.strip().splitlines()) == 1
        assert "keras-team/keras#20585" in err
        assert "KERAS_BACKEND=jax kerasgen train" in err
        assert "--distribute data_parallel" in err


def test_a_real_process_prints_no_traceback(tmp_path):
    result = run_command_line(
        "train", "vae", "--epochs", "0", "--output-dir", tmp_path / "run"
    )
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "kerasgen train: error: --epochs must be an int >= 1; received 0"
    ]
    assert not (tmp_path / "run").exists()


def test_help_exits_0(kerasgen):
    code, out, err = kerasgen("train", "vae", "--help")
    assert code == 0 and "usage: kerasgen train vae" in out and not err


def test_an_unexpected_error_is_one_line_too(kerasgen, monkeypatch):
    from kerasgen.cli import list as list_command

    def fail(args):
        raise RuntimeError("something\nbroke")

    monkeypatch.setattr(list_command, "run", fail)
    code, _, err = kerasgen("list")
    assert code == 2
    assert err.strip().splitlines() == [
        "kerasgen list: error: RuntimeError: something broke (set "
        "KERASGEN_TRACEBACK=1 to see the traceback)"
    ]
    monkeypatch.setenv("KERASGEN_TRACEBACK", "1")
    with pytest.raises(RuntimeError, match="something"):
        kerasgen("list")


def test_every_option_of_every_command_has_help(kerasgen):
    from kerasgen.cli import COMMANDS
    from kerasgen.cli import build_parser

    commands = build_parser()._subparsers._group_actions[0].choices
    for name in COMMANDS:
        code, out, _ = (
            kerasgen(name, "--help") if name != "train" else (0, "", "")
        )
        assert code == 0
        for action in commands[name]._actions:
            for flag in action.option_strings:
                assert flag in out or name == "train"
            if action.option_strings and action.dest != "help":
                assert action.help, f"{name} {action.option_strings}"
