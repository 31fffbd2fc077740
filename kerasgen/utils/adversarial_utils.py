"""Helpers of the models trained with two optimizers (GAN, VQ-GAN)."""

import keras

from kerasgen.utils import distribution_utils

_COMPILE_KEYS = ("optimizer", "loss", "metrics")


def check_compile(model_name, kwargs):
    """TensorFlow only, and no single-optimizer `compile` arguments."""
    if keras.backend.backend() != "tensorflow":
        raise NotImplementedError(
            f"{model_name} training is implemented for the TensorFlow "
            f"backend; the current backend is {keras.backend.backend()!r}. "
            "Generation (generate, predict) works on every backend."
        )
    for key in _COMPILE_KEYS:
        if key in kwargs:
            raise ValueError(
                f"{model_name}.compile does not take {key!r}; pass "
                "generator_optimizer and discriminator_optimizer"
            )


def make_optimizer(model, optimizer, default, name):
    """`keras.optimizers.get(optimizer or default())`, loss-scaled under
    `mixed_float16`."""
    optimizer = keras.optimizers.get(
        default() if optimizer is None else optimizer
    )
    if model.dtype_policy.name == "mixed_float16" and not isinstance(
        optimizer, keras.optimizers.LossScaleOptimizer
    ):
        optimizer = keras.optimizers.LossScaleOptimizer(
            optimizer, name=f"{name}_loss_scale"
        )
    return optimizer


def two_optimizers(defaults, learning_rate=None, **optimizer_kwargs):
    """`{"generator_optimizer", "discriminator_optimizer"}`: two Adams.

    Args:
        defaults: dict of the model's Adam arguments (`learning_rate`,
            `beta_1`, `beta_2`).
        learning_rate: float or `None`. Overrides `defaults`' rate.
        **optimizer_kwargs: other Adam arguments, overriding `defaults`.
    """
    from kerasgen.utils import argument_validation

    arguments = dict(defaults, **optimizer_kwargs)
    if learning_rate is not None:
        arguments["learning_rate"] = argument_validation.check_float(
            "learning_rate", learning_rate, minimum=0.0, min_inclusive=False
        )
    return {
        name: keras.optimizers.Adam(**arguments)
        for name in ("generator_optimizer", "discriminator_optimizer")
    }


def compile_config(model):
    """The two optimizers, serialized (for `.keras` files)."""
    if getattr(model, "generator_optimizer", None) is None:
        return {}
    return {
        name: keras.saving.serialize_keras_object(getattr(model, name))
        for name in ("generator_optimizer", "discriminator_optimizer")
    }


def scale_loss(optimizer, loss):
    """Per-replica share of a mean loss, loss-scaled under float16.

    Call it inside the gradient tape, so that the scaling is recorded.
    """
    loss = distribution_utils.scale_loss_for_distribution(loss)
    if isinstance(optimizer, keras.optimizers.LossScaleOptimizer):
        loss = optimizer.scale_loss(loss)
    return loss
