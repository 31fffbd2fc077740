"""Recipes of the transformers over image tokens (and text)."""

from kerasgen.recipes.recipe import Recipe
from kerasgen.recipes.recipe import boolean
from kerasgen.recipes.recipe import register_recipe


class _TransformerRecipe(Recipe):
    """Shared flags: the tokenizer preset and the transformer's size."""

    with_labels = True
    supports_ema = True
    #: Architecture defaults of the model's default transformer.
    extra_architecture = {}
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

    def architecture(self):
        from kerasgen.models.token_transformer import image_token_transformer

        return dict(
            image_token_transformer.TRANSFORMER_ARGUMENTS,
            **self.extra_architecture,
        )

    def add_arguments(self, parser):
        parser.add_argument(
            "--tokenizer",
            default="vqgan_fashion_mnist",
            help="ImageTokenizer preset (name or folder), frozen and kept "
            "as a reference. Default: vqgan_fashion_mnist.",
        )
        for name, default in self.architecture().items():
            kind = boolean if isinstance(default, bool) else type(default)
            parser.add_argument(
                "--" + name.replace("_", "-"),
                type=kind,
                default=default,
                help=f"CausalTransformer argument {name}. Default: {default}.",
            )

    def architecture_arguments(self, args):
        return {name: getattr(args, name) for name in self.architecture()}

    def check_image_shape(self, model, args, dataset_info):
        if model.image_shape != tuple(dataset_info.image_shape):
            raise ValueError(
                f"--tokenizer {args.tokenizer} encodes images of shape "
                f"{model.image_shape}; the dataset's are "
                f"{tuple(dataset_info.image_shape)}"
            )
        return model


@register_recipe
class TokenTransformerRecipe(_TransformerRecipe):
    """Class-conditional `ImageTokenTransformer` (VQ-GAN stage 2)."""

    name = "token_transformer"
    summary = (
        "Token transformer: a class-conditional GPT over an image "
        "tokenizer's ids, classifier-free guidance (taming 2021, LlamaGen)"
    )

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument(
            "--label-dropout",
            type=float,
            default=0.1,
            help="Probability that a training label is replaced by the "
            "null class (classifier-free guidance). Default: 0.1.",
        )

    def build_model(self, args, dataset_info):
        from kerasgen.models import ImageTokenTransformer

        model = ImageTokenTransformer(
            args.tokenizer,
            num_classes=dataset_info.num_classes,
            label_dropout=args.label_dropout,
            seed=args.seed,
            **self.architecture_arguments(args),
        )
        return self.check_image_shape(model, args, dataset_info)


@register_recipe
class TextImageTransformerRecipe(_TransformerRecipe):
    """Chameleon-style `TextImageTransformer` on Fashion-MNIST captions."""

    name = "text_image_transformer"
    summary = (
        "Text-image transformer: captions and image tokens in one "
        "vocabulary, QK-norm, token mask (Chameleon 2024); fashion_mnist"
    )
    extra_architecture = {"qk_norm": True}

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument(
            "--max-text-length",
            type=int,
            default=12,
            help="Longest caption in tokens. Default: 12.",
        )
        parser.add_argument(
            "--caption-dropout",
            type=float,
            default=0.1,
            help="Probability that a caption -> image sequence loses its "
            "caption (classifier-free guidance). Default: 0.1.",
        )
        parser.add_argument(
            "--image-first-rate",
            type=float,
            default=0.5,
            help="Share of image -> caption sequences. Default: 0.5.",
        )

    def build_model(self, args, dataset_info):
        from kerasgen.datasets import fashion_mnist_captions
        from kerasgen.models import TextImageTransformer

        if args.dataset != "fashion_mnist":
            raise ValueError(
                "text_image_transformer trains on the captions of "
                "kerasgen.datasets.fashion_mnist_captions: --dataset must be "
                f"fashion_mnist; received {args.dataset!r}"
            )
        model = TextImageTransformer(
            args.tokenizer,
            fashion_mnist_captions.vocabulary(),
            max_text_length=args.max_text_length,
            caption_dropout=args.caption_dropout,
            image_first_rate=args.image_first_rate,
            seed=args.seed,
            **self.architecture_arguments(args),
        )
        return self.check_image_shape(model, args, dataset_info)

    def prepare_data(self, data, model):
        """`(images, labels)` batches to `{"images", "caption_ids"}`: the
        caption of each image, template by position in the batch."""
        import numpy as np
        import tensorflow as tf

        from kerasgen.datasets import fashion_mnist_captions

        def caption_ids(images, labels):
            pixels = np.round((images + 1.0) * 127.5).astype("uint8")
            texts = fashion_mnist_captions.captions(
                pixels, labels.astype("int64")
            )
            return model.tokenize_captions(texts)

        def to_inputs(images, labels):
            ids = tf.numpy_function(
                caption_ids, [images, labels], tf.int32, stateful=False
            )
            ids.set_shape((None, model.max_text_length))
            return {"images": images, "caption_ids": ids}

        return data.map(to_inputs, num_parallel_calls=tf.data.AUTOTUNE)
