import pytest

from kerasgen import models
from kerasgen.recipes import DatasetInfo
from kerasgen.recipes import get_recipe


@pytest.mark.parametrize(
    "name, loss, steps, num_classes",
    [
        ("gan", "non_saturating", 1, None),
        ("cgan", "non_saturating", 1, 10),
        ("wgan_gp", "wasserstein", 5, None),
    ],
)
def test_defaults(parse, fmnist_info, name, loss, steps, num_classes):
    recipe = get_recipe(name)
    model = recipe.build_model(parse(name), fmnist_info)
    assert isinstance(model, models.GAN)
    assert model.loss == loss
    assert model.discriminator_steps == steps
    assert model.num_classes == num_classes
    assert model.latent_dim == 128
    assert recipe.with_labels == (num_classes is not None)
    assert recipe.sample_grid and not recipe.reconstruction_grid
    # A GAN has no validation loss and no EMA flag.
    assert not recipe.supports_validation and not recipe.supports_ema


def test_flags_reach_the_model(parse, fmnist_info):
    args = parse(
        "gan", "--latent-dim", "8", "--discriminator-steps", "2",
        "--gradient-penalty-weight", "3", "--r1-weight", "0.5",
    )  # fmt: skip
    model = get_recipe("gan").build_model(args, fmnist_info)
    assert model.latent_dim == 8 and model.discriminator_steps == 2
    assert model.gradient_penalty_weight == 3.0 and model.r1_weight == 0.5


def test_unconditional_recipes_do_not_read_the_classes(parse):
    def fail():
        raise AssertionError("num_classes was read")

    info = DatasetInfo((28, 28, 1), num_classes=fail)
    assert get_recipe("gan").build_model(parse("gan"), info).num_classes is None


@pytest.mark.parametrize(
    "flags, message",
    [
        (("--discriminator-steps", "0"), "--discriminator-steps must be"),
        (("--latent-dim", "0"), "--latent-dim must be an int >= 1"),
        (("--r1-weight", "-0.1"), "--r1-weight must be a finite number >= 0"),
    ],
)
def test_bad_flags_name_the_flag(parse, fmnist_info, flags, message):
    with pytest.raises(ValueError, match=message):
        get_recipe("gan").build_model(parse("gan", *flags), fmnist_info)
