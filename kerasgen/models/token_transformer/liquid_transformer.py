"""Liquid-style: image ids added to a keras-hub language model."""

import copy

import keras
import numpy as np
from keras import ops

from kerasgen.models.token_transformer.text_image_transformer import (
    EarlyFusionTransformer,
)
from kerasgen.models.token_transformer.vocabulary_extension import (
    extend_vocabulary,
)
from kerasgen.models.token_transformer.vocabulary_extension import mean_rows

#: The ids added after the text and image ids.
NEW_SPECIAL_TOKENS = ("<boi>", "<eoi>")


@keras.saving.register_keras_serializable(package="kerasgen")
class LiquidTransformer(EarlyFusionTransformer):
    """A keras-hub causal language model that also writes image tokens.

    Liquid (Wu et al. 2024): the `V` ids of a frozen `ImageTokenizer` and
    `<boi>`, `<eoi>` are appended to the vocabulary of an existing text LM
    (`extend_vocabulary`: every weight copied, new embedding rows the mean
    of the old ones), and the one model is fine-tuned on caption -> image
    and image -> caption sequences, exactly those of
    `TextImageTransformer`:

        caption -> image: <bos> text <pad>... <boi> image(h*w) <eoi> <eos>
        image -> caption: <bos> <boi> image(h*w) <eoi> text <eos> <pad>...

    Here the text ids are the LM's own `[0, T)` (its tokenizer, with its
    `<bos>`, `<eos>` and `<pad>`: GPT-2's `<|endoftext|>` is all three),
    the image ids `[T, T + V)` and `<boi>`, `<eoi>` are `T + V` and `T + V +
    1`. Generation, captioning, the token mask and classifier-free guidance
    (caption dropout) are `TextImageTransformer`'s. `fit_text` trains the
    language model on text alone (softmax over the text ids, so it is the
    text LM's training; the image rows are then reset to the mean of the
    text rows, as a fresh extension would), and `caption_perplexity`
    measures how much language ability the images cost.

    With internet the same code takes a pretrained LM:

        lm = keras_hub.models.GPT2CausalLM.from_preset("gpt2_base_en")
        model = LiquidTransformer("vqgan_fashion_mnist", lm)

    Args:
        tokenizer: an `ImageTokenizer`, its preset name or folder, or config.
        language_model: a `keras_hub.models.CausalLM` with a preprocessor
            (its tokenizer is the text tokenizer), either text-only (its
            vocabulary is that of its tokenizer: it is extended here) or
            already extended by `V + 2` ids (a saved `LiquidTransformer`).
        text_vocabulary_size: int or `None` (the text tokenizer's size).
        text_special_ids: dict `{"bos", "eos", "pad"}` of ids or `None` (the
            text tokenizer's `start_token_id`, `end_token_id` and
            `pad_token_id`).
        max_text_length, caption_dropout, image_first_rate, seed: as in
            `TextImageTransformer`.

    Example:
    >>> import keras_hub
    >>> from kerasgen.datasets import fashion_mnist_captions
    >>> from kerasgen.models import VQVAE
    >>> tokenizer = VQVAE(image_shape=(8, 8, 1), latent_dim=2,
    ...                   codebook_size=8, filters=(4, 8), num_groups=2)
    >>> text = fashion_mnist_captions.gpt2_tokenizer()
    >>> lm = keras_hub.models.GPT2CausalLM(
    ...     keras_hub.models.GPT2Backbone(
    ...         vocabulary_size=text.vocabulary_size(), num_layers=1,
    ...         num_heads=2, hidden_dim=8, intermediate_dim=16,
    ...         max_sequence_length=32),
    ...     keras_hub.models.GPT2CausalLMPreprocessor(text))
    >>> model = LiquidTransformer(tokenizer, lm, max_text_length=6)
    >>> model.vocabulary_size - text.vocabulary_size()  # 8 image ids + 2
    10
    >>> model.generate(["a dark coat"], seed=0).shape
    (1, 8, 8, 1)

    References:
        - Wu et al. 2024, "Liquid: Language Models are Scalable and
          Unified Multi-modal Generators".
    """

    def __init__(
        self,
        tokenizer,
        language_model,
        text_vocabulary_size=None,
        text_special_ids=None,
        max_text_length=12,
        caption_dropout=0.1,
        image_first_rate=0.5,
        seed=None,
        **kwargs,
    ):
        super().__init__(
            tokenizer,
            max_text_length=max_text_length,
            caption_dropout=caption_dropout,
            image_first_rate=image_first_rate,
            seed=seed,
            **kwargs,
        )
        import keras_hub

        if isinstance(language_model, dict):
            # keras-hub's Task.from_config replaces parts of the dict it is
            # given by objects: deserialize a copy, keep the config intact.
            language_model = keras.saving.deserialize_keras_object(
                copy.deepcopy(language_model)
            )
        if not isinstance(language_model, keras_hub.models.CausalLM):
            raise ValueError(
                "language_model must be a keras_hub.models.CausalLM (e.g. "
                "GPT2CausalLM.from_preset('gpt2_base_en')); received "
                f"{type(language_model).__name__}"
            )
        preprocessor = language_model.preprocessor
        text_tokenizer = getattr(preprocessor, "tokenizer", None)
        if text_tokenizer is None:
            raise ValueError(
                "language_model needs a preprocessor with a tokenizer (the "
                "text tokenizer); received a "
                f"{type(language_model).__name__} without one"
            )
        if text_vocabulary_size is None:
            text_vocabulary_size = int(text_tokenizer.vocabulary_size())
        if text_special_ids is None:
            pad = getattr(text_tokenizer, "pad_token_id", None)
            text_special_ids = {
                "bos": text_tokenizer.start_token_id,
                "eos": text_tokenizer.end_token_id,
                "pad": text_tokenizer.end_token_id if pad is None else pad,
            }
        if set(text_special_ids) != {"bos", "eos", "pad"} or not all(
            isinstance(i, (int, np.integer)) and 0 <= i < text_vocabulary_size
            for i in text_special_ids.values()
        ):
            raise ValueError(
                "text_special_ids must map 'bos', 'eos', 'pad' to text ids "
                f"in [0, {text_vocabulary_size}); received {text_special_ids}"
            )
        text_special_ids = {k: int(v) for k, v in text_special_ids.items()}
        new_tokens = self.image_vocabulary_size + len(NEW_SPECIAL_TOKENS)
        size = language_model.backbone.vocabulary_size
        if size == text_vocabulary_size:
            language_model = extend_vocabulary(language_model, new_tokens)
        elif size != text_vocabulary_size + new_tokens:
            raise ValueError(
                f"the language model's vocabulary_size is {size}; expected "
                f"its {text_vocabulary_size} text ids (a text LM, extended "
                f"here) or {text_vocabulary_size + new_tokens} (text + "
                f"{self.image_vocabulary_size} image ids of the tokenizer + "
                "<boi>, <eoi>): the tokenizer does not match this model"
            )
        context = getattr(language_model.backbone, "max_sequence_length", None)
        if context is not None and context < self.sequence_length - 1:
            raise ValueError(
                f"sequences of {self.sequence_length} tokens need a language "
                f"model context >= {self.sequence_length - 1}; received "
                f"max_sequence_length={context} (lower max_text_length)"
            )
        image_end = text_vocabulary_size + self.image_vocabulary_size
        self._set_layout(
            text_vocabulary_size,
            text_special_ids["bos"],
            image_end,
            image_end + 1,
            text_special_ids["eos"],
            text_special_ids["pad"],
        )
        self.language_model = language_model
        self.text_special_ids = text_special_ids
        self.built = True

    @property
    def text_tokenizer(self):
        return self.language_model.preprocessor.tokenizer

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "language_model": _without_compile_config(
                    keras.saving.serialize_keras_object(self.language_model)
                ),
                "text_vocabulary_size": self.text_vocabulary_size,
                "text_special_ids": dict(self.text_special_ids),
            }
        )
        return config

    # --- The network: the keras-hub causal LM.
    @property
    def vocabulary_size(self):
        return int(self.language_model.backbone.vocabulary_size)

    def _logits(self, token_ids, training=False):
        token_ids = ops.cast(token_ids, "int32")
        inputs = {
            "token_ids": token_ids,
            "padding_mask": ops.ones_like(token_ids, dtype="bool"),
        }
        return self.language_model(inputs, training=training)

    def _init_cache(self, batch_size):
        backbone = self.language_model.backbone
        heads = getattr(backbone, "num_key_value_heads", backbone.num_heads)
        head_dim = getattr(
            backbone, "head_dim", backbone.hidden_dim // backbone.num_heads
        )
        shape = (
            batch_size,
            backbone.num_layers,
            2,
            self.sequence_length - 1,
            heads,
            head_dim,
        )
        return ops.zeros(shape, dtype=self.language_model.compute_dtype)

    def _call_with_cache(self, token_ids, cache, index):
        logits, _, cache = self.language_model.call_with_cache(
            token_ids, cache, index
        )
        return logits, cache

    # --- Text alone.
    def _text_sequences(self, captions):
        """`<bos> caption <eos> <pad>...` `(n, max_text_length + 2)` and the
        scored targets (the words and the `<eos>`)."""
        text = self.tokenize_captions(captions)
        length = (text != self.pad_id).sum(axis=1)
        n, width = len(text), self.max_text_length + 2
        sequence = np.full((n, width), self.pad_id, "int32")
        sequence[:, 0] = self.bos_id
        sequence[:, 1:-1] = text
        sequence[np.arange(n), length + 1] = self.eos_id
        weights = np.arange(width)[None] <= (length + 1)[:, None]
        weights[:, 0] = False
        return sequence, weights

    def _text_logits(self, token_ids, text_only):
        logits = ops.cast(self._logits(token_ids), "float32")
        if text_only:
            logits = logits[..., : self.text_vocabulary_size]
        return logits

    def caption_perplexity(self, captions, text_only=False, batch_size=256):
        """Perplexity of `<bos> caption <eos>` (per word token and the
        `<eos>`): `exp` of the mean negative log-likelihood.

        Args:
            captions: list of str.
            text_only: bool. Softmax over the text ids only (the text
                language model inside), else over the whole vocabulary.
            batch_size: int.
        """
        sequence, weights = self._text_sequences(captions)
        total, count = 0.0, 0.0
        for start in range(0, len(sequence), batch_size):
            rows = sequence[start : start + batch_size]
            logits = self._text_logits(rows[:, :-1], text_only)
            nll = keras.losses.sparse_categorical_crossentropy(
                rows[:, 1:], logits, from_logits=True
            )
            scored = weights[start : start + batch_size, 1:]
            total += float(np.sum(ops.convert_to_numpy(nll) * scored))
            count += float(scored.sum())
        return float(np.exp(total / count))

    def fit_text(
        self,
        captions,
        epochs=1,
        batch_size=64,
        learning_rate=None,
        verbose="auto",
    ):
        """Trains the language model on captions alone (a text LM).

        The softmax runs over the text ids only, which is training the
        text-only LM: the image rows of the embedding get no gradient. They
        are then set to the mean of the text rows, what `extend_vocabulary`
        gives a pretrained LM. So `fit_text` then `fit` is Liquid's
        recipe: pretrain on text, extend, fine-tune on mixed sequences.

        Args:
            captions: list of str.
            epochs, batch_size: ints.
            learning_rate: float or `None` (`default_learning_rate`).
            verbose: as in `keras.Model.fit`.

        Returns:
            The `History` of the text model's fit.
        """
        sequence, weights = self._text_sequences(captions)
        text_size = self.text_vocabulary_size

        class TextModel(keras.Model):
            """The language model's logits over the text ids."""

            def __init__(self, language_model):
                super().__init__()
                self.language_model = language_model

            def call(self, token_ids, training=False):
                inputs = {
                    "token_ids": token_ids,
                    "padding_mask": ops.ones_like(token_ids, dtype="bool"),
                }
                logits = self.language_model(inputs, training=training)
                return logits[..., :text_size]

        text_model = TextModel(self.language_model)
        text_model.compile(
            optimizer=keras.optimizers.Adam(
                learning_rate or self.default_learning_rate
            ),
            loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        )
        history = text_model.fit(
            sequence[:, :-1],
            sequence[:, 1:],
            sample_weight=weights[:, 1:].astype("float32"),
            epochs=epochs,
            batch_size=batch_size,
            verbose=verbose,
        )
        self.reset_new_embeddings()
        return history

    def reset_new_embeddings(self):
        """Sets the rows of the image ids, `<boi>` and `<eoi>` in the token
        embedding (and an untied output embedding) to the mean of the text
        rows, as `extend_vocabulary` initialises them."""
        size = self.text_vocabulary_size
        embedding = self.language_model.backbone.token_embedding
        for weight in embedding.weights:
            value = np.asarray(ops.convert_to_numpy(weight))
            axis = list(value.shape).index(self.vocabulary_size)
            weight.assign(
                mean_rows(value, size, self.vocabulary_size, axis=axis)
            )


def _without_compile_config(config):
    """A keras-hub task's serialized config less its own compile config
    (keras-hub compiles a `CausalLM` when it is built; this model trains it
    with its own optimizer)."""
    return {k: v for k, v in config.items() if k != "compile_config"}
