"""Liquid-style image tokens: new ids added to a keras-hub causal LM."""

import numpy as np

from kerasgen.utils import argument_validation as av


def extend_vocabulary(causal_lm, num_new_tokens):
    """A copy of a keras-hub causal LM with `num_new_tokens` more ids.

    Liquid (Wu et al. 2024) turns a text language model into a text and
    image model by adding the image tokenizer's ids (and `<boi>`/`<eoi>`)
    to its vocabulary and fine-tuning on mixed sequences. This builds the
    larger model: the backbone is rebuilt from its config with
    `vocabulary_size + num_new_tokens`, every weight is copied, and the new
    rows of the token embedding (and of an untied output embedding) are
    the mean of the old rows, so the new ids start as an "average word".
    The old ids keep their embeddings and the model's hidden states on
    old-token sequences are unchanged, so the logits of the old ids are
    identical to the original model's (`new_logits[..., :V] ==
    old_logits`); the new ids are `V, ..., V + num_new_tokens - 1`.

    Works for keras-hub `CausalLM`s whose backbone rebuilds from its config
    with another `vocabulary_size` (GPT-2, Gemma, Llama, ...). With
    internet, `keras_hub.models.GPT2CausalLM.from_preset("gpt2_base_en")`
    is extended the same way. The preprocessor is kept for the old (text)
    tokens; it does not know the new ids: feed those as token ids.

    Args:
        causal_lm: a `keras_hub.models.CausalLM`.
        num_new_tokens: int >= 1.

    Returns:
        A new `CausalLM` of the same class.

    Example:
    >>> import keras_hub, numpy as np
    >>> backbone = keras_hub.models.GPT2Backbone(
    ...     vocabulary_size=20, num_layers=1, num_heads=2, hidden_dim=8,
    ...     intermediate_dim=16, max_sequence_length=8)
    >>> lm = keras_hub.models.GPT2CausalLM(backbone)
    >>> bigger = extend_vocabulary(lm, 5)
    >>> bigger.backbone.vocabulary_size
    25
    >>> x = {"token_ids": np.array([[1, 2, 3]]),
    ...      "padding_mask": np.ones((1, 3), bool)}
    >>> bool(np.allclose(bigger(x)[..., :20], lm(x), atol=1e-6))
    True

    References:
        - Wu et al. 2024, "Liquid: Language Models are Scalable and
          Unified Multi-modal Generators".
    """
    import keras_hub

    if not isinstance(causal_lm, keras_hub.models.CausalLM):
        raise ValueError(
            "causal_lm must be a keras_hub.models.CausalLM (e.g. "
            f"GPT2CausalLM, GemmaCausalLM); received {type(causal_lm).__name__}"
        )
    num_new_tokens = av.check_positive_int("num_new_tokens", num_new_tokens)
    backbone = causal_lm.backbone
    config = backbone.get_config()
    if "vocabulary_size" not in config:
        raise ValueError(
            f"{type(backbone).__name__} has no vocabulary_size in its "
            "config: its vocabulary cannot be extended this way"
        )
    old_size = int(config["vocabulary_size"])
    new_size = old_size + num_new_tokens
    config["vocabulary_size"] = new_size
    new_backbone = type(backbone).from_config(config)
    old_weights = backbone.weights
    new_weights = new_backbone.weights
    if len(old_weights) != len(new_weights):
        raise ValueError(
            f"the rebuilt {type(backbone).__name__} has {len(new_weights)} "
            f"weights, the original {len(old_weights)}: not the same "
            "architecture"
        )
    for old, new in zip(old_weights, new_weights):
        value = np.asarray(old.numpy())
        if tuple(old.shape) == tuple(new.shape):
            new.assign(value)
            continue
        changed = [
            axis
            for axis, (a, b) in enumerate(zip(old.shape, new.shape))
            if a != b
        ]
        if (
            len(old.shape) != len(new.shape)
            or len(changed) != 1
            or old.shape[changed[0]] != old_size
            or new.shape[changed[0]] != new_size
        ):
            raise ValueError(
                f"weight {old.path} changed shape {tuple(old.shape)} -> "
                f"{tuple(new.shape)}: only the vocabulary axis may grow"
            )
        new.assign(mean_rows(value, old_size, new_size, axis=changed[0]))
    return type(causal_lm)(
        backbone=new_backbone, preprocessor=causal_lm.preprocessor
    )


def mean_rows(value, old_size, new_size, axis):
    """`value`'s first `old_size` rows along `axis`, then rows equal to
    their mean up to `new_size` (the initialisation of new token ids)."""
    old = np.take(value, np.arange(old_size), axis=axis)
    mean = old.mean(axis=axis, keepdims=True)
    rows = np.repeat(mean, new_size - old_size, axis=axis)
    return np.concatenate([old, rows], axis=axis)
