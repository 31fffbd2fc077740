"""`kerasgen generate MODEL`: a PNG grid (and .npz) of generated images."""

from kerasgen.cli import common


def add_parser(commands):
    parser = commands.add_parser(
        "generate",
        help="Generate images from a .keras file or a pretrained application.",
        description="Generate images with model.generate and write them as "
        "a PNG grid (and optionally as uint8 arrays in an .npz).",
    )
    common.add_model_argument(parser)
    parser.add_argument(
        "--num-samples", type=int, default=64, help="Default: 64."
    )
    parser.add_argument(
        "--seed",
        type=int,
        default=0,
        help="Same seed, same images. Default: 0.",
    )
    parser.add_argument(
        "--batch-size", type=int, default=None, help="Images per step."
    )
    parser.add_argument(
        "--output",
        default="samples.png",
        help="PNG grid. Default: samples.png.",
    )
    parser.add_argument(
        "--npz", default=None, help="Also save the uint8 images to this .npz."
    )
    parser.add_argument(
        "--scale", type=int, default=2, help="Grid upscaling. Default: 2."
    )
    parser.add_argument(
        "--labels",
        default=None,
        help="Class-conditional models: comma-separated class labels, "
        "repeated to --num-samples (e.g. '3' for only class 3). Default: "
        "the classes in turn.",
    )
    parser.add_argument(
        "--generate-kwargs",
        default=None,
        help="Extra model.generate arguments, comma-separated key=value "
        "(values read as JSON), e.g. 'guidance_scale=3' or "
        "'temperature=0.9'. Default: none.",
    )
    parser.set_defaults(handler=run, parser=parser)


def parse_labels(text, model, num_samples):
    """`--labels '0,3'` as int labels repeated to `num_samples`, or None."""
    import numpy as np

    if text is None:
        return None
    if getattr(model, "num_classes", None) is None:
        raise ValueError(
            f"--labels needs a class-conditional model; received {text!r} "
            f"for a {type(model).__name__} without num_classes"
        )
    try:
        labels = [int(label) for label in text.split(",")]
    except ValueError:
        raise ValueError(
            f"--labels must be comma-separated integers; received {text!r}"
        ) from None
    if min(labels) < 0 or max(labels) >= model.num_classes:
        raise ValueError(
            f"--labels must lie in [0, {model.num_classes}); received {text!r}"
        )
    return np.resize(np.asarray(labels, "int32"), num_samples)


def run(args):
    import numpy as np

    from kerasgen import evaluation
    from kerasgen.utils import argument_validation as av
    from kerasgen.utils import save_image_grid

    av.check_positive_int("--num-samples", args.num_samples)
    av.check_positive_int("--batch-size", args.batch_size, allow_none=True)
    av.check_positive_int("--scale", args.scale)
    av.check_int("--seed", args.seed, minimum=0)
    extra = evaluation.parse_generate_kwargs(args.generate_kwargs)
    model = common.load_model(args.model)
    if not common.is_generative(model):
        raise ValueError(
            f"model {args.model!r} is a {type(model).__name__}, which does not "
            "generate images; expected a generative model (see `kerasgen list`)"
        )
    labels = parse_labels(args.labels, model, args.num_samples)
    images = model.generate(
        labels,
        num_samples=args.num_samples,
        seed=args.seed,
        batch_size=args.batch_size,
        **extra,
    )
    save_image_grid(images, args.output, scale=args.scale)
    if args.npz:
        np.savez_compressed(args.npz, images=images)
    print(f"Wrote {len(images)} images to {args.output}")
    return 0
