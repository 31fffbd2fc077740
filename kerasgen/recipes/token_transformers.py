"""Recipes of the transformers over image tokens (and text)."""

from kerasgen.recipes.recipe import TINY_TRANSFORMER_ARGUMENTS
from kerasgen.recipes.recipe import Recipe
from kerasgen.recipes.recipe import boolean
from kerasgen.recipes.recipe import register_recipe


class _TransformerRecipe(Recipe):
    """Shared flags: the tokenizer preset and the transformer's size."""

    with_labels = True
    supports_ema = True
    #: The class the architecture flags go to (for --help).
    network_name = "CausalTransformer"
    #: Architecture defaults of the model's default transformer.
    extra_architecture = {}
    tiny_arguments = TINY_TRANSFORMER_ARGUMENTS

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
                help=f"{self.network_name} argument {name}. "
                f"Default: {default}.",
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

    def check_dataset(self, args):
        if args.dataset != "fashion_mnist":
            raise ValueError(
                f"{self.name} trains on the captions of "
                "kerasgen.datasets.fashion_mnist_captions: --dataset must be "
                f"fashion_mnist; received {args.dataset!r}"
            )

    def build_model(self, args, dataset_info):
        from kerasgen.datasets import fashion_mnist_captions
        from kerasgen.models import TextImageTransformer

        self.check_dataset(args)
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


@register_recipe
class LiquidTransformerRecipe(TextImageTransformerRecipe):
    """Liquid-style `LiquidTransformer`: a keras-hub causal LM, pretrained
    on text, extended by the image ids and fine-tuned on both."""

    name = "liquid_transformer"
    summary = (
        "Liquid: image ids added to a keras-hub causal LM (GPT-2), "
        "pretrained on captions then fine-tuned on both (Liquid 2024); "
        "fashion_mnist"
    )
    network_name = "GPT2Backbone"

    def architecture(self):
        # GPT2Backbone's arguments (the offline language model).
        return {
            "num_layers": 4,
            "num_heads": 4,
            "hidden_dim": 128,
            "intermediate_dim": 512,
            "dropout": 0.0,
        }

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument(
            "--language-model",
            default=None,
            help="keras-hub CausalLM preset (a handle such as "
            "gpt2_base_en, needing internet, or a folder) to extend; the "
            "architecture flags are then ignored. Default: a new GPT-2 of "
            "those flags over fashion_mnist_captions.gpt2_tokenizer(), "
            "pretrained with --text-epochs.",
        )
        parser.add_argument(
            "--text-epochs",
            type=int,
            default=0,
            help="Epochs of text-only pretraining on the training captions "
            "before the image fine-tuning (LiquidTransformer.fit_text); "
            "the perplexities go to OUTPUT_DIR/text_pretraining.json. "
            "Default: 0.",
        )

    def language_model(self, args, sequence_length):
        import keras_hub

        if args.language_model is not None:
            return keras_hub.models.CausalLM.from_preset(args.language_model)
        from kerasgen.datasets import fashion_mnist_captions

        text = fashion_mnist_captions.gpt2_tokenizer()
        backbone = keras_hub.models.GPT2Backbone(
            vocabulary_size=text.vocabulary_size(),
            max_sequence_length=sequence_length,
            **self.architecture_arguments(args),
        )
        return keras_hub.models.GPT2CausalLM(
            backbone, keras_hub.models.GPT2CausalLMPreprocessor(text)
        )

    def build_model(self, args, dataset_info):
        import numpy as np

        from kerasgen.models import LiquidTransformer
        from kerasgen.models.token_transformer import image_token_transformer

        self.check_dataset(args)
        if args.text_epochs < 0:
            raise ValueError(
                f"--text-epochs must be >= 0; received {args.text_epochs}"
            )
        tokenizer = image_token_transformer.load_tokenizer(args.tokenizer)
        length = args.max_text_length + int(np.prod(tokenizer.token_shape))
        model = LiquidTransformer(
            tokenizer,
            self.language_model(args, sequence_length=length + 3),
            max_text_length=args.max_text_length,
            caption_dropout=args.caption_dropout,
            image_first_rate=args.image_first_rate,
            seed=args.seed,
        )
        self.args = args
        return self.check_image_shape(model, args, dataset_info)

    def prepare_data(self, data, model):
        """Text pretraining first (`--text-epochs`), then the captioned
        images of `TextImageTransformerRecipe`."""
        import json
        import os

        args = getattr(self, "args", None)
        resumed = args is not None and os.path.isdir(
            os.path.join(args.output_dir, "backup")
        )
        if args is not None and args.text_epochs and not resumed:
            from kerasgen.datasets import fashion_mnist_captions

            (_, train, _), (_, test, _) = fashion_mnist_captions.load_data()
            test = list(test)
            before = {
                "text_only": model.caption_perplexity(test, text_only=True)
            }
            model.fit_text(
                list(train),
                epochs=args.text_epochs,
                batch_size=args.batch_size,
                learning_rate=args.learning_rate,
                verbose=args.verbose,
            )
            after = {
                # The text LM (softmax over the text ids), then the same
                # model with the image ids in its softmax.
                "text_only": model.caption_perplexity(test, text_only=True),
                "full_vocabulary": model.caption_perplexity(test),
            }
            report = {
                "test_captions": len(test),
                "text_epochs": args.text_epochs,
                "perplexity_untrained": before,
                "perplexity_after_text_pretraining": after,
            }
            print(json.dumps(report))
            os.makedirs(args.output_dir, exist_ok=True)
            with open(
                os.path.join(args.output_dir, "text_pretraining.json"), "w"
            ) as f:
                json.dump(report, f, indent=2)
        return super().prepare_data(data, model)
