"""Named measurements of `kerasgen.evaluation.evaluate` and their registry.

A measurement is a function `fn(context) -> dict` of one or more named
numbers, computed from an `EvaluationContext` that shares the expensive
work (generated samples, reference features and statistics,
reconstructions) between all measurements of one `evaluate` call. Register
a new one with the `register_measurement` decorator: `kerasgen evaluate
--metrics NAME` and model cards pick it up with no other change.
"""

import fnmatch

from kerasgen.utils import argument_validation

KINDS = ("sample", "reconstruction", "likelihood", "baseline")


def _is_generative(model):
    return callable(getattr(model, "generate", None))


def sample_num_classes(model, generate_kwargs=None):
    """Classes that `model.generate(labels, **generate_kwargs)` samples:
    `model.sample_num_classes(generate_kwargs)` where the model has it (a
    diffusion model guided by a classifier), else its `num_classes`."""
    method = getattr(model, "sample_num_classes", None)
    if callable(method):
        return method(dict(generate_kwargs or {}))
    return getattr(model, "num_classes", None)


def _is_conditional(model, generate_kwargs=None):
    return sample_num_classes(model, generate_kwargs) is not None


def _is_tokenizer(model):
    return callable(getattr(model, "tokenize", None)) and callable(
        getattr(model, "detokenize", None)
    )


def _has_vocabulary(model):
    return _is_tokenizer(model) and isinstance(
        getattr(model, "vocabulary_size", None), int
    )


def _has_evaluate(model):
    return callable(getattr(model, "evaluate", None))


# What a measurement may require of the model: a predicate and the words
# that complete "it needs a model with ...".
REQUIREMENTS = {
    "generate": (_is_generative, "generate() (a GenerativeModel)"),
    "conditional": (
        _is_conditional,
        "class conditioning (num_classes not None, or a generate option "
        "that conditions the samples, such as a diffusion model's "
        "classifier)",
    ),
    "tokenizer": (
        _is_tokenizer,
        "tokenize() and detokenize() (an ImageTokenizer)",
    ),
    "vocabulary": (
        _has_vocabulary,
        "tokenize(), detokenize() and an int vocabulary_size (an "
        "ImageTokenizer)",
    ),
    "evaluate": (_has_evaluate, "evaluate() (a keras.Model)"),
    "caption": (
        lambda model: callable(getattr(model, "caption", None)),
        "caption() (a TextImageTransformer)",
    ),
    "variational_bound": (
        lambda model: callable(getattr(model, "variational_bound", None)),
        "variational_bound() (a DiffusionModel)",
    ),
    "caption_perplexity": (
        lambda model: callable(getattr(model, "caption_perplexity", None)),
        "caption_perplexity() (a LiquidTransformer)",
    ),
}


class Measurement:
    """One named measurement: what it computes, what it needs, its keys.

    Args:
        name: str. The name given to `evaluate(metrics=[...])` and
            `kerasgen evaluate --metrics`.
        fn: callable `fn(context) -> dict`. Computes the numbers from an
            `EvaluationContext`.
        kind: str. One of `"sample"` (generated images against the split),
            `"reconstruction"` (the split through the model and back),
            `"likelihood"` (`model.evaluate` on the split) or `"baseline"`
            (numbers of the data alone: floors and reference models).
        description: str. One line for `--help` and model cards.
        keys: tuple of str. The keys `fn` returns.
        requires: tuple of str. Names from `REQUIREMENTS` the model must
            satisfy; checked before any work is done.
        needs_train_split: bool. Whether the measurement also reads the
            dataset's `"train"` split.
    """

    def __init__(
        self,
        name,
        fn,
        kind,
        description,
        keys,
        requires=(),
        needs_train_split=False,
    ):
        self.name = name
        self.fn = fn
        self.kind = kind
        self.description = description
        self.keys = tuple(keys)
        self.requires = tuple(requires)
        self.needs_train_split = bool(needs_train_split)

    def check_applies(self, model, generate_kwargs=None):
        """Raises `ValueError` when this measurement does not apply (to
        `model` sampled with `generate_kwargs`)."""
        for requirement in self.requires:
            predicate, needs = REQUIREMENTS[requirement]
            if requirement == "conditional":
                applies = predicate(model, generate_kwargs)
            else:
                applies = predicate(model)
            if not applies:
                raise not_applicable(self.name, model, f"it needs {needs}")

    def __call__(self, context):
        self.check_applies(context.model, context.generate_kwargs)
        return self.fn(context)

    def __repr__(self):
        return f"Measurement({self.name!r}, kind={self.kind!r})"


def not_applicable(name, model, reason):
    """The `ValueError` of a measurement that does not apply to a model."""
    return ValueError(
        f"measurement {name!r} does not apply to {type(model).__name__}: "
        f"{reason}"
    )


_REGISTRY = {}


