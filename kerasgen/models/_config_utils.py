"""One truth per config: a given sub-network or its default's arguments.

A model constructor takes a sub-network (an encoder, a quantizer, a
generator) or the hyperparameters of the default one. These helpers give
each hyperparameter one value (given, read from a given sub-network, or the
default), refuse values that contradict a given sub-network, and write a
config that holds a sub-network only when it was given and a hyperparameter
only when a default sub-network uses it.
"""

import copy

import keras


def deserialize(obj):
    """A sub-network given as an object, a config dict or `None`.

    The dict is copied: Keras' deserialization consumes parts of it, and
    `from_config` may be called twice with one config.
    """
    if isinstance(obj, dict):
        return keras.saving.deserialize_keras_object(copy.deepcopy(obj))
    return obj


def _same(a, b):
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return tuple(a) == tuple(b)
    return a == b


def resolve(name, value, default, sources):
    """The one value of hyperparameter `name`.

    Args:
        name: str. The constructor argument.
        value: the value passed, or `None` when not passed.
        default: the value of the default sub-network.
        sources: list of `(description, derived)`: what each given
            sub-network implies for `name` (`derived` is `None` when the
            sub-network is not given or does not tell).

    Returns:
        `value` if passed, else the first derived value, else `default`.

    Raises:
        ValueError: `value` and a sub-network, or two sub-networks, disagree.
    """
    known = [(what, got) for what, got in sources if got is not None]
    if value is not None:
        known.insert(0, (f"{name}={value!r}", value))
    for what, got in known[1:]:
        if not _same(got, known[0][1]):
            raise ValueError(
                f"{known[0][0]} conflicts with {what} ({name}={got!r}): pass "
                f"either the sub-network or {name}, or make them agree"
            )
    return known[0][1] if known else default


def network_config(networks, hyperparameters):
    """The sub-networks and hyperparameters entries of a model's config.

    Args:
        networks: dict `name -> (network, given)`: a given sub-network is
            serialized, a default one is stored as `None`.
        hyperparameters: dict `name -> (value, users)`: the value is stored
            when one of the sub-networks named in `users` is a default one,
            else `None` (the given sub-networks hold it).

    Returns:
        A dict to merge into `get_config()`.
    """
    config = {}
    for name, (network, given) in networks.items():
        config[name] = (
            keras.saving.serialize_keras_object(network) if given else None
        )
    for name, (value, users) in hyperparameters.items():
        used = any(not networks[user][1] for user in users)
        config[name] = value if used else None
    return config


def output_channels(network, input_shape):
    """The last output dimension of `network` on `(1, *input_shape)`."""
    spec = network.compute_output_spec(keras.KerasTensor((1,) + input_shape))
    return spec.shape[-1]


def input_channels(network):
    """The last input dimension of a single-input network, or `None`."""
    inputs = getattr(network, "inputs", None)
    if not inputs or len(inputs) != 1:
        return None
    return inputs[0].shape[-1]


def latent_channels(encoder, image_shape):
    """Channels of a given encoder's latents, or `None` without one."""
    if encoder is None:
        return None
    return output_channels(encoder, tuple(image_shape))


def resolve_residual_levels(encoder, decoder, **values):
    """`image_shape` and the level arguments of the residual networks.

    Each is the value passed, else the given encoder's or decoder's, else
    the default; a value that contradicts a given network raises.
    """
    defaults = {
        "image_shape": (28, 28, 1),
        "filters": (32, 64, 128),
        "num_res_blocks": 1,
        "num_groups": 8,
    }
    resolved = {}
    for name, value in values.items():
        resolved[name] = resolve(
            name,
            value,
            defaults[name],
            [
                ("the given encoder", getattr(encoder, name, None)),
                ("the given decoder", getattr(decoder, name, None)),
            ],
        )
    resolved["image_shape"] = tuple(resolved["image_shape"])
    resolved["filters"] = tuple(resolved["filters"])
    return resolved
