"""The PixelCNN++ network: down- and down-right-shifted gated streams."""

import keras
from keras import layers
from keras import ops

from kerasgen.networks import _blocks
from kerasgen.networks.autoregressive_network import AutoregressiveNetwork
from kerasgen.utils import argument_validation as av


def concat_elu(x):
    """`elu([x, -x])` (Salimans et al. 2017, section 2.5): doubles channels."""
    return ops.elu(ops.concatenate([x, -x], axis=-1))


def _down_shift(x):
    """Moves every row one down; row 0 becomes zeros."""
    return ops.pad(x[:, :-1], ((0, 0), (1, 0), (0, 0), (0, 0)))


def _right_shift(x):
    """Moves every column one right; column 0 becomes zeros."""
    return ops.pad(x[:, :, :-1], ((0, 0), (0, 0), (1, 0), (0, 0)))


def _column_padding(layer):
    """Left and right zero columns of a shifted convolution.

    An odd kernel width `k` is centred (the down-shifted `2 x 3`: one
    column either side); an even one looks left only (the down-right-shifted
    `2 x 2`: one column on the left), as openai's `down_shifted_conv2d` and
    `down_right_shifted_conv2d`.
    """
    width = layer.kernel_size[1]
    if width % 2:
        return (width - 1) // 2, (width - 1) // 2
    return width - 1, 0


def _crop_start(layer):
    """First column kept of a shifted transposed convolution's output.

    openai's `down_shifted_deconv2d` drops `(k - 1) / 2` columns on either
    side of a centred kernel; `down_right_shifted_deconv2d` drops the last
    `k - 1` only.
    """
    width = layer.kernel_size[1]
    return (width - 1) // 2 if width % 2 else 0


def _pad_for(layer, x, top=None):
    """Pads `x` so that `layer` ("valid") sees rows above and the row."""
    left, right = _column_padding(layer)
    top = layer.kernel_size[0] - 1 if top is None else top
    return ops.pad(x, ((0, 0), (top, 0), (left, right), (0, 0)))


class _FullPass:
    """Runs the streams on whole feature maps (training, `log_prob`)."""

    def __init__(self, images, shapes):
        self.x_pad = _image_with_ones(images)
        self.shapes = shapes

    def first_u(self, layer):
        # u0 = down_shift(down_shifted_conv2d(x, [2, 3])): rows above only.
        return _down_shift(layer(_pad_for(layer, self.x_pad)))

    def first_ul(self, above, left):
        # ul0 = down_shift(conv [1, 3]) + right_shift(conv [2, 1]): the row
        # above (three columns) and the pixels left (this row and above).
        return _down_shift(above(_pad_for(above, self.x_pad))) + _right_shift(
            left(_pad_for(left, self.x_pad))
        )

    def conv(self, layer, x, level):
        del level
        return layer(_pad_for(layer, x))

    def down(self, layer, x, level):
        del level
        return layer(_pad_for(layer, x))

    def feed(self, u, level):
        del level
        return u

    def up(self, layer, x, level):
        # openai's down_(right_)shifted_deconv2d: a "valid" transposed
        # convolution, cropped back to the finer level's shape.
        height, width = self.shapes[level]
        start = _crop_start(layer)
        return layer(x)[:, :height, start : start + width]


def _image_with_ones(images):
    """The image plus a channel of ones (tells the image from padding)."""
    return ops.concatenate([images, ops.ones_like(images[..., :1])], axis=-1)


