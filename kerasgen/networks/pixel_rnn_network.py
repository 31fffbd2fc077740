"""The PixelRNN network: Row LSTM or Diagonal BiLSTM layers."""

import collections

import keras
import numpy as np
from keras import layers
from keras import ops

from kerasgen.layers.masked_conv2d import MaskedConv2D
from kerasgen.networks.autoregressive_network import AutoregressiveNetwork
from kerasgen.utils import argument_validation as av

_CELLS = ("row_lstm", "diagonal_bilstm")

# Where the cached sampler is: the canvas, the pixel, the batch size.
_Pixel = collections.namedtuple("_Pixel", ["images", "row", "column", "batch"])


def _gate_order(hidden_dim, groups):
    """Indices taking masked-convolution gates to the LSTM's gate layout.

    A per-colour masked convolution's `4 h` outputs are `groups`
    contiguous blocks (`(groups, 4, h / groups)`: each colour group's
    `o, f, i, g`); the recurrence uses `(4, groups, h / groups)`: `o`, `f`,
    `i`, `g` contiguous, each with its colour groups in order, so hidden
    channel group `c` comes from gate group `c`. `None` for one group (the
    layouts agree).
    """
    if groups == 1:
        return None
    size = hidden_dim // groups
    return np.array(
        [
            (4 * group + gate) * size + unit
            for gate in range(4)
            for group in range(groups)
            for unit in range(size)
        ],
        "int32",
    )


def _to_gate_layout(gates, order):
    return gates if order is None else ops.take(gates, order, axis=-1)


def _lstm_update(gates, previous_cell):
    """The LSTM core of van den Oord et al. 2016a, equation (3).

    `[o, f, i, g] = sigma(K^ss * h_prev + K^is * x)` (sigmoid for `o`,
    `f`, `i`, tanh for `g`), `c = f . c_prev + i . g`, `h = o . tanh(c)`.

    Args:
        gates: `(..., 4 h)` pre-activations, laid out `o, f, i, g`.
        previous_cell: `(..., h)`.

    Returns:
        `(hidden, cell)`, both `(..., h)`.
    """
    hidden = gates.shape[-1] // 4
    output_gate, forget_gate, input_gate = ops.split(
        ops.sigmoid(gates[..., : 3 * hidden]), 3, axis=-1
    )
    candidate = ops.tanh(gates[..., 3 * hidden :])
    cell = forget_gate * previous_cell + input_gate * candidate
    return output_gate * ops.tanh(cell), cell


def _skew(x):
    """Row `i` shifted right by `i` (section 3.2, figure 3).

    `(batch, height, width, channels)` to `(batch, height, width + height
    - 1, channels)`, zeros outside the shifted rows: pad each row with
    `height` zeros, flatten, drop the last `height` entries, reshape to
    the narrower width (each row then starts one place further right).
    """
    height, width, channels = x.shape[1], x.shape[2], x.shape[3]
    x = ops.pad(x, ((0, 0), (0, 0), (0, height), (0, 0)))
    x = ops.reshape(x, (-1, height * (width + height), channels))
    x = x[:, : height * (width + height - 1)]
    return ops.reshape(x, (-1, height, width + height - 1, channels))


def _unskew(x, width):
    """The inverse of `_skew`: `(b, h, w + h - 1, c)` to `(b, h, w, c)`."""
    height, skewed, channels = x.shape[1], x.shape[2], x.shape[3]
    x = ops.reshape(x, (-1, height * skewed, channels))
    x = ops.pad(x, ((0, 0), (0, height), (0, 0)))
    x = ops.reshape(x, (-1, height, skewed + 1, channels))
    return x[:, :, :width]


