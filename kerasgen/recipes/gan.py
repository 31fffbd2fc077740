"""Recipes of the GAN family: `gan` (DCGAN), `cgan` and `wgan_gp`.

All three build `kerasgen.models.GAN`; they differ in the loss, the number
of discriminator (critic) steps per generator step and whether the model
is class-conditional. The optimizers (Adam 2e-4 with betas (0.5, 0.999),
or 1e-4 with (0.0, 0.9) for WGAN-GP) are the model's defaults.
"""

from kerasgen.recipes.recipe import Recipe
from kerasgen.recipes.recipe import register_recipe
from kerasgen.utils import argument_validation as av


class GANRecipe(Recipe):
    """Shared flags and model of the GAN recipes."""

    loss = "non_saturating"
    conditional = False
    default_discriminator_steps = 1
    sample_grid = True
    reconstruction_grid = False
    # A GAN has no likelihood to validate on: measure it with
    # `kerasgen evaluate MODEL` (FID, KID).
    supports_validation = False
    tiny_arguments = ("--latent-dim", "8")

    def add_arguments(self, parser):
        parser.add_argument(
            "--latent-dim",
            type=int,
            default=128,
            help="Size of the generator's noise. Default: 128.",
        )
        parser.add_argument(
            "--discriminator-steps",
            type=int,
            default=self.default_discriminator_steps,
            help="Discriminator updates per generator update. Default: "
            f"{self.default_discriminator_steps}.",
        )
        parser.add_argument(
            "--gradient-penalty-weight",
            type=float,
            default=None,
            help="Weight of the gradient penalty. Default: the model's (10 "
            "for the Wasserstein loss, 0 otherwise).",
        )
        parser.add_argument(
            "--r1-weight",
            type=float,
            default=0.0,
            help="Weight of the R1 penalty on real images. Default: 0.",
        )

    def build_model(self, args, dataset_info):
        from kerasgen.models import GAN

        num_classes = dataset_info.num_classes if self.conditional else None
        return GAN(
            latent_dim=av.check_positive_int("--latent-dim", args.latent_dim),
            num_classes=num_classes,
            image_shape=dataset_info.image_shape,
            loss=self.loss,
            gradient_penalty_weight=av.check_float(
                "--gradient-penalty-weight",
                args.gradient_penalty_weight,
                0.0,
                allow_none=True,
            ),
            r1_weight=av.check_float("--r1-weight", args.r1_weight, 0.0),
            discriminator_steps=av.check_positive_int(
                "--discriminator-steps", args.discriminator_steps
            ),
            seed=args.seed,
        )


@register_recipe
class DCGANRecipe(GANRecipe):
    name = "gan"
    summary = "DCGAN, non-saturating loss (Radford et al. 2015)"


@register_recipe
class ConditionalGANRecipe(GANRecipe):
    name = "cgan"
    summary = (
        "Class-conditional DCGAN with a projection discriminator "
        "(Mirza & Osindero 2014; Miyato & Koyama 2018)"
    )
    conditional = True
    with_labels = True


@register_recipe
class WGANGPRecipe(GANRecipe):
    name = "wgan_gp"
    summary = (
        "Wasserstein GAN with gradient penalty, 5 critic steps "
        "(Gulrajani et al. 2017)"
    )
    loss = "wasserstein"
    default_discriminator_steps = 5