class _RowPass:
    """Runs the `u` stream on one row per level, from cached rows above.

    Every tensor at level `l` is the row `row // 2**l` of that level,
    `(batch, 1, width_l, channels)`. A stride-1 shifted convolution (2 rows
    tall) reads its input's previous row from the cache (`prev/l/name`) and
    stores the current one (`last/l/name`); a strided convolution from
    level `l - 1` reads the two rows `2 p - 1, 2 p` of its input (`prev` and
    the current row, or `prev2` and `prev`); a transposed convolution makes
    the two rows of level `l` that a row of level `l + 1` covers and keeps
    the one asked for. `_start_row` moves `last` into `prev` when a level
    starts a new row.

    Args:
        cache: dict of rows, or `None` to create zeros (`init_cache`).
        images: the canvas `(batch, height, width, channels)`.
        row: int32 scalar tensor, the row at full resolution.
        shapes: `[(height_l, width_l)]` of every level.
    """

    def __init__(self, cache, images, row, shapes):
        self.creating = cache is None
        self.cache = dict(cache or {})
        self.images = images
        self.row = row
        self.shapes = shapes

    def _entry(self, key, like):
        if self.creating and key not in self.cache:
            self.cache[key] = ops.zeros_like(like)
        return self.cache[key]

    def _level_row(self, level):
        return self.row // (2**level)

    def _padded_image(self):
        # Two zero rows on top, a zero column either side.
        return ops.pad(
            _image_with_ones(self.images), ((0, 0), (2, 0), (1, 1), (0, 0))
        )

    def first_u(self, layer):
        padded = self._padded_image()
        batch, _, width, channels = ops.shape(padded)
        rows = ops.slice(
            padded, (0, self.row, 0, 0), (batch, 2, width, channels)
        )
        above = ops.cast(self.row > 0, rows.dtype)
        return layer(rows) * above  # image rows row - 2, row - 1

    def conv(self, layer, x, level):
        key = f"{level}/{layer.name}"
        previous = self._entry("prev/" + key, x)
        self.cache["last/" + key] = x
        patch = ops.concatenate([previous, x], axis=1)
        return layer(_pad_for(layer, patch, top=0))

    def down(self, layer, x, level):
        # Row p of level `level` reads rows 2p - 1 and 2p of level - 1.
        key = f"{level - 1}/{layer.name}"
        previous = self._entry("prev/" + key, x)
        before = self._entry("prev2/" + key, x)
        self.cache["last/" + key] = x
        even = ops.equal(self._level_row(level - 1) % 2, 0)
        top = ops.where(even, previous, before)
        bottom = ops.where(even, x, previous)
        patch = ops.concatenate([top, bottom], axis=1)
        return layer(_pad_for(layer, patch, top=0))

    def up(self, layer, x, level):
        # Row p of level + 1 makes rows 2p and 2p + 1 of `level`.
        both = layer(x)
        odd = ops.equal(self._level_row(level) % 2, 1)
        chosen = ops.where(odd, both[:, 1:2], both[:, 0:1])
        start = _crop_start(layer)
        return chosen[:, :, start : start + self.shapes[level][1]]


