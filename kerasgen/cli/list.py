"""`kerasgen list`: the trainable recipes and the pretrained applications."""

from kerasgen.cli import common

# Shown for bundles whose metadata predates `metric_commands`.
HEADLINE_METRICS = (
    "test_negative_elbo_bits_per_dim",
    "test_bits_per_dim",
    "bits_per_dim",
    "fid",
    "kid",
    "label_agreement",
    "reconstruction_fid",
    "test_psnr",
    "psnr",
    "codebook_usage",
    "test_accuracy",
)
MAX_HEADLINE_METRICS = 4


def add_parser(commands):
    parser = commands.add_parser(
        "list",
        help="List trainable models and pretrained applications.",
        description="List the recipes of `kerasgen train MODEL` and the "
        "pretrained applications with their headline metrics.",
    )
    parser.set_defaults(handler=run, parser=parser)


def headline(metadata):
    """`key=value` of a bundle's main metrics."""
    metrics = metadata.get("metrics", {})
    measured = metadata.get("metric_commands") or {}
    keys = [key for key in measured if key in metrics]
    keys += [key for key in HEADLINE_METRICS if key in metrics]
    keys = list(dict.fromkeys(keys))[:MAX_HEADLINE_METRICS]
    return ", ".join(f"{key}={metrics[key]}" for key in keys)


def run(args):
    del args
    import keras

    from kerasgen import applications
    from kerasgen import recipes

    print("Trainable models (kerasgen train MODEL):")
    for name, summary in recipes.list_recipes().items():
        print(f"  {name:24s} {summary}")
    generative, other = [], []
    for name, metadata in applications.list_applications().items():
        class_name = metadata.get("class_name")
        cls = keras.saving.get_registered_object(f"kerasgen>{class_name}")
        line = (
            f"  {name:24s} {class_name} on {metadata.get('dataset')} "
            f"{headline(metadata)}"
        )
        is_generative = cls is not None and common.is_generative(cls)
        (generative if is_generative else other).append(line.rstrip())
    print("Pretrained applications (kerasgen generate|evaluate NAME):")
    print("\n".join(generative))
    if other:
        print("Other pretrained networks (kerasgen.applications.load(NAME)):")
        print("\n".join(other))
    return 0
