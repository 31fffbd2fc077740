"""`evaluate(model, ...)`: the named measurements of a model, as a dict."""

from kerasgen.evaluation.evaluation_context import EvaluationContext
from kerasgen.evaluation.measurement import default_metrics_of
from kerasgen.evaluation.measurement import get_measurement
from kerasgen.evaluation.measurement import parse_measurement_names


def evaluate(
    model,
    dataset="fashion_mnist",
    split="test",
    metrics=None,
    feature_extractor="fmnist_features",
    num_samples=10000,
    seed=0,
    batch_size=256,
    verbose=1,
    cache_dir=None,
    generate_kwargs=None,
):
    """Measures a model on a dataset split with named measurements.

    The measurements share their work: the generated samples are drawn
    once, the split's features and Gaussian statistics are computed once
    (and cached on disk for a named dataset and split), a tokenizer's
    reconstructions are computed once. `kerasgen evaluate` and `kerasgen
    bundle` call this function; `metric_command` writes the command line
    that reproduces its numbers.

    Args:
        model: the model, e.g. from `kerasgen.applications.load(name)`.
        dataset: `"fashion_mnist"`, a TFDS name or a folder (as
            `kerasgen.data.image_dataset` reads them), an in-memory uint8
            array `(N, H, W[, C])` or `(images, labels)` tuple holding the
            split, or a dict `{split: array or (images, labels)}`. Defaults
            to `"fashion_mnist"`.
        split: str. The split measured against (the reference of sample
            and reconstruction measurements, the data of likelihoods).
            Defaults to `"test"`.
        metrics: `None`, a list of measurement names or a comma-separated
            str (`list_measurements()` lists them). `None` uses
            `model.default_evaluation_metrics`. Defaults to `None`.
        feature_extractor: `"fmnist_features"` (the bundled Fashion-MNIST
            classifier, offline), `"inception_v3"`, a
            `kerasgen.metrics.FeatureExtractor` or a `keras.Model`.
            Defaults to `"fmnist_features"`.
        num_samples: int >= 2. Generated images of the sample
            measurements (and real train images of `real_fid`). Defaults to
            10000.
        seed: int >= 0. Seed of generation, class labels and random
            subsets; the same seed gives the same numbers. Defaults to 0.
        batch_size: int >= 1. Batch size of the model's passes. Defaults
            to 256.
        verbose: 0, 1 or 2. 0 is silent; 1 and 2 print progress lines
            (and Keras' verbose 1 / 2 in `model.evaluate`). Defaults to 1.
        cache_dir: str or `None`. Folder of cached reference statistics.
            Defaults to `kerasgen.metrics.default_cache_dir()`.
        generate_kwargs: dict or `None`. Extra keyword arguments of
            `model.generate` for the sample measurements, e.g.
            `{"guidance_scale": 3.0}` or `{"temperature": 0.9}`. Defaults
            to `None`.

    Returns:
        dict of the measured floats (keys of each measurement in
        `get_measurement(name).keys`), plus descriptive entries:
        `num_samples` when a sample measurement ran, `feature_extractor`
        (its name) when features were used, `reference` (the split and its
        size) when the split was read.

    Raises:
        ValueError: an unknown measurement name (the message lists the
            valid ones), a measurement that does not apply to the model
            (naming both), no `default_evaluation_metrics` with
            `metrics=None`, or a bad argument.

    Example:
    >>> import kerasgen
    >>> from kerasgen.datasets import fashion_mnist
    >>> (_, _), (x_test, _) = fashion_mnist.load_data()
    >>> gan = kerasgen.applications.load("dcgan_fashion_mnist")
    >>> results = evaluate(
    ...     gan, dataset=x_test[:200, ..., None], metrics=["fid"],
    ...     num_samples=100, verbose=0,
    ... )
    >>> sorted(results)
    ['feature_extractor', 'fid', 'num_samples', 'reference']
    """
    if metrics is None:
        names = default_metrics_of(model)
    else:
        names = parse_measurement_names(metrics)
    measurements = [get_measurement(name) for name in names]
    generate_kwargs = check_generate_kwargs(generate_kwargs)
    for measurement in measurements:
        measurement.check_applies(model, generate_kwargs)
    context = EvaluationContext(
        model,
        dataset=dataset,
        split=split,
        feature_extractor=feature_extractor,
        num_samples=num_samples,
        seed=seed,
        batch_size=batch_size,
        verbose=verbose,
        cache_dir=cache_dir,
    )
    context.generate_kwargs.update(generate_kwargs)
    return run_measurements(context, names)


def check_generate_kwargs(generate_kwargs):
    """`generate_kwargs` as a dict of str keys (`{}` for `None`)."""
    if generate_kwargs is None:
        return {}
    if not isinstance(generate_kwargs, dict) or not all(
        isinstance(key, str) for key in generate_kwargs
    ):
        raise TypeError(
            "generate_kwargs must be a dict of model.generate keyword "
            f"arguments; received {generate_kwargs!r}"
        )
    reserved = {"inputs", "num_samples", "seed"} & set(generate_kwargs)
    if reserved:
        raise ValueError(
            f"generate_kwargs cannot set {sorted(reserved)}: the evaluation "
            "chooses them (see num_samples and seed)"
        )
    return dict(generate_kwargs)


def run_measurements(context, names):
    """Runs measurements on an `EvaluationContext`; returns their dict.

    Args:
        context: `EvaluationContext`.
        names: list of measurement names.

    Returns:
        dict as `evaluate` returns it.
    """
    results = {}
    sampled = False
    for name in names:
        measurement = get_measurement(name)
        values = measurement(context)
        context.log(
            ", ".join(
                f"{key}={value:.4f}"
                for key, value in values.items()
                if isinstance(value, float)
            )
        )
        results.update(values)
        sampled = sampled or measurement.kind == "sample"
    if sampled:
        results["num_samples"] = context.num_samples
    if context.uses_extractor:
        results["feature_extractor"] = context.extractor.name
    if ("split", context.split) in context.memo:
        count = len(context.split_images())
        results["reference"] = (
            f"{context.dataset_description()} {context.split} split "
            f"({count:,} images)"
        )
    return results
