"""Measures the FID (and optionally KID) of generated samples in training."""

import keras

from kerasgen.utils import argument_validation as av


class FrechetDistanceCallback(keras.callbacks.Callback):
    """Writes the FID of `model.generate` samples into the epoch logs.

    Every `every_n_epochs` epochs, at the end of the epoch, the callback
    draws `num_samples` images with
    `model.generate(inputs, num_samples=..., seed=seed, **generate_kwargs)`
    (the same seed every time, so successive values differ only by the
    weights), runs them through `feature_extractor` and writes the Fréchet
    distance to the reference statistics as `logs[key]` (default `"fid"`),
    and with `kid=True` the kernel distance as `logs[kid_key]`.

    Callbacks placed *after* this one in the `callbacks` list see the value:
    `keras.callbacks.ModelCheckpoint(path, monitor="fid", mode="min",
    save_best_only=True)`, `EarlyStopping(monitor="fid", mode="min")`,
    `CSVLogger` and `TensorBoard`. The `History` returned by `fit` records it
    too. On epochs where the callback does not run nothing is written, so
    `ModelCheckpoint(save_best_only=True)` warns that `fid` is not available
    and skips saving on those epochs (and `EarlyStopping` warns and does not
    count them); `CSVLogger` leaves the column empty. To keep an EMA model's
    samples, put `keras.callbacks.SwapEMAWeights(swap_on_epoch=True)` before
    this callback.

    The reference side is fixed once, at the first measurement:
    `reference_statistics` when given; otherwise the statistics of
    `reference_images`, or of the split `split` of `dataset` (loaded with
    `kerasgen.data.image_dataset`). With a `dataset` name the statistics are
    cached on disk (`kerasgen.metrics.cached_reference_statistics`, keyed by
    dataset, split and feature extractor name) and reused by later runs.

    Args:
        feature_extractor: `FeatureExtractor`, `keras.Model`, or
            `"fmnist_features"` (the bundled Fashion-MNIST classifier,
            offline) or `"inception_v3"`. Defaults to `"fmnist_features"`.
        reference_statistics: `None`, `(mu, sigma)`, a dict with `"mu"` and
            `"sigma"`, or an `.npz` path. Defaults to `None`.
        reference_images: `None`, uint8 `[0, 255]` or float `[-1, 1]`
            images `(num_images, height, width, channels)`, an iterable of
            such batches, or a zero-argument callable returning either
            (called only when needed). Defaults to `None`.
        dataset: str or `None`. Dataset of the reference images
            (`"fashion_mnist"`, a TFDS name or a folder, as in
            `kerasgen.data.image_dataset`), and the cache key of their
            statistics. Defaults to `None`.
        split: str. Split of `dataset`. Defaults to `"train"`.
        cache_dir: str or `None`. Cache folder of the reference statistics.
            Defaults to `kerasgen.metrics.default_cache_dir()`.
        num_samples: int >= 2. Generated images per measurement. Defaults
            to 1000.
        every_n_epochs: int >= 1. Measure after epochs `n, 2n, ...`
            (1-based). Defaults to 1.
        seed: int. Seed passed to `generate`. Defaults to 0.
        generate_inputs: conditioning of a conditional model: `None`, an
            array of `num_samples` inputs (e.g. class labels), or a callable
            `generate_inputs(num_samples) -> inputs`. Defaults to `None`.
        key: str. Logs key of the FID. Defaults to `"fid"`.
        kid: bool. Also compute the kernel distance (needs reference images,
            not only statistics). Defaults to `False`.
        kid_key: str. Logs key of the KID. Defaults to `"kid"`.
        kid_subset_size: int or `None`. Samples per KID subset; `None` uses
            `min(num_samples, num_reference_images, 1000)`. Defaults to
            `None`.
        verbose: int. 1 prints the value after each measurement. Defaults to
            0.
        **generate_kwargs: passed to `generate` (e.g. `num_steps`,
            `temperature`, `batch_size`).

    Example:
    >>> fid = FrechetDistanceCallback(
    ...     dataset="fashion_mnist", num_samples=1000, every_n_epochs=5
    ... )
    >>> best = keras.callbacks.ModelCheckpoint(
    ...     "best.keras", monitor="fid", mode="min", save_best_only=True
    ... )
    >>> callbacks = [fid, best]  # model.fit(data, callbacks=callbacks)

    References:
        Heusel et al. 2017, "GANs Trained by a Two Time-Scale Update Rule
        Converge to a Local Nash Equilibrium".
    """

    def __init__(
        self,
        feature_extractor="fmnist_features",
        reference_statistics=None,
        reference_images=None,
        dataset=None,
        split="train",
        cache_dir=None,
        num_samples=1000,
        every_n_epochs=1,
        seed=0,
        generate_inputs=None,
        key="fid",
        kid=False,
        kid_key="kid",
        kid_subset_size=None,
        verbose=0,
        **generate_kwargs,
    ):
        super().__init__()
        av.check_int("num_samples", num_samples, minimum=2)
        av.check_int("every_n_epochs", every_n_epochs, minimum=1)
        av.check_int("seed", seed, minimum=0)
        if kid_subset_size is not None:
            av.check_int("kid_subset_size", kid_subset_size, minimum=2)
        for name, value in (("key", key), ("kid_key", kid_key)):
            if not isinstance(value, str) or not value:
                raise ValueError(
                    f"{name} must be a non-empty str; received {value!r}"
                )
        if (
            reference_statistics is None
            and reference_images is None
            and dataset is None
        ):
            raise ValueError(
                "FrechetDistanceCallback needs a reference: pass "
                "reference_statistics, reference_images or dataset; "
                "received none of them"
            )
        if kid and reference_images is None and dataset is None:
            raise ValueError(
                "kid=True needs reference features: pass reference_images "
                "or dataset; received only reference_statistics"
            )
        if generate_inputs is not None and not callable(generate_inputs):
            if len(generate_inputs) != num_samples:
                raise ValueError(
                    "generate_inputs must hold num_samples="
                    f"{num_samples} inputs or be a callable; received "
                    f"{len(generate_inputs)} inputs"
                )
        self.feature_extractor = feature_extractor
        self.reference_statistics = reference_statistics
        self.reference_images = reference_images
        self.dataset = dataset
        self.split = split
        self.cache_dir = cache_dir
        self.num_samples = int(num_samples)
        self.every_n_epochs = int(every_n_epochs)
        self.seed = int(seed)
        self.generate_inputs = generate_inputs
        self.key = key
        self.kid = bool(kid)
        self.kid_key = kid_key
        self.kid_subset_size = kid_subset_size
        self.verbose = verbose
        self.generate_kwargs = generate_kwargs
        self.history = {}
        self._context = None

    # ---- measurement --------------------------------------------------

    def _build(self):
        from kerasgen.evaluation import EvaluationContext

        kwargs = dict(self.generate_kwargs)
        kwargs.setdefault("verbose", 0)
        self._context = EvaluationContext(
            self.model,
            dataset=self.dataset,
            split=self.split,
            feature_extractor=self.feature_extractor,
            num_samples=self.num_samples,
            seed=self.seed,
            cache_dir=self.cache_dir,
            reference_images=self.reference_images,
            reference_statistics=self.reference_statistics,
            generate_inputs=self.generate_inputs,
            generate_kwargs=kwargs,
            kid_subset_size=self.kid_subset_size,
        )
        self._context.extractor  # noqa: B018  (resolved, or refused, now)

    def measure(self):
        """Generates the samples and returns `{key: fid[, kid_key: kid]}`.

        The measurement is `kerasgen.evaluation`'s `fid` (and `kid`): the
        reference side is computed at the first call and kept, the samples
        are drawn anew at every call.
        """
        from kerasgen.evaluation import run_measurements

        if self._context is None:
            self._build()
        self._context.model = self.model
        self._context.reset_model_outputs()
        names = ["fid", "kid"] if self.kid else ["fid"]
        results = run_measurements(self._context, names)
        values = {self.key: results["fid"]}
        if self.kid:
            values[self.kid_key] = results["kid"]
        return values

    def on_epoch_end(self, epoch, logs=None):
        if (epoch + 1) % self.every_n_epochs:
            return
        values = self.measure()
        if logs is not None:
            logs.update(values)
        self.history[epoch] = values
        if self.verbose:
            text = ", ".join(f"{k}={v:.4f}" for k, v in values.items())
            print(f"Epoch {epoch + 1}: {text}")
