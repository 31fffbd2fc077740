import pytest

from kerasgen import models
from kerasgen.recipes import get_recipe


def test_defaults_build_the_bundled_vae(parse, fmnist_info):
    model = get_recipe("vae").build_model(parse("vae"), fmnist_info)
    assert isinstance(model, models.VAE)
    assert model.latent_dim == 16
    assert model.likelihood == "discretized_logistic"
    assert model.kl_weight == 1.0
    assert tuple(model.image_shape) == (28, 28, 1)


def test_flags_reach_the_model(parse, fmnist_info):
    args = parse(
        "vae", "--latent-dim", "3", "--likelihood", "bernoulli",
        "--kl-weight", "0.5", "--seed", "4",
    )  # fmt: skip
    model = get_recipe("vae").build_model(args, fmnist_info)
    assert (model.latent_dim, model.likelihood) == (3, "bernoulli")
    assert model.kl_weight == 0.5


@pytest.mark.parametrize(
    "flags, message",
    [
        (("--latent-dim", "0"), "--latent-dim must be an int >= 1; received 0"),
        (("--kl-weight", "-1"), "--kl-weight must be a finite number >= 0"),
    ],
)
def test_bad_flags_name_the_flag(parse, fmnist_info, flags, message):
    with pytest.raises(ValueError, match=message):
        get_recipe("vae").build_model(parse("vae", *flags), fmnist_info)


def test_switches():
    recipe = get_recipe("vae")
    assert recipe.supports_ema and recipe.supports_validation
    assert recipe.sample_grid and recipe.reconstruction_grid
    assert not recipe.with_labels
