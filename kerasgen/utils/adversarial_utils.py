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