class _RowLSTMRecurrence(layers.Layer):
    """The state-to-state part of a Row LSTM layer (section 3.1).

    Takes the input-to-state gates `K^is * x` of the whole map `(batch,
    height, width, 4 h)` (computed beforehand by a masked `1 x k`
    convolution, in the `o, f, i, g` layout) and runs the rows top to
    bottom: row `i`'s gates add `K^ss * h_{i-1}`, a one-dimensional
    convolution of width `k` (the paper's "kernel size k x 1") over the
    previous row's hidden state, "same"-padded. Returns the hidden map
    `(batch, height, width, h)`.
    """

    def __init__(self, hidden_dim, kernel_size, **kwargs):
        super().__init__(**kwargs)
        self.hidden_dim = hidden_dim
        self.kernel_size = kernel_size

    def build(self, input_shape):
        self.kernel = self.add_weight(
            name="state_kernel",
            shape=(self.kernel_size, self.hidden_dim, 4 * self.hidden_dim),
            initializer="glorot_uniform",
        )
        self.built = True

    def compute_output_shape(self, input_shape):
        return tuple(input_shape[:-1]) + (self.hidden_dim,)

    def call(self, gates):
        kernel = ops.cast(self.kernel, gates.dtype)
        rows = ops.transpose(gates, (1, 0, 2, 3))  # (height, b, width, 4h)
        zeros = ops.zeros_like(rows[0][..., : self.hidden_dim])

        def row_step(carry, row_gates):
            hidden, cell = carry  # (b, width, h): row i - 1
            pre = row_gates + ops.conv(hidden, kernel, padding="same")
            hidden, cell = _lstm_update(pre, cell)
            # (The TF `scan` stacks outputs shaped like the carry.)
            return (hidden, cell), (hidden, cell)

        _, (hidden, _) = ops.scan(row_step, (zeros, zeros), rows)
        return ops.transpose(hidden, (1, 0, 2, 3))  # (b, height, width, h)

    def get_config(self):
        config = super().get_config()
        config.update(hidden_dim=self.hidden_dim, kernel_size=self.kernel_size)
        return config


