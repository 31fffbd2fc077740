import doctest
import importlib
import json
import math
import os

import keras
import numpy as np
import pytest

from kerasgen import evaluation
from kerasgen.datasets import fashion_mnist
from kerasgen.metrics import FeatureExtractor
from kerasgen.metrics import FrechetDistance
from kerasgen.metrics import reference_statistics_path
from kerasgen.models.generative_model import GenerativeModel
from kerasgen.testing.tiny_models import tiny_gan
from kerasgen.testing.tiny_models import tiny_vae

NUM_REAL = 600


# ---- fixtures and stubs ---------------------------------------------------


@pytest.fixture(scope="module")
def fmnist():
    """600 Fashion-MNIST test images (uint8, with channel) and labels."""
    _, (images, labels) = fashion_mnist.load_data()
    return images[:NUM_REAL, ..., None], labels[:NUM_REAL].astype("int32")


@pytest.fixture(scope="module")
def classifier():
    return FeatureExtractor.fmnist_features()


def _tiny_extractor(name="tiny_features", num_classes=None, shape=(8, 8, 1)):
    inputs = keras.Input(shape)
    x = keras.layers.Flatten()(inputs)
    features = keras.layers.Dense(
        6, kernel_initializer=keras.initializers.Orthogonal(seed=1)
    )(x)
    outputs = features
    if num_classes is not None:
        logits = keras.layers.Dense(num_classes)(features)
        outputs = {"features": features, "logits": logits}
    return FeatureExtractor(keras.Model(inputs, outputs), name=name)


def _random_images(num_images, seed=0, high=256, shape=(8, 8, 1)):
    rng = np.random.default_rng(seed)
    return rng.integers(0, high, (num_images,) + shape).astype("uint8")


class FixedImages:
    """Stands in for a model: `generate` returns fixed images."""

    def __init__(self, images):
        self.images = images
        self.calls = []

    def generate(self, inputs=None, num_samples=None, seed=None, **kwargs):
        self.calls.append((inputs, num_samples, seed, kwargs))
        return self.images[:num_samples]


class ClassImages(GenerativeModel):
    """A conditional stub: `generate(labels)` returns real images.

    With `follow_labels=True` each sample is a real image of the requested
    class (a "perfect" conditional model); otherwise a real image of a
    random class.
    """

    def __init__(self, images, labels, follow_labels=True, **kwargs):
        super().__init__(**kwargs)
        self.pool_images = images
        self.pool_labels = labels
        self.follow_labels = follow_labels
        self.num_classes = 10
        self.image_shape = images.shape[1:]
        self.requested = []

    def generate(self, inputs=None, num_samples=None, seed=None, **kwargs):
        # NumPy all the way: the stub overrides generate, not generate_step.
        labels = np.asarray(inputs).reshape(-1)
        assert len(labels) == num_samples
        self.requested.append(labels)
        self.generate_kwargs = kwargs
        rng = np.random.default_rng(seed)
        if not self.follow_labels:
            labels = rng.integers(0, 10, len(labels))
        chosen = [
            rng.choice(np.flatnonzero(self.pool_labels == label))
            for label in labels
        ]
        return self.pool_images[chosen]


