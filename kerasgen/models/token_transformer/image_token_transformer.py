"""A transformer prior over the token grids of an image tokenizer."""

import keras
import numpy as np
from keras import ops

from kerasgen import samplers as token_samplers
from kerasgen.models import _config_utils
from kerasgen.models.generative_model import GenerativeModel
from kerasgen.networks.causal_transformer import CausalTransformer
from kerasgen.utils import argument_validation as av
from kerasgen.utils import distribution_utils

# Architecture arguments of the default `CausalTransformer`.
TRANSFORMER_ARGUMENTS = {
    "num_layers": 4,
    "num_heads": 4,
    "hidden_dim": 128,
    "intermediate_dim": 512,
    "dropout": 0.0,
    "position_embedding": "learned",
}


def load_tokenizer(tokenizer):
    """An `ImageTokenizer` from an object, a preset name/folder or a config.

    A tokenizer loaded from a preset keeps its `{preset, sha256}`
    reference, so a model saved with it stores the reference, not a copy.
    """
    from kerasgen.models.image_tokenizer import ImageTokenizer
    from kerasgen.utils import preset_utils

    if isinstance(tokenizer, str):
        tokenizer = preset_utils.load_preset(tokenizer, ImageTokenizer)
    tokenizer = _config_utils.deserialize(tokenizer)
    if not isinstance(tokenizer, ImageTokenizer):
        raise ValueError(
            "tokenizer must be an ImageTokenizer (VQVAE, DiscreteVAE, "
            "VQGAN), its preset name or folder; received "
            f"{type(tokenizer).__name__}"
        )
    tokenizer.trainable = False
    # A deserialized functional sub-network keeps its inner layers'
    # variables trainable whatever its own flag: freeze them one by one.
    for variable in tokenizer.variables:
        variable.trainable = False
    return tokenizer


def serialize_tokenizer(tokenizer):
    """The tokenizer's config: `{preset, sha256}` when it came from a
    preset, so that a `.keras` file (and a preset bundled from it) keeps
    the reference instead of a copy; else its full config."""
    from kerasgen.utils import preset_utils

    reference = preset_utils.preset_reference(tokenizer)
    if reference is not None:
        return preset_utils.PresetReference.serialized(reference)
    return keras.saving.serialize_keras_object(tokenizer)


def image_token_ids(tokenizer, x):
    """Token ids `(batch, h * w)` of images or of token grids.

    `x`: uint8 images `[0, 255]`, float images `[-1, 1]`, or integer token
    grids `(batch, h, w)` (passed through).
    """
    dtype = keras.backend.standardize_dtype(x.dtype)
    if dtype == "uint8":  # images in [0, 255]
        x = ops.cast(x, "float32") / 127.5 - 1.0
    if "int" in dtype and dtype != "uint8":
        tokens = ops.cast(x, "int32")
    else:
        tokens = tokenizer.tokenize(ops.cast(x, "float32"))
    return ops.reshape(tokens, (-1, int(np.prod(tokenizer.token_shape))))


def own_metrics(model, metrics):
    """`metrics` less the frozen tokenizer's trackers (codebook usage)."""
    tokenizer = {id(metric) for metric in model.tokenizer.metrics}
    return [m for m in metrics if id(m) not in tokenizer]


def check_generate_options(kwargs):
    """Validates the token models' `generate` options in place.

    The sampling options become one `"sampling"` tuple (its keras-hub
    sampler built here, outside the compiled loop); `guidance_scale`,
    `cache` and `return_token_ids` are checked.
    """
    kwargs["sampling"] = token_samplers.check_sampling_arguments(
        kwargs.pop("sampler", None),
        kwargs.pop("temperature", 1.0),
        kwargs.pop("top_k", None),
        kwargs.pop("top_p", None),
    )
    token_samplers.get_sampler(*kwargs["sampling"])
    if kwargs.get("guidance_scale") is not None:
        kwargs["guidance_scale"] = av.check_float(
            "guidance_scale", kwargs["guidance_scale"], minimum=0.0
        )
    for name in ("cache", "return_token_ids"):
        if name in kwargs:
            av.check_type(name, kwargs[name], bool)
    return kwargs