class _DiagonalBiLSTMRecurrence(layers.Layer):
    """The state-to-state part of a Diagonal BiLSTM layer (section 3.2).

    Takes the input-to-state gates of both directions, `(batch, height,
    width, 8 h)` (`[left-to-right 4 h, right-to-left 4 h]`, `o, f, i, g`
    layout, from `1 x 1` convolutions of the unskewed map: a `1 x 1`
    convolution commutes with the skew). Each direction skews its gates,
    runs the columns of the skewed map left to right, the state of a
    column adding `K^ss * h` of the previous column, a `2 x 1` column
    convolution (rows `i - 1` and `i`: the pixels above and to the left),
    and unskews. The right-to-left direction runs on the horizontally
    flipped map and is flipped back; its output is shifted down one row
    before the two are added, so pixel `(i, j)` sees the right-to-left
    state of `(i - 1, j)` only and the layer stays causal. Returns
    `(batch, height, width, h)`. (Both directions run in one loop, stacked
    on a leading axis.)
    """

    def __init__(self, hidden_dim, **kwargs):
        super().__init__(**kwargs)
        self.hidden_dim = hidden_dim

    def build(self, input_shape):
        # (tap, h, 4h): tap 0 reads row i - 1 of the previous column (the
        # pixel above), tap 1 row i (the pixel to the left).
        shape = (2, self.hidden_dim, 4 * self.hidden_dim)
        self.left_kernel = self.add_weight(
            name="left_to_right_state_kernel",
            shape=shape,
            initializer="glorot_uniform",
        )
        self.right_kernel = self.add_weight(
            name="right_to_left_state_kernel",
            shape=shape,
            initializer="glorot_uniform",
        )
        self.built = True

    def compute_output_shape(self, input_shape):
        return tuple(input_shape[:-1]) + (self.hidden_dim,)

    def state_kernel(self, kernel, dtype):
        """`(2 h, 4 h)`: the state-to-state kernel on `[above, left]`."""
        hidden = self.hidden_dim
        return ops.reshape(ops.cast(kernel, dtype), (2 * hidden, 4 * hidden))

    def call(self, gates):
        height, width = gates.shape[1], gates.shape[2]
        hidden_dim = self.hidden_dim
        size = 4 * hidden_dim
        skewed_width = width + height - 1
        # Both directions, the right-to-left one on the flipped map.
        both = ops.stack(
            [gates[..., :size], ops.flip(gates[..., size:], axis=2)]
        )  # (2, b, height, width, 4h)
        skewed = _skew(ops.reshape(both, (-1, height, width, size)))
        columns = ops.reshape(
            ops.transpose(skewed, (2, 0, 1, 3)),
            (skewed_width, 2, -1, height, size),
        )  # (columns, direction, b, height, 4h)
        kernel = ops.stack(
            [
                self.state_kernel(self.left_kernel, gates.dtype),
                self.state_kernel(self.right_kernel, gates.dtype),
            ]
        )  # (direction, 2h, 4h)
        # Positions of the skewed map outside the image keep zero states:
        # the state left of column 0 is zero, as in the cached pass.
        offsets = np.arange(skewed_width)[:, None] - np.arange(height)
        valid = ((offsets >= 0) & (offsets < width)).astype("float32")
        valid = ops.cast(valid[:, None, None, :, None], gates.dtype)
        zeros = ops.zeros_like(columns[0][..., :hidden_dim])

        def column_step(carry, inputs):
            hidden, cell = carry  # (direction, b, height, h): last column
            column_gates, column_valid = inputs
            # The 2 x 1 column convolution: row i sees rows i - 1 and i of
            # the previous column (the pixels above and left of it).
            above = ops.pad(hidden[:, :, :-1], ((0, 0), (0, 0), (1, 0), (0, 0)))
            pre = column_gates + ops.einsum(
                "dbik,dkf->dbif", ops.concatenate([above, hidden], -1), kernel
            )
            hidden, cell = _lstm_update(pre, cell)
            hidden = hidden * column_valid
            cell = cell * column_valid
            return (hidden, cell), (hidden, cell)

        _, (hidden, _) = ops.scan(
            column_step, (zeros, zeros), (columns, valid)
        )  # (columns, direction, b, height, h)
        hidden = ops.reshape(hidden, (skewed_width, -1, height, hidden_dim))
        hidden = _unskew(ops.transpose(hidden, (1, 2, 0, 3)), width)
        hidden = ops.reshape(hidden, (2, -1, height, width, hidden_dim))
        left, right = hidden[0], ops.flip(hidden[1], axis=2)
        # Shift the right-to-left map down one row (section 3.2).
        right = ops.pad(right[:, :-1], ((0, 0), (1, 0), (0, 0), (0, 0)))
        return left + right

    def right_to_left_row(self, row_gates, hidden_above):
        """One row's right-to-left states, for the cached sampler.

        Args:
            row_gates: `(batch, width, 4 h)`, the row's input-to-state
                gates.
            hidden_above: `(batch, width, h)`, the right-to-left states of
                the row above (zeros for the first row).

        Returns:
            `(batch, width, h)`: the state at column `j` from the row above
            at `j` and the state at `j + 1` (the flipped map's left).
        """
        kernel = self.state_kernel(self.right_kernel, row_gates.dtype)
        inputs = (
            ops.transpose(row_gates, (1, 0, 2)),
            ops.transpose(hidden_above, (1, 0, 2)),
        )  # (width, b, .)
        zeros = ops.zeros_like(inputs[1][0])

        def column_step(carry, column_inputs):
            hidden_right, cell_right = carry
            gates, above = column_inputs
            pre = gates + ops.matmul(
                ops.concatenate([above, hidden_right], -1), kernel
            )
            hidden, cell = _lstm_update(pre, cell_right)
            return (hidden, cell), (hidden, cell)

        _, (hidden, _) = ops.scan(
            column_step, (zeros, zeros), inputs, reverse=True
        )
        return ops.transpose(hidden, (1, 0, 2))  # (b, width, h)

    def get_config(self):
        config = super().get_config()
        config.update(hidden_dim=self.hidden_dim)
        return config


def _read(buffer, start, size, dtype):
    return ops.cast(ops.slice(buffer, start, size), dtype)


def _write(buffer, start, value):
    return ops.slice_update(buffer, start, ops.cast(value, buffer.dtype))


