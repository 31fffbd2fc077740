"""Recipes of the image tokenizers: `vqvae`, `dvae` and `vqgan`.

All three train an encoder, a quantizer and a decoder on reconstruction
and write originals over their reconstructions every epoch (no sample
grid: the samples of uniformly drawn tokens are noise). The optimizers
(Adam 2e-4; VQ-GAN's two with betas (0.5, 0.9)) are the models' defaults.
"""

from kerasgen.recipes.recipe import Recipe
from kerasgen.recipes.recipe import int_tuple
from kerasgen.recipes.recipe import register_recipe
from kerasgen.utils import argument_validation as av


class TokenizerRecipe(Recipe):
    """Shared flags of the image tokenizer recipes."""

    sample_grid = False
    reconstruction_grid = True
    default_latent_dim = 16
    tiny_arguments = (
        "--codebook-size",
        "16",
        "--latent-dim",
        "4",
        "--filters",
        "8,8,8",
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--codebook-size",
            type=int,
            default=512,
            help="Vocabulary of the tokenizer. Default: 512.",
        )
        parser.add_argument(
            "--latent-dim",
            type=int,
            default=self.default_latent_dim,
            help="Size of the codebook vectors. Default: "
            f"{self.default_latent_dim}.",
        )
        parser.add_argument(
            "--filters",
            type=int_tuple,
            default=(16, 32, 64),
            help="Encoder/decoder level widths, comma-separated; the token "
            "grid side is the image side / 2**(levels - 1). Default: "
            "16,32,64 (7x7 tokens for 28x28 images).",
        )

    def codebook_size(self, args):
        return av.check_int("--codebook-size", args.codebook_size, minimum=2)

    def latent_dim(self, args):
        return av.check_positive_int("--latent-dim", args.latent_dim)


class VectorQuantizedRecipe(TokenizerRecipe):
    """VQ-VAE and VQ-GAN: an EMA codebook with dead-code restarts."""

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument(
            "--dead-code-threshold",
            type=float,
            default=None,
            help="Restart a code whose EMA share of the vectors falls below "
            "this; 0 turns restarts off. Default: 0.1 / codebook size.",
        )

    def quantizer(self, args):
        from kerasgen.quantizers import VectorQuantizer

        codebook_size = self.codebook_size(args)
        threshold = av.check_float(
            "--dead-code-threshold",
            args.dead_code_threshold,
            0.0,
            1.0,
            allow_none=True,
        )
        if threshold is None:
            # Restart a code whose EMA share of the vectors falls below a
            # tenth of the uniform share (at batch 128 of 28x28 images,
            # 6,272 vectors over 512 codes: under 1.2 vectors a batch).
            threshold = 0.1 / codebook_size
        return VectorQuantizer(
            codebook_size,
            self.latent_dim(args),
            use_ema=True,
            decay=0.99,
            dead_code_threshold=threshold,
            seed=args.seed,
            name="quantizer",
        )

    def common_arguments(self, args, dataset_info):
        return dict(
            image_shape=dataset_info.image_shape,
            latent_dim=self.latent_dim(args),
            codebook_size=self.codebook_size(args),
            filters=args.filters,
            quantizer=self.quantizer(args),
            seed=args.seed,
        )


@register_recipe
class VQVAERecipe(VectorQuantizedRecipe):
    name = "vqvae"
    summary = (
        "VQ-VAE image tokenizer, EMA codebook with dead-code restarts "
        "(van den Oord et al. 2017)"
    )

    def build_model(self, args, dataset_info):
        from kerasgen.models import VQVAE

        return VQVAE(**self.common_arguments(args, dataset_info))


@register_recipe
class VQGANRecipe(VectorQuantizedRecipe):
    name = "vqgan"
    summary = (
        "VQ-GAN image tokenizer: VQ-VAE + perceptual and PatchGAN losses "
        "(Esser et al. 2021)"
    )
    tiny_arguments = TokenizerRecipe.tiny_arguments + (
        "--discriminator-start",
        "1",
    )

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument(
            "--discriminator-start",
            type=int,
            default=400,
            help="Training steps before the adversarial loss. Default: 400.",
        )
        parser.add_argument(
            "--perceptual-loss",
            choices=["auto", "fmnist_features", "vgg16", "none"],
            default="auto",
            help="Perceptual loss network. Default: auto (fmnist_features "
            "for 28x28x1 images, vgg16 otherwise).",
        )

    def build_model(self, args, dataset_info):
        from kerasgen.models import VQGAN

        perceptual = args.perceptual_loss
        if perceptual == "auto":
            is_fmnist_shape = dataset_info.image_shape == (28, 28, 1)
            perceptual = "fmnist_features" if is_fmnist_shape else "vgg16"
        return VQGAN(
            perceptual_loss=None if perceptual == "none" else perceptual,
            discriminator_start=av.check_int(
                "--discriminator-start", args.discriminator_start, minimum=0
            ),
            **self.common_arguments(args, dataset_info),
        )


@register_recipe
class DiscreteVAERecipe(TokenizerRecipe):
    name = "dvae"
    summary = (
        "DALL-E discrete VAE image tokenizer, Gumbel-softmax annealed from "
        "1 to 1/16 (Ramesh et al. 2021)"
    )
    default_latent_dim = 64

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument(
            "--kl-weight",
            type=float,
            default=5e-4,
            help="Weight of the KL term to the uniform prior over codes. "
            "Default: 5e-4.",
        )
        parser.add_argument(
            "--straight-through",
            action="store_true",
            help="Hard one-hot codes in the forward pass of training, "
            "softmax gradients (straight-through Gumbel-softmax).",
        )
        parser.add_argument(
            "--entropy-weight",
            type=float,
            default=0.0,
            help="Weight of the entropy penalty (confident codes spread over "
            "the codebook, MAGVIT-v2's). Default: 0 (off).",
        )
        parser.add_argument(
            "--anneal-noise",
            action="store_true",
            help="Scale the Gumbel noise by the temperature, so that late in "
            "training the sampled code is the argmax inference uses.",
        )

    def build_model(self, args, dataset_info):
        from kerasgen.models import DiscreteVAE

        return DiscreteVAE(
            image_shape=dataset_info.image_shape,
            codebook_size=self.codebook_size(args),
            codebook_dim=self.latent_dim(args),
            filters=args.filters,
            kl_weight=av.check_float("--kl-weight", args.kl_weight, 0.0),
            straight_through=args.straight_through,
            entropy_weight=av.check_float(
                "--entropy-weight", args.entropy_weight, 0.0
            ),
            anneal_noise=args.anneal_noise,
            seed=args.seed,
        )

    def callbacks(self, args, context):
        from kerasgen.callbacks import GumbelTemperatureSchedule

        # DALL-E anneals the temperature from 1 to 1/16; here over the run.
        return [
            GumbelTemperatureSchedule(
                start=1.0,
                end=1.0 / 16,
                decay_steps=args.epochs * context.steps_per_epoch(),
            )
        ]