def register_measurement(
    name,
    kind,
    description,
    keys=None,
    requires=(),
    needs_train_split=False,
    override=False,
):
    """Decorator: registers `fn(context) -> dict` as a named measurement.

    Args:
        name: str. Lower-case name, e.g. `"fid"`.
        kind: str. `"sample"`, `"reconstruction"`, `"likelihood"` or
            `"baseline"`.
        description: str. One line for `--help` and model cards.
        keys: tuple of str or `None`. Keys the function returns. Defaults
            to `(name,)`.
        requires: tuple of str. Names from `REQUIREMENTS` (`"generate"`,
            `"conditional"`, `"tokenizer"`, `"vocabulary"`, `"evaluate"`).
            Defaults to `()`.
        needs_train_split: bool. The measurement also reads the `"train"`
            split of the dataset. Defaults to `False`.
        override: bool. Replace an existing measurement of that name.
            Defaults to `False`.

    Returns:
        The decorator; it returns the function unchanged.

    Example:
    >>> @register_measurement(
    ...     "mean_pixel", kind="sample", description="Mean sample pixel.",
    ...     requires=("generate",),
    ... )
    ... def mean_pixel(context):
    ...     return {"mean_pixel": float(context.samples()[0].mean())}
    >>> "mean_pixel" in list_measurements()
    True
    >>> _ = unregister_measurement("mean_pixel")
    """
    if not isinstance(name, str) or not name or name != name.lower():
        raise ValueError(
            f"name must be a non-empty lower-case str; received {name!r}"
        )
    argument_validation.check_choice("kind", kind, KINDS)
    if not isinstance(description, str) or not description.strip():
        raise ValueError(
            f"description must be a non-empty str; received {description!r}"
        )
    requires = tuple(requires)
    for requirement in requires:
        argument_validation.check_choice(
            "requires", requirement, tuple(REQUIREMENTS)
        )
    keys = (name,) if keys is None else tuple(keys)
    if not keys or not all(isinstance(key, str) and key for key in keys):
        raise ValueError(
            f"keys must be a non-empty tuple of str; received {keys!r}"
        )
    if name in _REGISTRY and not override:
        raise ValueError(
            f"name {name!r} is already a registered measurement; pass "
            "override=True to replace it"
        )

    def decorator(fn):
        _REGISTRY[name] = Measurement(
            name,
            fn,
            kind=kind,
            description=description.strip(),
            keys=keys,
            requires=requires,
            needs_train_split=needs_train_split,
        )
        return fn

    return decorator


def unregister_measurement(name):
    """Removes a registered measurement; returns it."""
    return _REGISTRY.pop(get_measurement(name).name)


def list_measurements(kind=None):
    """`{name: description}` of the registered measurements, sorted.

    Args:
        kind: str or `None`. Only the measurements of this kind. Defaults
            to `None` (all).
    """
    if kind is not None:
        argument_validation.check_choice("kind", kind, KINDS)
    return {
        name: measurement.description
        for name, measurement in sorted(_REGISTRY.items())
        if kind is None or measurement.kind == kind
    }


def get_measurement(name):
    """The `Measurement` registered as `name`; unknown names are refused."""
    if isinstance(name, str) and name.strip().lower() in _REGISTRY:
        return _REGISTRY[name.strip().lower()]
    raise ValueError(
        f"metrics must name registered measurements, one of "
        f"{', '.join(sorted(_REGISTRY))}; received {name!r}"
    )


def parse_measurement_names(metrics):
    """Normalises `metrics` (a comma-separated str or a sequence of names).

    Returns:
        list of registered names, in order, without duplicates.
    """
    if isinstance(metrics, str):
        names = [name.strip() for name in metrics.split(",")]
        names = [name for name in names if name]
    elif isinstance(metrics, (list, tuple)):
        names = list(metrics)
    else:
        raise ValueError(
            "metrics must be None, a comma-separated str or a list of "
            f"measurement names; received {metrics!r}"
        )
    if not names:
        raise ValueError(
            "metrics must name at least one measurement, from "
            f"{', '.join(sorted(_REGISTRY))}; received {metrics!r}"
        )
    return list(dict.fromkeys(get_measurement(name).name for name in names))


def describe_key(key):
    """The description of the measurement that returns `key`, or `None`."""
    for measurement in _REGISTRY.values():
        if any(
            fnmatch.fnmatchcase(key, pattern) for pattern in measurement.keys
        ):
            return measurement.description
    return None


def default_metrics_of(model):
    """`model.default_evaluation_metrics`, checked, as a list of names."""
    defaults = getattr(model, "default_evaluation_metrics", None)
    if defaults is None:
        raise ValueError(
            f"metrics=None needs model.default_evaluation_metrics, which "
            f"{type(model).__name__} does not define; pass metrics=[...] "
            f"from {', '.join(sorted(_REGISTRY))}"
        )
    if isinstance(defaults, str) or not isinstance(defaults, (list, tuple)):
        raise ValueError(
            f"{type(model).__name__}.default_evaluation_metrics must be a "
            f"tuple of measurement names; received {defaults!r}"
        )
    return parse_measurement_names(tuple(defaults))