@keras.saving.register_keras_serializable(package="kerasgen")
class PixelRNNNetwork(AutoregressiveNetwork):
    """PixelRNN (van den Oord et al. 2016a, sections 3.1-3.3, figure 5).

    A `7 x 7` mask-A convolution to `2 h` features, `num_layers` residual
    LSTM layers, then ReLU, a `1 x 1` mask-B convolution of
    `output_filters`, ReLU and a `1 x 1` mask-B convolution to
    `output_dim`. Each LSTM layer maps its `2 h` input to `h` features per
    gate (input-to-state), runs the recurrence, maps the `h` hidden
    features back to `2 h` with a `1 x 1` mask-B convolution and adds the
    input (the residual connection of section 3.3).

    - `cell="row_lstm"` (section 3.1): input-to-state a masked `1 x k`
      convolution (mask B) of the current row; state-to-state a
      convolution of width `k` over the previous row's hidden state; rows
      processed top to bottom. Its receptive field is a triangle (figure
      4): the state-to-state convolution widens it by `k // 2` columns on
      each side per row above, and pixel `(i, j)` sees its own row only
      through the masked convolutions (`first_kernel_size // 2 +
      num_layers * (k // 2)` columns to its left); pixels far right on the
      rows just above, and far left on its own row, stay unseen.
    - `cell="diagonal_bilstm"` (section 3.2): the input map is skewed (row
      `i` shifted right by `i`); input-to-state a `1 x 1` convolution
      (mask B), state-to-state a `2 x 1` convolution of the previous
      column, columns processed left to right, then unskewed. A second
      direction runs on the flipped map, its output shifted down one row
      before the two are added: the whole earlier context is seen.
      One addition to the paper's text makes that true: the layer input
      at `(i - 1, j)` never contains pixel `(i - 1, j)` itself (mask A),
      so with the construction as written pixel `(i - 1, width - 1)`,
      the last of the row above, reaches `(i, j)` only through the
      mask-A window and is missed for `j < width - 1 -
      first_kernel_size // 2`. The first layer's right-to-left direction
      therefore also adds a `1 x 1` convolution of the image at its own
      position to its input-to-state gates; unmasked, since that
      direction's output is used one row down, where all of row `i - 1`
      is in the past.

    Every input-to-state and `1 x 1` convolution is masked per colour
    channel when `channel_groups = channels` (the gates of group `c` see
    input groups `<= c` of their own pixel); the state-to-state
    convolutions read only earlier pixels and are not masked. A
    class-conditional network adds a learned bias per class to every
    layer's gates.

    `step` (the fast sampler) keeps the LSTM states: a Row LSTM computes
    the state of the new pixel from the previous row's states and the
    current row's inputs; a Diagonal BiLSTM computes the left-to-right
    state of the new pixel from those above and to its left, and the
    right-to-left states of a row once, when the row is complete (at the
    first pixel of the next row, the only one to use them).

    Args:
        image_shape: tuple `(height, width, channels)`.
        output_dim: int. Parameters per pixel.
        cell: `"row_lstm"` or `"diagonal_bilstm"`. Defaults to
            `"diagonal_bilstm"`.
        hidden_dim: int. `h`, the LSTM state size (a multiple of
            `channel_groups`); the residual stream has `2 h` features.
            Defaults to 16 (the paper's MNIST model).
        num_layers: int. LSTM layers. Defaults to 2.
        kernel_size: int. `k`, odd, of the Row LSTM's input-to-state and
            state-to-state convolutions (unused by the Diagonal BiLSTM).
            Defaults to 3.
        first_kernel_size: int. Kernel of the mask-A convolution. Defaults
            to 7.
        output_filters: int. Width of the output `1 x 1` layer. Defaults
            to 64.
        num_classes: int or `None`. Defaults to `None`.
        channel_groups: int. 1 or the image's channels. Defaults to 1.

    Example:
    >>> net = PixelRNNNetwork((4, 4, 1), output_dim=256, hidden_dim=4,
    ...                       num_layers=1, output_filters=8)
    >>> tuple(net(keras.ops.zeros((2, 4, 4, 1))).shape)
    (2, 4, 4, 256)

    References:
        van den Oord, Kalchbrenner, Kavukcuoglu. "Pixel Recurrent Neural
        Networks". ICML 2016.
    """

    def __init__(
        self,
        image_shape,
        output_dim,
        cell="diagonal_bilstm",
        hidden_dim=16,
        num_layers=2,
        kernel_size=3,
        first_kernel_size=7,
        output_filters=64,
        num_classes=None,
        channel_groups=1,
        **kwargs,
    ):
        image_shape, output_dim = self._check_common(
            image_shape, output_dim, num_classes, channel_groups
        )
        av.check_choice("cell", cell, _CELLS)
        hidden_dim = av.check_positive_int("hidden_dim", hidden_dim)
        if hidden_dim % channel_groups:
            raise ValueError(
                f"hidden_dim must be a multiple of channel_groups "
                f"({channel_groups}); received {hidden_dim}"
            )
        num_layers = av.check_int("num_layers", num_layers, minimum=0)
        kernel_size = av.check_positive_int("kernel_size", kernel_size)
        if kernel_size % 2 == 0:
            raise ValueError(
                f"kernel_size must be odd (the centre tap is the pixel); "
                f"received {kernel_size}"
            )
        first_kernel_size = av.check_positive_int(
            "first_kernel_size", first_kernel_size
        )
        if first_kernel_size % 2 == 0:
            raise ValueError(
                f"first_kernel_size must be odd; received {first_kernel_size}"
            )
        output_filters = av.check_positive_int("output_filters", output_filters)
        if output_filters % channel_groups:
            raise ValueError(
                f"output_filters must be a multiple of channel_groups "
                f"({channel_groups}); received {output_filters}"
            )
        dtype = kwargs.pop("dtype", None)
        directions = 2 if cell == "diagonal_bilstm" else 1

        def conv(filters, kernel, mask, name):
            return MaskedConv2D(
                filters,
                kernel,
                mask_type=mask,
                channel_groups=channel_groups,
                name=name,
                dtype=dtype,
            )

        # === Layers ===
        self.first = conv(2 * hidden_dim, first_kernel_size, "A", "conv_a")
        self.lstm_layers = []
        for index in range(num_layers):
            prefix = f"layer{index}"
            if cell == "row_lstm":
                state_inputs = (
                    conv(4 * hidden_dim, (1, kernel_size), "B", f"{prefix}_is"),
                )
                recurrence = _RowLSTMRecurrence(
                    hidden_dim,
                    kernel_size,
                    name=f"{prefix}_row_lstm",
                    dtype=dtype,
                )
            else:
                state_inputs = (
                    conv(4 * hidden_dim, 1, "B", f"{prefix}_is_left"),
                    conv(4 * hidden_dim, 1, "B", f"{prefix}_is_right"),
                )
                if index == 0:
                    # The first right-to-left direction also reads the
                    # image at its own position, unmasked (see the class
                    # docstring): the shift down makes row i - 1 visible.
                    state_inputs += (
                        layers.Conv2D(
                            4 * hidden_dim,
                            1,
                            use_bias=False,
                            name=f"{prefix}_is_right_pixels",
                            dtype=dtype,
                        ),
                    )
                recurrence = _DiagonalBiLSTMRecurrence(
                    hidden_dim,
                    name=f"{prefix}_diagonal_bilstm",
                    dtype=dtype,
                )
            upsample = conv(2 * hidden_dim, 1, "B", f"{prefix}_out")
            self.lstm_layers.append((state_inputs, recurrence, upsample))
        self.head = (
            conv(output_filters, 1, "B", "head"),
            conv(output_dim, 1, "B", "params"),
        )
        self.label_embedding = None
        if num_classes is not None:
            self.label_embedding = layers.Embedding(
                num_classes,
                max(num_layers, 1) * directions * 4 * hidden_dim,
                embeddings_initializer="zeros",
                name="label_bias",
                dtype=dtype,
            )

        # === Functional model ===
        self.cell = cell
        self.hidden_dim = hidden_dim
        self.gate_order = _gate_order(hidden_dim, channel_groups)
        inputs, images, labels = self.symbolic_inputs(image_shape, num_classes)
        outputs = self._forward(images, labels)
        super().__init__(inputs=inputs, outputs=outputs, dtype=dtype, **kwargs)

        # === Config ===
        self.image_shape = image_shape
        self.output_dim = output_dim
        self.cell = cell
        self.hidden_dim = hidden_dim
        self.num_layers = num_layers
        self.kernel_size = kernel_size
        self.first_kernel_size = first_kernel_size
        self.output_filters = output_filters
        self.num_classes = num_classes
        self.channel_groups = channel_groups

    # --- The full network (training, log-likelihood).
    def _gate_biases(self, labels):
        """`(batch, layers, directions, 4 h)` class biases, or `None`."""
        if self.label_embedding is None:
            return None
        directions = 2 if self.cell == "diagonal_bilstm" else 1
        layers_ = max(len(self.lstm_layers), 1)
        return ops.reshape(
            self.label_embedding(labels),
            (-1, layers_, directions, 4 * self.hidden_dim),
        )

    def _forward(self, images, labels):
        x = self.first(images)  # (b, height, width, 2h)
        biases = self._gate_biases(labels)
        for index, (state_inputs, recurrence, upsample) in enumerate(
            self.lstm_layers
        ):
            gates = []
            for direction, state_input in enumerate(state_inputs[:2]):
                direction_gates = _to_gate_layout(
                    state_input(x), self.gate_order
                )  # (b, height, width, 4h)
                if biases is not None:
                    bias = biases[:, index, direction][:, None, None, :]
                    direction_gates = direction_gates + ops.cast(
                        bias, direction_gates.dtype
                    )
                gates.append(direction_gates)
            if len(state_inputs) > 2:
                gates[1] = gates[1] + state_inputs[2](images)
            if len(gates) > 1:
                gates = ops.concatenate(gates, axis=-1)
            else:
                gates = gates[0]
            x = x + upsample(recurrence(gates))  # section 3.3
        x = self.head[0](ops.relu(x))
        return self.head[1](ops.relu(x))

    # --- The cached sampler.
    def init_cache(self, batch_size, labels=None):
        del labels
        _, width, _ = self.image_shape
        hidden = self.hidden_dim
        pad = self.kernel_size // 2
        cache = {}
        for index in range(len(self.lstm_layers)):
            prefix = f"layer{index}"
            if self.cell == "row_lstm":
                # The current row's layer inputs (for the 1 x k masked
                # input-to-state convolution), and the hidden and cell
                # states of two rows (row i % 2 written, (i + 1) % 2 read).
                shapes = {
                    "inputs": (batch_size, 1, width + 2 * pad, 2 * hidden),
                    "hidden": (batch_size, 2, width + 2 * pad, hidden),
                    "cell": (batch_size, 2, width, hidden),
                }
            else:
                # Left-to-right: hidden states of two rows (left-padded),
                # cell states of the current row; right-to-left: the
                # input-to-state gates of two rows and the states of the
                # last complete row.
                shapes = {
                    "left_hidden": (batch_size, 2, width + 1, hidden),
                    "left_cell": (batch_size, 1, width + 1, hidden),
                    "right_gates": (batch_size, 2, width, 4 * hidden),
                    "right_hidden": (batch_size, width, hidden),
                }
            for key, shape in shapes.items():
                cache[f"{prefix}_{key}"] = ops.zeros(shape, "float32")
        return cache

    def step(self, cache, images, index, labels=None):
        _, width, channels = self.image_shape
        row = index // width
        column = index % width
        batch = ops.shape(images)[0]
        dtype = self.compute_dtype
        cache = dict(cache)

        # The mask-A convolution at the pixel, from the canvas.
        size = self.first_kernel_size
        half = size // 2
        padded = ops.pad(images, ((0, 0), (half, half), (half, half), (0, 0)))
        patch = ops.slice(
            padded, (0, row, column, 0), (batch, size, size, channels)
        )
        x = self.first.call_at(patch)[:, None, None, :]  # (b, 1, 1, 2h)

        pixel = _Pixel(images, row, column, batch)
        layer_step = (
            self._row_lstm_step
            if self.cell == "row_lstm"
            else self._diagonal_bilstm_step
        )
        biases = self._gate_biases(labels)
        for layer_index, block in enumerate(self.lstm_layers):
            layer_biases = None
            if biases is not None:
                layer_biases = ops.cast(biases[:, layer_index], dtype)
            prefix = f"layer{layer_index}"
            hidden = layer_step(prefix, block, cache, x, layer_biases, pixel)
            x = x + block[2](hidden[:, None, None, :])  # (b, 1, 1, 2h)
        x = self.head[0](ops.relu(x))
        params = self.head[1](ops.relu(x))
        return params[:, 0, 0, :], cache

    def _row_lstm_step(self, prefix, block, cache, x, biases, pixel):
        """The Row LSTM state `(b, h)` at the pixel; updates `cache`."""
        (state_input,), recurrence, _ = block
        _, row, column, batch = pixel
        hidden_dim = self.hidden_dim
        size = self.kernel_size
        pad = size // 2
        current, previous = row % 2, (row + 1) % 2
        # Input-to-state: the masked 1 x k convolution of this row.
        inputs = _write(cache[f"{prefix}_inputs"], (0, 0, column + pad, 0), x)
        cache[f"{prefix}_inputs"] = inputs
        patch = _read(
            inputs, (0, 0, column, 0), (batch, 1, size, x.shape[-1]), x.dtype
        )
        gates = _to_gate_layout(state_input.call_at(patch), self.gate_order)
        if biases is not None:
            gates = gates + biases[:, 0]
        # State-to-state: width-k convolution of the previous row's states.
        hidden_rows = cache[f"{prefix}_hidden"]
        cell_rows = cache[f"{prefix}_cell"]
        above = _read(
            hidden_rows,
            (0, previous, column, 0),
            (batch, 1, size, hidden_dim),
            gates.dtype,
        )[:, 0]  # (b, k, h)
        kernel = ops.cast(recurrence.kernel, gates.dtype)
        gates = gates + ops.einsum("bkh,khf->bf", above, kernel)
        cell_above = _read(
            cell_rows,
            (0, previous, column, 0),
            (batch, 1, 1, hidden_dim),
            gates.dtype,
        )[:, 0, 0]
        hidden, cell = _lstm_update(gates, cell_above)
        cache[f"{prefix}_hidden"] = _write(
            hidden_rows, (0, current, column + pad, 0), hidden[:, None, None]
        )
        cache[f"{prefix}_cell"] = _write(
            cell_rows, (0, current, column, 0), cell[:, None, None]
        )
        return hidden

    def _diagonal_bilstm_step(self, prefix, block, cache, x, biases, pixel):
        """Left-to-right state + right-to-left of the row above, `(b, h)`."""
        state_inputs, recurrence, _ = block
        images, row, column, batch = pixel
        left_input, right_input = state_inputs[:2]
        hidden_dim = self.hidden_dim
        _, width, channels = self.image_shape
        current, previous = row % 2, (row + 1) % 2
        # (b, 4h): the 1 x 1 mask-B input-to-state convolutions.
        left_gates = _to_gate_layout(left_input(x)[:, 0, 0], self.gate_order)
        right_gates = _to_gate_layout(right_input(x)[:, 0, 0], self.gate_order)
        if biases is not None:
            left_gates = left_gates + biases[:, 0]
            right_gates = right_gates + biases[:, 1]

        # Right-to-left: the row above is complete at its next row's first
        # pixel; compute its states once, then read them (shifted down).
        gate_rows = cache[f"{prefix}_right_gates"]
        right_hidden = cache[f"{prefix}_right_hidden"]

        def complete_row():
            row_gates = _read(
                gate_rows,
                (0, previous, 0, 0),
                (batch, 1, width, 4 * hidden_dim),
                left_gates.dtype,
            )  # (b, 1, width, 4h)
            if len(state_inputs) > 2:
                # The complete row above, all its channels known now.
                pixels = ops.slice(
                    images, (0, row - 1, 0, 0), (batch, 1, width, channels)
                )
                row_gates = row_gates + state_inputs[2](pixels)
            row_gates = row_gates[:, 0]
            above = ops.cast(right_hidden, left_gates.dtype)
            states = recurrence.right_to_left_row(row_gates, above)
            return ops.cast(states, right_hidden.dtype)

        right_hidden = ops.cond(
            ops.logical_and(ops.equal(column, 0), ops.greater(row, 0)),
            complete_row,
            lambda: cache[f"{prefix}_right_hidden"],
        )
        cache[f"{prefix}_right_hidden"] = right_hidden
        cache[f"{prefix}_right_gates"] = _write(
            gate_rows, (0, current, column, 0), right_gates[:, None, None]
        )

        # Left-to-right: from the states above (row - 1) and to the left.
        hidden_rows = cache[f"{prefix}_left_hidden"]
        cells = cache[f"{prefix}_left_cell"]
        unit = (batch, 1, 1, hidden_dim)
        dtype = left_gates.dtype
        above = _read(hidden_rows, (0, previous, column + 1, 0), unit, dtype)
        left = _read(hidden_rows, (0, current, column, 0), unit, dtype)
        cell_left = _read(cells, (0, 0, column, 0), unit, dtype)[:, 0, 0]
        kernel = recurrence.state_kernel(recurrence.left_kernel, dtype)
        gates = left_gates + ops.matmul(
            ops.concatenate([above[:, 0, 0], left[:, 0, 0]], -1), kernel
        )
        hidden, cell = _lstm_update(gates, cell_left)
        cache[f"{prefix}_left_hidden"] = _write(
            hidden_rows, (0, current, column + 1, 0), hidden[:, None, None]
        )
        cache[f"{prefix}_left_cell"] = _write(
            cells, (0, 0, column + 1, 0), cell[:, None, None]
        )
        above_right = _read(
            right_hidden, (0, column, 0), (batch, 1, hidden_dim), dtype
        )[:, 0]
        return hidden + above_right
