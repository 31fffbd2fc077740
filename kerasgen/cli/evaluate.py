"""`kerasgen evaluate MODEL`: named measurements of `kerasgen.evaluation`."""

import json

from kerasgen.cli import common


def add_parser(commands):
    parser = commands.add_parser(
        "evaluate",
        help="Evaluate a model with kerasgen.evaluation: likelihoods, "
        "sample metrics (FID, KID, ...), reconstructions, baselines.",
        description="Measure a model on a dataset split with "
        "kerasgen.evaluation.evaluate. Without --metrics, the model's "
        "default_evaluation_metrics. Sample metrics compare NUM_SAMPLES "
        "images from model.generate with the split's images in the feature "
        "space of --feature-extractor; reference statistics are cached "
        "under $KERASGEN_CACHE_DIR (default ~/.cache/kerasgen).",
    )
    common.add_model_argument(parser)
    common.add_evaluation_arguments(parser)
    parser.add_argument(
        "--output",
        "--output-json",
        dest="output",
        default=None,
        help="Also write the metrics to this JSON file.",
    )
    parser.add_argument(
        "--verbose", type=int, default=1, choices=[0, 1], help="Default: 1."
    )
    parser.set_defaults(handler=run, parser=parser)


def run(args):
    from kerasgen import evaluation

    common.evaluation_arguments(args)  # checked before the model loads
    model = common.load_model(args.model)
    metrics = evaluation.evaluate(
        model,
        verbose=args.verbose,
        **common.evaluation_arguments(args, model),
    )
    print(json.dumps(metrics, indent=2, sort_keys=True))
    if args.output:
        with open(args.output, "w") as f:
            json.dump(metrics, f, indent=2, sort_keys=True)
    return 0