class QuantizeStub:
    """A tokenizer stub: token = pixel // 64, decoded to its bin's centre."""

    vocabulary_size = 4

    def __init__(self):
        self.tokenized = 0

    def tokenize(self, images):
        self.tokenized += len(images)
        return (np.asarray(images)[..., 0] // 64).astype("int32")

    def detokenize(self, token_ids):
        pixels = np.asarray(token_ids)[..., None] * 64.0 + 32.0
        return pixels / 127.5 - 1.0


# ---- registry -------------------------------------------------------------

EXPECTED = {
    "sample": {"fid", "kid", "is", "precision", "recall", "pr"},
    "reconstruction": {
        "mse",
        "psnr",
        "reconstruction_fid",
        "reconstruction_kid",
        "codebook_usage",
        "codebook_perplexity",
    },
    "likelihood": {"bits_per_dim", "evaluate"},
    "baseline": {
        "histogram_bits_per_dim",
        "real_fid",
        "real_kid",
        "classifier_accuracy",
    },
}


def test_registry_lists_every_measurement_with_a_description():
    listed = evaluation.list_measurements()
    expected = set().union(*EXPECTED.values()) | {"label_agreement"}
    assert expected <= set(listed)
    assert list(listed) == sorted(listed)
    for kind, names in EXPECTED.items():
        assert names <= set(evaluation.list_measurements(kind))
    for name, description in listed.items():
        assert len(description) > 20, name
        measurement = evaluation.get_measurement(name)
        assert measurement.name == name and measurement.keys
    assert evaluation.get_measurement("kid").keys == ("kid", "kid_std")
    assert evaluation.get_measurement("is").keys == (
        "inception_score",
        "inception_score_std",
    )
    assert "kid" in evaluation.measurements_help()


def test_register_a_measurement_and_refusals():
    @evaluation.register_measurement(
        "mean_pixel_test",
        kind="sample",
        description="Mean pixel of the generated samples.",
        requires=("generate",),
    )
    def mean_pixel(context):
        return {"mean_pixel_test": float(context.samples()[0].mean())}

    try:
        images = _random_images(20)
        results = evaluation.evaluate(
            FixedImages(images),
            dataset=images,
            metrics="mean_pixel_test",
            num_samples=20,
            verbose=0,
        )
        assert results["mean_pixel_test"] == pytest.approx(images.mean())
        with pytest.raises(ValueError, match="already a registered"):
            evaluation.register_measurement(
                "mean_pixel_test", kind="sample", description="Again."
            )
    finally:
        evaluation.unregister_measurement("mean_pixel_test")
    assert "mean_pixel_test" not in evaluation.list_measurements()
    with pytest.raises(ValueError, match="kind must be one of"):
        evaluation.register_measurement("x", kind="odd", description="x.")
    with pytest.raises(ValueError, match="requires must be one of"):
        evaluation.register_measurement(
            "x", kind="sample", description="x.", requires=("wings",)
        )


def test_unknown_metric_is_refused_with_the_valid_list():
    images = _random_images(20)
    with pytest.raises(ValueError, match="'fdi'") as info:
        evaluation.evaluate(
            FixedImages(images), dataset=images, metrics=["fid", "fdi"]
        )
    for name in ("fid", "kid", "bits_per_dim", "codebook_usage"):
        assert name in str(info.value)
    with pytest.raises(ValueError, match="at least one"):
        evaluation.evaluate(FixedImages(images), dataset=images, metrics="")


def test_inapplicable_metrics_name_measurement_and_model_class():
    gan = tiny_gan()
    images = _random_images(40)
    with pytest.raises(
        ValueError, match="'codebook_usage' does not apply to GAN"
    ):
        evaluation.evaluate(gan, dataset=images, metrics=["codebook_usage"])
    with pytest.raises(
        ValueError, match="'label_agreement' does not apply to GAN"
    ):
        evaluation.evaluate(gan, dataset=images, metrics=["label_agreement"])
    # A GAN's test_step raises NotImplementedError: found when it runs.
    with pytest.raises(
        ValueError, match="'bits_per_dim' does not apply to GAN"
    ):
        evaluation.evaluate(
            gan, dataset=images, metrics=["bits_per_dim"], verbose=0
        )
    with pytest.raises(
        ValueError, match="'fid' does not apply to QuantizeStub"
    ):
        evaluation.evaluate(QuantizeStub(), dataset=images, metrics=["fid"])
    with pytest.raises(ValueError, match="default_evaluation_metrics"):
        evaluation.evaluate(FixedImages(images), dataset=images)


def test_default_metrics_come_from_the_model():
    images = _random_images(64)
    model = FixedImages(images)
    model.default_evaluation_metrics = ("fid", "kid")
    results = evaluation.evaluate(
        model,
        dataset=images,
        feature_extractor=_tiny_extractor(),
        num_samples=32,
        seed=3,
        batch_size=16,
        verbose=0,
    )
    assert {"fid", "kid", "kid_std"} <= set(results)
    assert results["num_samples"] == 32
    assert results["feature_extractor"] == "tiny_features"
    assert len(model.calls) == 1
    assert model.calls[0][1:] == (32, 3, {"batch_size": 16, "verbose": 0})
    model.default_evaluation_metrics = "fid"  # a str, not a tuple
    with pytest.raises(ValueError, match="must be a tuple"):
        evaluation.evaluate(model, dataset=images)


def test_bad_arguments_are_refused_by_name():
    images = _random_images(20)
    model = FixedImages(images)
    for kwargs, match in (
        ({"num_samples": 1}, "num_samples must be an int >= 2; received 1"),
        ({"seed": -1}, "seed must be an int >= 0"),
        ({"batch_size": 0}, "batch_size must be an int >= 1"),
        ({"split": ""}, "split must be a non-empty str"),
        ({"dataset": 3}, "dataset must be a name"),
        ({"metrics": 3}, "metrics must be None, a comma-separated str"),
    ):
        kwargs = {"dataset": images, "metrics": ["fid"], **kwargs}
        with pytest.raises(ValueError, match=match):
            evaluation.evaluate(model, verbose=0, **kwargs)


# ---- sample measurements --------------------------------------------------


def test_sample_metrics_of_real_images_and_of_noise(fmnist, classifier):
    images, labels = fmnist
    real = FixedImages(images)
    names = ["fid", "kid", "is", "pr", "precision", "recall"]
    same = evaluation.evaluate(
        real,
        dataset=(images, labels),
        metrics=names,
        feature_extractor=classifier,
        num_samples=NUM_REAL,
        verbose=0,
    )
    assert len(real.calls) == 1  # one set of samples for every measurement
    assert same["fid"] == pytest.approx(0.0, abs=1e-6)
    assert abs(same["kid"]) < 0.01
    assert same["precision"] == same["recall"] == 1.0
    assert same["inception_score"] > 4.0  # ten classes, confidently
    assert same["feature_extractor"].startswith("fmnist_features_")
    assert same["reference"] == "in-memory arrays test split (600 images)"

    noise = _random_images(NUM_REAL, shape=(28, 28, 1))
    other = evaluation.evaluate(
        FixedImages(noise),
        dataset=images,
        metrics=names,
        feature_extractor=classifier,
        num_samples=NUM_REAL,
        verbose=0,
    )
    assert other["fid"] > 20.0
    assert other["kid"] > 0.5
    assert other["inception_score"] < 1.5  # one class for all of them
    assert other["recall"] < 0.05 and other["precision"] < 0.5


def test_label_agreement_of_perfect_and_random_conditional_models(
    fmnist, classifier
):
    images, labels = fmnist
    perfect = ClassImages(images, labels)
    results = evaluation.evaluate(
        perfect,
        dataset=(images, labels),
        metrics=["label_agreement", "classifier_accuracy", "fid"],
        feature_extractor=classifier,
        num_samples=500,
        verbose=0,
    )
    requested = np.concatenate(perfect.requested)
    # Class-balanced labels drawn from the split (a shuffled copy of them).
    np.testing.assert_array_equal(
        requested, np.random.default_rng(0).permutation(labels)[:500]
    )
    accuracy = results["classifier_accuracy"]
    assert 0.85 < accuracy < 0.99
    assert results["label_agreement"] == pytest.approx(accuracy, abs=0.05)
    assert len(results["label_agreement_per_class"]) == 10
    assert results["fid"] < 5.0

    random = ClassImages(images, labels, follow_labels=False)
    results = evaluation.evaluate(
        random,
        dataset=(images, labels),
        metrics=["label_agreement"],
        feature_extractor=classifier,
        num_samples=500,
        verbose=0,
    )
    assert results["label_agreement"] == pytest.approx(0.1, abs=0.05)


def test_generate_kwargs_reach_generate(fmnist, classifier):
    images, labels = fmnist
    model = ClassImages(images, labels)
    kwargs = dict(
        dataset=(images, labels),
        metrics=["label_agreement"],
        feature_extractor=classifier,
        num_samples=100,
        batch_size=50,
        verbose=0,
    )
    evaluation.evaluate(
        model, generate_kwargs={"guidance_scale": 3.0}, **kwargs
    )
    assert model.generate_kwargs == {
        "guidance_scale": 3.0,
        "batch_size": 50,
        "verbose": 0,
    }
    with pytest.raises(ValueError, match=r"cannot set \['seed'\]"):
        evaluation.evaluate(model, generate_kwargs={"seed": 1}, **kwargs)
    with pytest.raises(TypeError, match="generate_kwargs must be a dict"):
        evaluation.evaluate(model, generate_kwargs=[("a", 1)], **kwargs)


def test_tiny_gans_sample_metrics():
    images = _random_images(64)
    results = evaluation.evaluate(
        tiny_gan(),
        dataset=images,
        metrics=["fid", "kid", "pr"],
        feature_extractor=_tiny_extractor(),
        num_samples=48,
        verbose=0,
    )
    for key in ("fid", "kid", "kid_std", "precision", "recall"):
        assert isinstance(results[key], float) and math.isfinite(results[key])
    assert results["fid"] > 0.0

    conditional = tiny_gan(num_classes=3)
    labels = np.arange(64) % 3
    results = evaluation.evaluate(
        conditional,
        dataset=(images, labels),
        metrics=["label_agreement"],
        feature_extractor=_tiny_extractor("tiny_logits", num_classes=3),
        num_samples=30,
        verbose=0,
    )
    assert 0.0 <= results["label_agreement"] <= 1.0
    assert len(results["label_agreement_per_class"]) == 3
    with pytest.raises(ValueError, match="gives no class logits"):
        evaluation.evaluate(
            conditional,
            dataset=(images, labels),
            metrics=["label_agreement"],
            feature_extractor=_tiny_extractor(),
            num_samples=30,
            verbose=0,
        )


def test_reference_statistics_are_cached_per_dataset_and_split(tmp_path):
    extractor = _tiny_extractor("tiny_cache_test", shape=(28, 28, 1))
    model = FixedImages(_random_images(64, shape=(28, 28, 1)))
    first = evaluation.evaluate(
        model,
        metrics=["fid"],
        feature_extractor=extractor,
        num_samples=64,
        cache_dir=str(tmp_path),
        verbose=0,
    )
    path = reference_statistics_path(
        "fashion_mnist", "test", "tiny_cache_test", cache_dir=str(tmp_path)
    )
    assert os.path.isfile(path)
    assert first["reference"] == "fashion_mnist test split (10,000 images)"
    second = evaluation.evaluate(
        model,
        metrics=["fid"],
        feature_extractor=extractor,
        num_samples=64,
        cache_dir=str(tmp_path),
        verbose=0,
    )
    assert second["fid"] == pytest.approx(first["fid"], rel=1e-9)
    assert "reference" not in second  # the split was not read again


# ---- reconstruction measurements ------------------------------------------


def test_reconstruction_metrics_equal_hand_computed_values():
    images = _random_images(200, high=192)  # tokens 0..2 of 4
    model = QuantizeStub()
    extractor = _tiny_extractor()
    results = evaluation.evaluate(
        model,
        dataset=images,
        metrics=[
            "mse",
            "psnr",
            "codebook_usage",
            "codebook_perplexity",
            "reconstruction_fid",
        ],
        feature_extractor=extractor,
        batch_size=64,
        verbose=0,
    )
    assert model.tokenized == 200  # one reconstruction pass for all
    reconstructions = (images // 64) * 64 + 32
    mse = np.mean(((reconstructions - images.astype("float64")) / 255.0) ** 2)
    assert results["mse"] == pytest.approx(mse, rel=1e-12)
    assert results["psnr"] == pytest.approx(10 * np.log10(1 / mse), rel=1e-12)
    assert results["codebook_usage"] == 0.75
    shares = np.bincount((images // 64).ravel(), minlength=4) / images.size
    shares = shares[shares > 0]
    perplexity = np.exp(-np.sum(shares * np.log(shares)))
    assert results["codebook_perplexity"] == pytest.approx(perplexity)
    assert 2.9 < results["codebook_perplexity"] <= 3.0
    fid = FrechetDistance()
    fid.update_state(
        real_features=extractor.features(images),
        fake_features=extractor.features(reconstructions.astype("uint8")),
    )
    assert results["reconstruction_fid"] == pytest.approx(float(fid.result()))
    assert "num_samples" not in results  # no sample measurement ran


def test_tiny_vqvae_reconstruction_metrics():
    from kerasgen.models import VQVAE

    model = VQVAE(
        image_shape=(8, 8, 1),
        latent_dim=2,
        codebook_size=8,
        filters=(4, 8),
        num_groups=2,
        seed=0,
    )
    images = _random_images(128)
    results = evaluation.evaluate(
        model,
        dataset=images,
        metrics=["psnr", "mse", "codebook_usage", "codebook_perplexity"],
        verbose=0,
    )
    decoded = np.asarray(model.detokenize(model.tokenize(images)))
    reconstructions = np.round((np.clip(decoded, -1, 1) + 1) * 127.5)
    mse = np.mean(((reconstructions - images) / 255.0) ** 2)
    assert results["mse"] == pytest.approx(mse, rel=1e-6)
    assert results["psnr"] == pytest.approx(10 * np.log10(1 / mse), rel=1e-6)
    tokens = np.asarray(model.tokenize(images))
    assert results["codebook_usage"] == len(np.unique(tokens)) / 8
    assert 1.0 <= results["codebook_perplexity"] <= 8.0
    assert "feature_extractor" not in results  # none was loaded


# ---- likelihood and baselines ---------------------------------------------


def test_bits_per_dim_of_a_tiny_vae_is_its_evaluate_with_a_fixed_seed():
    model = tiny_vae()
    model.compile()
    images = _random_images(96)
    state = np.asarray(model.seed_generator.state.value).copy()
    results = evaluation.evaluate(
        model,
        dataset=images,
        metrics=["bits_per_dim", "evaluate"],
        batch_size=32,
        verbose=0,
    )
    # The model's seed generator is put back where it was.
    np.testing.assert_array_equal(model.seed_generator.state.value, state)
    model.seed_generator.state.assign(np.asarray([0, 0], state.dtype))
    expected = model.evaluate(
        images, batch_size=32, return_dict=True, verbose=0
    )
    assert results["bits_per_dim"] == pytest.approx(expected["bits_per_dim"])
    assert results["evaluate_kl_loss"] == pytest.approx(expected["kl_loss"])
    assert 4.0 < results["bits_per_dim"] < 20.0
    assert evaluation.evaluate(
        model,
        dataset=images,
        metrics=["bits_per_dim"],
        batch_size=32,
        seed=0,
        verbose=0,
    )["bits_per_dim"] == pytest.approx(results["bits_per_dim"], rel=1e-9)


def _loop_histogram_bits_per_dim(x_train, x_test):
    """applications/vae_fashion_mnist/make_bundle.py's original loop."""
    flat_train = x_train.reshape(len(x_train), -1)
    flat_test = x_test.reshape(len(x_test), -1)
    num_pixels = flat_train.shape[1]
    counts = np.zeros((num_pixels, 256), "float64")
    for pixel in range(num_pixels):
        counts[pixel] = np.bincount(flat_train[:, pixel], minlength=256)
    log_probs = np.log2((counts + 1.0) / (len(flat_train) + 256.0))
    nll = -log_probs[np.arange(num_pixels), flat_test].sum(axis=1)
    return float(nll.mean() / num_pixels)


def test_histogram_baseline_and_real_fid_read_the_train_split():
    train = _random_images(300, seed=1, high=64)
    test = _random_images(100, seed=2, high=64)
    dataset = {"train": train, "test": test}
    extractor = _tiny_extractor()
    results = evaluation.evaluate(
        tiny_gan(),
        dataset=dataset,
        metrics=["histogram_bits_per_dim", "real_fid", "real_kid"],
        feature_extractor=extractor,
        num_samples=100,
        verbose=0,
    )
    expected = _loop_histogram_bits_per_dim(train, test)
    assert results["histogram_bits_per_dim"] == pytest.approx(expected)
    # 64 values of 256, add-one smoothing: above log2(64) = 6 bits.
    assert 6.0 < results["histogram_bits_per_dim"] < 8.0
    rng = np.random.default_rng(0)
    chosen = train[rng.choice(300, 100, replace=False)]
    fid = FrechetDistance()
    fid.update_state(
        real_features=extractor.features(test),
        fake_features=extractor.features(chosen),
    )
    assert results["real_fid"] == pytest.approx(float(fid.result()))
    same = evaluation.evaluate(
        tiny_gan(),
        dataset={"train": test, "test": test},
        metrics=["real_fid"],
        feature_extractor=extractor,
        num_samples=100,
        verbose=0,
    )
    assert same["real_fid"] == pytest.approx(0.0, abs=1e-6)
    with pytest.raises(ValueError, match="also needs the 'train' split"):
        evaluation.evaluate(
            tiny_gan(), dataset=test, metrics=["real_fid"], verbose=0
        )


# ---- model cards and commands ---------------------------------------------


def test_metric_command_round_trip():
    command = evaluation.metric_command(
        "runs/my model",
        ["fid", "kid"],
        dataset="tfds:mnist",
        split="test[:50%]",
        feature_extractor="inception_v3",
        num_samples=2000,
        seed=7,
    )
    assert command.startswith("kerasgen evaluate 'runs/my model' --dataset ")
    model, kwargs = evaluation.parse_metric_command(command)
    assert model == "runs/my model"
    assert kwargs == {
        "dataset": "tfds:mnist",
        "split": "test[:50%]",
        "metrics": ["fid", "kid"],
        "feature_extractor": "inception_v3",
        "num_samples": 2000,
        "seed": 7,
        "batch_size": 256,
        "generate_kwargs": {},
    }
    default = evaluation.metric_command("vae_fashion_mnist", "bits_per_dim")
    assert default == (
        "kerasgen evaluate vae_fashion_mnist --dataset fashion_mnist --split "
        "test --metrics bits_per_dim --feature-extractor fmnist_features "
        "--num-samples 10000 --seed 0"
    )
    _, kwargs = evaluation.parse_metric_command(
        evaluation.metric_command("m", "mse", batch_size=500)
    )
    assert kwargs["batch_size"] == 500
    guided = evaluation.metric_command(
        "m", "fid", generate_kwargs={"guidance_scale": 3.0, "cache": False}
    )
    assert guided.endswith("--generate-kwargs cache=false,guidance_scale=3.0")
    _, kwargs = evaluation.parse_metric_command(guided)
    assert kwargs["generate_kwargs"] == {"guidance_scale": 3.0, "cache": False}
    assert evaluation.parse_generate_kwargs("temperature=0.9,mode=fast") == {
        "temperature": 0.9,
        "mode": "fast",
    }
    with pytest.raises(ValueError, match="key=value pairs"):
        evaluation.parse_generate_kwargs("guidance_scale")
    with pytest.raises(ValueError, match="must be a number"):
        evaluation.metric_command("m", "fid", generate_kwargs={"a": [1]})
    with pytest.raises(ValueError, match="'fdi'"):
        evaluation.metric_command("m", ["fdi"])
    with pytest.raises(ValueError, match="dataset must be a dataset name"):
        evaluation.metric_command("m", ["fid"], dataset=np.zeros((2, 8, 8)))
    with pytest.raises(ValueError, match="feature_extractor must be one of"):
        evaluation.metric_command("m", ["fid"], feature_extractor="vgg")
    with pytest.raises(ValueError, match="must start with 'kerasgen evaluate'"):
        evaluation.parse_metric_command("kerasgen train vae")


def _metadata():
    command = evaluation.metric_command("dcgan_fashion_mnist", ["fid", "kid"])
    floor = evaluation.metric_command("dcgan_fashion_mnist", ["real_fid"])
    return {
        "metrics": {"fid": 4.77, "kid": 0.0204, "real_fid": 0.07},
        "metric_commands": {"fid": command, "kid": command, "real_fid": floor},
    }


def test_render_metrics_table():
    metadata = _metadata()
    table = evaluation.render_metrics_table(
        metadata["metrics"], metadata["metric_commands"]
    )
    lines = table.splitlines()
    assert lines[0] == "| metric | value | command | what it measures |"
    assert lines[2].startswith("| fid | 4.77 | [1] | Frechet distance")
    assert lines[3].startswith("| kid | 0.0204 | [1] | Kernel distance")
    assert lines[4].startswith("| real_fid | 0.07 | [2] |")
    assert f"1. `{metadata['metric_commands']['fid']}`" in lines
    assert f"2. `{metadata['metric_commands']['real_fid']}`" in lines
    with pytest.raises(ValueError, match="metrics lacks: \\['psnr'\\]"):
        evaluation.render_metrics_table({"fid": 1.0}, {"psnr": "kerasgen x"})


def test_update_model_card_replaces_only_between_markers(tmp_path):
    path = tmp_path / "README.md"
    before = "# dcgan\n\nIntro.\n\n<!-- metrics:begin -->\n"
    after = "<!-- metrics:end -->\n\n## Limits\n\nText | with pipes.\n"
    path.write_text(before + "| old | table |\n" + after)
    metadata = _metadata()
    text = evaluation.update_model_card(str(path), metadata)
    assert text == path.read_text()
    assert text.startswith(before) and text.endswith(after)
    assert "old" not in text and "| fid | 4.77 |" in text
    assert evaluation.update_model_card(str(path), metadata) == text

    bare = tmp_path / "bare.md"
    bare.write_text("# vae\n\nNo table yet.")
    text = evaluation.update_model_card(str(bare), metadata)
    assert text.startswith("# vae\n\nNo table yet.\n\n## Metrics\n\n")
    assert text.endswith("<!-- metrics:end -->\n")
    assert text.count("<!-- metrics:begin -->") == 1
    assert evaluation.update_model_card(str(bare), metadata) == text

    broken = tmp_path / "broken.md"
    broken.write_text("<!-- metrics:end -->\n<!-- metrics:begin -->\n")
    with pytest.raises(ValueError, match="must hold one"):
        evaluation.update_model_card(str(broken), metadata)
    with pytest.raises(ValueError, match="readme_path must be an existing"):
        evaluation.update_model_card(str(tmp_path / "none.md"), metadata)
    with pytest.raises(ValueError, match="metadata must be a dict with"):
        evaluation.update_model_card(str(path), {"metric": {}})


def test_docstring_examples():
    for name in ("baseline_measurements", "measurement", "metric_command"):
        module = importlib.import_module(f"kerasgen.evaluation.{name}")
        failures, _ = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
        assert failures == 0, module.__name__
    module = importlib.import_module("kerasgen.evaluation.model_card")
    assert doctest.testmod(module).failed == 0


@pytest.mark.large
def test_bundle_metrics_are_re_measured_exactly_by_their_commands():
    """What a bundle stores is what its stored command measures again."""
    from kerasgen import applications
    from kerasgen.utils import preset_utils

    name = "dvae_fashion_mnist"
    with open(
        os.path.join(preset_utils.resolve_preset(name), "metadata.json")
    ) as f:
        metadata = json.load(f)
    names = ["mse", "psnr", "codebook_usage", "codebook_perplexity"]
    parsed = [
        evaluation.parse_metric_command(metadata["metric_commands"][key])
        for key in names
    ]
    # The commands differ in --metrics only: one evaluation runs them all
    # (each measurement is deterministic and shares the reconstructions).
    settings = [
        (model, {k: v for k, v in kwargs.items() if k != "metrics"})
        for model, kwargs in parsed
    ]
    assert all(setting == settings[0] for setting in settings)
    model, kwargs = settings[0]
    metrics = sorted({m for _, kw in parsed for m in kw["metrics"]})
    results = evaluation.evaluate(
        applications.load(model), metrics=metrics, verbose=0, **kwargs
    )
    # Equal up to float32 summation order (the thread split of a busy
    # machine changed the 9th digit of mse once).
    for key in names:
        assert results[key] == pytest.approx(
            metadata["metrics"][key], rel=1e-6
        ), key


class CaptionOracle:
    """Stands in for a caption model that knows the split: `generate`
    returns the split image whose caption is the prompt, `caption` the
    split caption of each image (or, with `honest=False`, of another)."""

    def __init__(self, images, labels, honest=True):
        from kerasgen.datasets import fashion_mnist_captions

        self.images = images
        self.honest = honest
        texts = fashion_mnist_captions.captions(images, labels)
        self.by_caption = {}
        for image, label in zip(images, labels):
            for template in range(3):
                text = fashion_mnist_captions.captions(
                    image[None], np.array([label]), [template]
                )[0]
                self.by_caption.setdefault(text, image)
        self.by_image = {image.tobytes(): t for image, t in zip(images, texts)}

    def generate(self, prompts, seed=None, **kwargs):
        if not self.honest:
            return self.images[: len(prompts)]
        return np.stack([self.by_caption[p] for p in prompts])

    def caption(self, images, seed=None):
        texts = [self.by_image[image.tobytes()] for image in images]
        return texts if self.honest else texts[1:] + texts[:1]


def test_caption_measurements_of_an_oracle_and_a_liar(fmnist, classifier):
    images, labels = fmnist
    kwargs = dict(
        dataset=(images, labels),
        metrics=["text_to_image", "image_to_text"],
        feature_extractor=classifier,
        num_samples=300,
        verbose=0,
    )
    oracle = evaluation.evaluate(CaptionOracle(images, labels), **kwargs)
    # The classifier's accuracy bounds the label agreement; a caption names
    # exactly the class and brightness of its image.
    assert 0.85 < oracle["text_to_image_label_agreement"] < 0.99
    assert oracle["text_to_image_brightness_agreement"] > 0.95
    assert oracle["caption_label_accuracy"] == 1.0
    assert oracle["caption_brightness_accuracy"] == 1.0
    liar = evaluation.evaluate(CaptionOracle(images, labels, False), **kwargs)
    assert liar["text_to_image_label_agreement"] < 0.3
    assert liar["caption_label_accuracy"] < 0.3


class CaptionScorer:
    """Records the captions it is asked to score; a 'perplexity' that
    says how many of them name their image's class."""

    def __init__(self, images, labels):
        self.label_of = {}
        from kerasgen.datasets import fashion_mnist_captions

        for image, label in zip(images, labels):
            self.label_of.setdefault(image.tobytes(), label)
        self.parse = fashion_mnist_captions.parse_caption
        self.seen = []

    def caption_perplexity(self, captions, text_only=False):
        self.seen.append((list(captions), text_only))
        return float(len(captions)) + (0.5 if text_only else 0.0)


def test_caption_perplexity_scores_the_split_captions(fmnist, classifier):
    images, labels = fmnist
    model = CaptionScorer(images, labels)
    result = evaluation.evaluate(
        model,
        dataset=(images, labels),
        metrics=["caption_perplexity"],
        feature_extractor=classifier,
        num_samples=200,
        verbose=0,
    )
    assert result["caption_perplexity"] == 200.0
    assert result["caption_perplexity_text_only"] == 200.5
    (full, full_flag), (text, text_flag) = model.seen
    assert full == text and (full_flag, text_flag) == (False, True)
    # The captions of the split's images: every class word parses.
    parsed = [model.parse(t)["label"] for t in full]
    assert None not in parsed and len(set(parsed)) == 10
