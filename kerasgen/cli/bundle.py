"""`kerasgen bundle SOURCE BUNDLE_DIR`: a measured inference bundle.

Writes the preset (config, weights with their sha256, metadata), measures
it with `kerasgen.evaluation.evaluate`, stores each number with the exact
`kerasgen evaluate ...` command that re-measures it, writes the preview
grid and the model card's metrics table.
"""

import json
import os

from kerasgen.cli import common

# Metadata a re-bundle keeps from the source preset or the old bundle.
CARRIED_METADATA = ("dataset", "license", "description", "recipe")
MINIMAL_CARD = """# {name}

{class_name} trained on {dataset}.{description}

## Metrics

<!-- metrics:begin -->
<!-- metrics:end -->

![preview]({preview})
"""


def add_parser(commands):
    parser = commands.add_parser(
        "bundle",
        help="Write a trained model as a measured pretrained bundle "
        "(preset, metrics with their commands, preview grid, model card).",
        description="Load SOURCE (RUN/model.keras, a preset folder or an "
        "application name), write it as an inference bundle to BUNDLE_DIR "
        "(model.save_to_preset, training-only networks left out), measure "
        "the bundle with kerasgen.evaluation.evaluate, store the metrics "
        "and the command that re-measures each in metadata.json, write the "
        "preview grid (model.preview_images) and the metrics table of "
        "BUNDLE_DIR/README.md (created if missing). SOURCE may be "
        "BUNDLE_DIR itself, to re-measure existing weights.",
    )
    parser.add_argument(
        "source",
        help="RUN/model.keras, a preset folder or an application name.",
    )
    parser.add_argument(
        "bundle_dir", help="Output folder, e.g. applications/NAME."
    )
    common.add_evaluation_arguments(parser)
    parser.add_argument(
        "--license",
        default=None,
        help="License text of the metadata. Default: the source's or the "
        "old bundle's, if any.",
    )
    parser.add_argument(
        "--description",
        default=None,
        help="One-paragraph description of the metadata (and of a new "
        "model card). Default: the source's or the old bundle's, if any.",
    )
    parser.add_argument(
        "--preview",
        default="preview.png",
        help="File name of the preview grid inside BUNDLE_DIR. Default: "
        "preview.png.",
    )
    parser.add_argument(
        "--preview-images",
        type=int,
        default=64,
        help="Images in the preview grid. Default: 64.",
    )
    parser.add_argument(
        "--verbose", type=int, default=1, choices=[0, 1], help="Default: 1."
    )
    parser.set_defaults(handler=run, parser=parser)


def _old_metadata(path_or_name):
    """The metadata of a preset folder or bundled name, else `{}`."""
    from kerasgen.utils import preset_utils

    try:
        folder = preset_utils.resolve_preset(path_or_name)
        return preset_utils.read_metadata(folder)
    except (ValueError, TypeError, OSError):
        return {}


def preset_name(bundle_dir):
    """How `kerasgen evaluate` names the bundle: its name if bundled."""
    from kerasgen.utils import preset_utils

    parent = os.path.realpath(os.path.dirname(os.path.abspath(bundle_dir)))
    if parent == os.path.realpath(preset_utils.bundles_dir()):
        return os.path.basename(os.path.normpath(bundle_dir))
    return bundle_dir


def _preview_inputs(args, count):
    """The first `count` uint8 images of the evaluated split."""
    import numpy as np

    from kerasgen.data import image_dataset

    split = None if os.path.isdir(args.dataset) else args.split
    data = image_dataset(
        args.dataset,
        split=split,
        batch_size=count,
        shuffle=False,
        cache=False,
        value_range=(0.0, 255.0),
    )
    for batch in data.take(1):
        return np.round(np.asarray(batch)).astype("uint8")
    return None


def check_arguments(args):
    from kerasgen.utils import argument_validation as av

    common.evaluation_arguments(args)
    av.check_positive_int("--preview-images", args.preview_images)
    if not args.preview.endswith(".png") or os.sep in args.preview:
        raise ValueError(
            "--preview must be a .png file name inside BUNDLE_DIR; received "
            f"{args.preview!r}"
        )


def run(args):
    from kerasgen import evaluation
    from kerasgen.utils import preset_utils
    from kerasgen.utils import save_image_grid

    check_arguments(args)
    model = common.load_model(args.source)
    if not callable(getattr(model, "save_to_preset", None)):
        raise ValueError(
            f"source {args.source!r} is a {type(model).__name__}, which has "
            "no save_to_preset; expected a kerasgen model"
        )
    options = common.evaluation_arguments(args, model)
    metadata = {}
    for old in (_old_metadata(args.source), _old_metadata(args.bundle_dir)):
        metadata.update({k: old[k] for k in CARRIED_METADATA if k in old})
    metadata.setdefault("dataset", args.dataset)
    for key in ("license", "description"):
        if getattr(args, key) is not None:
            metadata[key] = getattr(args, key)
    if os.path.isfile(os.path.join(args.bundle_dir, "recipe.sh")):
        metadata["recipe"] = os.path.join(
            os.path.normpath(args.bundle_dir), "recipe.sh"
        )
    model.save_to_preset(
        args.bundle_dir, metadata=metadata, include_training_only=False
    )
    # Measure what ships: the bundle as `from_preset` loads it.
    bundle = common.load_model(args.bundle_dir)
    metrics = evaluation.evaluate(bundle, verbose=args.verbose, **options)
    commands = common.metric_commands(
        preset_name(args.bundle_dir), options, metrics
    )
    metadata_path = os.path.join(args.bundle_dir, preset_utils.METADATA_FILE)
    info = preset_utils.read_metadata(args.bundle_dir)
    info.update(metrics=metrics, metric_commands=commands)
    info.pop("metrics_command", None)
    with open(metadata_path, "w") as f:
        json.dump(info, f, indent=2, sort_keys=True)
    preset_utils.verify_weights(args.bundle_dir)

    if callable(getattr(bundle, "preview_images", None)):  # not a network
        preview = bundle.preview_images(
            num_images=args.preview_images,
            seed=args.seed,
            images=_preview_inputs(args, args.preview_images),
            **options["generate_kwargs"],
        )
        save_image_grid(
            preview, os.path.join(args.bundle_dir, args.preview), scale=2
        )
    readme = os.path.join(args.bundle_dir, "README.md")
    if not os.path.isfile(readme):
        with open(readme, "w") as f:
            f.write(
                MINIMAL_CARD.format(
                    name=os.path.basename(os.path.normpath(args.bundle_dir)),
                    class_name=info.get("class_name"),
                    dataset=info.get("dataset"),
                    description=f" {info['description']}"
                    if info.get("description")
                    else "",
                    preview=args.preview,
                )
            )
    evaluation.update_model_card(readme, info)
    print(json.dumps(metrics, indent=2, sort_keys=True))
    print(f"Wrote the bundle {args.bundle_dir}")
    return 0
