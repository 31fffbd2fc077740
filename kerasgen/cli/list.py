"""`kerasgen list`: the trainable recipes and the pretrained applications."""

from kerasgen.cli import common

# The main numbers of a bundle, in this order (its card has them all).
HEADLINE_METRICS = (
    "bits_per_dim",
    "fid",
    "label_agreement",
    "reconstruction_fid",
    "psnr",
    "codebook_usage",
    "classifier_accuracy",
)


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
    return ", ".join(
        f"{key}={metrics[key]:.4g}"
        for key in HEADLINE_METRICS
        if isinstance(metrics.get(key), float)
    )


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
        line = f"  {name:24s} {class_name:22s} {headline(metadata)}"
        is_generative = cls is not None and common.is_generative(cls)
        (generative if is_generative else other).append(line.rstrip())
    print("Pretrained applications (kerasgen generate|evaluate NAME):")
    print("\n".join(generative))
    if other:
        print("Other pretrained networks (kerasgen.applications.load(NAME)):")
        print("\n".join(other))
    return 0
