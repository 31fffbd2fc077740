"""Baselines: numbers of the data alone, the floors and ceilings of a model.

They do not depend on the model being measured (any model is accepted), so
a model card can print them next to the model's numbers.
"""

import numpy as np

from kerasgen.evaluation.measurement import register_measurement
from kerasgen.evaluation.sample_measurements import _fid_to_reference
from kerasgen.evaluation.sample_measurements import _kid_to_reference


def histogram_bits_per_dim(train_images, test_images):
    """Test NLL (bits/dim) of independent per-pixel 256-bin histograms.

    Each pixel (and channel) gets its own histogram of the 256 values over
    the training images, with add-one smoothing; the test images are scored
    under the product of these histograms.

    Args:
        train_images: uint8 array `(N, ...)`.
        test_images: uint8 array `(M, ...)` of the same image shape.

    Returns:
        float, the mean negative log2-likelihood per dimension.

    Example:
    >>> train = np.zeros((3, 2, 2, 1), "uint8")
    >>> round(histogram_bits_per_dim(train, train), 4)  # -log2(4 / 259)
    6.0168
    """
    flat_train = np.asarray(train_images).reshape(len(train_images), -1)
    flat_test = np.asarray(test_images).reshape(len(test_images), -1)
    if flat_train.shape[1] != flat_test.shape[1]:
        raise ValueError(
            "test_images must have the shape of train_images; received "
            f"{np.shape(test_images)[1:]} and {np.shape(train_images)[1:]}"
        )
    num_pixels = flat_train.shape[1]
    columns = np.ascontiguousarray(flat_train.T)
    counts = np.stack(
        [np.bincount(column, minlength=256) for column in columns]
    ).astype("float64")
    log_probs = np.log2((counts + 1.0) / (len(flat_train) + 256.0))
    nll = -log_probs[np.arange(num_pixels), flat_test].sum(axis=1)
    return float(nll.mean() / num_pixels)


@register_measurement(
    "histogram_bits_per_dim",
    kind="baseline",
    description="Bits/dim on the split of independent per-pixel 256-bin "
    "histograms fit on the train split (add-one smoothing): the trivial "
    "likelihood baseline.",
    needs_train_split=True,
)
def histogram_baseline(context):
    train_images, _ = context.load_split("train")
    value = histogram_bits_per_dim(train_images, context.split_images())
    return {"histogram_bits_per_dim": value}


def _real_train_features(context):
    def compute():
        train_images, _ = context.load_split("train")
        count = min(context.num_samples, len(train_images))
        rng = np.random.default_rng(context.seed)
        chosen = rng.choice(len(train_images), count, replace=False)
        return context.extractor.features(train_images[chosen])

    return context.cached("real_train_features", compute, scope="data")


@register_measurement(
    "real_fid",
    kind="baseline",
    description="Frechet distance of num_samples real train images (drawn "
    "with seed) to the split: the floor a perfect generator reaches at this "
    "sample size.",
    needs_train_split=True,
)
def real_fid(context):
    return {
        "real_fid": _fid_to_reference(context, _real_train_features(context))
    }


@register_measurement(
    "real_kid",
    kind="baseline",
    description="Kernel distance of num_samples real train images to the "
    "split: the floor of kid.",
    keys=("real_kid", "real_kid_std"),
    needs_train_split=True,
)
def real_kid(context):
    mean, std = _kid_to_reference(context, _real_train_features(context))
    return {"real_kid": mean, "real_kid_std": std}


@register_measurement(
    "classifier_accuracy",
    kind="baseline",
    description="Accuracy of the feature network's classifier on the "
    "split's labelled images: the ceiling of label_agreement.",
)
def classifier_accuracy(context):
    labels = context.split_labels()
    if labels is None:
        raise ValueError(
            "measurement 'classifier_accuracy' needs a labelled split; "
            f"dataset {context.dataset_description()!r} split "
            f"{context.split!r} has no labels"
        )
    logits = context.reference_outputs()["logits"]
    if logits is None:
        raise ValueError(
            "measurement 'classifier_accuracy' needs a feature extractor "
            f"with class logits; {context.extractor.name!r} gives none"
        )
    predicted = np.argmax(logits, axis=-1)
    return {"classifier_accuracy": float(np.mean(predicted == labels))}
