import json

import pytest

from kerasgen import evaluation


def test_evaluate_a_gan_prints_fid_and_kid(kerasgen, tmp_path):
    output = tmp_path / "metrics.json"
    code, out, err = kerasgen(
        "evaluate", "dcgan_fashion_mnist", "--num-samples", "200",
        "--verbose", "0", "--output", output,
    )  # fmt: skip
    assert code == 0, err
    metrics = json.loads(out)
    assert json.load(open(output)) == metrics
    # The model's default_evaluation_metrics: FID and KID.
    assert metrics["fid"] > 0.0 and "kid" in metrics
    assert metrics["num_samples"] == 200
    assert "bits_per_dim" not in metrics


def test_evaluate_a_likelihood_model(kerasgen, tiny_vae_file):
    code, out, err = kerasgen(
        "evaluate", tiny_vae_file, "--metrics", "bits_per_dim",
        "--split", "test", "--batch-size", "2000", "--verbose", "0",
    )  # fmt: skip
    assert code == 0, err
    assert 0.0 < json.loads(out)["bits_per_dim"] < 9.0


@pytest.fixture
def toy_measurement():
    @evaluation.register_measurement(
        "toy_constant", kind="baseline", description="A constant."
    )
    def toy_constant(context):
        return {"toy_constant": 1.5}

    yield "toy_constant"
    evaluation.unregister_measurement("toy_constant")


def test_metrics_come_from_the_registry(
    kerasgen, tiny_vae_file, toy_measurement
):
    code, out, _ = kerasgen("evaluate", "--help")
    assert code == 0 and toy_measurement in out
    code, out, err = kerasgen(
        "evaluate",
        tiny_vae_file,
        "--metrics",
        toy_measurement,
        "--verbose",
        "0",
    )
    assert code == 0, err
    assert json.loads(out)["toy_constant"] == 1.5
    code, _, err = kerasgen("evaluate", tiny_vae_file, "--metrics", "lpips")
    assert code == 2 and toy_measurement in err and "(unknown: lpips)" in err