@keras.saving.register_keras_serializable(package="kerasgen")
class ImageTokenTransformer(GenerativeModel):
    """A decoder-only transformer over an image tokenizer's token grids.

    Stage 2 of VQ-VAE / VQ-GAN (van den Oord et al. 2017, Esser et al.
    2021, "taming transformers"; LlamaGen, Sun et al. 2024): a frozen
    `ImageTokenizer` turns an image into an `h x w` grid of ids in `[0, V)`,
    and a `CausalTransformer` models the grid in raster order,
    `p(t) = prod_i p(t_i | t_<i, c)`. The first position holds a
    conditioning token: the class `c` (ids `V + c`) of a class-conditional
    model, else a start token; the transformer predicts the `h * w` image
    ids from it and the ids before, its logits restricted to the `V` image
    ids. `generate` samples a grid and returns `tokenizer.detokenize` of it.

    - Training (`fit(images, labels)`): the images are tokenized on the
      fly by the frozen tokenizer (or `fit` takes int token grids `(n, h,
      w)` directly); the loss is the mean negative log-likelihood per
      token in nats, `bits_per_token` is logged beside it.
    - Classifier-free guidance (Ho & Salimans 2022; on logits, LlamaGen):
      with `label_dropout > 0` a training label is replaced by a null
      class (id `V + num_classes`) that often; `generate(labels,
      guidance_scale=s)` runs the conditional and the null rows as one
      doubled batch and samples from `uncond + s * (cond - uncond)`.
    - Sampling: keras-hub's samplers (`sampler="greedy" | "random" |
      "top_k" | "top_p"` or a `keras_hub.samplers.Sampler`; `top_k`,
      `top_p`, `temperature`), one compiled loop over the positions with
      the transformer's key/value cache; `cache=False` recomputes the
      sequence at every position (the same tokens).
    - `log_prob(token_ids, inputs=None)`: nats per token grid, exact.

    The tokenizer is held as a preset reference when it came from a preset
    (the model's preset stores `{preset, sha256}`, not a copy); it is never
    trained here.

    Args:
        tokenizer: an `ImageTokenizer`, its preset name or folder (e.g.
            `"vqgan_fashion_mnist"`), or its config.
        num_classes: int or `None`. Class-conditional when set.
        label_dropout: float in `[0, 1)`. Probability that a training label
            becomes the null class; `> 0` enables `guidance_scale`.
            Defaults to 0.
        transformer: a `CausalTransformer` whose vocabulary is `V` plus the
            conditioning ids and whose `sequence_length >= h * w`, or
            `None` to build one from the arguments below.
        num_layers, num_heads, hidden_dim, intermediate_dim, dropout,
        position_embedding: the default `CausalTransformer`'s (defaults 4,
            4, 128, 512, 0, `"learned"`); refused with `transformer`.
        seed: int or `None`. Seed of the training noise (label dropout,
            dropout).

    Example:
    >>> import numpy as np
    >>> from kerasgen.models import VQVAE
    >>> tokenizer = VQVAE(image_shape=(8, 8, 1), latent_dim=2,
    ...                   codebook_size=8, filters=(4, 8), num_groups=2)
    >>> model = ImageTokenTransformer(tokenizer, num_classes=2,
    ...                               label_dropout=0.1, num_layers=1,
    ...                               num_heads=2, hidden_dim=8,
    ...                               intermediate_dim=16)
    >>> model.compile()
    >>> x = np.random.randint(0, 256, (4, 8, 8, 1), dtype="uint8")
    >>> history = model.fit(x, np.array([0, 1, 0, 1]), verbose=0)
    >>> model.generate(np.array([0, 1]), seed=0, guidance_scale=2.0,
    ...                top_k=4).shape
    (2, 8, 8, 1)

    References:
        - van den Oord et al. 2017, "Neural Discrete Representation
          Learning" (the VQ-VAE prior).
        - Esser et al. 2021, "Taming Transformers for High-Resolution Image
          Synthesis", section 3.2.
        - Sun et al. 2024, "Autoregressive Model Beats Diffusion: Llama for
          Scalable Image Generation" (class token, CFG on logits).
        - Ho & Salimans 2022, "Classifier-Free Diffusion Guidance".
    """

    default_evaluation_metrics = ("evaluate", "fid", "label_agreement")
    default_learning_rate = 3e-4
    generate_batch_size = 128
    # The loop runs one transformer position per step (keras-hub's
    # sampler): XLA fuses its small ops (see benchmarks/README.md).
    generate_jit_compile = True

    def __init__(
        self,
        tokenizer,
        num_classes=None,
        label_dropout=0.0,
        transformer=None,
        seed=None,
        **kwargs,
    ):
        architecture = {
            key: kwargs.pop(key)
            for key in list(kwargs)
            if key in TRANSFORMER_ARGUMENTS
        }
        super().__init__(seed=seed, **kwargs)
        tokenizer = load_tokenizer(tokenizer)
        num_classes = av.check_positive_int(
            "num_classes", num_classes, allow_none=True
        )
        label_dropout = av.check_float(
            "label_dropout",
            label_dropout,
            minimum=0.0,
            maximum=1.0,
            max_inclusive=False,
        )
        if label_dropout and num_classes is None:
            raise ValueError(
                "label_dropout needs a class-conditional model (num_classes "
                f"set); received label_dropout={label_dropout} with "
                "num_classes=None"
            )
        image_vocabulary = tokenizer.vocabulary_size
        token_shape = tuple(tokenizer.token_shape)
        sequence_length = int(np.prod(token_shape))
        # Conditioning ids after the image ids: one per class, then the
        # null class (label dropout) or the start token (unconditional).
        num_conditions = (num_classes or 0) + (
            1 if label_dropout or num_classes is None else 0
        )
        vocabulary_size = image_vocabulary + num_conditions
        transformer = _config_utils.deserialize(transformer)
        if transformer is None:
            transformer = CausalTransformer(
                vocabulary_size=vocabulary_size,
                sequence_length=sequence_length,
                name="transformer",
                **dict(TRANSFORMER_ARGUMENTS, **architecture),
            )
        else:
            if architecture:
                raise ValueError(
                    "ImageTokenTransformer: architecture arguments "
                    f"{sorted(architecture)} cannot be given with a "
                    "transformer; set them on the transformer"
                )
            if not isinstance(transformer, CausalTransformer):
                raise ValueError(
                    "transformer must be a CausalTransformer; received "
                    f"{type(transformer).__name__}"
                )
            if transformer.vocabulary_size != vocabulary_size:
                raise ValueError(
                    f"the tokenizer's vocabulary ({image_vocabulary} image "
                    f"ids) plus {num_conditions} conditioning id(s) is "
                    f"{vocabulary_size}, but the transformer's "
                    f"vocabulary_size is {transformer.vocabulary_size}: "
                    "the tokenizer does not match this model"
                )
            if transformer.sequence_length < sequence_length:
                raise ValueError(
                    f"the tokenizer's {token_shape} grid has "
                    f"{sequence_length} tokens, longer than the "
                    f"transformer's sequence_length "
                    f"{transformer.sequence_length}"
                )
        self.tokenizer = tokenizer
        self.transformer = transformer
        self.bits_per_token_tracker = keras.metrics.Mean(name="bits_per_token")

        # === Config ===
        self.num_classes = num_classes
        self.label_dropout = label_dropout
        self.image_shape = tuple(tokenizer.image_shape)
        self.token_shape = token_shape
        self.image_vocabulary_size = image_vocabulary
        self.sequence_length = sequence_length
        self.built = True

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "tokenizer": serialize_tokenizer(self.tokenizer),
                "num_classes": self.num_classes,
                "label_dropout": self.label_dropout,
                "transformer": keras.saving.serialize_keras_object(
                    self.transformer
                ),
            }
        )
        return config

    @property
    def metrics(self):
        return own_metrics(self, super().metrics) + [
            self.bits_per_token_tracker
        ]

    # --- Sequences.
    @property
    def null_id(self):
        """The start token / null class id (`None` without one)."""
        if self.num_classes is None:
            return self.image_vocabulary_size
        if self.label_dropout:
            return self.image_vocabulary_size + self.num_classes
        return None

    def _condition_ids(self, labels, batch_size):
        """`(batch,)` ids of the first position."""
        if labels is None:
            return ops.full((batch_size,), self.null_id, "int32")
        labels = ops.reshape(ops.cast(labels, "int32"), (-1,))
        return labels + self.image_vocabulary_size

    def _to_tokens(self, x):
        """Token ids `(batch, h * w)` of images or of token grids."""
        return image_token_ids(self.tokenizer, x)

    def _logits(self, tokens, condition_ids, training=False):
        """Logits `(batch, h * w, V)` of every image token."""
        inputs = ops.concatenate(
            [condition_ids[:, None], tokens[:, :-1]], axis=1
        )
        logits = self.transformer(inputs, training=training)
        return logits[..., : self.image_vocabulary_size]

    def _split_inputs(self, inputs):
        if isinstance(inputs, dict):
            key = "token_ids" if "token_ids" in inputs else "images"
            return inputs[key], inputs.get("labels")
        if isinstance(inputs, (tuple, list)):
            return inputs[0], inputs[1] if len(inputs) > 1 else None
        return inputs, None

    def call(self, inputs, training=False):
        """Next-token logits of every image token.

        Args:
            inputs: images `(batch, height, width, channels)` in `[-1, 1]`
                or int token grids `(batch, h, w)`; a class-conditional
                model takes `{"images" | "token_ids", "labels"}` or a tuple.
                (Given images alone, a class-conditional model returns its
                token ids: the stock `train_step` calls the model on `x`
                before `compute_loss(x, y)`, which uses the labels `y`.)

        Returns:
            `(batch, h * w, V)` logits over the image ids.
        """
        x, labels = self._split_inputs(inputs)
        tokens = self._to_tokens(x)
        if self.num_classes is not None and labels is None:
            return tokens
        condition = self._condition_ids(labels, ops.shape(tokens)[0])
        return self._logits(tokens, condition, training=training)

    def _check_xy(self, x, name="x", allow_empty=True):
        # Token grids pass as they are (ids checked against the vocabulary).
        array = x[0] if isinstance(x, tuple) else x
        if isinstance(array, np.ndarray) and np.issubdtype(
            array.dtype, np.integer
        ):
            if array.dtype != np.uint8:
                self.tokenizer._check_token_ids(array, name)
                return x
        return super()._check_xy(x, name, allow_empty)

    def _token_nll(self, tokens, labels, training=False):
        """Negative log-likelihood `(batch, h * w)` of every token, nats."""
        condition = self._condition_ids(labels, ops.shape(tokens)[0])
        logits = self._logits(tokens, condition, training=training)
        return keras.losses.sparse_categorical_crossentropy(
            tokens, ops.cast(logits, "float32"), from_logits=True
        )

    def compute_loss(
        self, x=None, y=None, y_pred=None, sample_weight=None, training=True
    ):
        del sample_weight
        images, labels = self._split_inputs(x)
        if labels is None:
            labels = y
        if self.num_classes is None and labels is not None:
            raise ValueError(
                "labels were given to an unconditional ImageTokenTransformer "
                "(num_classes=None)"
            )
        if self.num_classes is not None and labels is None:
            raise ValueError(
                "ImageTokenTransformer is class-conditional: fit and evaluate "
                "need integer labels as y"
            )
        if (
            self.num_classes is not None
            and labels is not None
            and (y_pred is not None and not isinstance(x, (dict, tuple, list)))
        ):
            tokens = y_pred  # call() on images alone returned the ids
        else:
            tokens = self._to_tokens(images)
        tokens = ops.stop_gradient(tokens)
        if training and self.label_dropout:
            labels = self._drop_labels(labels)
        nats = ops.mean(self._token_nll(tokens, labels, training), axis=1)
        self.bits_per_token_tracker.update_state(nats / np.log(2.0))
        loss = ops.mean(nats)
        if self.losses:
            loss = loss + ops.cast(ops.sum(self.losses), loss.dtype)
        return distribution_utils.scale_loss_for_distribution(loss)

    def log_prob(self, token_ids, inputs=None, batch_size=256):
        """Exact log-likelihood of token grids, in nats.

        Args:
            token_ids: int `(n, h, w)` in `[0, V)` (e.g. `tokenizer.tokenize`).
            inputs: class labels `(n,)` of a class-conditional model.
            batch_size: int. Defaults to 256.

        Returns:
            float32 NumPy `(n,)`.
        """
        tokens = self.tokenizer._check_token_ids(token_ids)
        labels = self._check_labels(inputs, len(tokens), "log_prob")
        batch_size = av.check_positive_int("batch_size", batch_size)
        results = []
        for start in range(0, len(tokens), batch_size):
            batch = tokens[start : start + batch_size]
            batch = ops.reshape(batch, (-1, self.sequence_length))
            batch_labels = (
                None if labels is None else labels[start : start + batch_size]
            )
            nll = self._token_nll(batch, batch_labels)
            results.append(-ops.convert_to_numpy(ops.sum(nll, axis=1)))
        return np.concatenate(results).astype("float32")

    def _check_labels(self, labels, count, what):
        if labels is None and self.num_classes is not None:
            raise ValueError(
                f"ImageTokenTransformer is class-conditional: {what} needs "
                "labels as inputs"
            )
        if labels is None:
            return None
        return av.check_labels(
            "inputs",
            labels,
            self.num_classes,
            count,
            model="ImageTokenTransformer",
        )

    # --- Generation.
    def check_generate_inputs(self, inputs):
        return self._check_labels(inputs, None, "generate")

    def generate(self, inputs=None, num_samples=None, seed=None, **kwargs):
        """Samples token grids and decodes them to images.

        Args:
            inputs: class labels `(n,)` of a class-conditional model, else
                `None`.
            num_samples: int. Defaults to the number of labels.
            seed: int or `None`.
            **kwargs: `sampler`, `temperature` (default 1), `top_k`,
                `top_p` (see `kerasgen.samplers.get_sampler`);
                `guidance_scale` (float >= 0 or `None`: classifier-free
                guidance, needs `label_dropout > 0`); `cache` (bool,
                default `True`); `return_token_ids` (bool: also return the
                sampled grids as `"token_ids"`); and
                `GenerativeModel.generate`'s `batch_size`, `verbose`,
                `compiled`.

        Returns:
            uint8 images `(n, height, width, channels)`, or a dict with
            `"images"` and `"token_ids"`.
        """
        check_generate_options(kwargs)
        if kwargs.get("guidance_scale") is not None and not self.label_dropout:
            raise ValueError(
                "guidance_scale needs an ImageTokenTransformer trained with "
                "label_dropout > 0 (it has no null class); received "
                f"guidance_scale={kwargs['guidance_scale']} with "
                "label_dropout=0"
            )
        return super().generate(inputs, num_samples, seed, **kwargs)

    def generate_step(
        self,
        inputs,
        num_samples,
        seed,
        sampling=(None, 1.0, None, None),
        guidance_scale=None,
        cache=True,
        return_token_ids=False,
    ):
        """One compiled loop over the `h * w` positions (keras-hub sampler)."""
        sampler = token_samplers.get_sampler(*sampling)
        length = self.sequence_length
        condition = self._condition_ids(inputs, num_samples)
        guided = guidance_scale is not None
        if guided:
            null = ops.full((num_samples,), self.null_id, "int32")
            condition = ops.concatenate([condition, null], axis=0)
        rows = 2 * num_samples if guided else num_samples
        # The sampler's sequence: the condition, then the image ids.
        prompt = ops.concatenate(
            [
                condition[:num_samples, None],
                ops.zeros((num_samples, length), "int32"),
            ],
            axis=1,
        )
        mask = ops.concatenate(
            [
                ops.ones((num_samples, 1), "bool"),
                ops.zeros((num_samples, length), "bool"),
            ],
            axis=1,
        )
        transformer = self.transformer

        def inputs_of(prompt):
            # `(rows, length)`: the transformer's input positions, each row
            # starting with its condition (the null rows after the others).
            sequence = prompt[:, :length]
            if guided:
                sequence = ops.concatenate([sequence, sequence], axis=0)
            return ops.concatenate([condition[:, None], sequence[:, 1:]], 1)

        def next_fn(prompt, state, index):
            # The logits of position `index` come from the token at
            # `index - 1`.
            position = index - 1
            if cache:
                token = ops.slice(inputs_of(prompt), (0, position), (rows, 1))
                logits, _, state = transformer.call_with_cache(
                    token, state, position
                )
                logits = logits[:, 0]
            else:
                logits = transformer(inputs_of(prompt))
                logits = ops.take(logits, position, axis=1)
            logits = ops.cast(
                logits[:, : self.image_vocabulary_size], "float32"
            )
            if guided:
                cond, uncond = logits[:num_samples], logits[num_samples:]
                logits = uncond + guidance_scale * (cond - uncond)
            return logits, None, state

        state = transformer.init_cache(rows) if cache else ()
        sequence = token_samplers.sample_tokens(
            sampler, next_fn, prompt, seed, cache=state, index=1, mask=mask
        )
        token_ids = ops.reshape(
            sequence[:, 1:], (num_samples,) + self.token_shape
        )
        quantizer = self.tokenizer.quantizer
        images = self.tokenizer.decode(quantizer.indices_to_codes(token_ids))
        images = ops.clip(images, -1.0, 1.0)
        if return_token_ids:
            return {"images": images, "token_ids": token_ids}
        return images
