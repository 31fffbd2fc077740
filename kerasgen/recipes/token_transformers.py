"""Recipes of the transformers over image tokens."""

from kerasgen.recipes.recipe import Recipe
from kerasgen.recipes.recipe import register_recipe


@register_recipe
class TokenTransformerRecipe(Recipe):
    """Class-conditional `ImageTokenTransformer` (VQ-GAN stage 2)."""

    name = "token_transformer"
    summary = (
        "Token transformer: a class-conditional GPT over an image "
        "tokenizer's ids, classifier-free guidance (taming 2021, LlamaGen)"
    )
    with_labels = True
    supports_ema = True
    tiny_arguments = (
        "--num-layers",
        "1",
        "--num-heads",
        "2",
        "--hidden-dim",
        "8",
        "--intermediate-dim",
        "16",
    )

    def add_arguments(self, parser):
        from kerasgen.models.token_transformer import image_token_transformer

        parser.add_argument(
            "--tokenizer",
            default="vqgan_fashion_mnist",
            help="ImageTokenizer preset (name or folder), frozen and kept "
            "as a reference. Default: vqgan_fashion_mnist.",
        )
        parser.add_argument(
            "--label-dropout",
            type=float,
            default=0.1,
            help="Probability that a training label is replaced by the "
            "null class (classifier-free guidance). Default: 0.1.",
        )
        defaults = image_token_transformer.TRANSFORMER_ARGUMENTS
        for name, default in defaults.items():
            parser.add_argument(
                "--" + name.replace("_", "-"),
                type=type(default),
                default=default,
                help=f"CausalTransformer argument {name}. Default: {default}.",
            )

    def build_model(self, args, dataset_info):
        from kerasgen.models import ImageTokenTransformer
        from kerasgen.models.token_transformer import image_token_transformer

        model = ImageTokenTransformer(
            args.tokenizer,
            num_classes=dataset_info.num_classes,
            label_dropout=args.label_dropout,
            seed=args.seed,
            **{
                name: getattr(args, name)
                for name in image_token_transformer.TRANSFORMER_ARGUMENTS
            },
        )
        if model.image_shape != tuple(dataset_info.image_shape):
            raise ValueError(
                f"--tokenizer {args.tokenizer} encodes images of shape "
                f"{model.image_shape}; the dataset's are "
                f"{tuple(dataset_info.image_shape)}"
            )
        return model
