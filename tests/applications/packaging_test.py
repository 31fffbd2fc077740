"""The bundles ship inside the wheel, so from_preset works when installed."""

import os
import subprocess
import sys
import zipfile

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(__file__)))


@pytest.mark.large
def test_wheel_contains_the_bundles(tmp_path):
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            ROOT,
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(tmp_path),
        ],
        check=True,
        capture_output=True,
        cwd=str(tmp_path),
    )
    (wheel,) = [p for p in os.listdir(tmp_path) if p.endswith(".whl")]
    names = set(zipfile.ZipFile(tmp_path / wheel).namelist())
    bundles = [
        name
        for name in os.listdir(os.path.join(ROOT, "applications"))
        if os.path.isfile(
            os.path.join(ROOT, "applications", name, "config.json")
        )
    ]
    assert len(bundles) >= 4, bundles
    for bundle in bundles:
        for name in (
            "config.json",
            "model.weights.h5",
            "metadata.json",
            "README.md",
        ):
            path = f"kerasgen/applications/bundles/{bundle}/{name}"
            assert path in names, path
    assert any(n.endswith("entry_points.txt") for n in names)
