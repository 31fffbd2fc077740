import pytest

from kerasgen import recipes
from kerasgen.recipes import recipe as recipe_module


@pytest.fixture
def registry(monkeypatch):
    """A copy of the registry: recipes registered in a test vanish after."""
    monkeypatch.setattr(recipe_module, "_RECIPES", dict(recipe_module._RECIPES))
    return recipe_module._RECIPES


def test_every_family_is_registered():
    names = recipes.list_recipes()
    assert list(names) == sorted(names)
    for name in ("vae", "gan", "cgan", "wgan_gp", "vqvae", "dvae", "vqgan"):
        assert name in names and names[name]
        recipe = recipes.get_recipe(name)
        assert isinstance(recipe, recipes.Recipe) and recipe.name == name
        # At least one grid, so every run shows what the model learns.
        assert recipe.sample_grid or recipe.reconstruction_grid


def test_register_a_recipe(registry):
    @recipes.register_recipe
    class Toy(recipes.Recipe):
        name = "toy"
        summary = "A toy."

    assert recipes.list_recipes()["toy"] == "A toy."
    assert isinstance(recipes.get_recipe("toy"), Toy)
    # Registering the same class again is harmless.
    assert recipes.register_recipe(Toy) is Toy


def test_registry_refuses_bad_recipes(registry):
    class Duplicate(recipes.Recipe):
        name = "vae"

    with pytest.raises(ValueError, match="'vae' is already registered"):
        recipes.register_recipe(Duplicate)

    class BadName(recipes.Recipe):
        name = "Bad-Name"

    with pytest.raises(ValueError, match="BadName.name must be a lowercase"):
        recipes.register_recipe(BadName)

    class Unnamed(recipes.Recipe):
        pass

    with pytest.raises(ValueError, match="received None"):
        recipes.register_recipe(Unnamed)
    with pytest.raises(TypeError, match="expects a Recipe subclass"):
        recipes.register_recipe(object)
    assert "Bad-Name" not in registry and None not in registry


def test_get_recipe_lists_the_known_names():
    with pytest.raises(ValueError) as info:
        recipes.get_recipe("no_such_recipe")
    message = str(info.value)
    assert "'no_such_recipe'" in message
    for name in recipes.list_recipes():
        assert name in message


def test_build_model_must_be_implemented():
    class Empty(recipes.Recipe):
        name = "empty"

    with pytest.raises(NotImplementedError, match="'empty' must implement"):
        Empty().build_model(None, None)
    assert Empty().callbacks(None, None) == []


def test_dataset_info_reads_num_classes_once():
    calls = []

    def count():
        calls.append(1)
        return 7

    info = recipes.DatasetInfo([28, 28, 1], num_classes=count)
    assert info.image_shape == (28, 28, 1)
    assert calls == []  # lazy: nothing read before use
    assert info.num_classes == 7 and info.num_classes == 7
    assert calls == [1]
    assert recipes.DatasetInfo((8, 8, 3)).num_classes is None


def test_int_tuple():
    import argparse

    assert recipe_module.int_tuple("8,16") == (8, 16)
    for text in ("8,x", "0,8", ""):
        with pytest.raises(argparse.ArgumentTypeError, match=repr(text)):
            recipe_module.int_tuple(text)
