"""Recipes of the autoregressive pixel models.

Each recipe's architecture flags are read off its network's constructor
(`--filters`, `--num-blocks`, ...: one flag per argument, its default the
network's), so a new network argument is a new flag with no code here. The
models own their optimizer defaults (Adam, `default_learning_rate`).
"""

import inspect

from kerasgen.recipes.recipe import TINY_TRANSFORMER_ARGUMENTS
from kerasgen.recipes.recipe import Recipe
from kerasgen.recipes.recipe import boolean
from kerasgen.recipes.recipe import int_tuple
from kerasgen.recipes.recipe import register_recipe


class AutoregressiveRecipe(Recipe):
    """A recipe of an `AutoregressiveModel` subclass (`model_class`)."""

    model_class_name = None
    sample_grid = True
    supports_ema = True

    @property
    def model_class(self):
        import kerasgen.models

        return getattr(kerasgen.models, self.model_class_name)

    def _network_parameters(self):
        network = self.model_class.network_class
        parameters = inspect.signature(network).parameters
        return [
            parameters[name] for name in self.model_class._network_arguments()
        ]

    def add_arguments(self, parser):
        model = self.model_class
        parser.add_argument(
            "--likelihood",
            default=model.default_likelihood,
            choices=["categorical", "logistic_mixture"],
            help="Per-pixel distribution. Default: "
            f"{model.default_likelihood}.",
        )
        parser.add_argument(
            "--num-mixtures",
            type=int,
            default=None,
            help="Components of the logistic mixture. Default: 10 with "
            "--likelihood logistic_mixture.",
        )
        if self.with_labels:
            parser.add_argument(
                "--label-dropout",
                type=float,
                default=0.0,
                help="Probability that a training label is replaced by the "
                "null class, for generate(..., guidance_scale=s) "
                "(classifier-free guidance). Default: 0.",
            )
        network = model.network_class.__name__
        for parameter in self._network_parameters():
            default = parameter.default
            flag = "--" + parameter.name.replace("_", "-")
            if isinstance(default, bool):
                kind = boolean
            elif isinstance(default, tuple):
                kind = int_tuple
                default = ",".join(str(v) for v in default)
            elif default is None:
                kind = str
            else:
                kind = type(default)
            parser.add_argument(
                flag,
                type=kind,
                default=parameter.default,
                help=f"{network} argument {parameter.name}. Default: "
                f"{default}.",
            )

    def build_model(self, args, dataset_info):
        network_kwargs = {
            parameter.name: getattr(args, parameter.name)
            for parameter in self._network_parameters()
        }
        return self.model_class(
            image_shape=dataset_info.image_shape,
            num_classes=dataset_info.num_classes if self.with_labels else None,
            likelihood=args.likelihood,
            num_mixtures=args.num_mixtures,
            seed=args.seed,
            **network_kwargs,
            **(
                {"label_dropout": args.label_dropout}
                if self.with_labels
                else {}
            ),
        )


@register_recipe
class PixelCNNRecipe(AutoregressiveRecipe):
    """PixelCNN (van den Oord et al. 2016a)."""

    name = "pixelcnn"
    summary = "PixelCNN: masked convolutions, 256-way softmax (2016)"
    model_class_name = "PixelCNN"
    tiny_arguments = (
        "--filters",
        "4",
        "--num-blocks",
        "1",
        "--output-filters",
        "4",
    )


@register_recipe
class GatedPixelCNNRecipe(AutoregressiveRecipe):
    """Class-conditional Gated PixelCNN (van den Oord et al. 2016b)."""

    name = "gated_pixelcnn"
    summary = (
        "Gated PixelCNN: gated vertical/horizontal stacks, no blind spot, "
        "class-conditional (2016)"
    )
    model_class_name = "GatedPixelCNN"
    with_labels = True
    tiny_arguments = (
        "--filters",
        "4",
        "--num-layers",
        "1",
        "--kernel-size",
        "3",
        "--first-kernel-size",
        "3",
        "--output-filters",
        "4",
    )


@register_recipe
class PixelRNNRecipe(AutoregressiveRecipe):
    """PixelRNN (van den Oord et al. 2016a): Diagonal BiLSTM or Row LSTM."""

    name = "pixelrnn"
    summary = (
        "PixelRNN: Diagonal BiLSTM or Row LSTM layers (--cell), "
        "256-way softmax (2016)"
    )
    model_class_name = "PixelRNN"
    tiny_arguments = (
        "--hidden-dim",
        "2",
        "--num-layers",
        "1",
        "--output-filters",
        "4",
    )


@register_recipe
class PixelCNNPlusPlusRecipe(AutoregressiveRecipe):
    """PixelCNN++ (Salimans et al. 2017)."""

    name = "pixelcnnpp"
    summary = (
        "PixelCNN++: shifted gated streams, discretized logistic mixture (2017)"
    )
    model_class_name = "PixelCNNPlusPlus"
    tiny_arguments = (
        "--filters",
        "4",
        "--num-resnet-blocks",
        "1",
        "--num-resolutions",
        "2",
        "--num-mixtures",
        "2",
    )


@register_recipe
class ImageTransformerRecipe(AutoregressiveRecipe):
    """Image Transformer (Parmar et al. 2018)."""

    name = "image_transformer"
    summary = (
        "Image Transformer: local self-attention over pixels, KV-cached "
        "sampling (2018)"
    )
    model_class_name = "ImageTransformer"
    tiny_arguments = TINY_TRANSFORMER_ARGUMENTS
