import json
import os

import numpy as np
from PIL import Image

from kerasgen import evaluation
from kerasgen.utils import preset_utils

FLAGS = (
    "--metrics",
    "bits_per_dim,fid",
    "--num-samples",
    "200",
    "--verbose",
    "0",
)


def test_bundle_a_run_then_rebundle_it(kerasgen, tmp_path, tiny_vae_file):
    import kerasgen as kg

    bundle = tmp_path / "tiny_bundle"
    code, out, err = kerasgen(
        "bundle", tiny_vae_file, bundle, *FLAGS, "--license", "MIT",
        "--description", "A tiny test VAE.", "--preview-images", "16",
    )  # fmt: skip
    assert code == 0, err
    for name in ("config.json", "model.weights.h5", "metadata.json",
                 "README.md", "preview.png"):  # fmt: skip
        assert (bundle / name).is_file(), name
    metadata = json.load(open(bundle / "metadata.json"))
    weights_sha256 = preset_utils.sha256_file(bundle / "model.weights.h5")
    # Metrics were added without touching the weights: the sha256 holds.
    assert metadata["weights_sha256"] == weights_sha256
    preset_utils.verify_weights(str(bundle))
    assert metadata["license"] == "MIT"
    assert metadata["description"] == "A tiny test VAE."
    assert metadata["include_training_only"] is False
    metrics, commands = metadata["metrics"], metadata["metric_commands"]
    assert json.loads(out.split("Wrote the bundle")[0]) == metrics
    assert 0.0 < metrics["bits_per_dim"] < 9.0 and metrics["fid"] > 0.0
    assert set(commands) == {"bits_per_dim", "fid"}
    # Each command re-measures its number: same model, flags and metric.
    for key, command in commands.items():
        preset, kwargs = evaluation.parse_metric_command(command)
        assert preset == str(bundle)
        assert kwargs["metrics"] == [key] and kwargs["num_samples"] == 200
        assert (
            kwargs["dataset"] == "fashion_mnist" and kwargs["split"] == "test"
        )
    model = kg.models.VAE.from_preset(str(bundle))
    remeasured = evaluation.evaluate(model, verbose=0, **kwargs)
    np.testing.assert_allclose(remeasured["fid"], metrics["fid"], rtol=1e-5)
    # The preview is the model's own preview grid.
    grid = np.asarray(Image.open(bundle / "preview.png"))
    assert grid.shape == (2 * (4 * 28 + 5 * 2), 2 * (4 * 28 + 5 * 2))
    card = open(bundle / "README.md").read()
    table = card.split("<!-- metrics:begin -->")[1].split(
        "<!-- metrics:end -->"
    )[0]
    assert "| bits_per_dim |" in table and "| fid |" in table
    assert commands["fid"] in table

    # Re-bundle from the bundle itself: same weights, kept metadata, the
    # card's own text kept around the regenerated table.
    with open(bundle / "README.md", "a") as f:
        f.write("\nHand-written limits section.\n")
    code, _, err = kerasgen(
        "bundle", bundle, bundle, "--metrics", "bits_per_dim", "--verbose", "0"
    )
    assert code == 0, err
    again = json.load(open(bundle / "metadata.json"))
    assert again["weights_sha256"] == weights_sha256
    assert (
        preset_utils.sha256_file(bundle / "model.weights.h5") == weights_sha256
    )
    assert (
        again["license"] == "MIT"
        and again["description"] == metadata["description"]
    )
    assert set(again["metric_commands"]) == {"bits_per_dim"}
    assert "fid" not in again["metrics"]
    np.testing.assert_allclose(
        again["metrics"]["bits_per_dim"], metrics["bits_per_dim"], rtol=1e-6
    )
    card = open(bundle / "README.md").read()
    assert "Hand-written limits section." in card
    assert card.count("<!-- metrics:begin -->") == 1 and "| fid |" not in card
    assert os.path.isfile(bundle / "preview.png")


def test_bundle_with_generate_kwargs_guides_samples_and_preview(
    kerasgen, tmp_path
):
    import kerasgen as kg

    model = kg.models.GatedPixelCNN(
        num_classes=10, label_dropout=0.1, filters=6, num_layers=3,
        kernel_size=3, first_kernel_size=3, output_filters=6, seed=0,
    )  # fmt: skip
    # Non-zero class biases, so that guidance changes the samples.
    embeddings = model.network.label_embedding.embeddings
    embeddings.assign(np.random.default_rng(0).normal(size=embeddings.shape))
    source = tmp_path / "tiny_gated.keras"
    model.save(source)
    bundle = tmp_path / "guided"
    code, _, err = kerasgen(
        "bundle", source, bundle, "--metrics", "bits_per_dim,label_agreement",
        "--num-samples", "20", "--preview-images", "4", "--verbose", "0",
        "--generate-kwargs", "guidance_scale=3",
    )  # fmt: skip
    assert code == 0, err
    commands = json.load(open(bundle / "metadata.json"))["metric_commands"]
    # Generation options go with the sample measurements only.
    assert commands["label_agreement"].endswith(
        "--generate-kwargs guidance_scale=3"
    )
    assert "--generate-kwargs" not in commands["bits_per_dim"]
    _, kwargs = evaluation.parse_metric_command(commands["label_agreement"])
    assert kwargs["generate_kwargs"] == {"guidance_scale": 3}
    # The preview grid is guided too.
    guided = model.preview_images(4, seed=0, guidance_scale=3)
    plain = model.preview_images(4, seed=0)
    assert not np.array_equal(guided, plain)
    kg.utils.save_image_grid(guided, tmp_path / "expected.png", scale=2)
    np.testing.assert_array_equal(
        np.asarray(Image.open(bundle / "preview.png")),
        np.asarray(Image.open(tmp_path / "expected.png")),
    )
