"""Likelihood measurements: `model.evaluate` on the split."""

import numpy as np

from kerasgen.evaluation.measurement import not_applicable
from kerasgen.evaluation.measurement import register_measurement


def _evaluate_logs(context, name):
    """`model.evaluate` on the split once per evaluation, as a dict."""
    model = context.model

    def compute():
        if getattr(model, "compiled", False) is False:
            model.compile()
        conditional = getattr(model, "num_classes", None) is not None
        data = context.split_dataset(with_labels=conditional)
        # The noise of a Monte Carlo bound (the VAE's one latent draw per
        # image) comes from the model's seed generator: start it from
        # `seed`, and put it back afterwards.
        generator = getattr(model, "seed_generator", None)
        state = None
        if generator is not None:
            state = np.asarray(generator.state.value)
            generator.state.assign(
                np.asarray([context.seed, 0], dtype=state.dtype)
            )
        context.log(f"model.evaluate on split {context.split!r}")
        try:
            logs = model.evaluate(
                data, return_dict=True, verbose=context.verbose
            )
        except NotImplementedError as error:
            raise not_applicable(
                name, model, f"its evaluate() is not implemented ({error})"
            ) from error
        finally:
            if state is not None:
                generator.state.assign(state)
        return {key: float(value) for key, value in logs.items()}

    return context.cached("evaluate_logs", compute)


@register_measurement(
    "bits_per_dim",
    kind="likelihood",
    description="The bits_per_dim that model.evaluate logs on the split: "
    "the negative log-likelihood in bits per dimension, or for a VAE the "
    "negative ELBO with kl_weight=1 (an upper bound on it; lower is "
    "better).",
    requires=("evaluate",),
)
def bits_per_dim(context):
    logs = _evaluate_logs(context, "bits_per_dim")
    if "bits_per_dim" not in logs:
        raise not_applicable(
            "bits_per_dim",
            context.model,
            f"its evaluate() logs no 'bits_per_dim' (it logs {sorted(logs)})",
        )
    return {"bits_per_dim": logs["bits_per_dim"]}


@register_measurement(
    "evaluate",
    kind="likelihood",
    description="Every value model.evaluate logs on the split, as "
    "evaluate_<name> (for a VAE: loss, reconstruction_loss and kl_loss in "
    "bits/dim).",
    keys=("evaluate_*",),
    requires=("evaluate",),
)
def evaluate_logs(context):
    logs = _evaluate_logs(context, "evaluate")
    return {f"evaluate_{key}": value for key, value in logs.items()}
