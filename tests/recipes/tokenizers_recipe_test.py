import numpy as np
import pytest

from kerasgen import callbacks
from kerasgen import models
from kerasgen.recipes import get_recipe

TINY = ("--codebook-size", "16", "--latent-dim", "4", "--filters", "8,8,8")


@pytest.mark.parametrize(
    "name, cls",
    [("vqvae", "VQVAE"), ("dvae", "DiscreteVAE"), ("vqgan", "VQGAN")],
)
def test_tokenizers(parse, fmnist_info, name, cls):
    recipe = get_recipe(name)
    model = recipe.build_model(parse(name, *TINY), fmnist_info)
    assert type(model) is getattr(models, cls)
    assert model.vocabulary_size == 16
    assert tuple(model.token_shape) == (7, 7)
    assert tuple(model.filters) == (8, 8, 8)
    # Reconstructions, no sample grid: uniform-token samples are noise.
    assert recipe.reconstruction_grid and not recipe.sample_grid


@pytest.mark.parametrize("name", ["vqvae", "vqgan"])
def test_vector_quantizer_restarts_dead_codes(parse, fmnist_info, name):
    model = get_recipe(name).build_model(parse(name, *TINY), fmnist_info)
    assert model.latent_dim == 4
    assert model.quantizer.use_ema
    np.testing.assert_allclose(model.quantizer.dead_code_threshold, 0.1 / 16)
    args = parse(name, *TINY, "--dead-code-threshold", "0")
    model = get_recipe(name).build_model(args, fmnist_info)
    assert model.quantizer.dead_code_threshold == 0.0


def test_vqgan(parse, fmnist_info):
    args = parse("vqgan", *TINY, "--discriminator-start", "7")
    model = get_recipe("vqgan").build_model(args, fmnist_info)
    assert model.discriminator_start == 7
    # auto: the offline Fashion-MNIST features for 28x28x1 images.
    assert model.perceptual_loss is not None
    args = parse("vqgan", *TINY, "--perceptual-loss", "none")
    assert (
        get_recipe("vqgan").build_model(args, fmnist_info).perceptual_loss
        is None
    )


def test_dvae(parse, fmnist_info):
    args = parse("dvae", *TINY, "--straight-through", "--kl-weight", "0.01")
    model = get_recipe("dvae").build_model(args, fmnist_info)
    assert model.codebook_dim == 4
    assert model.quantizer.straight_through
    assert model.quantizer.kl_weight == 0.01
    default = get_recipe("dvae").build_model(parse("dvae"), fmnist_info)
    assert default.codebook_dim == 64 and default.quantizer.kl_weight == 5e-4


def test_dvae_anneals_the_temperature_over_the_run(parse):
    class Context:
        def steps_per_epoch(self):
            return 3

    args = parse("dvae", "--epochs", "4")
    (schedule,) = get_recipe("dvae").callbacks(args, Context())
    assert isinstance(schedule, callbacks.GumbelTemperatureSchedule)
    assert schedule.decay_steps == 12
    np.testing.assert_allclose(schedule.temperature_at(12), 1.0 / 16)
    np.testing.assert_allclose(schedule.temperature_at(0), 1.0)


@pytest.mark.parametrize(
    "flags, message",
    [
        (("--codebook-size", "1"), "--codebook-size must be an int >= 2"),
        (("--dead-code-threshold", "2"), "--dead-code-threshold must be"),
        (("--latent-dim", "0"), "--latent-dim must be an int >= 1"),
    ],
)
def test_bad_flags_name_the_flag(parse, fmnist_info, flags, message):
    with pytest.raises(ValueError, match=message):
        get_recipe("vqvae").build_model(parse("vqvae", *flags), fmnist_info)
