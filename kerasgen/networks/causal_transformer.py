"""A decoder-only transformer with a key/value cache and local attention."""

import keras
import numpy as np
from keras import ops
from keras_hub.layers import CachedMultiHeadAttention
from keras_hub.layers import PositionEmbedding
from keras_hub.layers import ReversibleEmbedding
from keras_hub.layers import RotaryEmbedding

from kerasgen.networks import _blocks
from kerasgen.networks.network import Network
from kerasgen.utils import argument_validation as av

_POSITION_EMBEDDINGS = ("learned", "rotary")
_ATTENTIONS = ("full", "local_1d", "local_2d")


def _initializer():
    # GPT-2's initialisation (keras-hub `GPT2Backbone`).
    return keras.initializers.RandomNormal(stddev=0.02)


def attention_mask(
    query_positions,
    key_positions,
    attention="full",
    prefix_length=0,
    query_block=1,
    memory=0,
    block_shape=(1, 1),
    memory_shape=(0, 0),
    image_width=1,
):
    """Which keys each query may attend to: bool `(queries, keys)`.

    Always causal (key `<=` query). The first `prefix_length` positions
    are conditioning tokens that every position sees; the local patterns
    restrict the others (Parmar et al. 2018, section 3.2 and figure 2),
    counting positions `r = t - prefix_length` from the end of the prefix:

    - `"local_1d"`: the sequence is split into query blocks of
      `query_block` positions; a query in the block starting at `b` sees
      the keys `r_k >= b - memory` (its block, causally, and the `memory`
      positions before it).
    - `"local_2d"`: position `r` is pixel `(r // image_width, r %
      image_width)` of an image in raster order, split into query blocks
      of `block_shape = (rows, columns)`; a query in the block of rows
      `[i0, i0 + rows)` and columns `[j0, j0 + columns)` sees the keys
      inside the memory rectangle of rows `[i0 - memory_shape[0], i0 +
      rows)` and columns `[j0 - memory_shape[1], j0 + columns +
      memory_shape[1])` (above, left and right of the block), causally in
      raster order.

    Args:
        query_positions: int tensor `(queries,)`, absolute positions.
        key_positions: int tensor `(keys,)`.
        attention: `"full"`, `"local_1d"` or `"local_2d"`.
        prefix_length, query_block, memory, block_shape, memory_shape,
        image_width: the pattern's sizes (see `CausalTransformer`).

    Returns:
        bool tensor `(queries, keys)`, True where attention is allowed.
    """
    query = ops.cast(query_positions, "int32")[:, None]  # (queries, 1)
    key = ops.cast(key_positions, "int32")[None, :]  # (1, keys)
    allowed = ops.less_equal(key, query)
    if attention == "full":
        return allowed
    query_r = query - prefix_length
    key_r = key - prefix_length
    if attention == "local_1d":
        block_start = ops.floor_divide(query_r, query_block) * query_block
        local = ops.greater_equal(key_r, block_start - memory)
    else:
        rows, columns = block_shape
        memory_rows, memory_columns = memory_shape
        query_row = ops.floor_divide(query_r, image_width)
        query_column = query_r - query_row * image_width
        key_row = ops.floor_divide(key_r, image_width)
        key_column = key_r - key_row * image_width
        row0 = ops.floor_divide(query_row, rows) * rows
        column0 = ops.floor_divide(query_column, columns) * columns
        # Rows below the block are later in raster order: causality
        # already excludes them.
        local = ops.logical_and(
            ops.greater_equal(key_row, row0 - memory_rows),
            ops.logical_and(
                ops.greater_equal(key_column, column0 - memory_columns),
                ops.less(key_column, column0 + columns + memory_columns),
            ),
        )
    # Prefix keys are seen by every query (a prefix query sees only prefix
    # keys, causally).
    local = ops.logical_or(local, ops.less(key, prefix_length))
    return ops.logical_and(allowed, local)