class _PositionPass:
    """Runs the `ul` stream at one position per level, from cached inputs.

    At pixel `(i, j)` every tensor at level `l` is the value at position
    `(i >> l, j >> l)` of that level, `(batch, 1, 1, channels)`. A `2 x 2`
    down-right-shifted convolution writes its input there into a buffer of
    the level's last rows (`pos/l/name`, a ring of 2 rows) and reads the
    `2 x 2` patch above and left of it; a strided one reads positions
    `2 p - 1, 2 p` x `2 q - 1, 2 q` of its finer input's buffer (3 rows); a
    transposed one keeps the output tap `(p % 2, q % 2)` of the coarser
    position (each output of a stride-2 `2 x 2` transposed convolution has
    exactly one input). The `u` feeds
    (rows from `_RowPass`) are read at column `j >> l`.

    A level-`l` position first comes up at pixel `(2**l p, 2**l q)`, when
    everything it reads is final, and is recomputed, to the same value, at
    the other pixels it covers.

    Args:
        cache: dict of buffers, or `None` to create zeros (`init_cache`).
        images: the canvas `(batch, height, width, channels)`.
        row, column: int32 scalar tensors, the pixel at full resolution.
        shapes: `[(height_l, width_l)]` of every level.
    """

    def __init__(self, cache, images, row, column, shapes):
        self.creating = cache is None
        self.cache = dict(cache or {})
        self.images = images
        self.row = row
        self.column = column
        self.shapes = shapes

    def _position(self, level):
        return self.row // (2**level), self.column // (2**level)

    def _buffer(self, key, layer, x, level, ring):
        """Writes `x` at this pixel's position of a ring of `ring` rows.

        The buffer `(batch, ring, width_l + padding, channels)` holds rows
        `r - ring + 1 .. r` of level `level` at slots `r % ring`: only the
        rows the kernel reads (and, for a strided read, the finer row that
        is written while they are read), not the whole level.
        """
        row, column = self._position(level)
        left, right = _column_padding(layer)
        if self.creating:
            width = self.shapes[level][1]
            self.cache[key] = ops.zeros(
                (ops.shape(x)[0], ring, width + left + right)
                + tuple(x.shape[-1:]),
                dtype=x.dtype,
            )
        self.cache[key] = ops.slice_update(
            self.cache[key],
            (0, row % ring, column + left, 0),
            ops.cast(x, self.cache[key].dtype),
        )
        return self.cache[key]

    def _conv_at(self, buffer, layer, last_row, column):
        """`layer` at one output: rows `.. last_row`, columns from `column`.

        A matrix product with the flattened kernel (a `Conv2D` call on a
        tiny patch costs more). Rows above the image are ring slots not
        written yet: zeros, the full pass's padding.
        """
        kh, kw = layer.kernel_size
        ring = buffer.shape[1]
        batch, channels = ops.shape(buffer)[0], buffer.shape[-1]
        slots = ops.stack([(last_row - kh + 1 + k) % ring for k in range(kh)])
        rows = ops.take(buffer, slots, axis=1)
        patch = ops.slice(rows, (0, 0, column, 0), (batch, kh, kw, channels))
        kernel = ops.reshape(layer.kernel, (kh * kw * channels, -1))
        out = ops.matmul(ops.reshape(patch, (batch, -1)), kernel)
        out = out + layer.bias
        return ops.reshape(out, (batch, 1, 1, kernel.shape[-1]))

    def first_ul(self, above, left):
        # Image rows i - 1 (columns j - 1..j + 1) and i - 1..i (column
        # j - 1), from the canvas padded with two rows on top and a column
        # either side; zero where the full pass shifts in zeros.
        padded = ops.pad(
            _image_with_ones(self.images), ((0, 0), (2, 0), (1, 1), (0, 0))
        )
        batch, channels = ops.shape(padded)[0], padded.shape[-1]
        row_above = ops.slice(
            padded, (0, self.row + 1, self.column, 0), (batch, 1, 3, channels)
        )
        rows_left = ops.slice(
            padded, (0, self.row + 1, self.column, 0), (batch, 2, 1, channels)
        )
        has_above = ops.cast(self.row > 0, padded.dtype)
        has_left = ops.cast(self.column > 0, padded.dtype)
        return above(row_above) * has_above + left(rows_left) * has_left

    def conv(self, layer, x, level):
        key = f"pos/{level}/{layer.name}"
        buffer = self._buffer(key, layer, x, level, layer.kernel_size[0])
        return self._conv_at(buffer, layer, *self._position(level))

    def down(self, layer, x, level):
        # Position (p, q) of `level` reads rows 2p - 1, 2p and columns
        # 2q - 1, 2q of level - 1 (padded: 2q, 2q + 1). Its finer input is
        # at row 2p or 2p + 1 meanwhile: one more ring slot.
        key = f"pos/{level - 1}/{layer.name}"
        ring = layer.kernel_size[0] + 1
        buffer = self._buffer(key, layer, x, level - 1, ring)
        row, column = self._position(level)
        return self._conv_at(buffer, layer, 2 * row, 2 * column)

    def feed(self, u, level):
        batch, channels = ops.shape(u)[0], u.shape[-1]
        column = self._position(level)[1]
        return ops.slice(u, (0, 0, column, 0), (batch, 1, 1, channels))

    def up(self, layer, x, level):
        # The stride-2 `2 x 2` transposed convolution of one position.
        if layer.kernel_size != (2, 2):
            raise ValueError(
                "_PositionPass.up needs 2 x 2 transposed convolutions; "
                f"{layer.name} has {layer.kernel_size}"
            )
        # Output tap (p % 2, q % 2): kernel[p % 2, q % 2] is (out, in).
        row, column = self._position(level)
        tap = (row % 2) * 2 + column % 2
        kernel = ops.take(
            ops.reshape(layer.kernel, (4,) + tuple(layer.kernel.shape[2:])),
            tap,
            axis=0,
        )
        out = ops.matmul(x[:, 0, 0], ops.transpose(kernel)) + layer.bias
        return out[:, None, None, :]


