"""Configs read off the constructor: one attribute per argument.

kerasgen's convention (ARCHITECTURE.md section 4) stores every constructor
argument as an attribute of the same name, so `get_config()` can read the
config off the constructor's signature instead of listing each argument by
hand, and a new argument cannot be forgotten in the config.

Example:
>>> import keras
>>> class Scale(keras.layers.Layer):
...     def __init__(self, factor=2.0, offset=0.0, **kwargs):
...         super().__init__(**kwargs)
...         self.factor = factor
...         self.offset = offset
>>> constructor_config(Scale(factor=3.0))
{'factor': 3.0, 'offset': 0.0}
"""

import inspect

import keras

# Arguments that `keras.layers.Layer.get_config()` already stores.
BASE_ARGUMENTS = ("name", "trainable", "dtype")


def constructor_arguments(cls, exclude=BASE_ARGUMENTS):
    """Names of the named parameters of `cls.__init__`, `self` excluded."""
    parameters = inspect.signature(cls.__init__).parameters.values()
    return [
        parameter.name
        for parameter in parameters
        if parameter.name != "self"
        and parameter.name not in exclude
        and parameter.kind
        in (parameter.POSITIONAL_OR_KEYWORD, parameter.KEYWORD_ONLY)
    ]


def constructor_config(obj, exclude=BASE_ARGUMENTS):
    """`{argument: attribute}` of every constructor argument of `obj`.

    Layers and models among the values are serialized with
    `keras.saving.serialize_keras_object`.

    Raises:
        AttributeError: naming an argument the object does not store.
    """
    config = {}
    for name in constructor_arguments(type(obj), exclude):
        if not hasattr(obj, name):
            raise AttributeError(
                f"{type(obj).__name__} stores no attribute {name!r} for its "
                "constructor argument of that name; store it or override "
                "get_config()"
            )
        value = getattr(obj, name)
        if isinstance(value, keras.layers.Layer):
            value = keras.saving.serialize_keras_object(value)
        config[name] = value
    return config