class _AttentionMask(keras.layers.Layer):
    """The attention pattern's mask for a chunk of queries: `(1, T, S)`."""

    def __init__(self, pattern, **kwargs):
        super().__init__(**kwargs)
        self.pattern = dict(pattern)
        self.built = True  # No weights.

    def call(self, x, start_index=0, key_length=None):
        query_length = ops.shape(x)[1]
        if key_length is None:
            key_length = query_length
        queries = ops.arange(query_length, dtype="int32") + ops.cast(
            start_index, "int32"
        )
        keys = ops.arange(key_length, dtype="int32")
        return attention_mask(queries, keys, **self.pattern)[None]

    def compute_output_spec(self, x, start_index=0, key_length=None):
        length = x.shape[1] if key_length is None else key_length
        return keras.KerasTensor((1, x.shape[1], length), dtype="bool")


def local_blocks(sequence_length, **pattern):
    """Query blocks of a local pattern and the keys each one needs.

    The exact `attention_mask` of a local pattern, cut into query blocks
    (Parmar et al. 2018, section 3.2: `query_block` positions in 1D,
    `block_shape` rectangles of the image in 2D, the prefix in chunks of
    the block size), each with the union of the keys its queries may see.
    Attention computed block by block over these keys is the masked
    attention over the whole sequence, at a cost of `lq * lk` per block
    instead of `sequence_length` per query.

    Args:
        sequence_length: int.
        **pattern: `attention` (`"local_1d"` or `"local_2d"`) and the
            sizes of `attention_mask`.

    Returns:
        dict of NumPy arrays: `query_index (blocks, lq)` and `key_index
        (blocks, lk)` (positions; padding slots repeat position 0),
        `mask (blocks, lq, lk)` (the attention mask at those pairs; False
        at padded keys, True on padded query rows, whose outputs are
        dropped) and `output_index (sequence_length,)` (where each
        position's output is in the flattened `(blocks * lq)` outputs).
    """
    positions = np.arange(sequence_length)
    mask = ops.convert_to_numpy(attention_mask(positions, positions, **pattern))
    prefix_length = pattern.get("prefix_length", 0)
    if pattern["attention"] == "local_1d":
        size = pattern["query_block"]
        relative = np.arange(sequence_length - prefix_length)
        block_of = relative // size
    else:
        rows, columns = pattern["block_shape"]
        width = pattern["image_width"]
        size = rows * columns
        row, column = np.divmod(
            np.arange(sequence_length - prefix_length), width
        )
        blocks_per_row = -(-width // columns)
        block_of = (row // rows) * blocks_per_row + column // columns
    blocks = [
        np.arange(start, min(start + size, prefix_length))
        for start in range(0, prefix_length, size)
    ]
    blocks += [
        prefix_length + np.flatnonzero(block_of == b)
        for b in np.unique(block_of)
    ]
    keys = [np.flatnonzero(mask[queries].any(axis=0)) for queries in blocks]
    num_blocks = len(blocks)
    lq = max(len(queries) for queries in blocks)
    lk = max(len(k) for k in keys)
    query_index = np.zeros((num_blocks, lq), "int32")
    key_index = np.zeros((num_blocks, lk), "int32")
    pair_mask = np.zeros((num_blocks, lq, lk), bool)
    output_index = np.zeros((sequence_length,), "int32")
    for n, (queries, k) in enumerate(zip(blocks, keys)):
        query_index[n, : len(queries)] = queries
        key_index[n, : len(k)] = k
        pair_mask[n, : len(queries), : len(k)] = mask[np.ix_(queries, k)]
        pair_mask[n, len(queries) :] = True
        output_index[queries] = n * lq + np.arange(len(queries))
    return {
        "query_index": query_index,
        "key_index": key_index,
        "mask": pair_mask,
        "output_index": output_index,
    }


class _CausalSelfAttention(CachedMultiHeadAttention):
    """keras-hub's cached attention, with rotary and blocked local paths.

    - Rotary (Su et al. 2021): queries and keys are rotated at their
      absolute positions (`start` = the cache update index) before the
      keys enter the cache, as keras-hub's Llama attention does;
      `CachedMultiHeadAttention` itself has no rotary hook.
    - Local patterns: without a cache (the full pass) the attention runs
      block by block on the keys each query block may see (`blocks`, from
      `local_blocks`), the inputs padded to the tables' length (later
      positions, which no earlier query sees); with a cache (one step)
      the given mask row applies to the whole cache, as in the full mask.

    - QK-norm (Chameleon, Chameleon Team 2024, section 2.3): a layer norm
      over each head's query and key vectors (parameters shared by the
      heads), before the rotation, which bounds the attention logits.

    Only the updated-cache mode is used (`cache_update_index` set whenever
    `cache` is).
    """

    def __init__(
        self,
        rotary=False,
        blocks=None,
        qk_norm=False,
        layer_norm_epsilon=1e-5,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.rotary = rotary
        self.blocks = blocks
        self.qk_norm = qk_norm
        self.rotary_embedding = None
        if rotary:
            self.rotary_embedding = RotaryEmbedding(dtype=self.dtype_policy)
        self.query_norm = self.key_norm = None
        if qk_norm:
            self.query_norm, self.key_norm = (
                keras.layers.LayerNormalization(
                    epsilon=layer_norm_epsilon,
                    dtype=self.dtype_policy,
                    name=name,
                )
                for name in ("query_norm", "key_norm")
            )

    def build(self, query_shape, value_shape, key_shape=None):
        super().build(query_shape, value_shape, key_shape)
        if self.qk_norm:
            heads = (None, None, self._num_heads, self._key_dim)
            self.query_norm.build(heads)
            self.key_norm.build(heads)

    def _normalize(self, norm, x):
        return x if norm is None else norm(x)

    def _rotate(self, x, start):
        if self.rotary_embedding is None:
            return x
        return self.rotary_embedding(x, start_index=start)

    def call(
        self,
        query,
        value,
        attention_mask=None,
        cache=None,
        cache_update_index=None,
        training=None,
    ):
        start = 0 if cache_update_index is None else cache_update_index
        query = self._query_dense(query)
        key = self._key_dense(value)
        query = self._rotate(self._normalize(self.query_norm, query), start)
        key = self._rotate(self._normalize(self.key_norm, key), start)
        value = self._value_dense(value)
        if cache is not None:
            # keras-hub's layout (batch, 2, S, heads, head_dim), or a
            # (keys, values) pair, which saves a copy per step.
            paired = isinstance(cache, (tuple, list))
            key_cache, value_cache = (
                cache if paired else (cache[:, 0, ...], cache[:, 1, ...])
            )
            index = (0, cache_update_index, 0, 0)
            key = ops.slice_update(key_cache, index, key)
            value = ops.slice_update(value_cache, index, value)
            cache = (key, value) if paired else ops.stack((key, value), axis=1)
        if cache is None and self.blocks is not None:
            output = self._blocked_attention(query, key, value, training)
        else:
            output, _ = self._compute_attention(
                query=query,
                key=key,
                value=value,
                attention_mask=attention_mask,
                training=training,
            )
        output = self._output_dense(output)
        if cache is not None:
            return output, cache
        return output

    def _blocked_attention(self, query, key, value, training):
        # query, key, value: (batch, T, heads, head_dim), T <= the tables'.
        length = ops.shape(query)[1]
        total = self.blocks["output_index"].shape[0]
        padding = ((0, 0), (0, total - length), (0, 0), (0, 0))
        query, key, value = (ops.pad(x, padding) for x in (query, key, value))
        num_blocks, lq = self.blocks["query_index"].shape
        lk = self.blocks["key_index"].shape[1]

        def gather(x, table, size):
            x = ops.take(x, ops.reshape(table, (-1,)), axis=1)
            return ops.reshape(
                x, (-1, num_blocks, size) + tuple(x.shape[2:])
            )  # (batch, blocks, size, heads, head_dim)

        query = gather(query, self.blocks["query_index"], lq)
        key = gather(key, self.blocks["key_index"], lk)
        value = gather(value, self.blocks["key_index"], lk)
        query = query * ops.cast(self._inverse_sqrt_key_dim, query.dtype)
        scores = ops.einsum("bnqhd,bnkhd->bnhqk", query, key)
        mask = self.blocks["mask"][:, None]  # (blocks, 1, lq, lk)
        negative = -3e4 if scores.dtype == "float16" else -1e9
        scores = ops.where(mask, scores, ops.cast(negative, scores.dtype))
        weights = ops.softmax(scores, axis=-1)
        weights = self._dropout_layer(weights, training=training)
        output = ops.einsum("bnhqk,bnkhd->bnqhd", weights, value)
        output = ops.reshape(
            output, (-1, num_blocks * lq) + tuple(output.shape[3:])
        )
        output = ops.take(output, self.blocks["output_index"], axis=1)
        return output[:, :length]


class _DecoderBlock(keras.layers.Layer):
    """A pre-norm decoder layer (GPT-2): `x + attn(LN(x))`, `x + mlp(LN(x))`.

    keras-hub's `TransformerDecoder(normalize_first=True)` is the same
    block, but it has no rotary hook and computes local patterns only as
    full masks; this one takes the attention mask from the caller and
    runs keras-hub's `CachedMultiHeadAttention` through the subclass
    above (rotary, blocked local attention).
    """

    def __init__(
        self,
        num_heads,
        intermediate_dim,
        dropout=0.0,
        rotary=False,
        blocks=None,
        qk_norm=False,
        layer_norm_epsilon=1e-5,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.num_heads = num_heads
        self.intermediate_dim = intermediate_dim
        self.dropout = dropout
        self.rotary = rotary
        self.blocks = blocks
        self.qk_norm = qk_norm
        self.layer_norm_epsilon = layer_norm_epsilon

    def build(self, input_shape):
        hidden_dim = input_shape[-1]
        dtype = self.dtype_policy
        self.attention = _CausalSelfAttention(
            rotary=self.rotary,
            blocks=self.blocks,
            qk_norm=self.qk_norm,
            layer_norm_epsilon=self.layer_norm_epsilon,
            num_heads=self.num_heads,
            key_dim=hidden_dim // self.num_heads,
            dropout=self.dropout,
            kernel_initializer=_initializer(),
            dtype=dtype,
            name="self_attention",
        )
        self.attention.build(input_shape, input_shape)
        self.attention_norm = keras.layers.LayerNormalization(
            epsilon=self.layer_norm_epsilon, dtype=dtype, name="attention_norm"
        )
        self.attention_norm.build(input_shape)
        self.feedforward_norm = keras.layers.LayerNormalization(
            epsilon=self.layer_norm_epsilon,
            dtype=dtype,
            name="feedforward_norm",
        )
        self.feedforward_norm.build(input_shape)
        self.intermediate = keras.layers.Dense(
            self.intermediate_dim,
            activation="gelu",
            kernel_initializer=_initializer(),
            dtype=dtype,
            name="feedforward_intermediate",
        )
        self.intermediate.build(input_shape)
        self.output_dense = keras.layers.Dense(
            hidden_dim,
            kernel_initializer=_initializer(),
            dtype=dtype,
            name="feedforward_output",
        )
        self.output_dense.build(
            tuple(input_shape[:-1]) + (self.intermediate_dim,)
        )
        self.dropout_layer = keras.layers.Dropout(self.dropout, dtype=dtype)
        self.built = True

    def call(
        self,
        x,
        attention_mask,
        cache=None,
        cache_update_index=None,
        training=None,
    ):
        h = self.attention_norm(x)
        attended = self.attention(
            query=h,
            value=h,
            attention_mask=attention_mask,
            cache=cache,
            cache_update_index=cache_update_index,
            training=training,
        )
        if cache is not None:
            attended, cache = attended
        x = x + self.dropout_layer(attended, training=training)
        h = self.output_dense(self.intermediate(self.feedforward_norm(x)))
        x = x + self.dropout_layer(h, training=training)
        if cache is not None:
            return x, cache
        return x

    def compute_output_spec(self, x, attention_mask, **kwargs):
        return keras.KerasTensor(x.shape, dtype=self.compute_dtype)

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "num_heads": self.num_heads,
                "intermediate_dim": self.intermediate_dim,
                "dropout": self.dropout,
                "rotary": self.rotary,
                "qk_norm": self.qk_norm,
                "layer_norm_epsilon": self.layer_norm_epsilon,
            }
        )
        return config


@keras.saving.register_keras_serializable(package="kerasgen")
class CausalTransformer(Network):
    """A decoder-only transformer: token ids to next-token logits.

    GPT-2's pre-norm stack (Radford et al. 2019; keras-hub's
    `GPT2Backbone` + `GPT2CausalLM`): token embedding (+ learned position
    embedding, or rotary query/key rotations), `num_layers` decoder layers
    (`x + attention(LN(x))`, `x + MLP(LN(x))`, GELU), a final layer norm,
    and logits from the (tied) token embedding. The functional model maps
    `token_ids (batch, T)` (`T <= sequence_length`) to logits `(batch, T,
    vocabulary_size)`; position `t`'s logits depend only on tokens `<= t`.

    Attention patterns (`attention_mask` in this module gives the exact
    definition): `"full"` causal attention; `"local_1d"` (Parmar et al.
    2018, section 3.2, figure 2 left): query blocks of `query_block`
    positions, each attending to itself causally and to the `memory`
    positions before it; `"local_2d"` (figure 2 right): the positions are
    an image of `image_width` columns in raster order, query blocks of
    `block_shape = (rows, columns)` attend to a memory rectangle of
    `memory_shape[0]` rows above and `memory_shape[1]` columns left and
    right, causally in raster order. The local patterns are exact masks
    over the whole sequence; a cached step applies the same mask row.

    Conditioning: the first `prefix_length` positions (class tokens, a
    text prompt, ...) are seen by every position whatever the pattern,
    and the local geometry counts positions from the end of the prefix.
    A caller that builds its own input vectors (pixels, several
    modalities, continuous conditioning) skips the token embedding:
    `call_embeddings(embeddings)` runs the stack on `(batch, T,
    hidden_dim)` vectors and returns the final hidden states (the
    `inputs_embeds` path); `embed(token_ids)` and `logits(hidden_states)`
    are the two ends of the token path.

    Sampling (keras-hub's sampler contract, `keras_hub.samplers.*`):
    `call_with_cache(token_ids, cache, cache_update_index)` returns
    `(logits, hidden_states, cache)` for the tokens at positions
    `cache_update_index, ...`, their keys and values written into the
    cache; `init_cache(batch_size)` is the empty cache `(batch,
    num_layers, 2, sequence_length, num_heads, head_dim)` and
    `_build_cache(token_ids)` seeds it with a prompt (keras-hub's
    `CausalLM._build_cache`), returning `(hidden_states, cache)`.

    Args:
        vocabulary_size: int. Number of token ids.
        sequence_length: int. Longest sequence (learned positions, cache).
        num_layers: int. Decoder layers. Defaults to 4.
        num_heads: int. Attention heads (dividing `hidden_dim`). Defaults
            to 4.
        hidden_dim: int. Width of the residual stream. Defaults to 128.
        intermediate_dim: int. Width of the MLP. Defaults to 512.
        dropout: float in `[0, 1)`. Dropout of the embeddings, attention
            weights and residual branches. Defaults to 0.
        position_embedding: `"learned"` (keras-hub `PositionEmbedding`)
            or `"rotary"` (keras-hub `RotaryEmbedding` on queries and keys;
            `hidden_dim / num_heads` even). Defaults to `"learned"`.
        attention: `"full"`, `"local_1d"` or `"local_2d"`. Defaults to
            `"full"`.
        query_block: int. Query block length of `"local_1d"`. Defaults to
            64.
        memory: int. Positions before a query block that `"local_1d"`
            attends to. Defaults to 128.
        block_shape: tuple `(rows, columns)`. Query block of
            `"local_2d"`. Defaults to `(4, 8)`.
        memory_shape: tuple `(rows, columns)`. Memory of `"local_2d"`:
            rows above the block, columns left and right of it. Defaults
            to `(4, 8)`.
        image_width: int or `None`. Columns of the `"local_2d"` image
            (required there). Defaults to `None`.
        prefix_length: int. Conditioning positions seen by all. Defaults
            to 0.
        tie_weights: bool. Logits from the transposed token embedding.
            Defaults to `True`.
        qk_norm: bool. Layer-normalize every head's queries and keys
            (Chameleon's QK-norm, which keeps mixed-modality training
            stable). Defaults to `False`.
        layer_norm_epsilon: float. Defaults to `1e-5`.

    Example:
    >>> net = CausalTransformer(vocabulary_size=10, sequence_length=6,
    ...                         num_layers=1, num_heads=2, hidden_dim=8,
    ...                         intermediate_dim=16)
    >>> tuple(net(np.zeros((2, 6), "int32")).shape)
    (2, 6, 10)
    >>> cache = net.init_cache(2)
    >>> logits, hidden, cache = net.call_with_cache(
    ...     np.zeros((2, 1), "int32"), cache, 0)
    >>> tuple(logits.shape), tuple(cache.shape)
    ((2, 1, 10), (2, 1, 2, 6, 2, 4))

    References:
        - Vaswani et al. 2017, "Attention Is All You Need".
        - Parmar et al. 2018, "Image Transformer", section 3.2.
        - Su et al. 2021, "RoFormer" (rotary position embedding).
    """

    def __init__(
        self,
        vocabulary_size,
        sequence_length,
        num_layers=4,
        num_heads=4,
        hidden_dim=128,
        intermediate_dim=512,
        dropout=0.0,
        position_embedding="learned",
        attention="full",
        query_block=64,
        memory=128,
        block_shape=(4, 8),
        memory_shape=(4, 8),
        image_width=None,
        prefix_length=0,
        tie_weights=True,
        layer_norm_epsilon=1e-5,
        qk_norm=False,
        **kwargs,
    ):
        vocabulary_size = av.check_positive_int(
            "vocabulary_size", vocabulary_size
        )
        sequence_length = av.check_positive_int(
            "sequence_length", sequence_length
        )
        num_layers = av.check_positive_int("num_layers", num_layers)
        num_heads = av.check_positive_int("num_heads", num_heads)
        hidden_dim = av.check_positive_int("hidden_dim", hidden_dim)
        if hidden_dim % num_heads:
            raise ValueError(
                f"hidden_dim must be a multiple of num_heads ({num_heads}); "
                f"received {hidden_dim}"
            )
        intermediate_dim = av.check_positive_int(
            "intermediate_dim", intermediate_dim
        )
        dropout = _blocks.check_dropout("dropout", dropout)
        av.check_choice(
            "position_embedding", position_embedding, _POSITION_EMBEDDINGS
        )
        if position_embedding == "rotary" and (hidden_dim // num_heads) % 2:
            raise ValueError(
                f"position_embedding='rotary' needs an even head dimension "
                f"hidden_dim / num_heads; received {hidden_dim} / "
                f"{num_heads} = {hidden_dim // num_heads}"
            )
        av.check_choice("attention", attention, _ATTENTIONS)
        query_block = av.check_positive_int("query_block", query_block)
        memory = av.check_int("memory", memory, minimum=0)
        block_shape = av.check_int_tuple("block_shape", block_shape, length=2)
        memory_shape = av.check_int_tuple(
            "memory_shape", memory_shape, minimum=0, length=2
        )
        image_width = av.check_positive_int(
            "image_width", image_width, allow_none=True
        )
        if attention == "local_2d" and image_width is None:
            raise ValueError(
                "attention='local_2d' needs image_width (the columns of the "
                "image in raster order); received image_width=None"
            )
        prefix_length = av.check_int(
            "prefix_length",
            prefix_length,
            minimum=0,
            maximum=sequence_length,
        )
        av.check_type("tie_weights", tie_weights, bool)
        av.check_type("qk_norm", qk_norm, bool)
        layer_norm_epsilon = av.check_float(
            "layer_norm_epsilon",
            layer_norm_epsilon,
            minimum=0.0,
            min_inclusive=False,
        )
        dtype = kwargs.pop("dtype", None)

        # === Layers ===
        self.token_embedding = ReversibleEmbedding(
            vocabulary_size,
            hidden_dim,
            tie_weights=tie_weights,
            embeddings_initializer=_initializer(),
            dtype=dtype,
            name="token_embedding",
        )
        self.position_embedding_layer = None
        if position_embedding == "learned":
            self.position_embedding_layer = PositionEmbedding(
                sequence_length,
                initializer=_initializer(),
                dtype=dtype,
                name="position_embedding",
            )
        self.embeddings_dropout = keras.layers.Dropout(
            dropout, dtype=dtype, name="embeddings_dropout"
        )
        pattern = {
            "attention": attention,
            "prefix_length": prefix_length,
            "query_block": query_block,
            "memory": memory,
            "block_shape": block_shape,
            "memory_shape": memory_shape,
            "image_width": image_width or 1,
        }
        self.mask_layer = _AttentionMask(
            pattern, dtype=dtype, name="attention_mask"
        )
        # The full pass of a local pattern runs block by block.
        blocks = None
        if attention != "full":
            blocks = local_blocks(sequence_length, **pattern)
        self._blocked = blocks is not None
        self.transformer_layers = [
            _DecoderBlock(
                num_heads,
                intermediate_dim,
                dropout=dropout,
                rotary=position_embedding == "rotary",
                blocks=blocks,
                qk_norm=qk_norm,
                layer_norm_epsilon=layer_norm_epsilon,
                dtype=dtype,
                name=f"transformer_layer_{i}",
            )
            for i in range(num_layers)
        ]
        self.layer_norm = keras.layers.LayerNormalization(
            epsilon=layer_norm_epsilon, dtype=dtype, name="layer_norm"
        )

        # === Functional model ===
        token_ids = keras.Input((None,), dtype="int32", name="token_ids")
        hidden = self._stack(self.embed(token_ids))
        outputs = self.logits(hidden)
        super().__init__(
            inputs=token_ids, outputs=outputs, dtype=dtype, **kwargs
        )

        # === Config ===
        self.vocabulary_size = vocabulary_size
        self.sequence_length = sequence_length
        self.num_layers = num_layers
        self.num_heads = num_heads
        self.hidden_dim = hidden_dim
        self.intermediate_dim = intermediate_dim
        self.dropout = dropout
        self.position_embedding = position_embedding
        self.attention = attention
        self.query_block = query_block
        self.memory = memory
        self.block_shape = block_shape
        self.memory_shape = memory_shape
        self.image_width = image_width
        self.prefix_length = prefix_length
        self.tie_weights = tie_weights
        self.layer_norm_epsilon = layer_norm_epsilon
        self.qk_norm = qk_norm

    # --- The two ends of the token path.
    def embed(self, token_ids):
        """Token embeddings `(batch, T, hidden_dim)` of `token_ids`."""
        return self.token_embedding(token_ids)

    def logits(self, hidden_states):
        """Logits `(batch, T, vocabulary_size)` of final hidden states."""
        return self.token_embedding(hidden_states, reverse=True)

    # --- The stack.
    def _stack(self, x, cache=None, cache_update_index=None, training=None):
        start = 0 if cache_update_index is None else cache_update_index
        if self.position_embedding_layer is not None:
            x = x + self.position_embedding_layer(x, start_index=start)
        x = self.embeddings_dropout(x, training=training)
        per_layer = isinstance(cache, (tuple, list))
        if cache is not None:
            # One step: the pattern's mask rows over the whole cache.
            mask = self.mask_layer(
                x, start_index=start, key_length=self.sequence_length
            )
        elif self._blocked:
            mask = None  # The full pass of a local pattern: by blocks.
        else:
            mask = self.mask_layer(x)
        caches = []
        for i, layer in enumerate(self.transformer_layers):
            if cache is None:
                x = layer(x, mask, training=training)
            else:
                x, layer_cache = layer(
                    x,
                    mask,
                    cache=cache[i] if per_layer else cache[:, i, ...],
                    cache_update_index=cache_update_index,
                    training=training,
                )
                caches.append(layer_cache)
        x = self.layer_norm(x)
        if cache is None:
            return x
        if per_layer:
            return x, caches
        return x, ops.stack(caches, axis=1)

    def call_embeddings(
        self, embeddings, cache=None, cache_update_index=None, training=None
    ):
        """Runs the stack on input vectors (the `inputs_embeds` path).

        Args:
            embeddings: `(batch, T, hidden_dim)`, the vectors at positions
                `cache_update_index, ..., cache_update_index + T - 1`
                (position embeddings are added here).
            cache: `None` (positions `0..T-1`, no cache) or a cache from
                `init_cache` (stacked or per layer; returned the same way).
            cache_update_index: int or scalar int tensor, the position of
                the first vector (with `cache`).
            training: bool or `None`.

        Returns:
            The final hidden states `(batch, T, hidden_dim)` (after the
            last layer norm), and the updated cache when one is given.
        """
        if cache is not None and cache_update_index is None:
            raise ValueError(
                "call_embeddings with a cache needs cache_update_index "
                "(the position of the first input vector)"
            )
        return self._stack(embeddings, cache, cache_update_index, training)

    def init_cache(self, batch_size, stacked=True):
        """An empty key/value cache for `batch_size` sequences.

        Args:
            batch_size: int or scalar tensor.
            stacked: bool. keras-hub's single tensor (what its samplers
                thread), or a list of one `(keys, values)` pair per layer,
                each `(batch_size, sequence_length, num_heads, head_dim)`:
                a step then updates each in place of slicing and
                re-stacking the whole cache. Defaults to `True`.

        Returns:
            zeros `(batch_size, num_layers, 2, sequence_length, num_heads,
            hidden_dim // num_heads)` of the compute dtype, or the list.
        """
        shape = (
            batch_size,
            self.sequence_length,
            self.num_heads,
            self.hidden_dim // self.num_heads,
        )
        if not stacked:
            return [
                (
                    ops.zeros(shape, dtype=self.compute_dtype),
                    ops.zeros(shape, dtype=self.compute_dtype),
                )
                for _ in range(self.num_layers)
            ]
        shape = shape[:1] + (self.num_layers, 2) + shape[1:]
        return ops.zeros(shape, dtype=self.compute_dtype)

    def call_with_cache(self, token_ids, cache, cache_update_index):
        """keras-hub's cached forward pass (`CausalLM.call_with_cache`).

        Args:
            token_ids: int `(batch, T)`, the tokens at positions
                `cache_update_index, ..., cache_update_index + T - 1`.
            cache: the key/value cache (`init_cache`).
            cache_update_index: int or scalar int tensor.

        Returns:
            `(logits (batch, T, vocabulary_size), hidden_states (batch, T,
            hidden_dim), cache)`.
        """
        hidden, cache = self.call_embeddings(
            self.embed(token_ids), cache, cache_update_index
        )
        return self.logits(hidden), hidden, cache

    def _build_cache(self, token_ids):
        """keras-hub's `_build_cache`: a cache seeded with `token_ids`."""
        cache = self.init_cache(ops.shape(token_ids)[0])
        _, hidden, cache = self.call_with_cache(token_ids, cache, 0)
        return hidden, cache
