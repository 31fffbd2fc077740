"""Trains the fmnist_features classifier and writes its bundle.

Usage (from the repository root):
    .venv/bin/python applications/fmnist_features/train.py \
        --output-dir applications/fmnist_features

Trains `kerasgen.networks.FashionMNISTClassifier` on the 60,000 Fashion-MNIST
training images (pixels in [-1, 1], random horizontal flips and shifts of up
to 2 pixels, label smoothing, Adam with a cosine learning-rate decay), then
measures, in this one script, the accuracy on the 10,000 test images, writes
the preset (config, weights, metadata with sha256 and the metrics) and prints
the metrics as JSON. `--eval-every-epoch` only prints the test accuracy after
each epoch; nothing in the run depends on it.
"""

import argparse
import json
import os
import time

import keras
import numpy as np

from kerasgen.datasets import fashion_mnist
from kerasgen.networks import FashionMNISTClassifier
from kerasgen.utils import preset_utils

RECIPE = "bash applications/fmnist_features/recipe.sh"


def _parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output-dir", required=True, help="Bundle folder.")
    parser.add_argument("--epochs", type=int, default=12)
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--learning-rate", type=float, default=2e-3)
    parser.add_argument("--stem-filters", type=int, default=32)
    parser.add_argument("--stem-kernel-size", type=int, default=3)
    parser.add_argument("--stem-strides", type=int, default=1)
    parser.add_argument("--filters", default="64,128")
    parser.add_argument("--convs-per-block", type=int, default=1)
    parser.add_argument("--feature-dim", type=int, default=128)
    parser.add_argument("--dropout-rate", type=float, default=0.3)
    parser.add_argument(
        "--augment",
        choices=["none", "flip", "flip_shift"],
        default="flip",
        help="Random horizontal flips, and shifts of up to 2 pixels.",
    )
    parser.add_argument(
        "--eval-every-epoch",
        action="store_true",
        help="Print the test accuracy after each epoch (for information).",
    )
    parser.add_argument("--label-smoothing", type=float, default=0.0)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--verbose", type=int, default=2)
    return parser.parse_args(argv)


def _to_float(images):
    return images[..., None].astype("float32") / 127.5 - 1.0


def _training_model(classifier, augment, seed):
    images = keras.Input(classifier.image_shape)
    x = images
    if augment != "none":
        x = keras.layers.RandomFlip("horizontal", seed=seed)(x)
    if augment == "flip_shift":
        # Shifts fill with -1, the black background of Fashion-MNIST.
        x = keras.layers.RandomTranslation(
            2 / 28,
            2 / 28,
            fill_mode="constant",
            fill_value=-1.0,
            seed=seed + 1,
        )(x)
    logits = classifier(x)["logits"]
    return keras.Model(images, logits, name="training_model")


class _TestAccuracy(keras.callbacks.Callback):
    def __init__(self, classifier, x_test, y_test):
        super().__init__()
        self.classifier = classifier
        self.x_test = x_test
        self.y_test = y_test

    def on_epoch_end(self, epoch, logs=None):
        accuracy = accuracy_on(self.classifier, self.x_test, self.y_test)
        print(f"epoch {epoch + 1}: test accuracy {accuracy:.4f}", flush=True)


def accuracy_on(classifier, images, labels, batch_size=1000):
    """Top-1 accuracy of `classifier` (inference mode) on float images."""
    correct = 0
    for start in range(0, len(images), batch_size):
        logits = classifier(images[start : start + batch_size])["logits"]
        predicted = np.argmax(keras.ops.convert_to_numpy(logits), axis=-1)
        correct += int(np.sum(predicted == labels[start : start + batch_size]))
    return correct / len(images)


def main(argv=None):
    args = _parse_args(argv)
    keras.utils.set_random_seed(args.seed)
    (x_train, y_train), (x_test, y_test) = fashion_mnist.load_data()
    x_train, x_test = _to_float(x_train), _to_float(x_test)
    y_train, y_test = y_train.astype("int32"), y_test.astype("int32")

    classifier = FashionMNISTClassifier(
        image_shape=(28, 28, 1),
        num_classes=10,
        stem_filters=args.stem_filters,
        stem_kernel_size=args.stem_kernel_size,
        stem_strides=args.stem_strides,
        filters=tuple(int(f) for f in args.filters.split(",")),
        convs_per_block=args.convs_per_block,
        feature_dim=args.feature_dim,
        dropout_rate=args.dropout_rate,
        name="fmnist_features",
    )
    model = _training_model(classifier, args.augment, args.seed)
    steps = args.epochs * int(np.ceil(len(x_train) / args.batch_size))
    schedule = keras.optimizers.schedules.CosineDecay(
        args.learning_rate, decay_steps=steps
    )
    model.compile(
        optimizer=keras.optimizers.Adam(schedule),
        loss=keras.losses.CategoricalCrossentropy(
            from_logits=True, label_smoothing=args.label_smoothing
        ),
        metrics=[keras.metrics.CategoricalAccuracy(name="accuracy")],
        jit_compile=False,  # XLA was several times slower on 2 CPU cores
    )
    callbacks = []
    if args.eval_every_epoch:
        callbacks.append(_TestAccuracy(classifier, x_test, y_test))
    start = time.time()
    history = model.fit(
        x_train,
        keras.utils.to_categorical(y_train, 10),
        batch_size=args.batch_size,
        epochs=args.epochs,
        shuffle=True,
        callbacks=callbacks,
        verbose=args.verbose,
    )
    train_seconds = time.time() - start

    metrics = {
        "test_accuracy": round(accuracy_on(classifier, x_test, y_test), 4),
        "test_accuracy_first_2000": round(
            accuracy_on(classifier, x_test[:2000], y_test[:2000]), 4
        ),
        "final_train_accuracy": round(history.history["accuracy"][-1], 4),
        "train_seconds": round(train_seconds, 1),
    }
    preset_utils.save_preset(
        classifier,
        args.output_dir,
        metadata={
            "dataset": "fashion_mnist (60,000 train / 10,000 test, 28x28x1)",
            "license": "Apache-2.0 (weights); Fashion-MNIST is MIT",
            "recipe": "applications/fmnist_features/recipe.sh",
            "metrics": metrics,
            "metrics_command": RECIPE,
            "train_args": vars(args),
            "outputs": {
                "features": [args.feature_dim],
                "logits": [10],
            },
        },
    )
    print(json.dumps(metrics, indent=2))
    return metrics


if __name__ == "__main__":
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    main()
