"""The `Recipe` base class and the registry behind `kerasgen train MODEL`.

A recipe is how the command line builds and trains one model: the paper's
flags (`add_arguments`), the model they build (`build_model`), extra
callbacks, and a few switches that the generic train loop reads. What the
model owns itself (its optimizers and learning rates, its evaluation
metrics) stays in the model: the train loop calls
`model.default_optimizers(args.learning_rate)`.

Example:
>>> from kerasgen import recipes
>>> "vae" in recipes.list_recipes()
True
>>> recipes.get_recipe("vae").reconstruction_grid
True
"""

import re

_RECIPES = {}
_NAME = re.compile(r"^[a-z][a-z0-9_]*$")


class DatasetInfo:
    """What a recipe may know of the training data.

    Args:
        image_shape: tuple. `(height, width, channels)` of the images.
        num_classes: int, `None`, or a callable returning one. The number of
            classes of the dataset's labels; a callable is called on first
            use only (reading a TFDS builder's info costs time). `None` when
            the dataset has no labels.
    """

    def __init__(self, image_shape, num_classes=None):
        self.image_shape = tuple(image_shape)
        self._num_classes = num_classes

    @property
    def num_classes(self):
        if callable(self._num_classes):
            self._num_classes = self._num_classes()
        return self._num_classes


#: `tiny_arguments` of the recipes whose flags size a `CausalTransformer`.
TINY_TRANSFORMER_ARGUMENTS = (
    "--num-layers",
    "1",
    "--num-heads",
    "2",
    "--hidden-dim",
    "8",
    "--intermediate-dim",
    "16",
)


class Recipe:
    """How `kerasgen train NAME` builds and trains one model.

    Subclass it, set `name` and `summary`, implement `build_model` (and
    `add_arguments` for the recipe's own flags), and decorate the class
    with `@register_recipe`; `kerasgen train NAME` then exists, with
    `--help` listing the common flags and the recipe's own.

    Class attributes read by the generic train loop:
        name: str. The command-line name (`kerasgen train NAME`).
        summary: str. One line for `kerasgen list` and `--help`.
        with_labels: bool. Train on `(images, labels)` (conditional
            models). Defaults to `False`.
        sample_grid: bool. Write a grid of `model.generate()` samples every
            epoch (`OUTPUT_DIR/samples/`) and `samples.png` at the end.
            Defaults to `True`.
        reconstruction_grid: bool. Write fixed training images over their
            reconstructions (`model.predict`) every epoch
            (`OUTPUT_DIR/reconstructions/`) and `reconstructions.png` at the
            end. Defaults to `False`.
        supports_ema: bool. Offer `--ema MOMENTUM` (EMA of the weights; the
            model must train with one optimizer). Defaults to `False`.
        supports_validation: bool. Offer `--validation-split` (the model
            has a meaningful `test_step`). Defaults to `True`.
        tiny_arguments: tuple of str. Flags of a tiny model, used by the
            smoke test that trains every registered recipe for one step.
    """

    name = None
    summary = ""
    with_labels = False
    sample_grid = True
    reconstruction_grid = False
    supports_ema = False
    supports_validation = True
    tiny_arguments = ()

    def add_arguments(self, parser):
        """Adds this recipe's own flags to `parser` (an argparse group)."""

    def build_model(self, args, dataset_info):
        """Returns the uncompiled model.

        Args:
            args: `argparse.Namespace` of the common and the recipe's flags.
            dataset_info: `DatasetInfo` of the training data.
        """
        raise NotImplementedError(
            f"recipe {self.name!r} must implement build_model(args, "
            "dataset_info)"
        )

    def prepare_data(self, data, model):
        """The training (and validation) data as the model takes it.

        Called on the batched `tf.data.Dataset` of images (and labels, with
        `with_labels`) after `build_model`; the default returns it as it
        is. A recipe whose model trains on more than images (captions made
        from the images and labels, token ids) maps it here.
        """
        del model
        return data

    def callbacks(self, args, context):
        """Extra Keras callbacks of this recipe (for example a schedule).

        Args:
            args: `argparse.Namespace` of the flags.
            context: the train loop's context: `output_dir`, `epochs`,
                `train_data`, `dataset_info`, `model` and
                `steps_per_epoch()` (counted once if the data has no known
                length).
        """
        del args, context
        return []


def register_recipe(cls):
    """Class decorator: registers a `Recipe` subclass under `cls.name`.

    Raises:
        TypeError: `cls` is not a `Recipe` subclass.
        ValueError: a missing or malformed name, or a name already taken.
    """
    if not (isinstance(cls, type) and issubclass(cls, Recipe)):
        raise TypeError(
            f"register_recipe expects a Recipe subclass; received {cls!r}"
        )
    name = cls.name
    if not isinstance(name, str) or not _NAME.match(name):
        raise ValueError(
            f"{cls.__name__}.name must be a lowercase identifier such as "
            f"'wgan_gp'; received {name!r}"
        )
    if name in _RECIPES and _RECIPES[name] is not cls:
        raise ValueError(
            f"recipe name {name!r} is already registered by "
            f"{_RECIPES[name].__name__}; choose another name"
        )
    _RECIPES[name] = cls
    return cls


def get_recipe(name):
    """Returns a new instance of the recipe registered under `name`.

    Raises:
        ValueError: an unknown name (the message lists the known ones).
    """
    if name not in _RECIPES:
        raise ValueError(
            f"unknown recipe {name!r}; expected one of "
            f"{', '.join(sorted(_RECIPES)) or 'none'}"
        )
    return _RECIPES[name]()


def list_recipes():
    """Returns `{name: summary}` of every registered recipe, sorted."""
    return {name: _RECIPES[name].summary for name in sorted(_RECIPES)}


def boolean(text):
    """argparse type of a true/false flag (`true`, `1`, `yes` / `false`,
    `0`, `no`)."""
    import argparse

    if text.lower() in ("true", "1", "yes"):
        return True
    if text.lower() in ("false", "0", "no"):
        return False
    raise argparse.ArgumentTypeError(
        f"expected true or false; received {text!r}"
    )


def int_tuple(text):
    """argparse type: `"16,32,64"` -> `(16, 32, 64)`, positive ints only."""
    import argparse

    try:
        values = tuple(int(value) for value in text.split(","))
    except ValueError:
        values = ()
    if not values or min(values) < 1:
        raise argparse.ArgumentTypeError(
            f"expected comma-separated positive integers such as 16,32,64; "
            f"received {text!r}"
        )
    return values
