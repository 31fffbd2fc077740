"""Reconstruction measurements of image tokenizers.

Every image of the split goes through `detokenize(tokenize(x))` once per
evaluation (the model's own reconstruction, converted to uint8 as a user
sees it); the token ids of that pass give the codebook statistics
(`mse`, `psnr`, `reconstruction_fid`, `reconstruction_kid`,
`codebook_usage`, `codebook_perplexity` of the tokenizer bundles).
"""

import numpy as np

from kerasgen.evaluation.measurement import register_measurement
from kerasgen.evaluation.sample_measurements import _fid_to_reference
from kerasgen.evaluation.sample_measurements import _kid_to_reference


def _mse(context):
    def compute():
        reconstructions, _ = context.reconstructions()
        images = context.split_images()
        error = (reconstructions.astype("float64") - images) / 255.0
        return float(np.mean(error**2))

    return context.cached("mse", compute)


def _reconstruction_features(context):
    return context.cached(
        "reconstruction_features",
        lambda: context.extractor.features(context.reconstructions()[0]),
    )


def _token_shares(context):
    _, tokens = context.reconstructions()
    counts = np.bincount(
        np.asarray(tokens).ravel(), minlength=int(context.model.vocabulary_size)
    )
    return counts, counts / counts.sum()


@register_measurement(
    "mse",
    kind="reconstruction",
    description="Mean squared error between the split's images and their "
    "uint8 reconstructions detokenize(tokenize(x)), pixels in [0, 1].",
    requires=("tokenizer",),
)
def mse(context):
    return {"mse": _mse(context)}


@register_measurement(
    "psnr",
    kind="reconstruction",
    description="Peak signal-to-noise ratio of the reconstructions, "
    "10 log10(1 / mse) dB (higher is better).",
    requires=("tokenizer",),
)
def psnr(context):
    return {"psnr": float(10.0 * np.log10(1.0 / _mse(context)))}


@register_measurement(
    "reconstruction_fid",
    kind="reconstruction",
    description="Frechet distance between the features of the "
    "reconstructions and of the split's images (lower is better; real_fid "
    "is the floor).",
    requires=("tokenizer",),
)
def reconstruction_fid(context):
    features = _reconstruction_features(context)
    return {"reconstruction_fid": _fid_to_reference(context, features)}


@register_measurement(
    "reconstruction_kid",
    kind="reconstruction",
    description="Kernel distance between the features of the "
    "reconstructions and of the split's images (lower is better).",
    keys=("reconstruction_kid", "reconstruction_kid_std"),
    requires=("tokenizer",),
)
def reconstruction_kid(context):
    mean, std = _kid_to_reference(context, _reconstruction_features(context))
    return {"reconstruction_kid": mean, "reconstruction_kid_std": std}


@register_measurement(
    "codebook_usage",
    kind="reconstruction",
    description="Fraction of the vocabulary that occurs in the token grids "
    "of the split's images.",
    requires=("vocabulary",),
)
def codebook_usage(context):
    counts, _ = _token_shares(context)
    return {"codebook_usage": float(np.mean(counts > 0))}


@register_measurement(
    "codebook_perplexity",
    kind="reconstruction",
    description="exp of the entropy of the split's token histogram (the "
    "vocabulary size when every code is used equally).",
    requires=("vocabulary",),
)
def codebook_perplexity(context):
    _, share = _token_shares(context)
    nonzero = share[share > 0]
    entropy = -np.sum(nonzero * np.log(nonzero))
    return {"codebook_perplexity": float(np.exp(entropy))}
