"""Sample measurements: generated images against the split's images.

All of them read the same `num_samples` images of `model.generate` (drawn
once per evaluation, with `seed`; a conditional model gets class labels
drawn from the split) and the same reference features of the split, in the
feature space of the evaluation's feature extractor.
"""

import numpy as np

from kerasgen.evaluation.measurement import not_applicable
from kerasgen.evaluation.measurement import register_measurement


def _fid_to_reference(context, features):
    from kerasgen.metrics import FrechetDistance

    fid = FrechetDistance(reference_statistics=context.reference_statistics())
    fid.update_state(fake_features=features)
    return float(fid.result())


def _kid_to_reference(context, features):
    from kerasgen.metrics import KernelInceptionDistance

    reference = context.reference_features()
    subset_size = context.kid_subset_size or min(
        1000, len(features), len(reference)
    )
    kid = KernelInceptionDistance(
        subset_size=subset_size, num_subsets=100, seed=context.seed
    )
    kid.set_reference_features(reference)
    kid.update_state(fake_features=features)
    return float(kid.result()), float(kid.std())


@register_measurement(
    "fid",
    kind="sample",
    description="Frechet distance between Gaussians fitted to the features "
    "of num_samples generated images and of the split (lower is better).",
    requires=("generate",),
)
def fid(context):
    return {"fid": _fid_to_reference(context, context.sample_features())}


@register_measurement(
    "kid",
    kind="sample",
    description="Kernel distance (unbiased cubic-kernel MMD^2, mean and std "
    "over 100 subsets of up to 1,000 images) between generated and split "
    "features (lower is better).",
    keys=("kid", "kid_std"),
    requires=("generate",),
)
def kid(context):
    mean, std = _kid_to_reference(context, context.sample_features())
    return {"kid": mean, "kid_std": std}


@register_measurement(
    "is",
    kind="sample",
    description="Inception Score: exp of the mean KL divergence between the "
    "feature network's class posterior of a sample and the marginal, mean "
    "and std over 10 splits (higher is better).",
    keys=("inception_score", "inception_score_std"),
    requires=("generate",),
)
def inception_score(context):
    from kerasgen.metrics import InceptionScore

    logits = context.sample_outputs()["logits"]
    if logits is None:
        raise ValueError(
            "measurement 'is' needs a feature extractor with class logits; "
            f"received feature_extractor {context.extractor.name!r} without"
        )
    score = InceptionScore(num_splits=10)
    score.update_state(logits=logits)
    return {
        "inception_score": float(score.result()),
        "inception_score_std": float(score.std()),
    }


def _precision_recall(context):
    from kerasgen.metrics import PrecisionRecall

    def compute():
        reference = context.reference_features()
        # The metric assumes equal numbers of real and generated samples.
        rng = np.random.default_rng(context.seed)
        count = min(context.num_samples, len(reference))
        subset = rng.choice(len(reference), count, replace=False)
        metric = PrecisionRecall(nearest_k=3)
        metric.set_reference_features(reference[subset])
        metric.update_state(fake_features=context.sample_features())
        return {
            "precision": float(metric.precision()),
            "recall": float(metric.recall()),
        }

    return context.cached("precision_recall", compute)


_PR_TEXT = (
    "k-NN manifold estimate (k=3) of Kynkaanniemi et al. 2019, against "
    "num_samples split images"
)


@register_measurement(
    "precision",
    kind="sample",
    description="Precision: fraction of generated images inside the real "
    f"images' manifold ({_PR_TEXT}; higher is better).",
    requires=("generate",),
)
def precision(context):
    return {"precision": _precision_recall(context)["precision"]}


@register_measurement(
    "recall",
    kind="sample",
    description="Recall: fraction of real images inside the generated "
    f"images' manifold ({_PR_TEXT}; higher is better).",
    requires=("generate",),
)
def recall(context):
    return {"recall": _precision_recall(context)["recall"]}


@register_measurement(
    "pr",
    kind="sample",
    description="Precision and recall together (see precision, recall).",
    keys=("precision", "recall"),
    requires=("generate",),
)
def precision_and_recall(context):
    return dict(_precision_recall(context))


@register_measurement(
    "label_agreement",
    kind="sample",
    description="Conditional models: fraction of generated images that the "
    "feature network's classifier assigns the requested class (labels drawn "
    "from the split; the classifier's own accuracy on the split, "
    "classifier_accuracy, is the ceiling).",
    keys=("label_agreement", "label_agreement_per_class"),
    requires=("generate", "conditional"),
)
def label_agreement(context):
    _, labels = context.samples()
    labels = np.asarray(labels).reshape(-1)
    num_classes = int(context.sample_num_classes())
    logits = context.sample_outputs()["logits"]
    if logits is None or logits.shape[-1] != num_classes:
        raise not_applicable(
            "label_agreement",
            context.model,
            f"the model has num_classes={num_classes} but feature extractor "
            f"{context.extractor.name!r} gives "
            f"{'no' if logits is None else logits.shape[-1]} class logits",
        )
    predicted = np.argmax(logits, axis=-1)
    per_class = [
        float(np.mean(predicted[labels == k] == k))
        if np.any(labels == k)
        else float("nan")
        for k in range(num_classes)
    ]
    return {
        "label_agreement": float(np.mean(predicted == labels)),
        "label_agreement_per_class": per_class,
    }
