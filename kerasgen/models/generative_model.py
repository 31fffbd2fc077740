"""The base class of every kerasgen model."""

import keras
import numpy as np
from keras import ops

from kerasgen.utils import image_utils
from kerasgen.utils import preset_utils

_RNG_STATE_KEY = "rng_state"


class _ClassProperty:
    def __init__(self, fget):
        self.fget = fget

    def __get__(self, instance, owner):
        return self.fget(owner)


@keras.saving.register_keras_serializable(package="kerasgen")
class GenerativeModel(keras.Model):
    """Base of every kerasgen model: `generate`, presets, RNG state, checks.

    Subclasses set `self.image_shape` and implement `call()` (a meaningful
    inference output, so `predict()` works), `compute_loss()` (trained with
    the stock `train_step`) and `generate_step()`.

    Images: float32 in `[-1, 1]` inside the model; at the user boundary
    (`fit`/`evaluate`/`predict` on NumPy arrays, `generate` output) uint8 in
    `[0, 255]`. NumPy images given to `fit`, `evaluate` and `predict` are
    validated (rank, shape, channels, finite, range) and uint8 ones converted.

    Training noise comes from `self.seed_generator`, whose state is saved
    with the weights (Keras itself does not save `SeedGenerator` state), so a
    resumed run draws the same noise as an uninterrupted one.

    Args:
        seed: int or `None`. Seed of the training noise. Defaults to `None`
            (random).
    """

    # Keyword arguments of `generate()` holding one entry per sample; they
    # are split into batches with the conditioning inputs.
    per_sample_generate_kwargs = ()
    generate_batch_size = 256

    def __init__(self, seed=None, **kwargs):
        super().__init__(**kwargs)
        if seed is not None and not isinstance(seed, int):
            raise TypeError(f"seed must be an int or None; received {seed!r}")
        self.seed = seed
        self.seed_generator = keras.random.SeedGenerator(seed)

    def get_config(self):
        config = super().get_config()
        config.update({"seed": self.seed})
        return config

    # --- RNG state travels with the weights (ARCHITECTURE.md section 3.6).
    def save_own_variables(self, store):
        super().save_own_variables(store)
        store[_RNG_STATE_KEY] = ops.convert_to_numpy(
            self.seed_generator.state.value
        )

    def load_own_variables(self, store):
        keys = list(store.keys())
        if _RNG_STATE_KEY in keys:
            self.seed_generator.state.assign(np.asarray(store[_RNG_STATE_KEY]))
        own = {k: store[k] for k in keys if k != _RNG_STATE_KEY}
        super().load_own_variables(own)

    # --- User boundary checks on NumPy inputs.
    def _check_images(self, images, name):
        if isinstance(images, (np.ndarray, list)):
            return image_utils.validate_images(
                images, getattr(self, "image_shape", None), name=name
            )
        return images

    def _check_xy(self, x, name="x"):
        if isinstance(x, tuple) and len(x) in (1, 2):
            return (self._check_images(x[0], name),) + tuple(x[1:])
        return self._check_images(x, name)

    def fit(self, x=None, y=None, *args, **kwargs):
        if kwargs.get("validation_data") is not None:
            kwargs["validation_data"] = self._check_xy(
                kwargs["validation_data"], "validation_data"
            )
        return super().fit(self._check_xy(x), y, *args, **kwargs)

    def evaluate(self, x=None, y=None, *args, **kwargs):
        return super().evaluate(self._check_xy(x), y, *args, **kwargs)

    def predict(self, x, *args, **kwargs):
        return super().predict(self._check_xy(x), *args, **kwargs)

    # --- Generation.
    def check_generate_inputs(self, inputs):
        """Validates conditioning inputs; returns them as an array or None.

        The default model is unconditional: `inputs` must be `None`.
        """
        if inputs is not None:
            raise ValueError(
                f"{type(self).__name__} is unconditional: inputs must be None; "
                f"received {type(inputs).__name__}"
            )
        return None

    def generate_step(self, inputs, num_samples, seed, **kwargs):
        """Draws `num_samples` images as floats in `[-1, 1]`.

        Args:
            inputs: conditioning for this batch, or `None`.
            num_samples: int. Batch size of this step.
            seed: `keras.random.SeedGenerator` to draw all noise from.
            **kwargs: model-specific options of `generate()`.

        Returns:
            Tensor `(num_samples, height, width, channels)` in `[-1, 1]`.
        """
        raise NotImplementedError(
            f"{type(self).__name__} does not implement generate_step()"
        )

    def generate(
        self,
        inputs=None,
        num_samples=None,
        seed=None,
        batch_size=None,
        verbose="auto",
        **kwargs,
    ):
        """Generates images.

        Args:
            inputs: conditioning (class labels, prompts, partial images) or
                `None` for an unconditional model.
            num_samples: int >= 1. Number of images; with conditioning it
                defaults to (and must equal) the number of inputs.
            seed: int or `None`. The same seed (and batch size) gives the same
                images; `None` draws a fresh seed.
            batch_size: int or `None`. Images per `generate_step`. Defaults to
                `generate_batch_size` of the model.
            verbose: `"auto"`, 0 or 1. Progress bar when there are several
                batches. Defaults to `"auto"`.
            **kwargs: model-specific options (see the model's
                `generate_step`).

        Returns:
            uint8 NumPy array `(num_samples, height, width, channels)` in
            `[0, 255]`.
        """
        inputs = self.check_generate_inputs(inputs)
        per_sample = {
            key: kwargs[key]
            for key in self.per_sample_generate_kwargs
            if kwargs.get(key) is not None
        }
        counts = {len(value) for value in per_sample.values()}
        if inputs is not None:
            counts.add(len(inputs))
        if num_samples is not None:
            if (
                isinstance(num_samples, bool)
                or not isinstance(num_samples, (int, np.integer))
                or num_samples < 1
            ):
                raise ValueError(
                    f"num_samples must be an int >= 1; received {num_samples!r}"
                )
            counts.add(int(num_samples))
        if len(counts) > 1:
            raise ValueError(
                "num_samples, inputs and per-sample arguments "
                f"{sorted(per_sample)} disagree on the number of samples: "
                f"{sorted(counts)}"
            )
        if not counts:
            raise ValueError(
                "num_samples is required for unconditional generation; "
                "received None"
            )
        num_samples = counts.pop()
        if num_samples < 1:
            raise ValueError(
                f"num_samples must be an int >= 1; received {num_samples}"
            )
        if seed is None:
            seed = int(np.random.SeedSequence().entropy % (2**31 - 1))
        elif isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
            raise TypeError(f"seed must be an int or None; received {seed!r}")
        if batch_size is None:
            batch_size = self.generate_batch_size
        if (
            isinstance(batch_size, bool)
            or not isinstance(batch_size, int)
            or batch_size < 1
        ):
            raise ValueError(
                f"batch_size must be an int >= 1; received {batch_size!r}"
            )
        seed_generator = keras.random.SeedGenerator(int(seed))
        starts = range(0, num_samples, batch_size)
        show = verbose == 1 or (verbose == "auto" and len(starts) > 1)
        progbar = keras.utils.Progbar(len(starts)) if show else None
        outputs = []
        for step, start in enumerate(starts):
            stop = min(start + batch_size, num_samples)
            step_kwargs = dict(kwargs)
            for key, value in per_sample.items():
                step_kwargs[key] = value[start:stop]
            images = self.generate_step(
                None if inputs is None else inputs[start:stop],
                stop - start,
                seed_generator,
                **step_kwargs,
            )
            outputs.append(image_utils.float_to_uint8(images))
            if progbar is not None:
                progbar.update(step + 1)
        return np.concatenate(outputs, axis=0)

    # --- Presets.
    @_ClassProperty
    def presets(cls):
        """Bundled presets whose model is an instance of this class."""
        return {
            name: metadata
            for name, metadata in preset_utils.list_presets().items()
            if _is_subclass_named(cls, metadata.get("class_name"))
        }

    @classmethod
    def from_preset(cls, preset):
        """Loads a bundled preset by name, or a preset folder.

        The weights are checked against their sha256 before loading.

        Args:
            preset: str. A name from `Model.presets` (for example
                `"vae_fashion_mnist"`) or a folder written by
                `save_to_preset`.

        Raises:
            ValueError: unknown preset (the message lists the available
                ones), a weights file that fails its sha256, or a preset of
                another model class.
        """
        return preset_utils.load_preset(preset, cls)

    def save_to_preset(self, preset_dir, metadata=None):
        """Saves config, weights and metadata (with sha256) to a folder.

        Args:
            preset_dir: str. Output folder.
            metadata: dict or `None`. Extra metadata (dataset, license...).
        """
        return preset_utils.save_preset(self, preset_dir, metadata)


def _is_subclass_named(cls, class_name):
    registered = keras.saving.get_registered_object(f"kerasgen>{class_name}")
    return registered is not None and issubclass(registered, cls)
