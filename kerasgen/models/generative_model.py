"""The base class of every kerasgen model."""

import keras
import numpy as np
from keras import ops

from kerasgen.utils import argument_validation
from kerasgen.utils import distribution_utils
from kerasgen.utils import image_utils
from kerasgen.utils import preset_utils
from kerasgen.utils import seed_utils

_RNG_STATE_KEY = "rng_state"


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
        if seed is not None and not argument_validation.is_int(seed):
            raise TypeError(f"seed must be an int or None; received {seed!r}")
        self.seed = None if seed is None else int(seed)
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
    # --- Conditioning, for the class-conditional models.
    def _split_inputs(self, inputs):
        """`(images, labels)` of images, `(images, labels)` or
        `{"images", "labels"}` (labels `None` when absent)."""
        if isinstance(inputs, dict):
            return inputs["images"], inputs.get("labels")
        if isinstance(inputs, (tuple, list)):
            return inputs[0], inputs[1] if len(inputs) > 1 else None
        return inputs, None

    def _drop_labels(self, labels):
        """int32 labels `(batch,)`, each replaced by the null class
        `num_classes` with probability `label_dropout` (classifier-free
        guidance); drawn per replica from `seed_generator`."""
        labels = ops.reshape(ops.cast(labels, "int32"), (-1,))
        draw = distribution_utils.replica_uniform(
            ops.shape(labels), self.seed_generator
        )
        return ops.where(draw < self.label_dropout, self.num_classes, labels)

    def _check_images(self, images, name, allow_empty=True):
        if isinstance(images, (np.ndarray, list)):
            return image_utils.validate_images(
                images,
                getattr(self, "image_shape", None),
                name=name,
                allow_empty=allow_empty,
            )
        if not allow_empty and _is_empty_dataset(images):
            raise ValueError(
                f"{name} is a dataset of 0 batches; expected at least one "
                "batch of images"
            )
        return images

    def _check_xy(self, x, name="x", allow_empty=True):
        if isinstance(x, dict) and "images" in x:
            return dict(
                x,
                images=self._check_images(
                    x["images"], f"{name}['images']", allow_empty
                ),
            )
        if isinstance(x, tuple) and len(x) in (1, 2):
            return (self._check_images(x[0], name, allow_empty),) + tuple(x[1:])
        return self._check_images(x, name, allow_empty)

    def fit(self, x=None, y=None, *args, **kwargs):
        if kwargs.get("validation_data") is not None:
            kwargs["validation_data"] = self._check_xy(
                kwargs["validation_data"], "validation_data", False
            )
        return super().fit(self._check_xy(x, "x", False), y, *args, **kwargs)

    def evaluate(self, x=None, y=None, *args, **kwargs):
        return super().evaluate(
            self._check_xy(x, "x", False), y, *args, **kwargs
        )

    def predict(self, x, *args, **kwargs):
        return super().predict(self._check_xy(x), *args, **kwargs)

    # --- Defaults the model owns.
    #: Measurement names of `kerasgen.evaluation` that `kerasgen evaluate`
    #: and `kerasgen bundle` report when no `--metrics` are given.
    default_evaluation_metrics = ()
    #: Attributes holding networks that only training needs (a GAN's
    #: discriminator); `save_to_preset` leaves their weights out.
    training_only = ()
    #: Adam learning rate of `default_optimizers()`.
    default_learning_rate = 1e-3
    #: XLA compilation of the generate function ("auto", True, False). Off:
    #: on the 2-core CPU XLA was slower for the small conv models
    #: (ARCHITECTURE.md rule 11); `benchmarks/generate.py` measures it.
    generate_jit_compile = False

    def default_optimizers(self, learning_rate=None, **optimizer_kwargs):
        """The optimizers `compile()` uses when none is given.

        Args:
            learning_rate: float or `None`. Overrides the model's default
                learning rate. Defaults to `None`.
            **optimizer_kwargs: extra `keras.optimizers.Adam` arguments
                (e.g. `use_ema=True`). With `use_ema=True` the optimizer is
                `kerasgen.optimizers.EMAWarmupAdam`, whose EMA momentum
                warms up (ARCHITECTURE.md rule 13).

        Returns:
            dict of `compile()` keyword arguments, here `{"optimizer": Adam}`;
            two-optimizer models return `generator_optimizer` and
            `discriminator_optimizer`.
        """
        learning_rate = argument_validation.check_float(
            "learning_rate",
            self.default_learning_rate
            if learning_rate is None
            else learning_rate,
            minimum=0.0,
            min_inclusive=False,
        )
        from kerasgen.optimizers import EMAWarmupAdam

        adam = (
            EMAWarmupAdam
            if optimizer_kwargs.get("use_ema")
            else keras.optimizers.Adam
        )
        return {"optimizer": adam(learning_rate, **optimizer_kwargs)}

    def compile(self, optimizer=None, **kwargs):
        """`keras.Model.compile`; no `optimizer`: `default_optimizers()`."""
        if optimizer is None:
            optimizer = self.default_optimizers().get("optimizer")
        self._reset_generate_functions()
        super().compile(optimizer=optimizer, **kwargs)

    def compile_from_config(self, config):
        # Keras skips this for a model whose compile() is overridden.
        self.compile(**keras.saving.deserialize_keras_object(config))
        if getattr(self, "optimizer", None) is not None and self.built:
            self.optimizer.build(self.trainable_variables)

    def preview_images(self, num_images=64, seed=0, images=None, **kwargs):
        """The images of the model card's grid (uint8).

        Args:
            num_images: int. Number of images. Defaults to 64.
            seed: int. Seed of `generate`. Defaults to 0.
            images: uint8 images or `None`. Inputs of models whose preview
                shows reconstructions (tokenizers); unused here.
            **kwargs: more `generate` arguments (e.g. `guidance_scale`).

        Returns:
            uint8 `(num_images, height, width, channels)`: samples; a
            class-conditional model cycles through its classes.
        """
        del images
        num_images = argument_validation.check_positive_int(
            "num_images", num_images
        )
        inputs = None
        num_classes = getattr(self, "num_classes", None)
        if num_classes is not None:
            inputs = np.arange(num_images, dtype="int32") % int(num_classes)
        return self.generate(
            inputs, num_samples=num_images, seed=seed, **kwargs
        )

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

        Runs inside the compiled function of `make_generate_function()`:
        backend ops only, loops as `ops.fori_loop` / `ops.while_loop`.

        Args:
            inputs: conditioning tensor for this batch, or `None`.
            num_samples: int. Batch size of this step (static).
            seed: `kerasgen.utils.seed_utils.TensorSeed`. Every draw comes
                from it (`keras.random.normal(..., seed=seed)`), and
                `seed.fold_in(i)` gives a stream per loop step.
            **kwargs: model-specific options of `generate()`: arrays (one
                row per sample) arrive as tensors, other values unchanged.

        Returns:
            Tensor `(num_samples, height, width, channels)` in `[-1, 1]`, or
            a dict of per-sample tensors holding it as `"images"`.
        """
        raise NotImplementedError(
            f"{type(self).__name__} does not implement generate_step()"
        )

    def _reset_generate_functions(self):
        # Set past Keras' attribute tracking: a cache, not model state.
        object.__setattr__(self, "_generate_functions", {})

    def load_weights(self, *args, **kwargs):
        self._reset_generate_functions()
        return super().load_weights(*args, **kwargs)

    def make_generate_function(self, num_samples, static_kwargs=None):
        """`generate_step` compiled once per batch size and static options.

        The compiled function takes `(inputs, seed, tensor_kwargs)`: the
        conditioning (or `None`), a `(2,)` seed tensor and a dict of tensor
        options; it is cached (`compile()` and weight loading reset the
        cache), so repeated calls at one batch size trace once. TensorFlow:
        `tf.function` (XLA when `generate_jit_compile`); JAX: `jax.jit` over
        the model's variables passed as state (the keras-hub
        `CausalLM.make_generate_function` pattern); other backends run
        eagerly.

        Args:
            num_samples: int. Batch size.
            static_kwargs: dict or `None`. Python-valued options, part of
                the cache key.

        Returns:
            A callable `(inputs, seed, tensor_kwargs) -> images`.
        """
        static_kwargs = dict(static_kwargs or {})
        key = (
            int(num_samples),
            _freeze(static_kwargs),
            self.generate_jit_compile,
        )
        if not hasattr(self, "_generate_functions"):
            self._reset_generate_functions()
        if key in self._generate_functions:
            return self._generate_functions[key]

        def generate_step(inputs, seed, tensor_kwargs):
            object.__setattr__(
                self, "_generate_trace_count", self.generate_trace_count + 1
            )
            return self.generate_step(
                inputs,
                int(num_samples),
                seed_utils.TensorSeed(seed),
                **tensor_kwargs,
                **static_kwargs,
            )

        function = self.compile_function(generate_step)
        self._generate_functions[key] = function
        return function

    def compile_function(self, function):
        """`function` (of tensors, reading this model's variables) compiled.

        TensorFlow: `tf.function` without autograph (XLA when
        `generate_jit_compile`); JAX: `jax.jit` with the model's variables
        passed as state, so later weight updates are seen; other backends:
        `function` itself. Retraces per input shape, as those do.
        """
        backend = keras.backend.backend()
        if backend == "tensorflow":
            import tensorflow as tf

            # No autograph: generate_step loops with ops.fori_loop, and
            # autograph re-reads the source files while tracing.
            return tf.function(
                function,
                jit_compile=self.generate_jit_compile,
                autograph=False,
            )
        if backend == "jax":
            return _jax_stateless_function(self, function)
        return function

    @property
    def generate_trace_count(self):
        """How many times a generate function was traced (for tests)."""
        return getattr(self, "_generate_trace_count", 0)

    def generate(
        self,
        inputs=None,
        num_samples=None,
        seed=None,
        batch_size=None,
        verbose="auto",
        compiled=True,
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
                `generate_batch_size` of the model. The last batch is padded
                to the same size, so one compiled function serves all.
            verbose: `"auto"`, 0 or 1. Progress bar when there are several
                batches. Defaults to `"auto"`.
            compiled: bool. Run the compiled function of
                `make_generate_function()`; `False` runs `generate_step`
                eagerly (same seed, same images; for checking; on
                TensorFlow with `generate_jit_compile` the XLA kernels draw
                other random streams than the eager ones). Defaults to
                `True`.
            **kwargs: model-specific options (see the model's
                `generate_step`).

        Returns:
            uint8 NumPy array `(num_samples, height, width, channels)` in
            `[0, 255]`. A model whose `generate_step` returns a dict (for
            example with `return_log_prob=True`) returns a dict of NumPy
            arrays, its `"images"` in uint8.
        """
        argument_validation.check_choice("verbose", verbose, ("auto", 0, 1))
        argument_validation.check_type("compiled", compiled, bool)
        inputs = self.check_generate_inputs(inputs)
        per_sample = {
            key: kwargs.pop(key)
            for key in self.per_sample_generate_kwargs
            if kwargs.get(key) is not None
        }
        counts = {len(value) for value in per_sample.values()}
        if inputs is not None:
            counts.add(len(keras.tree.flatten(inputs)[0]))
        if num_samples is not None:
            counts.add(
                argument_validation.check_positive_int(
                    "num_samples", num_samples
                )
            )
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
        elif not argument_validation.is_int(seed):
            raise TypeError(f"seed must be an int or None; received {seed!r}")
        if batch_size is None:
            batch_size = self.generate_batch_size
        batch_size = argument_validation.check_positive_int(
            "batch_size", batch_size
        )
        batch_size = min(batch_size, num_samples)
        tensors = {"inputs": inputs} if inputs is not None else {}
        tensors.update(per_sample)
        starts = range(0, num_samples, batch_size)
        show = verbose == 1 or (verbose == "auto" and len(starts) > 1)
        progbar = keras.utils.Progbar(len(starts)) if show else None
        if compiled:
            function = self.make_generate_function(batch_size, kwargs)
        outputs = []
        for step, start in enumerate(starts):
            count = min(batch_size, num_samples - start)
            batch = keras.tree.map_structure(
                lambda value: _pad_rows(
                    np.asarray(value)[start : start + count], batch_size
                ),
                tensors,
            )
            batch_inputs = batch.pop("inputs", None)
            seed_tensor = seed_utils.make_seed(int(seed), step)
            if compiled:
                images = function(batch_inputs, seed_tensor, batch)
            else:
                images = self.generate_step(
                    batch_inputs,
                    batch_size,
                    seed_utils.TensorSeed(seed_tensor),
                    **batch,
                    **kwargs,
                )
            if isinstance(images, dict):
                extras = {
                    key: ops.convert_to_numpy(value)[:count]
                    for key, value in images.items()
                    if key != "images"
                }
                outputs.append(
                    dict(
                        extras,
                        images=image_utils.float_to_uint8(images["images"])[
                            :count
                        ],
                    )
                )
            else:
                outputs.append(image_utils.float_to_uint8(images)[:count])
            if progbar is not None:
                progbar.update(step + 1)
        if isinstance(outputs[0], dict):
            return {
                key: np.concatenate([o[key] for o in outputs], axis=0)
                for key in outputs[0]
            }
        return np.concatenate(outputs, axis=0)

    # --- Presets.
    @preset_utils.classproperty
    def presets(cls):
        """Bundled presets whose model is an instance of this class."""
        return preset_utils.presets_of(cls)

    @classmethod
    def from_preset(cls, preset, load_weights=True, **overrides):
        """Loads a bundled preset by name, or a preset folder.

        The weights (and those of every preset it references) are checked
        against their sha256 before loading; the model comes compiled with
        its `default_optimizers()`, so `evaluate()` works at once.

        Args:
            preset: str. A name from `Model.presets` (for example
                `"vae_fashion_mnist"`) or a folder written by
                `save_to_preset`.
            load_weights: bool. `False` builds the architecture with fresh
                weights. Defaults to `True`.
            **overrides: constructor arguments replacing the config's (for
                example `seed=1`).

        Raises:
            ValueError: unknown preset (the message lists the available
                ones), a weights file that fails its sha256, a preset of
                another model class, or an override that is not a
                constructor argument.
        """
        return preset_utils.load_preset(
            preset, cls, load_weights=load_weights, **overrides
        )

    def save_to_preset(
        self, preset_dir, metadata=None, include_training_only=False
    ):
        """Saves config, weights and metadata (with sha256) to a folder.

        Sub-models loaded from presets are stored as `{preset, sha256}`
        references, not copied; the networks of `training_only` are left
        out unless `include_training_only`.

        Args:
            preset_dir: str. Output folder.
            metadata: dict or `None`. Extra metadata (dataset, license...).
            include_training_only: bool. Keep the training-only networks'
                weights (e.g. to resume adversarial training). Defaults to
                `False`.
        """
        return preset_utils.save_preset(
            self,
            preset_dir,
            metadata,
            include_training_only=include_training_only,
        )


def _is_empty_dataset(data):
    """Whether `data` is a `tf.data.Dataset` known to hold 0 elements."""
    cardinality = getattr(data, "cardinality", None)
    if cardinality is None or type(data).__module__.split(".")[0] != (
        "tensorflow"
    ):
        return False
    try:
        return int(cardinality()) == 0
    except (TypeError, ValueError):
        return False


def _freeze(value):
    """A hashable cache key of a dict of Python options."""
    if isinstance(value, dict):
        return tuple(sorted((k, _freeze(v)) for k, v in value.items()))
    if isinstance(value, (list, tuple)):
        return tuple(_freeze(v) for v in value)
    try:
        hash(value)
    except TypeError:
        # A repr would let two different arrays share a compiled function.
        raise TypeError(
            "generate() options that are not per-sample arrays must be "
            "hashable Python values (they select the compiled function); "
            f"received {type(value).__name__}. Pass arrays with one row per "
            "sample through the model's per-sample options."
        ) from None
    return value


def _pad_rows(array, size):
    """`array` with its last row repeated up to `size` rows."""
    if len(array) == size:
        return array
    padding = np.repeat(array[-1:], size - len(array), axis=0)
    return np.concatenate([array, padding], axis=0)


def _jax_stateless_function(model, step):
    """`jax.jit` of `step` with the model's variables as state."""
    import jax

    @jax.jit
    def compiled(state, *args):
        trainable, non_trainable = state
        mapping = list(zip(model.trainable_variables, trainable)) + list(
            zip(model.non_trainable_variables, non_trainable)
        )
        with keras.StatelessScope(state_mapping=mapping):
            return step(*args)

    def function(*args):
        state = (
            [v.value for v in model.trainable_variables],
            [v.value for v in model.non_trainable_variables],
        )
        return compiled(state, *args)

    return function
