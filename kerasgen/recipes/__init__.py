"""Training recipes: how `kerasgen train MODEL` builds and trains a model.

One file per model family; adding a recipe is one file and one import line
here. See `kerasgen.recipes.recipe.Recipe`.
"""

from kerasgen.recipes import autoregressive  # noqa: F401
from kerasgen.recipes import diffusion  # noqa: F401
from kerasgen.recipes import gan  # noqa: F401
from kerasgen.recipes import token_transformers  # noqa: F401
from kerasgen.recipes import tokenizers  # noqa: F401
from kerasgen.recipes import vae  # noqa: F401
from kerasgen.recipes.recipe import DatasetInfo
from kerasgen.recipes.recipe import Recipe
from kerasgen.recipes.recipe import get_recipe
from kerasgen.recipes.recipe import list_recipes
from kerasgen.recipes.recipe import register_recipe

__all__ = [
    "DatasetInfo",
    "Recipe",
    "get_recipe",
    "list_recipes",
    "register_recipe",
]
