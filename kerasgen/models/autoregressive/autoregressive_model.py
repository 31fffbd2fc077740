"""The base of autoregressive pixel models: exact likelihood, fast sampling."""

import inspect

import keras
import numpy as np
from keras import ops

from kerasgen.losses import autoregressive_likelihood as likelihoods
from kerasgen.models import _config_utils
from kerasgen.models.generative_model import GenerativeModel
from kerasgen.utils import argument_validation as av
from kerasgen.utils import distribution_utils
from kerasgen.utils import image_utils

_COMPLETION_KEYS = ("images", "mask")


@keras.saving.register_keras_serializable(package="kerasgen")
class AutoregressiveModel(GenerativeModel):
    """An image as a sequence of pixels: `p(x) = prod_t p(x_t | x_<t)`.

    The shared base of `PixelCNN`, `GatedPixelCNN`, `PixelCNNPlusPlus`,
    `PixelRNN` and `ImageTransformer`: a causal `AutoregressiveNetwork`
    gives every pixel's distribution parameters from the pixels before it
    (raster order; R, G, B within a pixel), and a likelihood
    (`"categorical"`: a 256-way softmax per sub-pixel; `"logistic_mixture"`:
    PixelCNN++'s discretized logistic mixture) turns them into exact
    log-probabilities of the 8-bit image. Subclasses set `network_class`
    (and their defaults); they write no training or sampling code.

    - `log_prob(images, inputs=None)`: nats per image, exact.
    - Training: the stock `train_step`, loss = mean NLL in bits/dim;
      `evaluate` logs `loss` and `bits_per_dim` (the same number).
    - `generate(inputs, num_samples, seed, temperature=1.0, cache=True)`:
      one compiled loop over the pixels of a batch. With `cache=True` the
      network computes only what the new pixel changes (its `step`); with
      `cache=False` it recomputes the whole network per pixel. Both give
      the same images for the same seed. `return_log_prob=True` also
      returns the log-probability (temperature 1) of every image's sampled
      choices, which equals `log_prob` of the image (without guidance; with
      it, the choices' log-probability under the guided logits).
    - Completion: `inputs={"images": partial, "mask": known}` keeps the
      known pixels (`mask` True, bool, shape of `images` or without the
      channel axis) and samples the others in raster order; a
      class-conditional model also takes `"labels"` in the dict. Known
      pixels after a missing one are kept, but the model, being causal,
      does not condition the earlier pixels on them.
    - Classifier-free guidance (Ho & Salimans 2022, on logits as in
      autoregressive text-to-image models: Parti, LlamaGen): a
      class-conditional model trained with `label_dropout > 0` learns an
      extra "null" class (id `num_classes`, seen in place of the label
      that often); `generate(labels, guidance_scale=s)` runs the conditional
      and the null-class network on a doubled batch and samples each
      sub-pixel from `uncond + s * (cond - uncond)` logits (`s = 1`: the
      conditional model, `s = 0`: the unconditional one). Categorical
      likelihood only: a mixture's parameters are no logits.

    Args:
        image_shape: tuple `(height, width, channels)`. Defaults to the
            network's, or `(28, 28, 1)`.
        num_classes: int or `None`. Class-conditional when set. Defaults to
            the network's, or `None`.
        likelihood: `"categorical"` or `"logistic_mixture"`. Defaults to
            the subclass's `default_likelihood`.
        num_mixtures: int or `None`. Components of `"logistic_mixture"`.
            Defaults to 10 there; refused for `"categorical"`.
        network: an `AutoregressiveNetwork` or `None` to build
            `network_class` from `**network_kwargs`.
        label_dropout: float in `[0, 1)`. Class-conditional models: the
            probability that a training image's label is replaced by the
            null class; `> 0` adds that class to the network (its
            `num_classes` is then `num_classes + 1`) and enables
            `guidance_scale`. Defaults to 0.
        seed: int or `None`. Seed of the training noise (dropout, label
            dropout).
        **kwargs: the network's architecture arguments (see the subclass),
            refused when `network` is given; other `keras.Model` arguments.
    """

    #: The `AutoregressiveNetwork` subclass a model builds by default.
    network_class = None
    default_likelihood = "categorical"
    default_evaluation_metrics = ("bits_per_dim",)
    default_learning_rate = 1e-3
    generate_batch_size = 64
    #: The sampling loop runs hundreds of steps of small ops: XLA fuses
    #: them (PixelCNN 6x64, 16 images on 2 CPU cores: 0.25 s with XLA
    #: against 6.8 s without; `benchmarks/autoregressive_sampling.py`).
    generate_jit_compile = True

    def __init__(
        self,
        image_shape=None,
        num_classes=None,
        likelihood=None,
        num_mixtures=None,
        network=None,
        label_dropout=0.0,
        seed=None,
        **kwargs,
    ):
        network_kwargs = {
            key: kwargs.pop(key)
            for key in list(kwargs)
            if key in self._network_arguments()
        }
        if image_shape is not None:
            image_shape = av.check_int_tuple(
                "image_shape", image_shape, length=3
            )
        likelihood = likelihood or self.default_likelihood
        if likelihood == "logistic_mixture":
            num_mixtures = 10 if num_mixtures is None else num_mixtures
            pixel_likelihood = likelihoods.get_likelihood(
                likelihood, num_mixtures=num_mixtures
            )
        else:
            if num_mixtures is not None:
                raise ValueError(
                    f"num_mixtures is an argument of likelihood="
                    f"'logistic_mixture'; received num_mixtures="
                    f"{num_mixtures!r} with likelihood={likelihood!r}"
                )
            pixel_likelihood = likelihoods.get_likelihood(likelihood)
        super().__init__(seed=seed, **kwargs)

        network = _config_utils.deserialize(network)
        if network is not None and network_kwargs:
            raise ValueError(
                f"{type(self).__name__}: architecture arguments "
                f"{sorted(network_kwargs)} cannot be given with a network; "
                "set them on the network"
            )
        image_shape = tuple(
            _config_utils.resolve(
                "image_shape",
                image_shape,
                (28, 28, 1),
                [("the given network", getattr(network, "image_shape", None))],
            )
        )
        label_dropout = av.check_float(
            "label_dropout",
            label_dropout,
            minimum=0.0,
            maximum=1.0,
            max_inclusive=False,
        )
        # With label dropout the network has one more class: the null one.
        null_classes = 1 if label_dropout else 0
        network_classes = getattr(network, "num_classes", None)
        if network_classes is not None:
            network_classes -= null_classes
        num_classes = _config_utils.resolve(
            "num_classes",
            num_classes,
            None,
            [("the given network (less the null class)", network_classes)],
        )
        av.check_positive_int("num_classes", num_classes, allow_none=True)
        if label_dropout and num_classes is None:
            raise ValueError(
                "label_dropout needs a class-conditional model (num_classes "
                f"set); received label_dropout={label_dropout} with "
                "num_classes=None"
            )
        channels = image_shape[-1]
        output_dim = pixel_likelihood.num_params(channels)
        groups = channels if pixel_likelihood.sequential_channels else 1
        if network is None:
            network = self.network_class(
                image_shape=image_shape,
                output_dim=output_dim,
                num_classes=(
                    None if num_classes is None else num_classes + null_classes
                ),
                channel_groups=groups,
                name="network",
                **network_kwargs,
            )
        for name, want in (
            ("output_dim", output_dim),
            ("channel_groups", groups),
        ):
            got = getattr(network, name, None)
            if got != want:
                raise ValueError(
                    f"the network's {name} is {got!r}; likelihood "
                    f"{likelihood!r} on {channels} channel(s) needs {want}"
                )
        self.network = network
        self.pixel_likelihood = pixel_likelihood
        self.bits_per_dim_tracker = keras.metrics.Mean(name="bits_per_dim")

        # === Config ===
        self.image_shape = image_shape
        self.num_classes = num_classes
        self.likelihood = likelihood
        self.num_mixtures = num_mixtures
        self.label_dropout = label_dropout
        self.built = True

    @classmethod
    def _network_arguments(cls):
        if cls.network_class is None:
            return ()
        return tuple(
            name
            for name in inspect.signature(cls.network_class).parameters
            if name
            not in (
                "image_shape",
                "output_dim",
                "num_classes",
                "channel_groups",
                "kwargs",
            )
        )

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "image_shape": self.image_shape,
                "num_classes": self.num_classes,
                "likelihood": self.likelihood,
                "num_mixtures": self.num_mixtures,
                "label_dropout": self.label_dropout,
                "network": keras.saving.serialize_keras_object(self.network),
            }
        )
        return config

    @property
    def num_dims(self):
        height, width, channels = self.image_shape
        return height * width * channels

    # --- Forward pass and likelihood.
    def _params(self, images, labels, training=False):
        images = ops.convert_to_tensor(images, "float32")
        if labels is not None:
            labels = ops.reshape(ops.cast(labels, "int32"), (-1,))
        return self.network(
            self.network.network_inputs(images, labels), training=training
        )

    def call(self, inputs, training=False):
        """Distribution parameters of every pixel.

        Args:
            inputs: images `(batch, height, width, channels)` in `[-1, 1]`;
                a class-conditional model takes `{"images", "labels"}` or
                `(images, labels)`. (Given images alone, a class-conditional
                model returns them unchanged: the stock `train_step` calls
                the model on `x` before `compute_loss(x, y)`, which runs the
                network with the labels `y`.)

        Returns:
            `(batch, height, width, num_params)`.
        """
        images, labels = self._split_inputs(inputs)
        if self.num_classes is not None and labels is None:
            return images
        return self._params(images, labels, training=training)

    def _log_prob(self, images, labels, params=None, training=False):
        if params is None:
            params = self._params(images, labels, training=training)
        per_pixel = self.pixel_likelihood.log_prob(params, images)
        return ops.sum(per_pixel, axis=(1, 2))

    def compute_loss(
        self, x=None, y=None, y_pred=None, sample_weight=None, training=True
    ):
        del sample_weight
        images, labels = self._split_inputs(x)
        if labels is None:
            labels = y
        if self.num_classes is None and labels is not None:
            raise ValueError(
                f"labels were given to an unconditional "
                f"{type(self).__name__} (num_classes=None)"
            )
        if self.num_classes is not None and labels is None:
            raise ValueError(
                f"{type(self).__name__} is class-conditional: fit and "
                "evaluate need integer labels as y"
            )
        params = y_pred if self.num_classes is None else None
        if training and self.label_dropout:
            labels = self._drop_labels(labels)
        nll = -self._log_prob(images, labels, params, training=training)
        bits = likelihoods.to_bits_per_dim(nll, self.num_dims)
        self.bits_per_dim_tracker.update_state(bits)
        loss = ops.mean(bits)
        if self.losses:
            loss = loss + ops.cast(ops.sum(self.losses), loss.dtype)
        return distribution_utils.scale_loss_for_distribution(loss)

    def _check_grid_images(self, images, name):
        """NumPy images: uint8, or floats on the 256-level grid."""
        array = np.asarray(images)
        converted = image_utils.validate_images(
            array, self.image_shape, name=name
        )
        if np.issubdtype(array.dtype, np.floating):
            levels = (converted.astype("float64") + 1.0) * 127.5
            off = np.abs(levels - np.round(levels))
            if off.size and off.max() > 1e-3:
                raise ValueError(
                    f"{name} must be uint8 or floats on the 256-level grid "
                    f"k / 127.5 - 1 (8-bit values): a discrete likelihood "
                    f"has no density between levels; received values "
                    f"{float(off.max()):.3g} levels off the grid"
                )
            converted = np.round(levels).astype("float32") / 127.5 - 1.0
        return converted

    def log_prob(self, images, inputs=None, batch_size=64):
        """Exact log-likelihood of each image, in nats.

        Args:
            images: uint8 `(n, height, width, channels)`, or floats in
                `[-1, 1]` on the 256-level grid.
            inputs: class labels `(n,)` of a class-conditional model (its
                default is required); `None` otherwise.
            batch_size: int. Images per network pass. Defaults to 64.

        Returns:
            float32 NumPy array `(n,)`: `log p(x)` in nats; divide by
            `-height * width * channels * ln 2` for bits/dim.
        """
        images = self._check_grid_images(images, "images")
        labels = None
        if inputs is not None or self.num_classes is not None:
            if inputs is None:
                raise ValueError(
                    f"{type(self).__name__} is class-conditional: log_prob "
                    "needs the labels as inputs"
                )
            labels = av.check_labels(
                "inputs",
                inputs,
                self.num_classes,
                len(images),
                model=type(self).__name__,
            )
        batch_size = av.check_positive_int("batch_size", batch_size)
        results = []
        for start in range(0, len(images), batch_size):
            batch_labels = None
            if labels is not None:
                batch_labels = labels[start : start + batch_size]
            results.append(
                ops.convert_to_numpy(
                    self._log_prob(
                        images[start : start + batch_size], batch_labels
                    )
                )
            )
        return np.concatenate(results).astype("float32")

    def predict(self, x, *args, **kwargs):
        images, labels = self._split_inputs(x)
        if self.num_classes is not None and labels is None:
            raise ValueError(
                f"{type(self).__name__} is class-conditional: predict takes "
                "{'images': ..., 'labels': ...}"
            )
        return super().predict(x, *args, **kwargs)

    # --- Generation.
    def check_generate_inputs(self, inputs):
        """Labels, or `{"images", "mask"[, "labels"]}`, as a dict of arrays."""
        if inputs is None:
            if self.num_classes is not None:
                raise ValueError(
                    f"{type(self).__name__} is class-conditional: generate "
                    "needs labels as inputs"
                )
            return None
        if not isinstance(inputs, dict):
            return {
                "labels": av.check_labels(
                    "inputs",
                    inputs,
                    self.num_classes,
                    model=type(self).__name__,
                )
            }
        unknown = set(inputs) - {"images", "mask", "labels"}
        if unknown or not set(_COMPLETION_KEYS) <= set(inputs):
            raise ValueError(
                "inputs of a completion must be a dict with 'images' and "
                "'mask' (and 'labels' for a class-conditional model); "
                f"received keys {sorted(inputs)}"
            )
        images = self._check_grid_images(inputs["images"], "inputs['images']")
        mask = np.asarray(inputs["mask"])
        if mask.dtype != bool:
            raise ValueError(
                "inputs['mask'] must be a bool array (True: a known pixel); "
                f"received dtype {mask.dtype}"
            )
        if mask.shape == images.shape[:-1]:
            mask = np.repeat(mask[..., None], images.shape[-1], axis=-1)
        if mask.shape != images.shape:
            raise ValueError(
                f"inputs['mask'] must have the shape of the images "
                f"{images.shape} or {images.shape[:-1]}; received "
                f"{mask.shape}"
            )
        result = {"images": images, "mask": mask}
        if self.num_classes is not None or "labels" in inputs:
            if "labels" not in inputs:
                raise ValueError(
                    f"{type(self).__name__} is class-conditional: a "
                    "completion needs inputs['labels']"
                )
            result["labels"] = av.check_labels(
                "inputs['labels']",
                inputs["labels"],
                self.num_classes,
                len(images),
                model=type(self).__name__,
            )
        return result

    def generate(self, inputs=None, num_samples=None, seed=None, **kwargs):
        """Samples images pixel by pixel (see the class docstring).

        Args:
            inputs: `None`; class labels `(n,)` (class-conditional); or a
                completion `{"images", "mask"[, "labels"]}`.
            num_samples: int. Defaults to the number of inputs.
            seed: int or `None`.
            **kwargs: `temperature` (float > 0, default 1.0: divides the
                logits), `guidance_scale` (float >= 0 or `None`, default
                `None`: classifier-free guidance, see the class docstring),
                `cache` (bool, default `True`),
                `return_log_prob` (bool, default `False`: also return
                `"log_prob"`, the nats of the sampled choices of the
                unknown pixels), and `GenerativeModel.generate`'s
                `batch_size`, `verbose`, `compiled`.
        """
        if "temperature" in kwargs:
            kwargs["temperature"] = av.check_float(
                "temperature",
                kwargs["temperature"],
                minimum=0.0,
                min_inclusive=False,
            )
        if kwargs.get("guidance_scale") is not None:
            kwargs["guidance_scale"] = self._check_guidance_scale(
                kwargs["guidance_scale"]
            )
        for name in ("cache", "return_log_prob"):
            if name in kwargs:
                av.check_type(name, kwargs[name], bool)
        return super().generate(inputs, num_samples, seed, **kwargs)

    def _check_guidance_scale(self, scale):
        scale = av.check_float("guidance_scale", scale, minimum=0.0)
        if not self.label_dropout:
            raise ValueError(
                f"guidance_scale needs a {type(self).__name__} trained with "
                "label_dropout > 0 (it has no null class); received "
                f"guidance_scale={scale} with label_dropout=0"
            )
        if self.likelihood != "categorical":
            raise ValueError(
                "guidance_scale mixes logits: it needs likelihood="
                f"'categorical'; received likelihood={self.likelihood!r}"
            )
        return scale

    def generate_step(
        self,
        inputs,
        num_samples,
        seed,
        temperature=1.0,
        cache=True,
        return_log_prob=False,
        guidance_scale=None,
    ):
        """One compiled loop over the pixels of a batch (raster order)."""
        height, width, channels = self.image_shape
        inputs = inputs or {}
        labels = inputs.get("labels")
        known = inputs.get("images")
        mask = inputs.get("mask")
        network = self.network
        canvas = ops.zeros((num_samples,) + self.image_shape, "float32")
        if known is not None:
            mask = ops.cast(mask, "float32")
            canvas = ops.cast(known, "float32") * mask
        guided = guidance_scale is not None
        if guided:
            # The conditional and the null-class rows of one doubled batch.
            labels = ops.concatenate(
                [
                    ops.cast(labels, "int32"),
                    ops.full((num_samples,), self.num_classes, "int32"),
                ],
                axis=0,
            )
        rows = 2 * num_samples if guided else num_samples
        state = network.init_cache(rows, labels) if cache else {}
        sequential = self.pixel_likelihood.sequential_channels
        like = self.pixel_likelihood

        def network_step(state, canvas, index):
            if guided:
                canvas = ops.concatenate([canvas, canvas], axis=0)
            if cache:
                params, state = network.step(state, canvas, index, labels)
            else:
                params = network.recompute_step(canvas, index, labels)
            if guided:
                cond, uncond = params[:num_samples], params[num_samples:]
                params = uncond + guidance_scale * (cond - uncond)
            return params, state

        def write(canvas, index, channel, values, log_probs, size):
            # values `(batch, size)` at channels [channel, channel + size).
            start = (0, index // width, index % width, channel)
            values = ops.reshape(values, (num_samples, 1, 1, size))
            if mask is not None:
                given = ops.slice(mask, start, (num_samples, 1, 1, size))
                values = (
                    given * ops.slice(canvas, start, (num_samples, 1, 1, size))
                    + (1.0 - given) * values
                )
                # A known pixel is no choice of the sampler.
                log_probs = log_probs * (1.0 - ops.max(given, axis=(1, 2, 3)))
            return ops.slice_update(canvas, start, values), log_probs

        def body(index, loop_state):
            canvas, state, total = loop_state
            pixel_seed = seed.fold_in(index)
            if sequential:
                new_state = state
                for channel in range(channels):
                    params, new_state = network_step(state, canvas, index)
                    values, log_probs = like.sample_channel(
                        params, channel, pixel_seed, temperature
                    )
                    canvas, log_probs = write(
                        canvas, index, channel, values, log_probs, 1
                    )
                    total = total + log_probs
                state = new_state
            else:
                params, state = network_step(state, canvas, index)
                values, log_probs = like.sample_pixel(
                    params, channels, pixel_seed, temperature
                )
                canvas, log_probs = write(
                    canvas, index, 0, values, log_probs, channels
                )
                total = total + log_probs
            return canvas, state, total

        canvas, _, total = ops.fori_loop(
            0,
            height * width,
            body,
            (canvas, state, ops.zeros((num_samples,), "float32")),
        )
        if return_log_prob:
            return {"images": canvas, "log_prob": total}
        return canvas
