"""One transformer over text and image tokens (Chameleon-style early fusion)."""

import keras
import numpy as np
from keras import ops

from kerasgen import samplers as token_samplers
from kerasgen.models import _config_utils
from kerasgen.models.generative_model import GenerativeModel
from kerasgen.models.token_transformer.image_token_transformer import (
    TRANSFORMER_ARGUMENTS,
)
from kerasgen.models.token_transformer.image_token_transformer import (
    check_generate_options,
)
from kerasgen.models.token_transformer.image_token_transformer import (
    image_token_ids,
)
from kerasgen.models.token_transformer.image_token_transformer import (
    load_tokenizer,
)
from kerasgen.models.token_transformer.image_token_transformer import (
    own_metrics,
)
from kerasgen.models.token_transformer.image_token_transformer import (
    serialize_tokenizer,
)
from kerasgen.networks.causal_transformer import CausalTransformer
from kerasgen.utils import argument_validation as av
from kerasgen.utils import distribution_utils

#: The special tokens, after the text and the image ids, in this order.
SPECIAL_TOKENS = ("<bos>", "<boi>", "<eoi>", "<eos>", "<pad>")
_NEGATIVE = -1e9


class EarlyFusionTransformer(GenerativeModel):
    """Text and image tokens in one sequence model (the shared machinery).

    A subclass fixes the id layout (text ids `[0, text_vocabulary_size)`,
    image ids `[text_vocabulary_size, text_vocabulary_size +
    image_vocabulary_size)`, and the ids of `<bos>`, `<boi>`, `<eoi>`,
    `<eos>`, `<pad>`), the text tokenizer (`text_tokenizer`, a keras-hub
    tokenizer) and the network (`_logits`, `_init_cache`,
    `_call_with_cache`, `vocabulary_size`); this class builds the
    sequences, the loss, the token mask, generation and captioning. Each
    sequence has `L = max_text_length + h * w + 4` tokens:

        caption -> image: <bos> text <pad>... <boi> image(h*w) <eoi> <eos>
        image -> caption: <bos> <boi> image(h*w) <eoi> text <eos> <pad>...

    `TextImageTransformer` (its own vocabulary and transformer, Chameleon
    style) and `LiquidTransformer` (a keras-hub language model with image
    ids added to its vocabulary) are the two layouts.
    """

    default_evaluation_metrics = ("text_to_image", "image_to_text")
    default_learning_rate = 3e-4
    generate_batch_size = 128
    generate_jit_compile = True

    def __init__(
        self,
        tokenizer,
        max_text_length=12,
        caption_dropout=0.1,
        image_first_rate=0.5,
        seed=None,
        **kwargs,
    ):
        super().__init__(seed=seed, **kwargs)
        tokenizer = load_tokenizer(tokenizer)
        max_text_length = av.check_positive_int(
            "max_text_length", max_text_length
        )
        caption_dropout = av.check_float(
            "caption_dropout",
            caption_dropout,
            minimum=0.0,
            maximum=1.0,
            max_inclusive=False,
        )
        image_first_rate = av.check_float(
            "image_first_rate", image_first_rate, minimum=0.0, maximum=1.0
        )
        self.tokenizer = tokenizer
        self.token_shape = tuple(tokenizer.token_shape)
        self.num_image_tokens = int(np.prod(self.token_shape))
        self.sequence_length = max_text_length + self.num_image_tokens + 4
        self.image_vocabulary_size = tokenizer.vocabulary_size
        self.bits_per_token_tracker = keras.metrics.Mean(name="bits_per_token")

        # === Config ===
        self.max_text_length = max_text_length
        self.caption_dropout = caption_dropout
        self.image_first_rate = image_first_rate
        self.image_shape = tuple(tokenizer.image_shape)

    def _set_layout(self, text_vocabulary_size, bos, boi, eoi, eos, pad):
        """The ids: text `[0, T)`, image `[T, T + V)`, the five specials."""
        self.text_vocabulary_size = int(text_vocabulary_size)
        (self.bos_id, self.boi_id, self.eoi_id, self.eos_id, self.pad_id) = (
            int(i) for i in (bos, boi, eoi, eos, pad)
        )

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "tokenizer": serialize_tokenizer(self.tokenizer),
                "max_text_length": self.max_text_length,
                "caption_dropout": self.caption_dropout,
                "image_first_rate": self.image_first_rate,
            }
        )
        return config

    @property
    def metrics(self):
        return own_metrics(self, super().metrics) + [
            self.bits_per_token_tracker
        ]

    # --- The network (a subclass's).
    @property
    def vocabulary_size(self):
        """Size of the joint vocabulary (the network's)."""
        raise NotImplementedError

    def _logits(self, token_ids, training=False):
        """Next-token logits `(batch, length, vocabulary_size)`."""
        raise NotImplementedError

    def _init_cache(self, batch_size):
        raise NotImplementedError

    def _call_with_cache(self, token_ids, cache, index):
        """`(logits, cache)` of keras-hub's cached forward pass."""
        raise NotImplementedError

    # --- Text.
    def tokenize_captions(self, captions):
        """Caption ids `(n, max_text_length)`, padded with `<pad>`.

        Raises:
            ValueError: a caption longer than `max_text_length` tokens (the
                context has no room for it; nothing is cut).
        """
        if isinstance(captions, str):
            raise ValueError(
                "captions must be a list of str, not one str; received "
                f"{captions!r}"
            )
        captions = [str(c) for c in np.asarray(captions, dtype=object)]
        rows = self.text_tokenizer(captions)
        rows = [list(np.asarray(r).reshape(-1)) for r in rows]
        ids = np.full((len(rows), self.max_text_length), self.pad_id, "int32")
        for i, row in enumerate(rows):
            if len(row) > self.max_text_length:
                raise ValueError(
                    f"caption {captions[i]!r} has {len(row)} tokens; the "
                    f"context holds max_text_length={self.max_text_length}"
                )
            ids[i, : len(row)] = row
        return ids

    def detokenize_captions(self, ids):
        """Strings of text id rows (ids outside the text range dropped:
        `<pad>`, `<eos>`; the rows come from `caption`)."""
        return [self._detokenize_text(self._text_ids(row)) for row in ids]

    def _text_ids(self, row):
        """The ids of `row` that are words (not specials)."""
        specials = (self.bos_id, self.eos_id, self.pad_id)
        return [
            int(t)
            for t in np.asarray(row).reshape(-1)
            if t < self.text_vocabulary_size and t not in specials
        ]

    def _knows_words(self, words):
        """Whether these words are in the text vocabulary (a byte-level
        tokenizer knows every word)."""
        del words
        return True

    def _detokenize_text(self, ids):
        text = self.text_tokenizer.detokenize([ids])
        text = np.asarray(text).reshape(-1)[0]
        return text.decode("utf-8") if isinstance(text, bytes) else str(text)

    # --- Sequences.
    def _image_ids(self, x):
        """Joint-vocabulary image ids `(batch, h * w)` of images or grids."""
        tokens = image_token_ids(self.tokenizer, x)
        return tokens + self.text_vocabulary_size

    def _constant(self, token, batch):
        return ops.full((batch, 1), token, "int32")

    def text_first(self, text, image):
        """`(batch, L)`: `<bos> text <boi> image <eoi> <eos>`.

        `text` is `(batch, max_text_length)` padded with `<pad>`; `image`
        joint-vocabulary ids `(batch, h * w)`.
        """
        batch = ops.shape(text)[0]
        return ops.concatenate(
            [
                self._constant(self.bos_id, batch),
                text,
                self._constant(self.boi_id, batch),
                image,
                self._constant(self.eoi_id, batch),
                self._constant(self.eos_id, batch),
            ],
            axis=1,
        )

    def image_first(self, text, image):
        """`(batch, L)`: `<bos> <boi> image <eoi> text <eos> <pad>...`."""
        batch = ops.shape(text)[0]
        length = ops.sum(ops.cast(text != self.pad_id, "int32"), axis=1)
        slots = ops.arange(self.max_text_length + 1, dtype="int32")[None]
        padded = ops.concatenate(
            [text, self._constant(self.pad_id, batch)], axis=1
        )
        ending = ops.where(
            slots == length[:, None], self.eos_id, padded
        )  # (batch, max_text_length + 1)
        return ops.concatenate(
            [
                self._constant(self.bos_id, batch),
                self._constant(self.boi_id, batch),
                image,
                self._constant(self.eoi_id, batch),
                ending,
            ],
            axis=1,
        )

    def _split_inputs(self, x):
        if not isinstance(x, dict) or not {"caption_ids"} <= set(x):
            raise ValueError(
                f"{type(self).__name__} trains on {{'images' (or "
                "'token_ids'), 'caption_ids'} (tokenize_captions); received "
                f"{sorted(x) if isinstance(x, dict) else type(x).__name__}"
            )
        images = x["token_ids"] if "token_ids" in x else x["images"]
        return images, ops.cast(x["caption_ids"], "int32")

    def call(self, inputs, training=False):
        """Next-token logits `(batch, L - 1, vocabulary)` of the caption ->
        image sequences of `{"images" | "token_ids", "caption_ids"}`."""
        if isinstance(inputs, dict):
            images, text = self._split_inputs(inputs)
        else:  # images alone: the caption-less sequence
            images = inputs
            text = ops.full(
                (ops.shape(images)[0], self.max_text_length),
                self.pad_id,
                "int32",
            )
        sequence = self.text_first(text, self._image_ids(images))
        return self._logits(sequence[:, :-1], training=training)

    def _check_xy(self, x, name="x", allow_empty=True):
        if isinstance(x, dict) and "images" in x:
            return dict(
                x, images=self._check_images(x["images"], f"{name}['images']")
            )
        return x

    def _sequence_nll(self, sequence, weights, training=False):
        """Per-example summed NLL (nats) and count of weighted targets."""
        logits = self._logits(sequence[:, :-1], training=training)
        nll = keras.losses.sparse_categorical_crossentropy(
            sequence[:, 1:], ops.cast(logits, "float32"), from_logits=True
        )
        weights = ops.cast(weights[:, 1:], "float32")
        return ops.sum(nll * weights, axis=1), ops.sum(weights, axis=1)

    def _target_weights(self, text_first, image_first):
        """Which tokens are scored, bool `(batch, L)`, of a caption-first
        sequence of `text_first` or an image-first one of `image_first`
        (text ids, `(batch, max_text_length)`, one per row; the other
        `None`): all but the `<pad>` slots of the text span, found by
        position, so that a `<pad>` id shared with `<eos>` (GPT-2's) still
        scores the `<eos>`."""
        text = text_first if image_first is None else image_first
        batch = ops.shape(text)[0]
        ones = ops.ones((batch, 1), "bool")
        image = ops.ones((batch, self.num_image_tokens), "bool")
        words = text != self.pad_id
        if image_first is None:
            return ops.concatenate([ones, words, ones, image, ones, ones], 1)
        length = ops.sum(ops.cast(words, "int32"), axis=1)
        slots = ops.arange(self.max_text_length + 1, dtype="int32")[None]
        closing = slots <= length[:, None]  # the words and the <eos>
        return ops.concatenate([ones, ones, image, ones, closing], 1)

    def compute_loss(
        self, x=None, y=None, y_pred=None, sample_weight=None, training=True
    ):
        del y, y_pred, sample_weight
        images, text = self._split_inputs(x)
        image = ops.stop_gradient(self._image_ids(images))
        batch = ops.shape(text)[0]
        if training:
            draw = distribution_utils.replica_uniform(
                (batch, 2), self.seed_generator
            )
            dropped = draw[:, :1] < self.caption_dropout
            text_for_image = ops.where(dropped, self.pad_id, text)
            image_first = draw[:, 1:] < self.image_first_rate
        else:
            text_for_image = text
            image_first = ops.zeros((batch, 1), "bool")
        sequence = ops.where(
            image_first,
            self.image_first(text, image),
            self.text_first(text_for_image, image),
        )
        weights = ops.where(
            image_first,
            self._target_weights(None, text),
            self._target_weights(text_for_image, None),
        )
        nats, count = self._sequence_nll(sequence, weights, training)
        self.bits_per_token_tracker.update_state(
            ops.sum(nats) / ops.sum(count) / np.log(2.0)
        )
        loss = ops.mean(nats / ops.maximum(count, 1.0))
        if self.losses:
            loss = loss + ops.cast(ops.sum(self.losses), loss.dtype)
        return distribution_utils.scale_loss_for_distribution(loss)

    # --- The token mask.
    def token_mask(self, prompt, index, allow_images=True):
        """Which ids may come at position `index`: bool `(batch, vocab)`.

        Inside an image span (a `<boi>` before `index` with no `<eoi>`
        after it): the image ids while fewer than `h * w` followed the
        `<boi>`, then only `<eoi>`. Outside: the text ids and `<eos>`, and
        `<boi>` if `allow_images`.

        Args:
            prompt: int `(batch, length)`, the ids before `index` are read.
            index: int or scalar tensor.
            allow_images: bool. Outside a span, may an image start.
        """
        prompt = ops.cast(prompt, "int32")
        positions = ops.arange(ops.shape(prompt)[1], dtype="int32")[None]
        before = positions < index
        boi = ops.max(
            ops.where(before & (prompt == self.boi_id), positions, -1), axis=1
        )
        closed = ops.any(
            before & (prompt == self.eoi_id) & (positions > boi[:, None]),
            axis=1,
        )
        in_image = (boi >= 0) & ops.logical_not(closed)
        filled = index - boi - 1
        image_phase = (in_image & (filled < self.num_image_tokens))[:, None]
        close_phase = (in_image & (filled >= self.num_image_tokens))[:, None]
        outside = ops.logical_not(in_image)[:, None]
        ids = ops.arange(self.vocabulary_size, dtype="int32")[None]
        is_text = ids < self.text_vocabulary_size
        is_image = ops.logical_not(is_text) & (
            ids < self.text_vocabulary_size + self.image_vocabulary_size
        )
        text_choice = is_text | (ids == self.eos_id)
        if allow_images:
            text_choice = text_choice | (ids == self.boi_id)
        return (
            (image_phase & is_image)
            | (close_phase & (ids == self.eoi_id))
            | (outside & text_choice)
        )

    # --- Generation.
    def _placeholder(self, shape):
        """Ids of the positions still to sample: `<eoi>`, never a stop
        token (GPT-2's id 0 is `<eos>`, and keras-hub's samplers stop at an
        `<eos>` anywhere outside the prompt mask)."""
        return np.full(shape, self.eoi_id, "int32")

    def check_generate_inputs(self, inputs):
        if isinstance(inputs, dict) and {"token_ids", "mask"} <= set(inputs):
            return inputs  # built by caption() / sample_sequences()
        if inputs is None:
            raise ValueError(
                f"{type(self).__name__}.generate needs prompts (a list of "
                "str); received None"
            )
        text = self.tokenize_captions(inputs)
        batch = len(text)
        prompt = np.concatenate(
            [
                np.full((batch, 1), self.bos_id),
                text,
                np.full((batch, 1), self.boi_id),
                self._placeholder((batch, self.num_image_tokens + 1)),
            ],
            axis=1,
        ).astype("int32")
        mask = np.zeros(prompt.shape, bool)
        mask[:, : self.max_text_length + 2] = True
        return {"token_ids": prompt, "mask": mask}

    def generate(self, inputs=None, num_samples=None, seed=None, **kwargs):
        """Images from caption prompts.

        Args:
            inputs: list of str prompts (each at most `max_text_length`
                tokens), or `None` with `num_samples`: unprompted images
                (the caption-less sequence).
            num_samples, seed: see `GenerativeModel.generate`.
            **kwargs: `sampler`, `temperature`, `top_k`, `top_p`,
                `guidance_scale` (float >= 0 or `None`: classifier-free
                guidance against the caption-less sequence), `cache`,
                `return_token_ids` (also return the sampled sequences), and
                `GenerativeModel.generate`'s options.
        """
        check_generate_options(kwargs)
        kwargs.setdefault("task", "image")
        if inputs is None and num_samples is not None:
            # No prompt: the caption-less sequence (the unconditional model
            # that classifier-free guidance uses).
            inputs = [""] * av.check_positive_int("num_samples", num_samples)
        return super().generate(inputs, num_samples, seed, **kwargs)

    def preview_images(self, num_images=64, seed=0, images=None, **kwargs):
        """Samples for `preview_prompts(num_images)` (the card's grid)."""
        del images
        num_images = av.check_positive_int("num_images", num_images)
        return self.generate(
            self.preview_prompts(num_images), seed=seed, **kwargs
        )

    def preview_prompts(self, num_images):
        """Prompts of the preview grid: "a photo of a dark <class>", ...

        The Fashion-MNIST caption words when the vocabulary has them, each
        class dark then light; else the first words of the vocabulary.
        """
        from kerasgen.datasets import fashion_mnist_captions as captions

        words = "a photo of dark light".split() + [
            w for name in captions.CLASS_WORDS for w in name.split()
        ]
        if not self._knows_words(words):
            text = [w for w in self.vocabulary if not w.startswith("[")]
            return [" ".join(text[: self.max_text_length])] * num_images
        return [
            f"a photo of a {('dark', 'light')[(i // 10) % 2]} "
            f"{captions.CLASS_WORDS[i % 10]}"
            for i in range(num_images)
        ]

    def caption(self, images, seed=None, **kwargs):
        """Captions of images (uint8 or `[-1, 1]`), as a list of str.

        Args:
            images: `(n, height, width, channels)`.
            seed: int or `None`.
            **kwargs: sampling options as in `generate` (default
                `sampler="greedy"`); no guidance.
        """
        images = self._check_images(np.asarray(images), "images")
        image = ops.convert_to_numpy(self._image_ids(images))
        batch = len(image)
        prompt = np.concatenate(
            [
                np.full((batch, 1), self.bos_id),
                np.full((batch, 1), self.boi_id),
                image,
                np.full((batch, 1), self.eoi_id),
                self._placeholder((batch, self.max_text_length + 1)),
            ],
            axis=1,
        ).astype("int32")
        mask = np.zeros(prompt.shape, bool)
        mask[:, : self.num_image_tokens + 3] = True
        if not any(k in kwargs for k in ("sampler", "top_k", "top_p")):
            kwargs["sampler"] = "greedy"
        out = self.generate(
            {"token_ids": prompt, "mask": mask},
            seed=seed,
            task="caption",
            return_token_ids=True,
            **kwargs,
        )
        text = out["token_ids"][:, self.num_image_tokens + 3 :]
        rows = []
        for row in text:
            ends = np.flatnonzero(row == self.eos_id)
            rows.append(row[: ends[0]] if len(ends) else row)
        return self.detokenize_captions([np.asarray(r, "int32") for r in rows])

    def sample_sequences(self, num_samples, seed=None, **kwargs):
        """Free-running joint sequences from `<bos>`: int `(n, L)`.

        The model chooses text or `<boi>`; the token mask keeps every
        image span `h * w` image ids long, closed by `<eoi>`.
        """
        num_samples = av.check_positive_int("num_samples", num_samples)
        prompt = self._placeholder((num_samples, self.sequence_length))
        prompt[:, 0] = self.bos_id
        mask = np.zeros(prompt.shape, bool)
        mask[:, 0] = True
        out = self.generate(
            {"token_ids": prompt, "mask": mask},
            seed=seed,
            task="free",
            return_token_ids=True,
            **kwargs,
        )
        return out["token_ids"]

    def generate_step(
        self,
        inputs,
        num_samples,
        seed,
        sampling=(None, 1.0, None, None),
        guidance_scale=None,
        cache=True,
        return_token_ids=False,
        task="image",
    ):
        sampler = token_samplers.get_sampler(*sampling)
        prompt = ops.cast(inputs["token_ids"], "int32")
        mask = ops.cast(inputs["mask"], "bool")
        length = prompt.shape[1]
        start = {
            "image": self.max_text_length + 2,
            "caption": self.num_image_tokens + 3,
            "free": 1,
        }[task]
        guided = guidance_scale is not None and task == "image"
        rows = 2 * num_samples if guided else num_samples
        text_slots = (ops.arange(length, dtype="int32")[None] >= 1) & (
            ops.arange(length, dtype="int32")[None] <= self.max_text_length
        )

        def inputs_of(prompt):
            if not guided:
                return prompt
            # The caption-less rows: the same sequence, text all <pad>.
            dropped = ops.where(text_slots, self.pad_id, prompt)
            return ops.concatenate([prompt, dropped], axis=0)

        def next_fn(prompt, state, index):
            position = index - 1
            if cache:
                token = ops.slice(inputs_of(prompt), (0, position), (rows, 1))
                logits, state = self._call_with_cache(token, state, position)
                logits = logits[:, 0]
            else:
                logits = self._logits(inputs_of(prompt)[:, : length - 1])
                logits = ops.take(logits, position, axis=1)
            logits = ops.cast(logits, "float32")
            if guided:
                cond, uncond = logits[:num_samples], logits[num_samples:]
                logits = uncond + guidance_scale * (cond - uncond)
            allowed = self.token_mask(
                prompt, index, allow_images=task != "caption"
            )
            return ops.where(allowed, logits, _NEGATIVE), None, state

        state = ()
        if cache:
            state = self._init_cache(rows)
            if start > 1:  # the prompt's keys and values, in one pass
                _, state = self._call_with_cache(
                    inputs_of(prompt)[:, : start - 1], state, 0
                )
        stop = (self.eos_id,) if task != "image" else None
        sequence = token_samplers.sample_tokens(
            sampler,
            next_fn,
            prompt,
            seed,
            cache=state,
            index=start,
            mask=mask,
            stop_token_ids=stop,
        )
        if task == "image":
            first = self.max_text_length + 2
        else:
            first = 2
        image = sequence[:, first : first + self.num_image_tokens]
        image = ops.clip(
            image - self.text_vocabulary_size,
            0,
            self.image_vocabulary_size - 1,
        )
        grid = ops.reshape(image, (num_samples,) + self.token_shape)
        quantizer = self.tokenizer.quantizer
        images = self.tokenizer.decode(quantizer.indices_to_codes(grid))
        images = ops.clip(images, -1.0, 1.0)
        if return_token_ids:
            return {"images": images, "token_ids": sequence}
        return images


