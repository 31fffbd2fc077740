"""Measures a trained image tokenizer and writes it as a bundle.

Usage (from the repository root):
    .venv/bin/python applications/tokenizer_bundle.py RUN/model.keras \
        BUNDLE_DIR [--compare NAME=OTHER_RUN/model.keras]

On the 10,000 Fashion-MNIST test images, each tokenized and detokenized
(`detokenize(tokenize(x))`, the model's own reconstruction):

- `test_mse`: mean squared error with pixels in `[0, 1]`, of the uint8
  reconstructions; `test_psnr`: `10 log10(1 / test_mse)` dB;
- `reconstruction_fid` / `reconstruction_kid`: the reconstructions against
  the test images in the `fmnist_features` space (the floor, 10,000 real
  training images against the test images, is `fid_real_train_10k`);
- `codebook_usage`: the fraction of the vocabulary that occurs in the test
  split's token grids; `codebook_perplexity`: `exp` of the entropy of the
  token histogram (the vocabulary size if all codes were equally used).

`--compare NAME=PATH` measures another run the same way and stores its
numbers as `NAME_<metric>` (the VQ-VAE without dead-code restarts).
Writes the preset, `reconstructions.png` (test images in odd rows, their
reconstructions below) and prints the metrics as JSON.
"""

import argparse
import json
import os

os.environ.setdefault("KERAS_BACKEND", "tensorflow")

import keras  # noqa: E402
import numpy as np  # noqa: E402

import kerasgen  # noqa: E402
from kerasgen.datasets import fashion_mnist  # noqa: E402
from kerasgen.metrics import FeatureExtractor  # noqa: E402
from kerasgen.metrics import FrechetDistance  # noqa: E402
from kerasgen.metrics import KernelInceptionDistance  # noqa: E402

BATCH_SIZE = 500


def reconstruct(model, images):
    """uint8 reconstructions and the token ids, in batches."""
    tokens, reconstructions = [], []
    for start in range(0, len(images), BATCH_SIZE):
        ids = np.asarray(model.tokenize(images[start : start + BATCH_SIZE]))
        tokens.append(ids)
        reconstructions.append(
            kerasgen.utils.float_to_uint8(np.asarray(model.detokenize(ids)))
        )
    return np.concatenate(reconstructions), np.concatenate(tokens)


def measure(model, x_test, extractor, test_features):
    reconstructions, tokens = reconstruct(model, x_test)
    error = (reconstructions.astype("float64") - x_test) / 255.0
    mse = float(np.mean(error**2))
    features = extractor.features(reconstructions)
    fid = FrechetDistance()
    fid.update_state(real_features=test_features, fake_features=features)
    kid = KernelInceptionDistance(subset_size=1000, num_subsets=100)
    kid.update_state(real_features=test_features, fake_features=features)
    counts = np.bincount(tokens.ravel(), minlength=model.vocabulary_size)
    share = counts / counts.sum()
    nonzero = share[share > 0]
    metrics = {
        "test_mse": round(mse, 5),
        "test_psnr": round(10 * np.log10(1.0 / mse), 2),
        "reconstruction_fid": round(float(fid.result()), 2),
        "reconstruction_kid": round(float(kid.result()), 4),
        "codebook_usage": round(float(np.mean(counts > 0)), 4),
        "codebook_perplexity": round(
            float(np.exp(-np.sum(nonzero * np.log(nonzero)))), 1
        ),
    }
    return metrics, reconstructions


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("model")
    parser.add_argument("bundle_dir")
    parser.add_argument("--compare", action="append", default=[])
    args = parser.parse_args()

    model = keras.saving.load_model(args.model)
    (x_train, _), (x_test, _) = fashion_mnist.load_data()
    x_train, x_test = x_train[..., None], x_test[..., None]
    extractor = FeatureExtractor.fmnist_features()
    test_features = extractor.features(x_test)
    metrics, reconstructions = measure(model, x_test, extractor, test_features)

    rng = np.random.default_rng(0)
    real = x_train[rng.choice(len(x_train), len(x_test), replace=False)]
    fid = FrechetDistance()
    fid.update_state(
        real_features=test_features, fake_features=extractor.features(real)
    )
    metrics["fid_real_train_10k"] = round(float(fid.result()), 2)
    for item in args.compare:
        name, path = item.split("=", 1)
        other, _ = measure(
            keras.saving.load_model(path), x_test, extractor, test_features
        )
        metrics.update({f"{name}_{key}": value for key, value in other.items()})
    metrics.update(
        {
            "token_shape": list(model.token_shape),
            "vocabulary_size": model.vocabulary_size,
            "feature_extractor": extractor.name,
            "reference": "fashion_mnist test split (10,000 images)",
        }
    )
    print(json.dumps(metrics, indent=2))

    name = os.path.basename(os.path.normpath(args.bundle_dir))
    model.save_to_preset(
        args.bundle_dir,
        metadata={
            "dataset": "fashion_mnist (60,000 train / 10,000 test, 28x28x1)",
            "license": "Apache-2.0 (weights); Fashion-MNIST is MIT",
            "metrics": metrics,
            "metrics_command": f"bash applications/{name}/recipe.sh",
            "recipe": f"applications/{name}/recipe.sh",
        },
    )
    # 5 pairs of rows: 10 test images, their reconstructions below.
    kerasgen.utils.save_image_grid(
        kerasgen.utils.image_utils.interleave_rows(
            x_test[:50], reconstructions[:50], 10
        ),
        os.path.join(args.bundle_dir, "reconstructions.png"),
        num_rows=10,
        scale=2,
    )


if __name__ == "__main__":
    main()
