"""Pretrained models ("applications"), like `keras.applications`.

Each bundle is a preset folder shipped inside the package (the repository's
top-level `applications/` folder): config, weights checked by sha256 before
loading, metadata and a model card (`README.md`).

Example:
>>> import kerasgen
>>> "vae_fashion_mnist" in kerasgen.applications.list_applications()
True
>>> vae = kerasgen.applications.load("vae_fashion_mnist")
>>> images = vae.generate(num_samples=4, seed=0)
>>> images.shape, images.dtype
((4, 28, 28, 1), dtype('uint8'))
"""

from kerasgen.utils import preset_utils


def list_applications():
    """Returns `{name: metadata}` of every bundled pretrained model."""
    return preset_utils.list_presets()


def load(name):
    """Loads a bundled pretrained model (or a preset folder) by name.

    The weights are verified against their sha256 before loading.

    Raises:
        ValueError: an unknown name (the message lists the available ones)
            or weights that fail their sha256 check.
    """
    return preset_utils.load_preset(name)


def model_card(name):
    """Returns the text of a bundle's model card (`README.md`)."""
    import os

    path = os.path.join(preset_utils.resolve_preset(name), "README.md")
    with open(path) as f:
        return f.read()
