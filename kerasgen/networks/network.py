"""The base of every kerasgen network (architecture only, no objective)."""

import keras
import numpy as np

from kerasgen.utils import config_utils
from kerasgen.utils import image_utils
from kerasgen.utils import preset_utils


@keras.saving.register_keras_serializable(package="kerasgen")
class Network(keras.Model):
    """A functional model built inside a subclass (keras-hub's `Backbone`).

    A subclass builds its layers and its functional graph in `__init__`,
    calls `super().__init__(inputs=..., outputs=..., dtype=dtype,
    **kwargs)` and stores one attribute per constructor argument, which
    `get_config()` reads off the constructor's signature
    (`kerasgen.utils.config_utils.constructor_config`): a subclass writes
    no `get_config` of its own. The base keeps
    `name`, `trainable` and the dtype policy (serialized as Keras does), and
    `from_config` restores them, so a network built with
    `dtype="mixed_bfloat16"` comes back with that policy.

    The image boundary (opt-in, `image_input = True` on networks whose
    input is an image batch): calling the network or `predict` on a NumPy
    array converts uint8 `[0, 255]` to float32 `[-1, 1]` and refuses floats
    outside `[-1, 1]` (`kerasgen.utils.image_utils.validate_images`); a dict
    input has its `"images"` entry converted. Tensors pass unchanged (inside
    a model the images are already in `[-1, 1]`).

    Example:
    >>> from kerasgen.networks import ConvEncoder
    >>> encoder = ConvEncoder((8, 8, 1), output_dim=2, filters=(4,),
    ...                       dtype="mixed_bfloat16")
    >>> restored = ConvEncoder.from_config(encoder.get_config())
    >>> restored.dtype_policy.name
    'mixed_bfloat16'
    >>> tuple(encoder(np.zeros((1, 8, 8, 1), "uint8")).shape)
    (1, 2)
    """

    image_input = False

    def __init__(self, *args, dtype=None, **kwargs):
        super().__init__(*args, **kwargs)
        # A functional `keras.Model` drops `dtype`: keep it, for the config.
        if dtype is not None:
            self.dtype_policy = dtype

    def __call__(self, *args, **kwargs):
        if self.image_input and args:
            args = (self._convert_images(args[0]),) + args[1:]
        return super().__call__(*args, **kwargs)

    def predict(self, x, *args, **kwargs):
        if self.image_input:
            x = self._convert_images(x)
        return super().predict(x, *args, **kwargs)

    def _convert_images(self, inputs):
        """NumPy images to float32 `[-1, 1]`; anything else unchanged."""
        if isinstance(inputs, dict) and "images" in inputs:
            return dict(inputs, images=self._convert_images(inputs["images"]))
        if isinstance(inputs, np.ndarray):
            return image_utils.validate_images(
                inputs, getattr(self, "image_shape", None), name="images"
            )
        return inputs

    def get_config(self):
        config = {
            "name": self.name,
            "trainable": self.trainable,
            "dtype": keras.dtype_policies.serialize(self.dtype_policy),
        }
        config.update(config_utils.constructor_config(self))
        return config

    # --- Presets (a network bundled on its own, like `fmnist_features`).
    @preset_utils.classproperty
    def presets(cls):
        """Bundled presets whose network is an instance of this class."""
        return preset_utils.presets_of(cls)

    @classmethod
    def from_preset(cls, preset, load_weights=True, **overrides):
        """Loads a bundled network (or a preset folder), sha256-checked.

        Args:
            preset: str. A bundled name (e.g. `"fmnist_features"`) or a
                folder written by `save_to_preset`.
            load_weights: bool. Defaults to `True`.
            **overrides: constructor arguments replacing the config's.
        """
        return preset_utils.load_preset(
            preset, cls, load_weights=load_weights, **overrides
        )

    def save_to_preset(
        self, preset_dir, metadata=None, include_training_only=False
    ):
        """Saves config, weights and metadata (with sha256) to a folder.

        `include_training_only` is accepted for the `kerasgen bundle`
        interface; a network has no training-only parts.
        """
        return preset_utils.save_preset(
            self, preset_dir, metadata, include_training_only
        )

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        if isinstance(config.get("dtype"), dict):
            config["dtype"] = keras.dtype_policies.deserialize(config["dtype"])
        return cls(**config)
