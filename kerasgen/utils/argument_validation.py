"""Argument checks at kerasgen's public boundary.

Every check raises a `ValueError` (or `TypeError` for a wrong type where
Python convention wants one) that names the argument, what was received and
what is expected, and returns the value normalised (a Python `int`, a
`float`, a tuple). The argument order is always `(name, value, ...)`.

Example:
>>> from kerasgen.utils import argument_validation as av
>>> av.check_int("num_layers", 3, minimum=1)
3
>>> av.check_int("num_layers", 0, minimum=1)
Traceback (most recent call last):
...
ValueError: num_layers must be an int >= 1; received 0
>>> av.check_choice("loss", "l1", ("mse", "bce"))
Traceback (most recent call last):
...
ValueError: loss must be one of 'mse', 'bce'; received 'l1'
"""

import numbers

import numpy as np


def _describe(value):
    return f"{value!r} of type {type(value).__name__}"


def is_int(value):
    """Whether `value` is an integer (Python or NumPy), bools excluded."""
    return not isinstance(value, (bool, np.bool_)) and isinstance(
        value, (int, np.integer)
    )


def check_int(name, value, minimum=None, maximum=None, allow_none=False):
    """Checks an integer in `[minimum, maximum]`; returns it as an `int`.

    Args:
        name: str. The argument's name, as the user wrote it.
        value: the value received.
        minimum: int or `None`. Smallest allowed value. Defaults to `None`.
        maximum: int or `None`. Largest allowed value. Defaults to `None`.
        allow_none: bool. Whether `None` passes (and is returned). Defaults
            to `False`.
    """
    if value is None and allow_none:
        return None
    expected = "an int"
    if minimum is not None and maximum is not None:
        expected = f"an int in [{minimum}, {maximum}]"
    elif minimum is not None:
        expected = f"an int >= {minimum}"
    elif maximum is not None:
        expected = f"an int <= {maximum}"
    if allow_none:
        expected += " or None"
    if not is_int(value):
        raise ValueError(
            f"{name} must be {expected}; received {_describe(value)}"
        )
    if (minimum is not None and value < minimum) or (
        maximum is not None and value > maximum
    ):
        raise ValueError(f"{name} must be {expected}; received {value}")
    return int(value)


def check_bool(name, value):
    """Checks a bool (Python or NumPy); returns it as a `bool`."""
    if not isinstance(value, (bool, np.bool_)):
        raise ValueError(f"{name} must be a bool; received {_describe(value)}")
    return bool(value)


def check_positive_int(name, value, allow_none=False):
    """Checks an int >= 1; returns it."""
    return check_int(name, value, minimum=1, allow_none=allow_none)


def check_float(
    name,
    value,
    minimum=None,
    maximum=None,
    min_inclusive=True,
    max_inclusive=True,
    allow_none=False,
):
    """Checks a finite real number within bounds; returns it as a `float`.

    Args:
        name: str. The argument's name.
        value: the value received.
        minimum: float or `None`. Lower bound. Defaults to `None`.
        maximum: float or `None`. Upper bound. Defaults to `None`.
        min_inclusive: bool. Whether `minimum` itself is allowed. Defaults to
            `True`.
        max_inclusive: bool. Whether `maximum` itself is allowed. Defaults to
            `True`.
        allow_none: bool. Whether `None` passes. Defaults to `False`.
    """
    if value is None and allow_none:
        return None
    parts = []
    if minimum is not None:
        parts.append(f"{'>=' if min_inclusive else '>'} {minimum}")
    if maximum is not None:
        parts.append(f"{'<=' if max_inclusive else '<'} {maximum}")
    expected = "a finite number" + (" " + " and ".join(parts) if parts else "")
    if allow_none:
        expected += " or None"
    if isinstance(value, (bool, np.bool_)) or not isinstance(
        value, numbers.Real
    ):
        raise ValueError(
            f"{name} must be {expected}; received {_describe(value)}"
        )
    value = float(value)
    too_low = minimum is not None and (
        value < minimum if min_inclusive else value <= minimum
    )
    too_high = maximum is not None and (
        value > maximum if max_inclusive else value >= maximum
    )
    if not np.isfinite(value) or too_low or too_high:
        raise ValueError(f"{name} must be {expected}; received {value}")
    return value


def check_choice(name, value, choices):
    """Checks that `value` is one of `choices`; returns it."""
    choices = tuple(choices)
    if value not in choices:
        listed = ", ".join(repr(choice) for choice in choices)
        raise ValueError(f"{name} must be one of {listed}; received {value!r}")
    return value


def check_int_tuple(name, values, minimum=1, length=None, allow_empty=False):
    """Checks a sequence of ints (each >= `minimum`); returns a tuple."""
    what = f"a tuple of ints >= {minimum}"
    if length is not None:
        what = f"a tuple of {length} ints >= {minimum}"
    if isinstance(values, (str, bytes)) or not hasattr(values, "__iter__"):
        raise ValueError(f"{name} must be {what}; received {_describe(values)}")
    values = tuple(values)
    if (
        (not values and not allow_empty)
        or (length is not None and len(values) != length)
        or not all(is_int(v) and v >= minimum for v in values)
    ):
        raise ValueError(f"{name} must be {what}; received {values!r}")
    return tuple(int(v) for v in values)


def check_type(name, value, types, allow_none=False):
    """Raises `TypeError` unless `value` is an instance of `types`."""
    if value is None and allow_none:
        return None
    if not isinstance(value, types):
        types = types if isinstance(types, tuple) else (types,)
        expected = " or ".join(t.__name__ for t in types)
        if allow_none:
            expected += " or None"
        raise TypeError(
            f"{name} must be {expected}; received {_describe(value)}"
        )
    return value


def check_labels(name, labels, num_classes, count=None, model="the model"):
    """Checks class labels: 1-D ints in `[0, num_classes)`; returns int32.

    Args:
        name: str. Argument name for messages.
        labels: array-like `(n,)` or `(n, 1)`.
        num_classes: int or `None` (an unconditional model: any labels are
            refused).
        count: int or `None`. Required number of labels.
        model: str. What is called, for the unconditional message.
    """
    import numpy as np

    if num_classes is None:
        raise ValueError(
            f"{name} were given to an unconditional {model} "
            f"(num_classes=None); received an array of shape "
            f"{np.shape(labels)}"
        )
    array = np.asarray(labels)
    if array.ndim == 2 and array.shape[-1] == 1:
        array = array[:, 0]
    if array.ndim != 1 or not np.issubdtype(array.dtype, np.integer):
        raise ValueError(
            f"{name} must be a 1-D array of ints in [0, {num_classes}); "
            f"received dtype {array.dtype} and shape {array.shape}"
        )
    if array.size and (array.min() < 0 or array.max() >= num_classes):
        raise ValueError(
            f"{name} must be in [0, {num_classes}); received "
            f"min={array.min()}, max={array.max()}"
        )
    if count is not None and len(array) != count:
        raise ValueError(
            f"{name} must have one label per sample ({count}); received "
            f"{len(array)}"
        )
    return array.astype("int32")