@keras.saving.register_keras_serializable(package="kerasgen")
class TextImageTransformer(EarlyFusionTransformer):
    """A single decoder-only transformer over text and image tokens.

    Early fusion as in Chameleon (Chameleon Team 2024) and DALL-E's single
    stream (Ramesh et al. 2021): one vocabulary holds the text ids `[0,
    T)` (the word list `vocabulary`), the image ids `[T, T + V)` of a
    frozen `ImageTokenizer` and the special tokens `<bos>, <boi>, <eoi>,
    <eos>, <pad>`; one transformer (with QK-norm by default) models both
    kinds of sequence, each of length `L = max_text_length + h * w + 4`:

        caption -> image: <bos> text <pad>... <boi> image(h*w) <eoi> <eos>
        image -> caption: <bos> <boi> image(h*w) <eoi> text <eos> <pad>...

    (the text span of a caption-first sequence is padded to
    `max_text_length`, so the image always starts at the same position).
    Training (`fit({"images", "caption_ids"})`, caption ids from
    `tokenize_captions`) draws one order per example (`image_first_rate`
    image -> caption) and drops the caption of a caption-first sequence
    with `caption_dropout` (all `<pad>`: the unconditional image model of
    classifier-free guidance); the loss is the mean negative
    log-likelihood per token, `<pad>` targets excluded.

    Sampling runs keras-hub's samplers with the key/value cache under a
    token mask (`token_mask`): inside an image span (after `<boi>`) only
    image ids, then exactly `<eoi>` after `h * w` of them; outside it only
    text ids, `<eos>` and `<boi>`. `generate(prompts)` returns images,
    `caption(images)` returns strings, `sample_sequences` free-runs from
    `<bos>`.

    Args:
        tokenizer: an `ImageTokenizer`, its preset name or folder, or config.
        vocabulary: list of str, the text words (e.g.
            `kerasgen.datasets.fashion_mnist_captions.vocabulary()`), with
            `"[UNK]"` among them: words outside it become `[UNK]`.
        max_text_length: int. Longest caption in tokens. Defaults to 12.
        caption_dropout: float in `[0, 1)`. Defaults to 0.1.
        image_first_rate: float in `[0, 1]`. Share of image -> caption
            sequences in training. Defaults to 0.5.
        transformer: a `CausalTransformer` of the joint vocabulary and
            `sequence_length >= L - 1`, or `None` to build one.
        num_layers, num_heads, hidden_dim, intermediate_dim, dropout,
        position_embedding, qk_norm: the default transformer's (defaults 4,
            4, 128, 512, 0, `"learned"`, `True`).
        seed: int or `None`.

    Example:
    >>> import numpy as np
    >>> from kerasgen.models import VQVAE
    >>> tokenizer = VQVAE(image_shape=(8, 8, 1), latent_dim=2,
    ...                   codebook_size=8, filters=(4, 8), num_groups=2)
    >>> model = TextImageTransformer(
    ...     tokenizer, ["[PAD]", "[UNK]", "a", "dark", "light", "coat"],
    ...     max_text_length=4, num_layers=1, num_heads=2, hidden_dim=8,
    ...     intermediate_dim=16)
    >>> model.compile()
    >>> ids = model.tokenize_captions(["a dark coat", "a light coat"])
    >>> x = {"images": np.zeros((2, 8, 8, 1), "uint8"), "caption_ids": ids}
    >>> history = model.fit(x, verbose=0)
    >>> model.generate(["a dark coat"], seed=0).shape
    (1, 8, 8, 1)
    >>> len(model.caption(np.zeros((2, 8, 8, 1), "uint8"), seed=0))
    2

    References:
        - Chameleon Team 2024, "Chameleon: Mixed-Modal Early-Fusion
          Foundation Models" (one vocabulary, QK-norm).
        - Ramesh et al. 2021, "Zero-Shot Text-to-Image Generation" (text
          and image tokens in one stream).
        - Ho & Salimans 2022, "Classifier-Free Diffusion Guidance".
    """

    def __init__(
        self,
        tokenizer,
        vocabulary,
        max_text_length=12,
        caption_dropout=0.1,
        image_first_rate=0.5,
        transformer=None,
        seed=None,
        **kwargs,
    ):
        defaults = dict(TRANSFORMER_ARGUMENTS, qk_norm=True)
        architecture = {
            key: kwargs.pop(key) for key in list(kwargs) if key in defaults
        }
        super().__init__(
            tokenizer,
            max_text_length=max_text_length,
            caption_dropout=caption_dropout,
            image_first_rate=image_first_rate,
            seed=seed,
            **kwargs,
        )
        if not isinstance(vocabulary, (list, tuple)) or not all(
            isinstance(word, str) for word in vocabulary
        ):
            raise ValueError(
                "vocabulary must be a list of str (the text words); "
                f"received {type(vocabulary).__name__}"
            )
        vocabulary = list(vocabulary)
        if "[UNK]" not in vocabulary or len(set(vocabulary)) != len(vocabulary):
            raise ValueError(
                "vocabulary must hold distinct words, '[UNK]' among them "
                f"(for unknown words); received {len(vocabulary)} words"
            )
        text_size = len(vocabulary)
        image_size = self.image_vocabulary_size
        specials = text_size + image_size
        self._set_layout(text_size, *(specials + i for i in range(5)))
        vocabulary_size = specials + len(SPECIAL_TOKENS)
        transformer = _config_utils.deserialize(transformer)
        if transformer is None:
            transformer = CausalTransformer(
                vocabulary_size=vocabulary_size,
                sequence_length=self.sequence_length - 1,
                name="transformer",
                **dict(defaults, **architecture),
            )
        elif architecture:
            raise ValueError(
                "TextImageTransformer: architecture arguments "
                f"{sorted(architecture)} cannot be given with a transformer"
            )
        elif transformer.vocabulary_size != vocabulary_size:
            raise ValueError(
                f"{text_size} text ids + {image_size} image ids (the "
                f"tokenizer's) + {len(SPECIAL_TOKENS)} specials = "
                f"{vocabulary_size}, but the transformer's vocabulary_size "
                f"is {transformer.vocabulary_size}: the tokenizer does not "
                "match this model"
            )
        elif transformer.sequence_length < self.sequence_length - 1:
            raise ValueError(
                f"sequences of {self.sequence_length} tokens need a "
                f"transformer sequence_length >= {self.sequence_length - 1}; "
                f"received {transformer.sequence_length}"
            )
        self.transformer = transformer
        # The keras-hub text tokenizer, built from `vocabulary` (the config
        # holds the words); not tracked, it has no weights.
        from kerasgen.datasets import fashion_mnist_captions

        object.__setattr__(
            self,
            "text_tokenizer",
            fashion_mnist_captions.text_tokenizer(vocabulary),
        )

        # === Config ===
        self.vocabulary = vocabulary
        self.built = True

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "vocabulary": list(self.vocabulary),
                "transformer": keras.saving.serialize_keras_object(
                    self.transformer
                ),
            }
        )
        return config

    @property
    def vocabulary_size(self):
        return self.transformer.vocabulary_size

    def _logits(self, token_ids, training=False):
        return self.transformer(token_ids, training=training)

    def _init_cache(self, batch_size):
        return self.transformer.init_cache(batch_size)

    def _call_with_cache(self, token_ids, cache, index):
        logits, _, cache = self.transformer.call_with_cache(
            token_ids, cache, index
        )
        return logits, cache

    def _knows_words(self, words):
        return set(words) <= set(self.vocabulary)

    def _detokenize_text(self, ids):
        return " ".join(self.vocabulary[t] for t in ids).replace(" ,", ",")
