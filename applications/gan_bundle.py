"""Measures a trained GAN and writes it as a bundle (dcgan/cgan recipes).

Usage: python applications/gan_bundle.py RUN/model.keras BUNDLE_DIR

Metrics, all with the offline `fmnist_features` network (so they compare with
each other, not with InceptionV3 FID values):

- `fid`, `kid`: 10,000 generated images (a conditional GAN: 1,000 per class)
  against the 10,000 Fashion-MNIST test images;
- `fid_real_train_10k`: 10,000 training images against the test images, the
  floor a perfect generator would reach at this sample size;
- `fid_untrained`: an untrained generator of the same architecture;
- conditional GANs: `label_agreement`, the fraction of samples that the
  `fmnist_features` classifier assigns to the requested class, and the same
  classifier's accuracy on the real test images for comparison.
"""

import json
import os
import sys

os.environ.setdefault("KERAS_BACKEND", "tensorflow")

import keras  # noqa: E402
import numpy as np  # noqa: E402

import kerasgen  # noqa: E402
from kerasgen.datasets import fashion_mnist  # noqa: E402
from kerasgen.metrics import FeatureExtractor  # noqa: E402
from kerasgen.metrics import FrechetDistance  # noqa: E402
from kerasgen.metrics import KernelInceptionDistance  # noqa: E402

NUM_SAMPLES = 10000
SEED = 0


def measure(model_path, bundle_dir):
    model = keras.saving.load_model(model_path)
    extractor = FeatureExtractor.fmnist_features()
    (x_train, _), (x_test, y_test) = fashion_mnist.load_data()
    x_train, x_test = x_train[..., None], x_test[..., None]
    test_features = extractor.features(x_test)

    def fid_kid(images):
        features = extractor.features(images)
        fid = FrechetDistance()
        fid.update_state(real_features=test_features, fake_features=features)
        kid = KernelInceptionDistance(subset_size=1000, num_subsets=100)
        kid.update_state(real_features=test_features, fake_features=features)
        return float(fid.result()), float(kid.result())

    labels = None
    if model.num_classes is not None:
        labels = np.arange(NUM_SAMPLES) % model.num_classes
    images = model.generate(labels, num_samples=NUM_SAMPLES, seed=SEED)
    fid, kid = fid_kid(images)
    rng = np.random.default_rng(SEED)
    real = x_train[rng.choice(len(x_train), NUM_SAMPLES, replace=False)]
    fid_real, kid_real = fid_kid(real)
    untrained = kerasgen.models.GAN.from_config(model.get_config())
    fid_untrained, kid_untrained = fid_kid(
        untrained.generate(labels, num_samples=NUM_SAMPLES, seed=SEED)
    )
    metrics = {
        "fid": round(fid, 2),
        "kid": round(kid, 4),
        "fid_real_train_10k": round(fid_real, 2),
        "kid_real_train_10k": round(kid_real, 4),
        "fid_untrained": round(fid_untrained, 2),
        "kid_untrained": round(kid_untrained, 4),
        "num_samples": NUM_SAMPLES,
        "feature_extractor": extractor.name,
        "reference": "fashion_mnist test split (10,000 images)",
    }
    if labels is not None:
        predicted = np.argmax(extractor.logits(images), axis=-1)
        metrics["label_agreement"] = round(
            float(np.mean(predicted == labels)), 4
        )
        per_class = [
            round(float(np.mean(predicted[labels == k] == k)), 3)
            for k in range(model.num_classes)
        ]
        metrics["label_agreement_per_class"] = per_class
        real_predicted = np.argmax(extractor.logits(x_test), axis=-1)
        metrics["classifier_test_accuracy"] = round(
            float(np.mean(real_predicted == y_test)), 4
        )
    for key, value in metrics.items():
        print(f"{key}: {value}")

    grid_labels = None
    if labels is not None:
        # One row per class: 10 rows of 10 samples.
        grid_labels = np.repeat(np.arange(model.num_classes), 10)
    grid = model.generate(grid_labels, num_samples=100, seed=SEED)
    kind = "cgan" if labels is not None else "dcgan"
    model.save_to_preset(
        bundle_dir,
        metadata={
            "dataset": "fashion_mnist (60,000 train / 10,000 test, 28x28x1)",
            "license": "Apache-2.0 (weights); Fashion-MNIST is MIT",
            "metrics": metrics,
            "metrics_command": f"bash applications/{kind}_fashion_mnist/"
            "recipe.sh",
            "recipe": f"applications/{kind}_fashion_mnist/recipe.sh",
        },
    )
    kerasgen.utils.save_image_grid(
        grid, os.path.join(bundle_dir, "samples.png"), scale=2
    )
    with open(os.path.join(bundle_dir, "metadata.json")) as f:
        print(json.dumps(json.load(f)["metrics"], indent=2))


if __name__ == "__main__":
    measure(sys.argv[1], sys.argv[2])
