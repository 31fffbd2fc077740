"""Denoising diffusion models: DDPM training, any scheduler for sampling."""

import keras
import numpy as np
from keras import ops

from kerasgen import schedulers
from kerasgen.models.generative_model import GenerativeModel
from kerasgen.networks.unet import UNet
from kerasgen.utils import argument_validation as av
from kerasgen.utils import distribution_utils


@keras.saving.register_keras_serializable(package="kerasgen")
class DiffusionModel(GenerativeModel):
    """A denoiser trained on the forward process of a `Scheduler`.

    Training (Ho et al. 2020, Algorithm 1; `L_simple`): draw `t` uniformly,
    noise `eps`, form `x_t = scheduler.add_noise(x_0, eps, t)` and regress
    the denoiser's output on `scheduler.get_target(x_0, eps, t)` (`eps`,
    `x_0` or `v` by the scheduler's `prediction_type`) with the mean
    squared error. Only `compute_loss` is overridden, so the model trains
    with the stock `train_step` under `tf.distribute` and on JAX; the
    timesteps and noise are drawn per replica from the global batch
    (`distribution_utils.replica_uniform` / `replica_normal`).

    Class-conditional with `num_classes`: labels go to the denoiser, and
    during training each is replaced by the null class `num_classes` with
    probability `label_dropout`, so that one network is also the
    unconditional model of classifier-free guidance (Ho & Salimans 2022).

    Sampling (`generate`) runs any scheduler of the training process in one
    compiled `ops.fori_loop` over its timestep list, swapped at generate
    time (`scheduler="ddim"`, `"dpm_solver"`, ...: see
    `kerasgen.schedulers.list_schedulers()`); the sampling scheduler keeps
    the training schedule (`Scheduler.like`).

    Args:
        denoiser: a network from `{"images", "timesteps"[, "labels"]}` to
            the prediction, or `None` for a `UNet` built from `image_shape`,
            `num_classes` and `unet_kwargs`.
        scheduler: the training process, a `Scheduler` or a registry name
            (`"ddpm"`: 1000 steps, linear betas, epsilon prediction).
            Defaults to `"ddpm"`.
        image_shape: tuple, with the default denoiser. Defaults to
            `(28, 28, 1)`.
        num_classes: int or `None`.
        label_dropout: float in `[0, 1)`. Defaults to 0.1 with
            `num_classes`, else 0.
        unet_kwargs: dict or `None`. More `UNet` arguments (`filters`,
            `num_res_blocks`, `attention_levels`, `dropout`, ...).
        seed: int or `None`. Seed of the training noise.

    Call arguments:
        inputs: `{"images": x_t, "timesteps": t[, "labels"]}`, or images
            alone (read as `x_t` at `t = 0`, labels the null class).

    Returns:
        The denoiser's output, the shape of the images.

    Example:
    >>> import numpy as np
    >>> model = DiffusionModel(image_shape=(8, 8, 1), unet_kwargs=dict(
    ...     filters=(8, 16), num_res_blocks=1, num_groups=4))
    >>> model.compile()
    >>> x = np.random.randint(0, 256, (8, 8, 8, 1), dtype="uint8")
    >>> history = model.fit(x, epochs=1, batch_size=4, verbose=0)
    >>> model.generate(num_samples=2, seed=0, num_steps=5).shape
    (2, 8, 8, 1)

    References:
        Ho et al. 2020, "Denoising Diffusion Probabilistic Models".
        Song, Meng & Ermon 2021, "Denoising Diffusion Implicit Models".
        Ho & Salimans 2022, "Classifier-Free Diffusion Guidance".
    """

    default_learning_rate = 2e-4
    default_evaluation_metrics = ("fid", "kid")
    # Set by `generate` from `inputs` with a classifier: the labels it
    # guides towards, batched with the samples.
    per_sample_generate_kwargs = ("classifier_labels",)
    generate_batch_size = 256

    def __init__(
        self,
        denoiser=None,
        scheduler="ddpm",
        image_shape=None,
        num_classes=None,
        label_dropout=None,
        unet_kwargs=None,
        seed=None,
        **kwargs,
    ):
        super().__init__(seed=seed, **kwargs)
        if isinstance(scheduler, dict):
            scheduler = keras.saving.deserialize_keras_object(scheduler)
        scheduler = schedulers.get_scheduler(scheduler)
        if isinstance(denoiser, dict):
            denoiser = keras.saving.deserialize_keras_object(denoiser)
        av.check_positive_int("num_classes", num_classes, allow_none=True)
        if label_dropout is None:
            label_dropout = 0.1 if num_classes is not None else 0.0
        label_dropout = av.check_float(
            "label_dropout", label_dropout, 0.0, 1.0, max_inclusive=False
        )
        if label_dropout and num_classes is None:
            raise ValueError(
                "label_dropout needs a class-conditional model (num_classes "
                f"set); received label_dropout={label_dropout}"
            )
        if getattr(scheduler, "variance_type", None) == "learned_range":
            raise ValueError(
                "training a learned variance (variance_type='learned_range', "
                "Improved DDPM's L_hybrid) is not supported by "
                "DiffusionModel; use 'fixed_small' or 'fixed_large'"
            )
        if denoiser is None:
            denoiser = UNet(
                tuple(image_shape or (28, 28, 1)),
                num_classes=num_classes,
                name="denoiser",
                **dict(unet_kwargs or {}),
            )
        elif unet_kwargs:
            raise ValueError(
                "unet_kwargs build the default denoiser; received both a "
                f"denoiser and unet_kwargs={unet_kwargs!r}"
            )
        inputs = denoiser.input
        if not isinstance(inputs, dict) or not {"images", "timesteps"} <= set(
            inputs
        ):
            raise ValueError(
                "denoiser must take a dict with 'images' and 'timesteps'; "
                f"received inputs {inputs}"
            )
        if ("labels" in inputs) != (num_classes is not None):
            raise ValueError(
                f"num_classes={num_classes} needs a denoiser "
                f"{'with' if num_classes else 'without'} a 'labels' input"
            )
        image_shape = tuple(inputs["images"].shape[1:])
        if tuple(denoiser.output.shape[1:]) != image_shape:
            raise ValueError(
                f"the denoiser's output {tuple(denoiser.output.shape[1:])} "
                f"must have the images' shape {image_shape}"
            )
        self.denoiser = denoiser
        self.scheduler = scheduler
        self.image_shape = image_shape
        self.num_classes = num_classes
        self.label_dropout = label_dropout
        self.noise_loss_tracker = keras.metrics.Mean(name="loss")
        self.built = True

    def get_config(self):
        config = super().get_config()
        # The config stores the denoiser itself (one truth): not the
        # arguments that build the default one.
        for key in ("image_shape", "unet_kwargs"):
            config.pop(key, None)
        config.update(
            {
                "denoiser": keras.saving.serialize_keras_object(self.denoiser),
                "scheduler": keras.saving.serialize_keras_object(
                    self.scheduler
                ),
                "num_classes": self.num_classes,
                "label_dropout": self.label_dropout,
            }
        )
        return config

    # --- The network.
    def denoise(self, images, timesteps, labels=None, training=False):
        """The denoiser's output at `x_t = images` and `timesteps`."""
        images = ops.convert_to_tensor(images, "float32")
        batch = ops.shape(images)[0]
        timesteps = ops.cast(timesteps, "float32")
        if len(timesteps.shape) == 0:
            timesteps = ops.broadcast_to(timesteps, (batch,))
        inputs = {"images": images, "timesteps": timesteps}
        if self.num_classes is not None:
            if labels is None:
                labels = ops.full((batch,), self.num_classes, "int32")
            inputs["labels"] = ops.reshape(ops.cast(labels, "int32"), (-1,))
        return self.denoiser(inputs, training=training)

    def compiled_denoise(self):
        """`denoise` (inference) compiled with `compile_function`, cached
        like the generate functions (traced on first use, so a replaced
        `denoise` is the one compiled)."""
        if not hasattr(self, "_generate_functions"):
            self._reset_generate_functions()
        if "denoise" not in self._generate_functions:
            self._generate_functions["denoise"] = self.compile_function(
                lambda images, timesteps, labels: self.denoise(
                    images, timesteps, labels
                )
            )
        return self._generate_functions["denoise"]

    def call(self, inputs, training=False):
        if isinstance(inputs, dict) and "timesteps" in inputs:
            return self.denoise(
                inputs["images"],
                inputs["timesteps"],
                inputs.get("labels"),
                training=training,
            )
        images, labels = self._split_inputs(inputs)
        return self.denoise(images, 0, labels, training=training)

    # --- Training.
    def compute_loss(
        self, x=None, y=None, y_pred=None, sample_weight=None, training=True
    ):
        del y_pred, sample_weight
        images, labels = self._split_inputs(x)
        if labels is None:
            labels = y
        if (labels is not None) != (self.num_classes is not None):
            raise ValueError(
                f"{type(self).__name__} has num_classes={self.num_classes}: "
                + (
                    "fit needs integer labels as y"
                    if labels is None
                    else "labels were given to an unconditional model"
                )
            )
        images = ops.convert_to_tensor(images, "float32")
        batch = ops.shape(images)[0]
        timesteps = self.scheduler.sample_timesteps(batch, self.seed_generator)
        noise = distribution_utils.replica_normal(
            ops.shape(images), self.seed_generator
        )
        noisy = self.scheduler.add_noise(images, noise, timesteps)
        target = self.scheduler.get_target(images, noise, timesteps)
        if labels is not None and training and self.label_dropout:
            labels = self._drop_labels(labels)
        output = self.denoise(noisy, timesteps, labels, training=training)
        error = ops.mean(
            ops.square(ops.cast(output, "float32") - target), axis=(1, 2, 3)
        )
        loss = ops.mean(error)
        self.noise_loss_tracker.update_state(loss)
        if self.losses:
            loss = loss + ops.cast(ops.sum(self.losses), loss.dtype)
        return distribution_utils.scale_loss_for_distribution(loss)

    @property
    def metrics(self):
        return [self.noise_loss_tracker]

    # --- Likelihood.
    def variational_bound(
        self, images, labels=None, num_strata=50, batch_size=256, seed=0
    ):
        """The DDPM variational bound on `-log p(x)` in bits/dim.

        improved-diffusion's `calc_bpd_loop` with the middle terms estimated
        by stratified Monte Carlo (`variational_bound.py` has the maths):
        the prior term `L_T` in closed form, the decoder term `L_0` on the
        256 bins, and one timestep per run of `num_strata` equal runs of
        `1..T-1`. An upper bound on the negative log-likelihood (lower is
        better), comparable with other models' bits/dim.

        Args:
            images: uint8 images in `[0, 255]`, or floats in `[-1, 1]` on
                the 256 levels `k / 127.5 - 1`; `(n, *image_shape)`.
            labels: int labels `(n,)` of a class-conditional model (the
                bound of `p(x | y)`), or `None` (the null class).
            num_strata: int >= 1. Model evaluations per image for the
                middle terms (`>= T - 1`: every timestep once).
            batch_size: int >= 1. Images per network call.
            seed: int. Seed of the timesteps and noise.

        Returns:
            dict of floats: `bits_per_dim` (the mean over images),
            `bits_per_dim_stderr` (its standard error over images, which
            holds the Monte Carlo noise too), the mean `prior`, `decoder`
            and `middle` terms in bits/dim, and `num_images`.
        """
        from kerasgen.models.diffusion import variational_bound as vb

        images = self._check_images(images, "images", allow_empty=False)
        levels = (np.asarray(images, "float64") + 1.0) * 127.5
        if np.abs(levels - np.round(levels)).max() > 1e-3:
            raise ValueError(
                "images must be 8-bit data: uint8, or floats on the 256 "
                "levels k / 127.5 - 1; received floats between the levels"
            )
        if labels is not None:
            labels = av.check_labels(
                "labels",
                labels,
                self.num_classes,
                count=len(images),
                model=type(self).__name__,
            )
        num_strata = av.check_positive_int("num_strata", num_strata)
        batch_size = av.check_positive_int("batch_size", batch_size)
        rng = np.random.default_rng(av.check_int("seed", seed))
        parts = []
        for start in range(0, len(images), batch_size):
            stop = start + batch_size
            parts.append(
                vb.variational_bound_terms(
                    self,
                    images[start:stop],
                    None if labels is None else labels[start:stop],
                    num_strata,
                    rng,
                )
            )
        terms = {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}
        total = terms.pop("total")
        stderr = (
            float(total.std(ddof=1) / np.sqrt(len(total)))
            if len(total) > 1
            else float("nan")
        )
        return dict(
            bits_per_dim=float(total.mean()),
            bits_per_dim_stderr=stderr,
            **{k: float(v.mean()) for k, v in terms.items()},
            num_images=len(total),
        )

    # --- Sampling.
    def check_generate_inputs(self, inputs):
        if inputs is None:
            if self.num_classes is not None and not self.label_dropout:
                raise ValueError(
                    f"{type(self).__name__} is class-conditional without "
                    "label_dropout: generate needs labels as inputs"
                )
            return None  # the null class: unconditional samples
        return av.check_labels(
            "inputs", inputs, self.num_classes, model=type(self).__name__
        )

    def preview_images(self, num_images=64, seed=0, images=None, **kwargs):
        """Sample grids (training callbacks, model cards) with 20 DDPM
        (ancestral) steps unless `num_steps` / `scheduler` are given.

        The stochastic sampler, because it forgives an undertrained model:
        after 3 CPU epochs the deterministic ones (DDIM, DPM-Solver++, Heun)
        turned about a quarter of the start noises into saturated texture
        that DDPM's steps did not (FID of 1,000 samples: DDPM 20 steps 5.20,
        DPM-Solver++ 20 steps 5.50; `ddpm_fashion_mnist`'s card).
        """
        kwargs.setdefault("scheduler", "ddpm")
        kwargs.setdefault(
            "num_steps", min(20, self.scheduler.num_train_timesteps)
        )
        return super().preview_images(num_images, seed, images, **kwargs)

    def sampling_scheduler(self, scheduler="ddim", **kwargs):
        """The scheduler `generate` samples with: `scheduler` (a name or a
        `Scheduler`) with the training schedule (`Scheduler.like`)."""
        if isinstance(scheduler, schedulers.Scheduler):
            if (
                scheduler.process != self.scheduler.process
                or not np.array_equal(
                    scheduler.alphas_cumprod, self.scheduler.alphas_cumprod
                )
            ):
                raise ValueError(
                    "scheduler must have the training schedule (build it "
                    "with schedulers.get_scheduler(name, like="
                    "model.scheduler))"
                )
            return scheduler
        return schedulers.get_scheduler(
            scheduler, like=self.scheduler, **kwargs
        )

    def generate(
        self,
        inputs=None,
        num_samples=None,
        seed=None,
        num_steps=50,
        scheduler="ddim",
        guidance_scale=None,
        eta=None,
        classifier=None,
        classifier_scale=None,
        **kwargs,
    ):
        """Samples images (see `GenerativeModel.generate`).

        Args:
            inputs: int labels `(num_samples,)` of a class-conditional
                model, or `None`: unconditional samples (the null class of
                a model trained with `label_dropout`).
            num_samples, seed, batch_size, verbose, compiled: as in
                `GenerativeModel.generate`.
            num_steps: int in `[1, num_train_timesteps]`. Noise levels of
                the sampling scheduler. Defaults to 50.
            scheduler: a `kerasgen.schedulers` name or `Scheduler` of the
                training process. Defaults to `"ddim"`.
            guidance_scale: float >= 0 or `None`. Classifier-free guidance
                `uncond + s (cond - uncond)` (doubled batch); needs a
                class-conditional model trained with `label_dropout`.
                `None` or 1: the conditional model alone.
            eta: float >= 0 or `None`. DDIM's `eta` (`scheduler="ddim"`).
            classifier: a `NoiseAwareClassifier` (or its preset name) of
                the same noise schedule, or `None`. Classifier guidance
                towards the labels `inputs`, also of an unconditional
                model: `eps - sqrt(1 - alpha_bar_t) * classifier_scale *
                grad log p(y | x_t)` at every step (Dhariwal & Nichol 2021).
            classifier_scale: float >= 0. Needed with `classifier`; 0 turns
                the guidance off.
            return_trajectory: bool. Also return, per sample, `x_t` before
                every step (`"trajectory"`) and the `x_0` each step
                predicted (`"predicted_originals"`), float `(num_samples,
                num_steps, *image_shape)` in about `[-1, 1]`, in a dict
                with the uint8 `"images"` (the same images as without it).
                The loop is unrolled: meant for tens of steps.
        """
        extra = {}
        if eta is not None:
            if scheduler != "ddim" and not isinstance(
                scheduler, schedulers.DDIMScheduler
            ):
                raise ValueError(
                    f"eta is DDIM's; received eta={eta!r} with scheduler "
                    f"{scheduler!r}"
                )
            extra["eta"] = schedulers.ddim_scheduler.check_eta(eta)
        sampler = self.sampling_scheduler(scheduler, **extra)
        sampler.timesteps(num_steps)  # checks num_steps
        if guidance_scale is not None:
            guidance_scale = av.check_float(
                "guidance_scale", guidance_scale, minimum=0.0
            )
            if self.num_classes is None or not self.label_dropout:
                raise ValueError(
                    "guidance_scale needs a class-conditional model trained "
                    "with label_dropout > 0 (its null class is the "
                    f"unconditional model); this model has num_classes="
                    f"{self.num_classes}, label_dropout={self.label_dropout}"
                )
            if inputs is None:
                raise ValueError(
                    "guidance_scale needs labels to guide towards; "
                    "received inputs=None"
                )
            if guidance_scale == 1.0:
                guidance_scale = None
        if classifier is not None and self.num_classes is None:
            guided_labels, inputs = inputs, None  # for the classifier only
        else:
            guided_labels = inputs
        classifier, classifier_scale, classifier_labels = (
            self._check_classifier(classifier, classifier_scale, guided_labels)
        )
        if inputs is None and guided_labels is not None and num_samples is None:
            num_samples = len(guided_labels)
        return super().generate(
            inputs,
            num_samples=num_samples,
            seed=seed,
            num_steps=int(num_steps),
            scheduler=_SchedulerKey(sampler),
            guidance_scale=guidance_scale,
            classifier=classifier,
            classifier_scale=classifier_scale,
            classifier_labels=classifier_labels,
            **kwargs,
        )

    def sample_num_classes(self, generate_kwargs=None):
        """Classes `generate(labels, **generate_kwargs)` samples: the
        classifier's with classifier guidance, else `num_classes` (read by
        `kerasgen.evaluation`, so `label_agreement` measures guidance)."""
        classifier = dict(generate_kwargs or {}).get("classifier")
        if classifier is not None:
            return getattr(
                self._resolve_classifier(classifier), "num_classes", None
            )
        return self.num_classes

    def _resolve_classifier(self, classifier):
        """A classifier preset name loaded once (then the same object, so
        the compiled generate function is reused); other values as given."""
        if not isinstance(classifier, str):
            return classifier
        from kerasgen.models.diffusion.noise_aware_classifier import (
            NoiseAwareClassifier,
        )

        if not hasattr(self, "_classifier_presets"):
            object.__setattr__(self, "_classifier_presets", {})
        if classifier not in self._classifier_presets:
            self._classifier_presets[classifier] = (
                NoiseAwareClassifier.from_preset(classifier)
            )
        return self._classifier_presets[classifier]

    def _check_classifier(self, classifier, classifier_scale, inputs):
        """`(classifier, scale, labels)` of classifier guidance, checked;
        `(None, None, None)` without it (or at scale 0)."""
        from kerasgen.models.diffusion.noise_aware_classifier import (
            NoiseAwareClassifier,
        )

        if classifier is None:
            if classifier_scale is not None:
                raise ValueError(
                    "classifier_scale needs a classifier; received "
                    f"classifier_scale={classifier_scale!r} and no classifier"
                )
            return None, None, None
        classifier = self._resolve_classifier(classifier)
        if not isinstance(classifier, NoiseAwareClassifier):
            raise TypeError(
                "classifier must be a NoiseAwareClassifier or its preset "
                f"name; received {type(classifier).__name__}"
            )
        if classifier_scale is None:
            raise ValueError(
                "classifier guidance needs classifier_scale (a float >= 0); "
                "received None"
            )
        classifier_scale = av.check_float(
            "classifier_scale", classifier_scale, minimum=0.0
        )
        if self.scheduler.process != "vp" or not np.allclose(
            classifier.scheduler.alphas_cumprod, self.scheduler.alphas_cumprod
        ):
            raise ValueError(
                "the classifier must be trained on this model's noise "
                f"schedule; the classifier's {type(classifier.scheduler)}"
                f".alphas_cumprod differ from the model's "
                f"{type(self.scheduler).__name__}"
            )
        if classifier.image_shape != self.image_shape:
            raise ValueError(
                f"the classifier takes images of shape "
                f"{classifier.image_shape}; this model makes "
                f"{self.image_shape}"
            )
        if self.num_classes is not None and (
            classifier.num_classes != self.num_classes
        ):
            raise ValueError(
                f"the classifier has {classifier.num_classes} classes and "
                f"this model {self.num_classes}: they must be the same"
            )
        if inputs is None:
            raise ValueError(
                "classifier guidance needs labels to guide towards as "
                "inputs; received inputs=None"
            )
        labels = av.check_labels(
            "inputs", inputs, classifier.num_classes, model="classifier"
        )
        if classifier_scale == 0.0:
            return None, None, None
        return classifier, classifier_scale, labels

    def _classifier_guided(self, output, x, t, sampler, guidance):
        """The denoiser output with `eps` moved by the classifier's
        gradient: `eps - sqrt(1 - alpha_bar_t) s grad log p(y | x_t)`."""
        classifier, scale, labels = guidance
        eps = sampler.output_to_epsilon(output, t, x)
        _, noise_level = sampler.signal_and_noise(t, x)
        gradient = classifier.log_prob_gradient(x, t, labels)
        eps = eps - noise_level * scale * ops.cast(gradient, eps.dtype)
        return sampler.epsilon_to_output(eps, t, x)

    def _guided(self, x, t, labels, guidance_scale):
        if guidance_scale is None:
            return self.denoise(x, t, labels)
        batch = ops.shape(x)[0]
        null = ops.full((batch,), self.num_classes, "int32")
        both = self.denoise(
            ops.concatenate([x, x], axis=0),
            t,
            ops.concatenate([ops.cast(labels, "int32"), null], axis=0),
        )
        cond, uncond = both[:batch], both[batch:]
        return uncond + guidance_scale * (cond - uncond)

    def generate_step(
        self,
        inputs,
        num_samples,
        seed,
        num_steps=50,
        scheduler=None,
        guidance_scale=None,
        classifier=None,
        classifier_scale=None,
        classifier_labels=None,
        return_trajectory=False,
    ):
        sampler = (
            scheduler.scheduler
            if isinstance(scheduler, _SchedulerKey)
            else self.sampling_scheduler(scheduler or "ddim")
        )
        timesteps = sampler.timesteps(num_steps)
        previous = ops.convert_to_tensor(sampler.previous_timesteps(timesteps))
        timesteps = ops.convert_to_tensor(timesteps)
        shape = (num_samples,) + tuple(self.image_shape)
        x = keras.random.normal(shape, seed=seed) * sampler.init_noise_sigma
        labels = inputs

        def body(i, carry):
            sample, state = carry
            t = ops.take(timesteps, i)
            s = ops.take(previous, i)
            output = self._guided(sample, t, labels, guidance_scale)
            if classifier is not None:
                output = self._classifier_guided(
                    output,
                    sample,
                    t,
                    sampler,
                    (classifier, classifier_scale, classifier_labels),
                )
            out = sampler.step(
                output,
                t,
                s,
                sample,
                seed=seed.fold_in(i),
                state=state,
                return_dict=True,
            )
            return out["prev_sample"], out["state"], out["pred_original_sample"]

        carry = (x, sampler.initial_state(x))
        if not return_trajectory:
            x, _ = ops.fori_loop(
                0,
                int(timesteps.shape[0]),
                lambda i, carry: body(i, carry)[:2],
                carry,
            )
            return ops.clip(x, -1.0, 1.0)
        # Unrolled, to keep every step: x_t before each step and the x_0
        # the step predicted.
        samples, originals = [], []
        for i in range(int(timesteps.shape[0])):
            samples.append(carry[0])
            *carry, original = body(i, carry)
            originals.append(original)
        return {
            "images": ops.clip(carry[0], -1.0, 1.0),
            "trajectory": ops.stack(samples, axis=1),
            "predicted_originals": ops.stack(originals, axis=1),
        }


class _SchedulerKey:
    """A sampling scheduler as a hashable static `generate` option (its
    class and config select the compiled function)."""

    def __init__(self, scheduler):
        self.scheduler = scheduler
        self._key = (
            type(scheduler).__name__,
            tuple(sorted(scheduler.get_config().items())),
        )

    def __hash__(self):
        return hash(self._key)

    def __eq__(self, other):
        return isinstance(other, _SchedulerKey) and self._key == other._key
