"""The bundles ship inside the wheel, so from_preset works when installed."""

import json
import os
import subprocess
import sys
import sysconfig
import textwrap
import zipfile

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(__file__)))

# Run in the fresh venv from an unrelated directory: prints where kerasgen
# was imported from and whether two generate calls with one seed agree.
_FROM_PRESET = textwrap.dedent(
    """
    import json, numpy as np, kerasgen
    from kerasgen.models import VAE
    vae = VAE.from_preset("vae_fashion_mnist")
    a = vae.generate(num_samples=16, seed=0)
    b = vae.generate(num_samples=16, seed=0)
    print(json.dumps({
        "file": kerasgen.__file__,
        "shape": list(a.shape),
        "dtype": str(a.dtype),
        "same": bool(np.array_equal(a, b)),
        "std": float(a.std()),
        "applications": sorted(kerasgen.applications.list_applications()),
    }))
    """
)


def _build_wheel(directory):
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", ROOT, "--no-deps"]
        + ["--no-build-isolation", "-q", "-w", str(directory)],
        check=True,
        capture_output=True,
        cwd=str(directory),
    )
    (wheel,) = [p for p in os.listdir(directory) if p.endswith(".whl")]
    return directory / wheel


def _bundle_names():
    return [
        name
        for name in os.listdir(os.path.join(ROOT, "applications"))
        if os.path.isfile(
            os.path.join(ROOT, "applications", name, "config.json")
        )
    ]


def _bundle_files():
    """Paths below applications/ of the files git tracks in bundles."""
    root = os.path.join(ROOT, "applications")
    listed = subprocess.run(
        ["git", "ls-files", "."], cwd=root, capture_output=True, text=True
    )
    if listed.returncode == 0 and listed.stdout.strip():
        paths = listed.stdout.split()
    else:  # not a git checkout: every file on disk
        paths = [
            os.path.relpath(os.path.join(folder, name), root)
            for folder, _, files in os.walk(root)
            for name in files
        ]
    return [p for p in paths if os.sep in p and "__pycache__" not in p]


@pytest.mark.large
def test_wheel_installed_in_a_new_venv_loads_presets(tmp_path):
    wheel = _build_wheel(tmp_path)
    names = set(zipfile.ZipFile(wheel).namelist())
    bundles = _bundle_names()
    assert len(bundles) >= 4, bundles
    for bundle in bundles:
        for name in ("config.json", "model.weights.h5", "metadata.json"):
            path = f"kerasgen/applications/bundles/{bundle}/{name}"
            assert path in names, path
        assert f"kerasgen/applications/bundles/{bundle}/README.md" in names
    # Every file of every bundle (assets/ included) but its Python scripts.
    for path in _bundle_files():
        if not path.endswith(".py"):
            wheel_path = f"kerasgen/applications/bundles/{path}"
            assert wheel_path in names, wheel_path
    assert any(n.endswith("entry_points.txt") for n in names)

    # A new venv gets the wheel itself; its dependencies (TensorFlow, Keras)
    # come from this test's environment through a path-only .pth file, which
    # does not run the editable install's hook, so the checkout is not used.
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    python = str(venv / "bin" / "python")
    purelib = "import sysconfig; print(sysconfig.get_paths()['purelib'])"
    site = subprocess.run(
        [python, "-c", purelib],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    with open(os.path.join(site, "deps.pth"), "w") as f:
        f.write(sysconfig.get_paths()["purelib"] + "\n")
    subprocess.run(
        [python, "-m", "pip", "install", "-q", "--no-deps", "--no-index"]
        + [str(wheel)],
        check=True,
        capture_output=True,
    )
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = dict(os.environ, PYTHONPATH="")
    result = subprocess.run(
        [python, "-c", _FROM_PRESET],
        check=True,
        capture_output=True,
        text=True,
        cwd=str(elsewhere),
        env=env,
    )
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["file"].startswith(str(venv)), report["file"]
    assert report["shape"] == [16, 28, 28, 1]
    assert report["dtype"] == "uint8"
    assert report["same"]
    assert report["std"] > 10.0  # real images, not a constant
    assert set(bundles) <= set(report["applications"])
    listing = subprocess.run(
        [str(venv / "bin" / "kerasgen"), "list"],
        check=True,
        capture_output=True,
        text=True,
        cwd=str(elsewhere),
        env=env,
    ).stdout
    assert "vae_fashion_mnist" in listing
