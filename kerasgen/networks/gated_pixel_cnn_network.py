"""The Gated PixelCNN network: vertical and horizontal gated stacks."""

import keras
from keras import layers
from keras import ops

from kerasgen.layers.masked_conv2d import MaskedConv2D
from kerasgen.layers.masked_conv2d import causal_mask
from kerasgen.networks.autoregressive_network import AutoregressiveNetwork
from kerasgen.utils import argument_validation as av


class _RowConv(layers.Conv2D):
    """A `1 x width` "valid" convolution whose last tap is the pixel.

    The horizontal stack's convolution (van den Oord et al. 2016b, figure
    2): its input is padded with `width - 1` zero columns on the left, so
    the output at column `j` sees columns `j - width + 1 .. j` of its row.
    The last (centre) tap is masked as `MaskedConv2D` masks its centre:
    mask `"A"` (the first layer) hides the pixel itself, mask `"B"` keeps
    it; with `channel_groups` > 1 per colour channel group (R before G
    before B).
    """

    def __init__(self, filters, width, mask_type, channel_groups, **kwargs):
        super().__init__(filters, (1, width), padding="valid", **kwargs)
        self.width = width
        self.mask_type = mask_type
        self.channel_groups = channel_groups

    def build(self, input_shape):
        # The left half (centre included) of a `1 x (2 width - 1)` mask.
        self.mask = causal_mask(
            (1, 2 * self.width - 1),
            input_shape[-1],
            self.filters,
            self.mask_type,
            self.channel_groups,
        )[:, : self.width]
        super().build(input_shape)

    def convolution_op(self, inputs, kernel):
        return super().convolution_op(
            inputs, kernel * ops.cast(self.mask, kernel.dtype)
        )


