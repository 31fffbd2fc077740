import json
import os

import pytest


@pytest.mark.large
def test_ddpm_tutorial_smoke_run(tmp_path, run_example):
    output = run_example("ddpm.py")
    assert "bits/dim" in output and "SNR at t" in output
    for name in (
        "forward_process.png",
        "own_ddpm.png",
        "own_ddim.png",
        "own_dpm_solver.png",
        "trajectory_dpm_solver.png",
        "trajectory_ddpm.png",
        "pretrained.png",
        "ddpm.keras",
        os.path.join("samples", "samples_epoch_001.png"),
    ):
        assert os.path.getsize(tmp_path / name) > 0, name


@pytest.mark.large
def test_diffusion_samplers_tutorial_smoke_run(tmp_path, run_example):
    run_example("diffusion_samplers.py")
    with open(tmp_path / "fid_by_steps.json") as f:
        results = json.load(f)["results"]
    assert {r["scheduler"] for r in results} == {
        "ddpm",
        "ddim",
        "dpm_solver",
        "euler",
        "heun",
    }
    assert all(r["fid"] > 0 and r["seconds_per_image"] > 0 for r in results)
    for name in ("fid_by_steps.png", "same_noise.png"):
        assert os.path.getsize(tmp_path / name) > 0, name


@pytest.mark.large
def test_guidance_tutorial_smoke_run(tmp_path, run_example):
    output = run_example("guidance.py")
    assert "classifier accuracy at t" in output
    with open(tmp_path / "classifier_guidance.json") as f:
        results = json.load(f)["results"]
    assert [r["classifier_scale"] for r in results] == [2.0]
    assert 0.0 <= results[0]["label_agreement"] <= 1.0
    for name in ("classes_scale_0.png", "classes_scale_2.png"):
        assert os.path.getsize(tmp_path / name) > 0, name
