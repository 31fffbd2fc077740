"""The shared state of one evaluation: data, features, samples, outputs."""

import os

import numpy as np

from kerasgen.utils import argument_validation
from kerasgen.utils import image_utils

# `generate_inputs` default: class labels drawn from the split for a
# conditional model, `None` otherwise.
AUTO = "auto"

# Keys of `EvaluationContext.memo` that depend on the model's weights; they
# are dropped by `reset_model_outputs()` (a callback measuring every epoch).
_MODEL_SCOPE = "model"
_DATA_SCOPE = "data"


class EvaluationContext:
    """Lazily computed, shared inputs of the measurements of one evaluation.

    Every expensive piece is computed at most once and only when a
    measurement asks for it: the split's images and labels, their features
    and Gaussian statistics (cached on disk per dataset, split and feature
    extractor when the dataset is a name, as
    `kerasgen.metrics.cached_reference_statistics`), the generated samples
    and their features, the reconstructions and token ids of a tokenizer,
    the training split. `reset_model_outputs()` forgets what depends on the
    model's weights and keeps the reference side.

    Args:
        model: the model being measured.
        dataset: where the reference images come from: a name understood
            by `kerasgen.data.image_dataset` (`"fashion_mnist"`, a TFDS
            name, or a folder, which has no splits), an in-memory uint8
            array `(N, H, W[, C])` or `(images, labels)` tuple holding the
            split itself, a dict `{split_name: array or (images, labels)}`
            (e.g. `{"train": ..., "test": ...}` for the measurements that
            also read the training split), or `None` with
            `reference_images` / `reference_statistics`. Defaults to
            `"fashion_mnist"`.
        split: str. The split measured against. Defaults to `"test"`.
        feature_extractor: name (`"fmnist_features"`, `"inception_v3"`), a
            `kerasgen.metrics.FeatureExtractor` or a `keras.Model`; loaded
            only when a measurement needs features. Defaults to
            `"fmnist_features"`.
        num_samples: int >= 2. Generated images of the sample
            measurements. Defaults to 10000.
        seed: int >= 0. Seed of `generate`, of the class labels and of the
            random subsets (KID, precision/recall, `real_fid`). Defaults
            to 0.
        batch_size: int >= 1. Batch size of the model's passes over the
            data. Defaults to 256.
        verbose: int, 0, 1 or 2. 0 is silent; otherwise progress lines and
            bars. Defaults to 0.
        cache_dir: str or `None`. Cache folder of reference statistics.
            Defaults to `kerasgen.metrics.default_cache_dir()`.
        reference_images: `None`, or images standing in for the split
            (uint8 or float `[-1, 1]` array, an iterable of batches, or a
            zero-argument callable returning either, called at most once).
            Defaults to `None`.
        reference_statistics: `None` or `(mu, sigma)` of the reference
            features (FID only). Defaults to `None`.
        generate_inputs: `"auto"` (class labels drawn from the split for a
            conditional model, `None` otherwise), `None`, an array of
            `num_samples` inputs, or a callable `f(num_samples) -> inputs`.
            Defaults to `"auto"`.
        generate_kwargs: dict or `None`. Keyword arguments of
            `model.generate`. Defaults to `{"batch_size": batch_size,
            "verbose": verbose}`.
        kid_subset_size: int or `None`. KID subset size; `None` uses
            `min(1000, num_samples, num_reference_images)`. Defaults to
            `None`.
    """

    def __init__(
        self,
        model,
        dataset="fashion_mnist",
        split="test",
        feature_extractor="fmnist_features",
        num_samples=10000,
        seed=0,
        batch_size=256,
        verbose=0,
        cache_dir=None,
        reference_images=None,
        reference_statistics=None,
        generate_inputs=AUTO,
        generate_kwargs=None,
        kid_subset_size=None,
    ):
        self.model = model
        self.dataset = _check_dataset(dataset, reference_images)
        if not isinstance(split, str) or not split:
            raise ValueError(
                f"split must be a non-empty str such as 'test'; received "
                f"{split!r}"
            )
        self.split = split
        self.feature_extractor = feature_extractor
        self.num_samples = argument_validation.check_int(
            "num_samples", num_samples, minimum=2
        )
        self.seed = argument_validation.check_int("seed", seed, minimum=0)
        self.batch_size = argument_validation.check_positive_int(
            "batch_size", batch_size
        )
        if isinstance(verbose, bool):
            verbose = int(verbose)
        self.verbose = argument_validation.check_int(
            "verbose", verbose, minimum=0, maximum=2
        )
        self.cache_dir = cache_dir
        self._reference_images = reference_images
        self._reference_statistics = reference_statistics
        self.generate_inputs = generate_inputs
        if generate_kwargs is None:
            generate_kwargs = {
                "batch_size": self.batch_size,
                "verbose": min(self.verbose, 1),
            }
        self.generate_kwargs = dict(generate_kwargs)
        self.kid_subset_size = argument_validation.check_int(
            "kid_subset_size", kid_subset_size, minimum=2, allow_none=True
        )
        self.memo = {}
        self._scopes = {}
        self._extractor = None

    # ---- bookkeeping ----------------------------------------------------

    def cached(self, key, compute, scope=_MODEL_SCOPE):
        """`compute()` once per key; `scope="data"` survives resets."""
        if key not in self.memo:
            self.memo[key] = compute()
            self._scopes[key] = scope
        return self.memo[key]

    def reset_model_outputs(self):
        """Forgets samples, reconstructions and evaluations of the model."""
        for key in [k for k, s in self._scopes.items() if s == _MODEL_SCOPE]:
            self.memo.pop(key, None)
            self._scopes.pop(key, None)

    def log(self, message):
        if self.verbose:
            print(f"evaluate: {message}", flush=True)

    @property
    def extractor(self):
        """The `FeatureExtractor`, loaded on first use."""
        if self._extractor is None:
            from kerasgen.metrics._metric_utils import get_feature_extractor

            extractor = get_feature_extractor(self.feature_extractor)
            if extractor is None:
                raise ValueError(
                    "feature_extractor must be a name, a FeatureExtractor or "
                    "a keras.Model for feature measurements; received None"
                )
            self._extractor = extractor
        return self._extractor

    @property
    def uses_extractor(self):
        return self._extractor is not None

    # ---- data -----------------------------------------------------------

    def dataset_description(self):
        """The dataset as a short string (a name, or `"in-memory array"`)."""
        if isinstance(self.dataset, str):
            return self.dataset
        if self.dataset is None:
            return "reference images"
        return "in-memory arrays"

    def cache_key(self):
        """`(dataset, split)` naming the cached statistics, or `None`."""
        if not isinstance(self.dataset, str) or os.path.isdir(self.dataset):
            return None
        from kerasgen.metrics import reference_statistics_path

        try:  # a name and split that can key the cache (no slices)
            reference_statistics_path(
                self.dataset, self.split, "x", cache_dir=self.cache_dir
            )
        except ValueError:
            return None
        return self.dataset, self.split

    def image_source(self, split):
        """`(source, split)` arguments of `image_dataset` for a split."""
        dataset = self.dataset
        if isinstance(dataset, dict):
            if split not in dataset:
                raise ValueError(
                    f"dataset has no split {split!r}: it is a dict of "
                    f"splits {sorted(dataset)}"
                )
            return dataset[split], None
        if isinstance(dataset, str):
            if os.path.isdir(dataset):
                if split != self.split:
                    raise ValueError(
                        f"dataset {dataset!r} is a folder, which has no "
                        f"{split!r} split; pass a named dataset or a dict "
                        "{'train': ..., 'test': ...} of arrays"
                    )
                return dataset, None
            return dataset, split
        if dataset is None:
            raise ValueError(
                "dataset is None: only the given reference images or "
                "statistics can be used; the measurement needs a dataset"
            )
        if split != self.split:
            raise ValueError(
                f"dataset is an in-memory array holding the {self.split!r} "
                f"split only; the measurement also needs the {split!r} "
                f"split: pass dataset={{'{split}': ..., '{self.split}': ...}}"
            )
        return dataset, None

    def load_split(self, split=None):
        """uint8 images `(N, H, W, C)` and int labels (or `None`) of a split."""
        split = self.split if split is None else split
        return self.cached(
            ("split", split), lambda: self._load_split(split), _DATA_SCOPE
        )

    def _load_split(self, split):
        from kerasgen.data import image_dataset

        source, split_argument = self.image_source(split)
        self.log(f"loading split {split!r} of {self.dataset_description()}")

        def load(with_labels):
            data = image_dataset(
                source,
                split=split_argument,
                batch_size=1000,
                shuffle=False,
                cache=False,
                with_labels=with_labels,
                integer_targets=True,
            )
            images, labels = [], []
            for inputs, pixels in data.as_numpy_iterator():
                images.append(pixels.astype("uint8"))
                if with_labels:
                    labels.append(np.asarray(inputs[1]).reshape(-1))
            if not images:
                raise ValueError(
                    f"split {split!r} of dataset "
                    f"{self.dataset_description()!r} holds no images"
                )
            return (
                np.concatenate(images),
                np.concatenate(labels).astype("int32") if labels else None,
            )

        try:
            return load(with_labels=True)
        except (ValueError, KeyError, TypeError):
            return load(with_labels=False)  # a source without labels

    def split_images(self):
        """uint8 images of the measured split."""
        return self.load_split()[0]

    def split_labels(self):
        """int32 labels of the measured split, or `None` without labels."""
        return self.load_split()[1]

    def split_dataset(self, with_labels=False):
        """The split as a `tf.data.Dataset` in `[-1, 1]`, for evaluate."""
        from kerasgen.data import image_dataset

        source, split_argument = self.image_source(self.split)
        return image_dataset(
            source,
            split=split_argument,
            batch_size=self.batch_size,
            shuffle=False,
            cache=False,
            with_labels=with_labels,
        )

    # ---- reference side -------------------------------------------------

    def _reference_batches(self):
        images = self._reference_images
        if images is None:
            return [self.split_images()]
        if callable(images):
            images = images()
        if isinstance(images, np.ndarray) or hasattr(images, "shape"):
            return [images]
        return images

    def reference_outputs(self):
        """`{"features", "logits"}` of the reference (split) images."""

        def compute():
            self.log("extracting reference features")
            features, logits = [], []
            for batch in self._reference_batches():
                outputs = self.extractor.extract(np.asarray(batch))
                features.append(outputs["features"])
                if outputs["logits"] is not None:
                    logits.append(outputs["logits"])
            if not features:
                raise ValueError("the reference holds no images")
            return {
                "features": np.concatenate(features),
                "logits": np.concatenate(logits) if logits else None,
            }

        return self.cached("reference_outputs", compute, _DATA_SCOPE)

    def reference_features(self):
        """float64 features `(num_reference, feature_dim)` of the split."""
        return self.reference_outputs()["features"]

    def reference_statistics(self):
        """`(mu, sigma)` of the reference features, cached when possible.

        Given statistics win; then, when the features were already
        extracted in this evaluation, their statistics (written to the cache
        if it has none); then the on-disk cache of a named dataset and
        split; then the features' statistics.
        """
        return self.cached(
            "reference_statistics", self._compute_statistics, _DATA_SCOPE
        )

    def _compute_statistics(self):
        from kerasgen import metrics

        if self._reference_statistics is not None:
            given = self._reference_statistics
            if isinstance(given, dict):
                given = (given.get("mu"), given.get("sigma"))
            return tuple(given)
        key = self.cache_key()
        path = None
        if key is not None:
            path = metrics.reference_statistics_path(
                key[0], key[1], self.extractor.name, cache_dir=self.cache_dir
            )
        if path is not None and "reference_outputs" not in self.memo:
            if os.path.exists(path):
                self.log(f"reference statistics from {path}")
                return metrics.load_reference_statistics(path)
        features = self.reference_features()
        statistics = metrics.compute_statistics(features)
        if path is not None and not os.path.exists(path):
            metrics.save_reference_statistics(
                path, *statistics, num_samples=len(features)
            )
        return statistics

    # ---- generated samples ----------------------------------------------

    def class_labels(self):
        """Labels of a conditional model's samples: the split's, shuffled.

        `num_samples` labels drawn from a permutation of the split's labels
        (with `seed`), so the classes come in the split's proportions (all
        equal for Fashion-MNIST); round robin when the split has none.
        """
        num_classes = int(self.sample_num_classes())
        labels = None
        if self._reference_images is None and self.dataset is not None:
            labels = self.split_labels()
        if labels is not None and len(labels):
            rng = np.random.default_rng(self.seed)
            labels = np.resize(rng.permutation(labels), self.num_samples)
            if labels.min() < 0 or labels.max() >= num_classes:
                raise ValueError(
                    f"the split's labels lie in [{labels.min()}, "
                    f"{labels.max()}], outside the model's classes "
                    f"[0, {num_classes})"
                )
        else:
            labels = np.arange(self.num_samples) % num_classes
        return labels.astype("int32")

    def sample_num_classes(self):
        """Classes the samples are conditioned on (`None`: unconditional):
        the model's, or those a generate option such as a diffusion
        model's `classifier` brings."""
        from kerasgen.evaluation.measurement import sample_num_classes

        return sample_num_classes(self.model, self.generate_kwargs)

    def _inputs(self):
        inputs = self.generate_inputs
        if isinstance(inputs, str) and inputs == AUTO:
            if self.sample_num_classes() is None:
                return None
            return self.class_labels()
        if callable(inputs):
            return inputs(self.num_samples)
        return inputs

    def samples(self):
        """`(images, inputs)`: `num_samples` uint8 images, their inputs."""

        def compute():
            inputs = self._inputs()
            self.log(f"generating {self.num_samples} samples")
            images = self.model.generate(
                inputs,
                num_samples=self.num_samples,
                seed=self.seed,
                **self.generate_kwargs,
            )
            images = np.asarray(images)
            if images.dtype != np.uint8:
                images = image_utils.float_to_uint8(images)
            if len(images) != self.num_samples:
                raise ValueError(
                    f"{type(self.model).__name__}.generate returned "
                    f"{len(images)} images; expected num_samples="
                    f"{self.num_samples}"
                )
            return images, inputs

        return self.cached("samples", compute)

    def sample_outputs(self):
        """`{"features", "logits"}` of the generated samples."""
        return self.cached(
            "sample_outputs", lambda: self.extractor.extract(self.samples()[0])
        )

    def sample_features(self):
        """float64 features `(num_samples, feature_dim)` of the samples."""
        return self.sample_outputs()["features"]

    # ---- reconstructions ------------------------------------------------

    def reconstructions(self):
        """`(uint8 reconstructions, int token ids)` of the split's images.

        `detokenize(tokenize(x))` in batches of `batch_size`, converted to
        uint8 (the model's own reconstruction, as a user sees it).
        """

        def compute():
            images = self.split_images()
            self.log(f"reconstructing {len(images)} images")
            tokens, reconstructions = [], []
            for start in range(0, len(images), self.batch_size):
                batch = images[start : start + self.batch_size]
                ids = np.asarray(self.model.tokenize(batch))
                tokens.append(ids)
                decoded = np.asarray(self.model.detokenize(ids))
                reconstructions.append(image_utils.float_to_uint8(decoded))
            return np.concatenate(reconstructions), np.concatenate(tokens)

        return self.cached("reconstructions", compute)


def _check_dataset(dataset, reference_images):
    if dataset is None:
        return None
    if isinstance(dataset, os.PathLike):
        return os.fspath(dataset)
    if isinstance(dataset, str):
        if not dataset:
            raise ValueError(
                "dataset must be a dataset name, a folder or arrays; "
                "received ''"
            )
        return dataset
    if isinstance(dataset, dict):
        if not dataset or not all(isinstance(k, str) for k in dataset):
            raise ValueError(
                "dataset as a dict must map split names to arrays; received "
                f"keys {list(dataset)}"
            )
        return dataset
    if isinstance(dataset, (np.ndarray, tuple)):
        return dataset
    del reference_images
    raise ValueError(
        "dataset must be a name ('fashion_mnist', a TFDS name), a folder, "
        "a uint8 array, an (images, labels) tuple or a dict of splits; "
        f"received {type(dataset).__name__}"
    )
