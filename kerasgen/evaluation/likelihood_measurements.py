"""Likelihood measurements: `model.evaluate` on the split, and the
variational bound of diffusion models."""

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


#: Model evaluations per image of the diffusion bound's middle terms.
BOUND_STRATA = 50


@register_measurement(
    "bits_per_dim_bound",
    kind="likelihood",
    description="The DDPM variational bound in bits/dim on the first "
    f"num_samples images of the split (an upper bound on the negative "
    f"log-likelihood; L_T and L_0 exact, the other terms by stratified "
    f"Monte Carlo over {BOUND_STRATA} runs of timesteps), with its standard "
    "error over images and its prior / decoder / middle terms.",
    keys=(
        "bits_per_dim_bound",
        "bits_per_dim_bound_stderr",
        "bits_per_dim_bound_prior",
        "bits_per_dim_bound_decoder",
        "bits_per_dim_bound_middle",
    ),
    requires=("variational_bound",),
)
def bits_per_dim_bound(context):
    images, labels = context.load_split()
    count = min(context.num_samples, len(images))
    if getattr(context.model, "num_classes", None) is None:
        labels = None
    context.log(
        f"variational bound on {count} images of split {context.split!r}"
    )
    bound = context.model.variational_bound(
        images[:count],
        None if labels is None else labels[:count],
        num_strata=BOUND_STRATA,
        batch_size=context.batch_size,
        seed=context.seed,
    )
    return {
        "bits_per_dim_bound": bound["bits_per_dim"],
        "bits_per_dim_bound_stderr": bound["bits_per_dim_stderr"],
        **{
            f"bits_per_dim_bound_{term}": bound[term]
            for term in ("prior", "decoder", "middle")
        },
    }