def _start_row(cache, row):
    """At the first pixel of a row: `prev <- last` where a level moves on."""
    new = dict(cache)
    for key, value in cache.items():
        slot, _, rest = key.partition("/")
        if slot not in ("prev", "prev2"):
            continue
        level = int(rest.split("/")[0])
        moves = ops.equal(row % (2**level), 0)
        source = "last/" + rest if slot == "prev" else "prev/" + rest
        new[key] = ops.where(moves, cache[source], value)
    return new


@keras.saving.register_keras_serializable(package="kerasgen")
class PixelCNNPlusPlusNetwork(AutoregressiveNetwork):
    """PixelCNN++ (Salimans et al. 2017, section 2 and figure 2).

    Two streams, as in openai's `pixel_cnn_pp/model.py`, replace the masked
    convolutions (section 2.5): the down-shifted stream `u` (`2 x 3`
    convolutions padded with one row on top, so row `i` sees rows `< i`)
    and the down-right-shifted stream `ul` (`2 x 2` convolutions padded
    above and left: rows above and pixels left). They start from
    `u = down_shift(conv_2x3(x))` and `ul = down_shift(conv_1x3(x)) +
    right_shift(conv_2x1(x))`, `x` the image plus a channel of ones, and
    have no blind spot.

    The defaults are sized for 28x28 grayscale on a CPU (about 0.57 M
    parameters with 10 mixtures); the paper's CIFAR-10 model is
    `filters=160, num_resnet_blocks=5, num_resolutions=3, dropout=0.5`.

    Both run through `num_resolutions` levels (section 2.3): at each,
    `num_resnet_blocks` gated ResNet blocks (`gated_resnet`: `concat_elu`,
    convolution, `+ nin(concat_elu(a))` for an auxiliary input `a`,
    `concat_elu`, dropout, convolution to `2 filters`, `a * sigmoid(b)`,
    plus the input), levels joined by stride-2 shifted convolutions; then
    back up through stride-2 shifted transposed convolutions with
    `num_resnet_blocks + 1` blocks per finer level (`num_resnet_blocks` at
    the coarsest). The `ul` blocks take `u` as auxiliary input, and the
    upward half takes the downward half's outputs in reverse order
    (section 2.4's short-cut connections: openai's `u_list.pop()` and
    `ul_list.pop()`). A class-conditional network adds a learned bias per
    class to the `2 filters` pre-gate of every block (the `h` of
    openai's `gated_resnet`, one-hot). The output is a `1 x 1` convolution
    ("nin") of `elu(ul)` to `output_dim`.

    Pixel `(i, j)` never sees any channel of itself (`channel_groups = 1`):
    the discretized logistic mixture models the channels of a pixel
    jointly. Any image size works: odd sizes are rounded up when
    downsampling and cropped when upsampling.

    Differences from the reference: plain convolutions with Keras
    initializers instead of weight normalization with data-dependent
    initialization (the second convolution of a block starts 10 times
    smaller, as openai's `init_scale=0.1`); the nonlinearity is always
    `concat_elu`.

    Fast sampling (`step`, Ramachandran et al. 2017), rows for `u` and
    positions for `ul`:

    - `u` sees rows `< i` only, but every layer's row `r` reads column
      `c + 1` of its input (the `2 x 3` kernels), so it is computed by rows:
      at the first pixel of row `i` only, `step` computes row `i // 2**l`
      of every `u` layer at every level `l` from the cached previous rows
      (two for a downsampling).
    - `ul` (`2 x 2` kernels: above and left) is computed by positions: at
      pixel `(i, j)`, position `(i >> l, j >> l)` of every `ul` layer at
      every level, from buffers of the positions computed before; a
      position is exact from the first pixel it covers on, the first time
      everything it reads is final.

    Per pixel that is one position of each `ul` layer per level, plus,
    once per row, `1 / height` of the `u` stream, instead of the whole
    network; `step` returns the full network's parameters (same images
    for the same seed; `benchmarks/README.md` has the times).

    Args:
        image_shape: tuple `(height, width, channels)`.
        output_dim: int. Parameters per pixel.
        filters: int. Channels of both streams (the paper: 160). Defaults
            to 32.
        num_resnet_blocks: int. Gated blocks per level of the downsampling
            pass (openai's "up pass"; the paper: 5). Defaults to 1.
        num_resolutions: int. Levels, each half the size of the one above
            (the paper: 3). Defaults to 3.
        dropout: float in `[0, 1)`. Dropout inside every block, at training
            only (the paper: 0.5 on CIFAR-10). Defaults to 0.
        num_classes: int or `None`. Defaults to `None`.
        channel_groups: int. Must be 1 (see above).

    Example:
    >>> net = PixelCNNPlusPlusNetwork((8, 8, 1), output_dim=6, filters=4,
    ...                               num_resnet_blocks=1, num_resolutions=2)
    >>> tuple(net(keras.ops.zeros((2, 8, 8, 1))).shape)
    (2, 8, 8, 6)

    References:
        Salimans et al. 2017, "PixelCNN++: Improving the PixelCNN with
        Discretized Logistic Mixture Likelihood and Other Modifications".
        Ramachandran et al. 2017, "Fast Generation for Convolutional
        Autoregressive Models".
    """

    def __init__(
        self,
        image_shape,
        output_dim,
        filters=32,
        num_resnet_blocks=1,
        num_resolutions=3,
        dropout=0.0,
        num_classes=None,
        channel_groups=1,
        **kwargs,
    ):
        image_shape, output_dim = self._check_common(
            image_shape, output_dim, num_classes, channel_groups
        )
        if channel_groups != 1:
            raise ValueError(
                "channel_groups must be 1: PixelCNN++ never shows a pixel "
                "any of its own channels (its shifted convolutions have no "
                "per-channel centre tap), so it cannot predict them one "
                "after another; use likelihood='logistic_mixture', which "
                f"models them jointly. Received channel_groups={channel_groups}"
            )
        filters = av.check_positive_int("filters", filters)
        num_resnet_blocks = av.check_positive_int(
            "num_resnet_blocks", num_resnet_blocks
        )
        num_resolutions = av.check_positive_int(
            "num_resolutions", num_resolutions
        )
        dropout = _blocks.check_dropout("dropout", dropout)
        dtype = kwargs.pop("dtype", None)
        shapes = [tuple(image_shape[:2])]
        for _ in range(num_resolutions - 1):
            height, width = shapes[-1]
            shapes.append(((height + 1) // 2, (width + 1) // 2))
        self._shapes = shapes

        def conv(kernel, name, strides=1, output=filters, scale=1.0):
            return layers.Conv2D(
                output,
                kernel,
                strides=strides,
                padding="valid",
                kernel_initializer=keras.initializers.VarianceScaling(
                    scale, mode="fan_in", distribution="truncated_normal"
                ),
                name=name,
                dtype=dtype,
            )

        def deconv(kernel, name):
            return layers.Conv2DTranspose(
                filters,
                kernel,
                strides=2,
                padding="valid",
                name=name,
                dtype=dtype,
            )

        def block(kernel, name, auxiliary):
            return (
                conv(kernel, f"{name}_conv_in"),
                layers.Dense(filters, name=f"{name}_nin", dtype=dtype)
                if auxiliary
                else None,
                layers.Dropout(dropout, name=f"{name}_dropout", dtype=dtype)
                if dropout
                else None,
                conv(kernel, f"{name}_conv_out", output=2 * filters, scale=0.1),
            )

        down, down_right = (2, 3), (2, 2)
        levels = range(num_resolutions)

        # === Layers ===
        self.first_u = conv(down, "u_first")
        self.first_ul_above = conv((1, 3), "ul_first_above")
        self.first_ul_left = conv((2, 1), "ul_first_left")
        self.u_blocks = [
            [
                block(down, f"u_down{level}_{k}", False)
                for k in range(num_resnet_blocks)
            ]
            for level in levels
        ]
        self.ul_blocks = [
            [
                block(down_right, f"ul_down{level}_{k}", True)
                for k in range(num_resnet_blocks)
            ]
            for level in levels
        ]
        self.u_downsample = [
            conv(down, f"u_downsample{level}", strides=2)
            for level in levels[1:]
        ]
        self.ul_downsample = [
            conv(down_right, f"ul_downsample{level}", strides=2)
            for level in levels[1:]
        ]
        up_counts = [
            num_resnet_blocks + (level < num_resolutions - 1)
            for level in levels
        ]
        self.u_up_blocks = [
            [
                block(down, f"u_up{level}_{k}", True)
                for k in range(up_counts[level])
            ]
            for level in levels
        ]
        self.ul_up_blocks = [
            [
                block(down_right, f"ul_up{level}_{k}", True)
                for k in range(up_counts[level])
            ]
            for level in levels
        ]
        self.u_upsample = [
            deconv(down, f"u_upsample{level}") for level in levels[:-1]
        ]
        self.ul_upsample = [
            deconv(down_right, f"ul_upsample{level}") for level in levels[:-1]
        ]
        self.output_layer = layers.Dense(output_dim, name="params", dtype=dtype)
        self._num_blocks = num_resolutions * num_resnet_blocks + sum(up_counts)
        self.label_embedding = None
        if num_classes is not None:
            # One bias of 2 * filters per class and block, both streams.
            self.label_embedding = layers.Embedding(
                num_classes,
                2 * self._num_blocks * 2 * filters,
                embeddings_initializer=keras.initializers.RandomNormal(
                    stddev=0.05
                ),
                name="label_bias",
                dtype=dtype,
            )

        # === Functional model ===
        inputs, images, labels = self.symbolic_inputs(image_shape, num_classes)
        biases = self._biases(labels, filters)
        context = _FullPass(images, shapes)
        feeds = self._u_stream(context, biases)
        outputs = self._ul_stream(context, biases, feeds)
        super().__init__(inputs=inputs, outputs=outputs, dtype=dtype, **kwargs)

        # === Config ===
        self.image_shape = image_shape
        self.output_dim = output_dim
        self.filters = filters
        self.num_resnet_blocks = num_resnet_blocks
        self.num_resolutions = num_resolutions
        self.dropout = dropout
        self.num_classes = num_classes
        self.channel_groups = channel_groups

    # --- The architecture, written once for `_FullPass`, `_RowPass` (u)
    # and `_PositionPass` (ul).
    def _biases(self, labels, filters=None):
        if self.label_embedding is None:
            return None
        filters = filters or self.filters
        # (batch, 1, 1, blocks, 2 filters): broadcast over rows and columns.
        return ops.reshape(
            self.label_embedding(labels),
            (-1, 1, 1, 2 * self._num_blocks, 2 * filters),
        )

    @staticmethod
    def _gated(context, block, x, auxiliary, level, biases, index):
        # openai's gated_resnet (section 2.5 / figure 2).
        conv_in, nin, dropout, conv_out = block
        c1 = context.conv(conv_in, concat_elu(x), level)
        if auxiliary is not None:
            c1 = c1 + nin(concat_elu(auxiliary))
        c1 = concat_elu(c1)
        if dropout is not None:
            c1 = dropout(c1)
        c2 = context.conv(conv_out, c1, level)
        if biases is not None:
            c2 = c2 + ops.cast(biases[..., index, :], c2.dtype)
        gate_a, gate_b = ops.split(c2, 2, axis=-1)
        return x + gate_a * ops.sigmoid(gate_b)

    def _u_stream(self, context, biases):
        """The down-shifted stream; returns the `u` of every `ul` block."""
        index = iter(range(self._num_blocks))
        u = context.first_u(self.first_u)
        stack = [u]
        feeds = []
        for level in range(len(self.u_blocks)):
            if level:
                u = context.down(self.u_downsample[level - 1], u, level)
                stack.append(u)
            for block in self.u_blocks[level]:
                u = self._gated(
                    context, block, u, None, level, biases, next(index)
                )
                stack.append(u)
                feeds.append(u)
        u = stack.pop()
        for level in reversed(range(len(self.u_blocks))):
            if level < len(self.u_blocks) - 1:
                u = context.up(self.u_upsample[level], u, level)
            for block in self.u_up_blocks[level]:
                u = self._gated(
                    context, block, u, stack.pop(), level, biases, next(index)
                )
                feeds.append(u)
        return feeds

    def _ul_stream(self, context, biases, feeds):
        """The down-right-shifted stream and the output layer."""
        index = iter(range(self._num_blocks, 2 * self._num_blocks))
        feeds = iter(feeds)
        ul = context.first_ul(self.first_ul_above, self.first_ul_left)
        stack = [ul]
        for level in range(len(self.u_blocks)):
            if level:
                ul = context.down(self.ul_downsample[level - 1], ul, level)
                stack.append(ul)
            for block in self.ul_blocks[level]:
                feed = context.feed(next(feeds), level)
                ul = self._gated(
                    context, block, ul, feed, level, biases, next(index)
                )
                stack.append(ul)
        ul = stack.pop()
        for level in reversed(range(len(self.u_blocks))):
            if level < len(self.u_blocks) - 1:
                ul = context.up(self.ul_upsample[level], ul, level)
            for block in self.ul_up_blocks[level]:
                feed = context.feed(next(feeds), level)
                auxiliary = ops.concatenate([feed, stack.pop()], axis=-1)
                ul = self._gated(
                    context, block, ul, auxiliary, level, biases, next(index)
                )
        return self.output_layer(ops.elu(ul))

    # --- Fast sampling.
    def init_cache(self, batch_size, labels=None):
        images = ops.zeros((batch_size,) + self.image_shape)
        zero = ops.convert_to_tensor(0)
        rows = _RowPass(None, images, zero, self._shapes)
        biases = self._biases(labels)
        feeds = self._u_stream(rows, biases)
        positions = _PositionPass(None, images, zero, zero, self._shapes)
        self._ul_stream(positions, biases, feeds)
        cache = dict(rows.cache, **positions.cache)
        for k, feed in enumerate(feeds):
            cache[f"feed/{k}"] = feed
        return {key: ops.zeros_like(value) for key, value in cache.items()}

    def step(self, cache, images, index, labels=None):
        width = self.image_shape[1]
        index = ops.convert_to_tensor(index, "int32")
        row, column = index // width, index % width
        biases = self._biases(labels)
        num_feeds = sum(1 for key in cache if key.startswith("feed/"))

        # Only the rows go through the branch: the position buffers are
        # large, and a conditional that carries them copies them per pixel.
        rows = {k: v for k, v in cache.items() if not k.startswith("pos/")}
        positions = {k: v for k, v in cache.items() if k.startswith("pos/")}

        def start_row():
            # Rows above are complete: the u stream's row, once per row.
            context = _RowPass(_start_row(rows, row), images, row, self._shapes)
            feeds = self._u_stream(context, biases)
            state = dict(context.cache)
            for k, feed in enumerate(feeds):
                state[f"feed/{k}"] = feed
            return state

        rows = ops.cond(ops.equal(column, 0), start_row, lambda: dict(rows))
        feeds = [rows[f"feed/{k}"] for k in range(num_feeds)]
        context = _PositionPass(
            dict(rows, **positions), images, row, column, self._shapes
        )
        params = self._ul_stream(context, biases, feeds)  # (batch, 1, 1, P)
        return params[:, 0, 0], context.cache
