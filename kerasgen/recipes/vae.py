"""Recipe of `kerasgen train vae`: the variational autoencoder."""

from kerasgen.recipes.recipe import Recipe
from kerasgen.recipes.recipe import register_recipe
from kerasgen.utils import argument_validation as av


@register_recipe
class VAERecipe(Recipe):
    """Variational autoencoder (Kingma & Welling 2013)."""

    name = "vae"
    summary = "Variational autoencoder (Kingma & Welling 2013)"
    sample_grid = True
    reconstruction_grid = True
    supports_ema = True
    tiny_arguments = ("--latent-dim", "2")

    def add_arguments(self, parser):
        parser.add_argument(
            "--latent-dim",
            type=int,
            default=16,
            help="Size of the Gaussian latent. Default: 16.",
        )
        parser.add_argument(
            "--likelihood",
            default="discretized_logistic",
            choices=["discretized_logistic", "categorical", "bernoulli"],
            help="Pixel likelihood. Default: discretized_logistic.",
        )
        parser.add_argument(
            "--kl-weight",
            type=float,
            default=1.0,
            help="Weight of the KL term to N(0, I) (1 is the ELBO). "
            "Default: 1.",
        )

    def build_model(self, args, dataset_info):
        from kerasgen.models import VAE

        return VAE(
            image_shape=dataset_info.image_shape,
            latent_dim=av.check_positive_int("--latent-dim", args.latent_dim),
            likelihood=args.likelihood,
            kl_weight=av.check_float("--kl-weight", args.kl_weight, 0.0),
            seed=args.seed,
        )