@keras.saving.register_keras_serializable(package="kerasgen")
class GatedPixelCNNNetwork(AutoregressiveNetwork):
    """Gated PixelCNN (van den Oord et al. 2016b, section 2 and figure 2).

    Two stacks of `num_layers` gated layers, without the blind spot of the
    masked PixelCNN:

    - the vertical stack: `(k // 2 + 1) x k` convolutions over the rows
      above and the current row (`k = kernel_size`, `first_kernel_size`
      for the first layer). Its features at row `i` depend on rows `<= i`
      only, and reach the horizontal stack shifted down by one row, through
      a `1 x 1` convolution: pixel `(i, j)` gets the rows above it, left
      and right of column `j` alike.
    - the horizontal stack: `1 x (k // 2 + 1)` convolutions over the
      current row's pixels left of the pixel, and the pixel itself after
      the first layer (mask "A" then "B", per colour channel when
      `channel_groups = channels`, as `MaskedConv2D`), plus the vertical
      link, a gate, a `1 x 1` convolution and a residual connection (from
      the second layer on; the first would show the pixel to itself).

    Every layer's gate is equation 2 with the conditioning of equations 4
    and 5: `tanh(W_f * x + V_f^T h + V'_f * s) * sigmoid(W_g * x + V_g^T h
    + V'_g * s)`, `h` a learned bias per class and layer (`num_classes`,
    an embedding, on both stacks) and `s` the spatial conditioning (a `1 x
    1` convolution of an extra input, per layer and stack). The head is
    ReLU, a `1 x 1` convolution of `output_filters`, ReLU and a `1 x 1`
    convolution to `output_dim`, masked per channel group.

    Spatial conditioning (`conditioning_channels`): the functional model
    then takes `{"images", "conditioning"[, "labels"]}`, the conditioning
    `(batch, height, width, conditioning_channels)` a map of the whole
    image (for example a low-resolution image or a segmentation), given in
    full: every pixel may see all of it. `init_cache` takes it once and
    `step` reads it from the cache. `AutoregressiveModel` does not pass a
    conditioning map (yet): such a network is used on its own.

    Sampling (`step`): the vertical stack of row `i - 1` is computed one
    whole row at a time, when the sampler reaches column 0 of row `i` (it
    depends on rows `<= i - 1` only), into per-layer windows of its last
    `k // 2 + 1` rows; the horizontal stack is computed at the new pixel
    only, from per-layer buffers of the current row. Sampling an image
    thus costs one pass of the network, not one pass per pixel.

    Receptive field: with `p = first_kernel_size // 2 + (num_layers - 1)
    * (kernel_size // 2)`, pixel `(i, j)` sees rows `i - 1 - p .. i - 1`
    between columns `j - p .. j + p` and the `p` pixels left of it: the
    whole image when `p >= max(height, width) - 1`.

    Args:
        image_shape: tuple `(height, width, channels)`.
        output_dim: int. Parameters per pixel.
        filters: int. Features of each stack (the gates take twice as many), a
            multiple of `channel_groups`. Defaults to 16.
        num_layers: int. Gated layers. Defaults to 8.
        kernel_size: int, odd. `k` of the layers after the first. Defaults
            to 5.
        first_kernel_size: int, odd. `k` of the first layer. Defaults to
            7.
        output_filters: int. Width of the head's hidden `1 x 1` layer, a
            multiple of `channel_groups`. Defaults to 64.
        num_classes: int or `None`. Class-conditional when set. Defaults to
            `None`.
        conditioning_channels: int or `None`. Channels of the spatial
            conditioning map; `None` for none. Defaults to `None`.
        channel_groups: int. 1 or the image's channels. Defaults to 1.

    Example:
    >>> net = GatedPixelCNNNetwork((8, 8, 1), output_dim=256, filters=8,
    ...                            num_layers=2, output_filters=8)
    >>> tuple(net(keras.ops.zeros((2, 8, 8, 1))).shape)
    (2, 8, 8, 256)

    References:
        van den Oord, Kalchbrenner, Vinyals, Espeholt, Graves, Kavukcuoglu,
        "Conditional Image Generation with PixelCNN Decoders", NeurIPS 2016.
    """

    def __init__(
        self,
        image_shape,
        output_dim,
        filters=16,
        num_layers=8,
        kernel_size=5,
        first_kernel_size=7,
        output_filters=64,
        num_classes=None,
        conditioning_channels=None,
        channel_groups=1,
        **kwargs,
    ):
        image_shape, output_dim = self._check_common(
            image_shape, output_dim, num_classes, channel_groups
        )
        filters = av.check_positive_int("filters", filters)
        if filters % channel_groups:
            raise ValueError(
                f"filters must be a multiple of channel_groups "
                f"({channel_groups}); received {filters}"
            )
        num_layers = av.check_positive_int("num_layers", num_layers)
        kernel_size = _check_odd("kernel_size", kernel_size)
        first_kernel_size = _check_odd("first_kernel_size", first_kernel_size)
        output_filters = av.check_positive_int("output_filters", output_filters)
        if output_filters % channel_groups:
            raise ValueError(
                f"output_filters must be a multiple of channel_groups "
                f"({channel_groups}); received {output_filters}"
            )
        conditioning_channels = av.check_positive_int(
            "conditioning_channels", conditioning_channels, allow_none=True
        )
        dtype = kwargs.pop("dtype", None)
        kernels = [first_kernel_size] + [kernel_size] * (num_layers - 1)

        # === Layers ===
        # Each layer: vertical `(k//2 + 1) x k` conv, vertical-to-horizontal
        # 1x1 link, horizontal `1 x (k//2 + 1)` conv, horizontal 1x1 out.
        self.vertical_convs = [
            layers.Conv2D(
                2 * filters,
                (k // 2 + 1, k),
                padding="valid",
                name=f"layer{layer}_vertical",
                dtype=dtype,
            )
            for layer, k in enumerate(kernels)
        ]
        self.links = [
            layers.Conv2D(
                2 * filters, 1, name=f"layer{layer}_link", dtype=dtype
            )
            for layer in range(num_layers)
        ]
        self.horizontal_convs = [
            _RowConv(
                2 * filters,
                k // 2 + 1,
                "A" if layer == 0 else "B",
                channel_groups,
                name=f"layer{layer}_horizontal",
                dtype=dtype,
            )
            for layer, k in enumerate(kernels)
        ]
        self.horizontal_outputs = [
            MaskedConv2D(
                filters,
                1,
                channel_groups=channel_groups,
                name=f"layer{layer}_horizontal_out",
                dtype=dtype,
            )
            for layer in range(num_layers)
        ]
        self.head = [
            MaskedConv2D(
                output_filters,
                1,
                channel_groups=channel_groups,
                name="head",
                dtype=dtype,
            ),
            MaskedConv2D(
                output_dim,
                1,
                channel_groups=channel_groups,
                name="params",
                dtype=dtype,
            ),
        ]
        self.label_embedding = None
        if num_classes is not None:
            # V^T h of equation 4: a bias per class, layer and stack.
            self.label_embedding = layers.Embedding(
                num_classes,
                num_layers * 2 * 2 * filters,
                embeddings_initializer="zeros",
                name="label_bias",
                dtype=dtype,
            )
        self.conditioning_convs = None
        if conditioning_channels is not None:
            # V * s of equation 5: 1x1 convolutions, per layer and stack.
            self.conditioning_convs = [
                (
                    layers.Conv2D(
                        2 * filters,
                        1,
                        use_bias=False,
                        name=f"layer{layer}_vertical_conditioning",
                        dtype=dtype,
                    ),
                    layers.Conv2D(
                        2 * filters,
                        1,
                        use_bias=False,
                        name=f"layer{layer}_horizontal_conditioning",
                        dtype=dtype,
                    ),
                )
                for layer in range(num_layers)
            ]

        # === Functional model ===
        self.image_shape = image_shape
        self.filters = filters
        self.channel_groups = channel_groups
        self.kernels = kernels
        inputs, images, labels = self.symbolic_inputs(image_shape, num_classes)
        conditioning = None
        if conditioning_channels is not None:
            if not isinstance(inputs, dict):
                inputs = {"images": inputs}
            conditioning = keras.Input(
                image_shape[:2] + (conditioning_channels,),
                name="conditioning",
            )
            inputs["conditioning"] = conditioning
        outputs = self._forward(images, labels, conditioning)
        super().__init__(inputs=inputs, outputs=outputs, dtype=dtype, **kwargs)

        # === Config ===
        self.image_shape = image_shape
        self.output_dim = output_dim
        self.filters = filters
        self.num_layers = num_layers
        self.kernel_size = kernel_size
        self.first_kernel_size = first_kernel_size
        self.output_filters = output_filters
        self.num_classes = num_classes
        self.conditioning_channels = conditioning_channels
        self.channel_groups = channel_groups

    # --- The architecture, on whole images or on a row / a position.
    def _gate(self, x):
        """Equation 2: `tanh(f) * sigmoid(g)`, per channel group.

        `x` has `2F` channels (`F = filters`) in `channel_groups` contiguous
        groups (the masked convolutions' layout), each group its `f` half
        then its `g` half; the output has `F` channels, grouped alike.
        """
        halves = []
        for group in ops.split(x, self.channel_groups, axis=-1):
            f, g = ops.split(group, 2, axis=-1)
            halves.append(ops.tanh(f) * ops.sigmoid(g))
        if len(halves) == 1:
            return halves[0]
        return ops.concatenate(halves, axis=-1)

    def _label_biases(self, labels):
        """`[(vertical, horizontal)]` per layer, each `(batch, 1, 1, 2F)`."""
        if self.label_embedding is None:
            return None
        width = 2 * self.filters
        biases = ops.reshape(
            self.label_embedding(labels),
            (-1, len(self.kernels), 2, 1, 1, width),
        )
        return [
            (biases[:, layer, 0], biases[:, layer, 1])
            for layer in range(len(self.kernels))
        ]

    def _vertical(self, layer, window, biases, conditioning):
        """A layer's vertical pre-activation `W * x + V^T h + V * s`.

        `window` is the layer's input padded with `k // 2` zero rows above
        and `k // 2` zero columns on both sides (or the last `k // 2 + 1`
        rows of it, for one output row).
        """
        pre = self.vertical_convs[layer](window)
        if biases is not None:
            pre = pre + ops.cast(biases[layer][0], pre.dtype)
        if conditioning is not None:
            pre = pre + self.conditioning_convs[layer][0](conditioning)
        return pre

    def _horizontal(
        self, layer, window, shifted, previous, biases, conditioning
    ):
        """A layer of the horizontal stack (figure 2, right).

        Args:
            window: the layer's input padded with `k // 2` zero columns on
                the left (or the `k // 2 + 1` columns around one pixel).
            shifted: the vertical pre-activation of the row above.
            previous: the layer's input at the output positions (the
                residual connection), unused at layer 0.
        """
        pre = self.horizontal_convs[layer](window) + self.links[layer](shifted)
        if biases is not None:
            pre = pre + ops.cast(biases[layer][1], pre.dtype)
        if conditioning is not None:
            pre = pre + self.conditioning_convs[layer][1](conditioning)
        out = self.horizontal_outputs[layer](self._gate(pre))
        if layer == 0:
            return out
        return previous + out

    def _output(self, h):
        h = self.head[0](ops.relu(h))
        return self.head[1](ops.relu(h))

    def _forward(self, images, labels, conditioning):
        height = self.image_shape[0]
        biases = self._label_biases(labels)
        vertical = images
        horizontal = images
        for layer, k in enumerate(self.kernels):
            p = k // 2
            pre = self._vertical(
                layer,
                ops.pad(vertical, ((0, 0), (p, 0), (p, p), (0, 0))),
                biases,
                conditioning,
            )
            # Shift down one row: row i of the horizontal stack gets the
            # vertical features of row i - 1 (zeros at row 0).
            shifted = ops.pad(pre, ((0, 0), (1, 0), (0, 0), (0, 0)))
            shifted = shifted[:, :height]
            horizontal = self._horizontal(
                layer,
                ops.pad(horizontal, ((0, 0), (0, 0), (p, 0), (0, 0))),
                shifted,
                horizontal,
                biases,
                conditioning,
            )
            if layer + 1 < len(self.kernels):
                vertical = self._gate(pre)
        return self._output(horizontal)

    # --- Inputs.
    def network_inputs(self, images, labels=None, conditioning=None):
        """The functional model's input for `images` (labels, conditioning).

        Args:
            images: `(batch, height, width, channels)`.
            labels: int `(batch,)` of a class-conditional network.
            conditioning: `(batch, height, width, conditioning_channels)`,
                required when `conditioning_channels` is set, refused
                otherwise.
        """
        self._check_conditioning(conditioning)
        if self.conditioning_channels is None:
            return super().network_inputs(images, labels)
        inputs = {"images": images, "conditioning": conditioning}
        if self.num_classes is not None:
            inputs["labels"] = labels
        return inputs

    def _check_conditioning(self, conditioning):
        channels = self.conditioning_channels
        if channels is None:
            if conditioning is not None:
                raise ValueError(
                    "conditioning was given to a GatedPixelCNNNetwork with "
                    f"conditioning_channels=None; received shape "
                    f"{tuple(conditioning.shape)}"
                )
            return
        if conditioning is None:
            raise ValueError(
                f"this GatedPixelCNNNetwork has conditioning_channels="
                f"{channels}: it needs a conditioning map (batch, height, "
                "width, channels); received None"
            )
        expected = tuple(self.image_shape[:2]) + (channels,)
        if tuple(conditioning.shape[1:]) != expected:
            raise ValueError(
                f"conditioning must have shape (batch,) + {expected}; "
                f"received {tuple(conditioning.shape)}"
            )

    # --- Sampling.
    def recompute_step(self, images, index, labels=None, conditioning=None):
        """Pixel `index`'s parameters from the whole network (no cache)."""
        width = self.image_shape[1]
        params = self(self.network_inputs(images, labels, conditioning))
        batch = ops.shape(params)[0]
        pixel = ops.slice(
            params,
            (0, index // width, index % width, 0),
            (batch, 1, 1, params.shape[-1]),
        )
        return pixel[:, 0, 0, :]

    def init_cache(self, batch_size, labels=None, conditioning=None):
        """Zero buffers (and the conditioning map) for `step`.

        - `vertical_window_{l}` (`l >= 1`): the last `k // 2 + 1` rows of
          the vertical layer `l`'s input, padded `k // 2` columns on both
          sides (the image itself is read from the canvas for layer 0);
        - `vertical_row_{l}`: the vertical pre-activation of the row above
          the current one, `(batch, 1, width, 2F)` (zeros on row 0,
          as the shift gives);
        - `horizontal_row_{l}` (`l >= 1`): the horizontal layer `l`'s input
          on the current row, padded `k // 2` columns on the left.
        """
        self._check_conditioning(conditioning)
        _, width, _ = self.image_shape
        dtype = self.dtype_policy.compute_dtype
        features = self.filters
        cache = {}
        for layer, k in enumerate(self.kernels):
            p = k // 2
            cache[f"vertical_row_{layer}"] = ops.zeros(
                (batch_size, 1, width, 2 * features), dtype
            )
            if layer > 0:
                cache[f"vertical_window_{layer}"] = ops.zeros(
                    (batch_size, p + 1, width + 2 * p, features), dtype
                )
                cache[f"horizontal_row_{layer}"] = ops.zeros(
                    (batch_size, 1, width + p, features), dtype
                )
        if conditioning is not None:
            cache["conditioning"] = ops.cast(conditioning, dtype)
        return cache

    def _vertical_row(self, cache, images, row, labels):
        """The vertical stack at `row` (every layer), into the cache."""
        cache = dict(cache)
        batch = ops.shape(images)[0]
        _, width, channels = self.image_shape
        biases = self._label_biases(labels)
        conditioning = None
        if "conditioning" in cache:
            conditioning = ops.slice(
                cache["conditioning"],
                (0, row, 0, 0),
                (batch, 1, width, self.conditioning_channels),
            )
        p = self.kernels[0] // 2
        padded = ops.pad(images, ((0, 0), (p, 0), (p, p), (0, 0)))
        window = ops.slice(
            padded, (0, row, 0, 0), (batch, p + 1, width + 2 * p, channels)
        )
        pre = None
        for layer, k in enumerate(self.kernels):
            p = k // 2
            if layer > 0:
                # The window of this layer's input rows `row - p .. row`.
                name = f"vertical_window_{layer}"
                new_row = ops.pad(
                    ops.cast(self._gate(pre), cache[name].dtype),
                    ((0, 0), (0, 0), (p, p), (0, 0)),
                )
                window = ops.concatenate([cache[name][:, 1:], new_row], axis=1)
                cache[name] = window
            pre = self._vertical(layer, window, biases, conditioning)
            name = f"vertical_row_{layer}"
            cache[name] = ops.cast(pre, cache[name].dtype)
        return cache

    def step(self, cache, images, index, labels=None):
        """Pixel `index`'s parameters `(batch, output_dim)`, new cache."""
        width = self.image_shape[1]
        row, column = index // width, index % width
        # The vertical stack of the row above, once per row (at column 0).
        if isinstance(index, int):
            if column == 0 and row > 0:
                cache = self._vertical_row(cache, images, row - 1, labels)
        else:
            cache = ops.cond(
                ops.logical_and(column == 0, row > 0),
                lambda: self._vertical_row(cache, images, row - 1, labels),
                lambda: dict(cache),
            )
        cache = dict(cache)
        batch = ops.shape(images)[0]
        channels = self.image_shape[-1]
        biases = self._label_biases(labels)
        conditioning = None
        if "conditioning" in cache:
            conditioning = ops.slice(
                cache["conditioning"],
                (0, row, column, 0),
                (batch, 1, 1, self.conditioning_channels),
            )
        horizontal = None
        for layer, k in enumerate(self.kernels):
            p = k // 2
            if layer == 0:
                padded = ops.pad(images, ((0, 0), (0, 0), (p, 0), (0, 0)))
                window = ops.slice(
                    padded, (0, row, column, 0), (batch, 1, p + 1, channels)
                )
            else:
                name = f"horizontal_row_{layer}"
                buffer = ops.slice_update(
                    cache[name],
                    (0, 0, column + p, 0),
                    ops.cast(horizontal, cache[name].dtype),
                )
                cache[name] = buffer
                window = ops.slice(
                    buffer, (0, 0, column, 0), (batch, 1, p + 1, self.filters)
                )
            shifted = ops.slice(
                cache[f"vertical_row_{layer}"],
                (0, 0, column, 0),
                (batch, 1, 1, 2 * self.filters),
            )
            horizontal = self._horizontal(
                layer, window, shifted, horizontal, biases, conditioning
            )
        params = self._output(horizontal)
        return params[:, 0, 0, :], cache


def _check_odd(name, value):
    value = av.check_positive_int(name, value)
    if value % 2 == 0:
        raise ValueError(
            f"{name} must be an odd int >= 1 (the centre tap is the pixel); "
            f"received {value}"
        )
    return value
