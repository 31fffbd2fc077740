"""The Image Transformer network: a causal transformer over the pixels."""

import keras
from keras import ops

from kerasgen.networks.autoregressive_network import AutoregressiveNetwork
from kerasgen.networks.causal_transformer import CausalTransformer

_LEVELS = 256


@keras.saving.register_keras_serializable(package="kerasgen")
class ImageTransformerNetwork(AutoregressiveNetwork):
    """Image Transformer (Parmar et al. 2018): self-attention over pixels.

    The image is a sequence of `height * width` pixels in raster order run
    through a `CausalTransformer` (`self.transformer`, pre-norm GPT-2
    layers, full or local attention, section 3.2). The input at position
    `p` is the embedding of pixel `p - 1` (a learned start embedding at
    `p = 0`), so position `p`'s hidden state sees exactly the pixels
    before `p`; an output head turns it into pixel `p`'s `output_dim`
    parameters.

    Pixel embedding (section 3.1): every channel intensity `v` in `0..255`
    has its own learned vector (the transformer's token embedding, ids
    `c * 256 + v`), and a pixel's embedding is the sum over its channels
    (a concatenation followed by a linear map). Between the 256 levels
    the vectors are linearly interpolated, so a value on the 8-bit grid
    gets exactly its level's vector and the network is differentiable in
    its input (the causality test follows gradients).

    Channels (`channel_groups = channels`, the per-channel categorical
    likelihood): the output is `channels` groups; group `c` adds learned
    embeddings of pixel `p`'s channels `< c` to the hidden state before
    its output projection, so it sees R before G before B of its own
    pixel. With `channel_groups = 1` no channel of pixel `p` is seen.

    Class-conditional (`num_classes`): a class token is a conditioning
    prefix before the start token (`prefix_length = 1`), so every position
    attends to it, local attention included.

    Sampling: `step` runs the transformer on one new position (the
    embedding of pixel `index - 1`) against the cached keys and values of
    the earlier positions (the same parameters as the full pass), and the
    head on that position.

    Args:
        image_shape: tuple `(height, width, channels)`.
        output_dim: int. Parameters per pixel (a multiple of
            `channel_groups`).
        num_layers: int. Transformer layers. Defaults to 4.
        num_heads: int. Attention heads. Defaults to 4.
        hidden_dim: int. Width of the transformer. Defaults to 64.
        intermediate_dim: int. Width of its MLP. Defaults to 128.
        dropout: float. Defaults to 0.
        position_embedding: `"learned"` or `"rotary"`. Defaults to
            `"learned"`.
        attention: `"full"`, `"local_1d"` or `"local_2d"` (see
            `CausalTransformer`; the local patterns train block by block,
            about twice as fast as `"full"` at 28 x 28 on a CPU). Defaults
            to `"local_2d"`.
        query_block: int. `"local_1d"` query block length. Defaults to 56.
        memory: int. `"local_1d"` memory before the block. Defaults to
            112.
        block_shape: tuple `(rows, columns)`. `"local_2d"` query block.
            Defaults to `(4, 7)`.
        memory_shape: tuple `(rows, columns)`. `"local_2d"` memory above
            and on either side of the block. Defaults to `(4, 7)`.
        num_classes: int or `None`. Defaults to `None`.
        channel_groups: int. 1 or the image's channels. Defaults to 1.

    Example:
    >>> net = ImageTransformerNetwork((4, 4, 1), output_dim=256,
    ...                               num_layers=1, num_heads=2,
    ...                               hidden_dim=8, intermediate_dim=16)
    >>> tuple(net(keras.ops.zeros((2, 4, 4, 1))).shape)
    (2, 4, 4, 256)

    References:
        - Parmar et al. 2018, "Image Transformer", sections 3.1-3.2.
    """

    def __init__(
        self,
        image_shape,
        output_dim,
        num_layers=4,
        num_heads=4,
        hidden_dim=64,
        intermediate_dim=128,
        dropout=0.0,
        position_embedding="learned",
        attention="local_2d",
        query_block=56,
        memory=112,
        block_shape=(4, 7),
        memory_shape=(4, 7),
        num_classes=None,
        channel_groups=1,
        **kwargs,
    ):
        image_shape, output_dim = self._check_common(
            image_shape, output_dim, num_classes, channel_groups
        )
        height, width, channels = image_shape
        dtype = kwargs.pop("dtype", None)
        prefix_length = 0 if num_classes is None else 1

        # === Layers ===
        # Token ids: channel c's level v is c * 256 + v; then the start
        # token; then one token per class.
        self.start_id = channels * _LEVELS
        self.transformer = CausalTransformer(
            vocabulary_size=channels * _LEVELS + 1 + (num_classes or 0),
            sequence_length=height * width + prefix_length,
            num_layers=num_layers,
            num_heads=num_heads,
            hidden_dim=hidden_dim,
            intermediate_dim=intermediate_dim,
            dropout=dropout,
            position_embedding=position_embedding,
            attention=attention,
            query_block=query_block,
            memory=memory,
            block_shape=block_shape,
            memory_shape=memory_shape,
            image_width=width,
            prefix_length=prefix_length,
            tie_weights=True,
            dtype=dtype,
            name="transformer",
        )
        # Embeddings of pixel p's channels < c for output group c.
        self.channel_embedding = None
        if channel_groups > 1:
            self.channel_embedding = keras.layers.Embedding(
                (channel_groups - 1) * _LEVELS,
                hidden_dim,
                embeddings_initializer=keras.initializers.RandomNormal(
                    stddev=0.02
                ),
                dtype=dtype,
                name="channel_embedding",
            )
        self.head_dense = keras.layers.Dense(
            hidden_dim, dtype=dtype, name="head_dense"
        )
        self.output_layers = [
            keras.layers.Dense(
                output_dim // channel_groups, dtype=dtype, name=f"params_{c}"
            )
            for c in range(channel_groups)
        ]

        # === Functional model ===
        self._shape = image_shape
        self._prefix_length = prefix_length
        inputs, images, labels = self.symbolic_inputs(image_shape, num_classes)
        outputs = self._full(images, labels)
        super().__init__(inputs=inputs, outputs=outputs, dtype=dtype, **kwargs)

        # === Config ===
        self.image_shape = image_shape
        self.output_dim = output_dim
        # The transformer's checked values.
        self.num_layers = self.transformer.num_layers
        self.num_heads = self.transformer.num_heads
        self.hidden_dim = self.transformer.hidden_dim
        self.intermediate_dim = self.transformer.intermediate_dim
        self.dropout = self.transformer.dropout
        self.position_embedding = self.transformer.position_embedding
        self.attention = self.transformer.attention
        self.query_block = self.transformer.query_block
        self.memory = self.transformer.memory
        self.block_shape = self.transformer.block_shape
        self.memory_shape = self.transformer.memory_shape
        self.num_classes = num_classes
        self.channel_groups = channel_groups

    # --- Embeddings.
    @staticmethod
    def _interpolated(embedding, pixels, channels):
        """Sum over channels of the interpolated level vectors.

        `pixels (..., channels)` in `[-1, 1]`; channel `c` reads rows
        `c * 256 + level` of `embedding`. Returns `(..., dim)`.
        """
        levels = ops.clip((ops.cast(pixels, "float32") + 1.0) * 127.5, 0, 255)
        # Snap values on the 8-bit grid (up to float error) to their level,
        # keeping the gradient: an 8-bit image reads exactly its vectors.
        nearest = ops.round(levels)
        snap = ops.cast(ops.abs(levels - nearest) < 1e-3, "float32")
        levels = levels + ops.stop_gradient(snap * (nearest - levels))
        low = ops.floor(levels)
        fraction = levels - low  # (..., channels)
        offsets = ops.arange(channels, dtype="int32") * _LEVELS
        low_ids = ops.cast(low, "int32")
        high_ids = ops.minimum(low_ids + 1, _LEVELS - 1)
        low_vectors = embedding(low_ids + offsets)  # (..., channels, dim)
        high_vectors = embedding(high_ids + offsets)
        fraction = ops.cast(fraction[..., None], low_vectors.dtype)
        vectors = low_vectors + fraction * (high_vectors - low_vectors)
        return ops.sum(vectors, axis=-2)

    def _pixel_embedding(self, pixels):
        """`(batch, ..., channels)` pixels -> `(batch, ..., hidden_dim)`."""
        return self._interpolated(
            self.transformer.token_embedding, pixels, self._shape[-1]
        )

    def _token_vector(self, pixels, token_id):
        """The embedding `(batch, 1, hidden_dim)` of one token per image."""
        ids = ops.cast(ops.zeros_like(pixels[:, :1, 0, 0]), "int32") + token_id
        return self.transformer.embed(ids)

    def _class_vector(self, labels):
        ids = ops.reshape(ops.cast(labels, "int32"), (-1, 1)) + (
            self.start_id + 1
        )
        return self.transformer.embed(ids)  # (batch, 1, hidden_dim)

    # --- Output head.
    def _head(self, hidden, pixels):
        """Parameters `(..., output_dim)` from hidden states `(..., dim)`.

        `pixels (..., channels)` are the predicted pixels themselves: group
        `c` sees their channels `< c` (Parmar et al. section 3.1's channel
        ordering).
        """
        hidden = self.head_dense(hidden)
        outputs = []
        for group, layer in enumerate(self.output_layers):
            h = hidden
            if group > 0:
                h = h + self._interpolated(
                    self.channel_embedding, pixels[..., :group], group
                )
            outputs.append(layer(ops.gelu(h)))
        if len(outputs) == 1:
            return outputs[0]
        return ops.concatenate(outputs, axis=-1)

    # --- The full pass.
    def _full(self, images, labels):
        height, width = self._shape[:2]
        pixels = ops.reshape(
            self._pixel_embedding(images),
            (-1, height * width, self.transformer.hidden_dim),
        )
        # Position p holds pixel p - 1 (the start token at p = 0).
        sequence = [self._token_vector(images, self.start_id), pixels[:, :-1]]
        if labels is not None:
            sequence.insert(0, self._class_vector(labels))
        hidden = self.transformer.call_embeddings(
            ops.concatenate(sequence, axis=1)
        )
        hidden = hidden[:, self._prefix_length :]
        hidden = ops.reshape(
            hidden, (-1, height, width, self.transformer.hidden_dim)
        )
        return self._head(hidden, images)

    # --- The cached pass (one position per step).
    def init_cache(self, batch_size, labels=None):
        cache = self.transformer.init_cache(batch_size, stacked=False)
        if self.num_classes is not None:
            _, cache = self.transformer.call_embeddings(
                self._class_vector(labels), cache, 0
            )
        return {"key_values": cache}

    def step(self, cache, images, index, labels=None):
        del labels  # In the cache (the class token, position 0).
        width, channels = self._shape[1], self._shape[2]
        index = ops.convert_to_tensor(index, "int32")
        batch = ops.shape(images)[0]
        previous = ops.maximum(index - 1, 0)
        previous_pixel = ops.slice(
            images,
            (0, previous // width, previous % width, 0),
            (batch, 1, 1, channels),
        )
        vector = ops.where(
            index > 0,
            ops.reshape(self._pixel_embedding(previous_pixel), (batch, 1, -1)),
            self._token_vector(images, self.start_id),
        )
        hidden, key_values = self.transformer.call_embeddings(
            vector, cache["key_values"], index + self._prefix_length
        )
        pixel = ops.slice(
            images,
            (0, index // width, index % width, 0),
            (batch, 1, 1, channels),
        )
        params = self._head(hidden[:, 0], pixel[:, 0, 0])
        return params, {"key_values": key_values}
