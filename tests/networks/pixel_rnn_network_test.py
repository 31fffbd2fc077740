import keras
import numpy as np
from absl.testing import parameterized

from kerasgen.networks.pixel_rnn_network import PixelRNNNetwork
from kerasgen.networks.pixel_rnn_network import _skew
from kerasgen.networks.pixel_rnn_network import _unskew
from kerasgen.testing import TestCase


def _network(cell, channels, groups, num_classes=None, size=5, **kwargs):
    keras.utils.set_random_seed(0)
    arguments = dict(
        output_dim=4 * groups,
        cell=cell,
        # An 8-feature stream per colour group: the output ReLU is active
        # somewhere at every pixel (a dead pixel would hide what it sees).
        hidden_dim=4 * groups,
        num_layers=2,
        output_filters=16 * groups,
        num_classes=num_classes,
        channel_groups=groups,
    )
    arguments.update(kwargs)
    network = PixelRNNNetwork((size, size, channels), **arguments)
    if num_classes is not None:
        # The class biases start at zero: make them count in the test.
        embedding = network.label_embedding.embeddings
        embedding.assign(np.random.normal(size=embedding.shape))
    return network


def _row_lstm_field(height, width, first_kernel_size, kernel_size, layers):
    """The pixels a Row LSTM stack sees (van den Oord et al. 2016a, fig. 4).

    `(height, width, height * width)` bool: output `(i, j)` depends on
    input pixel `p`. The mask-A convolution sees its window above and left;
    each layer's state at `(i, j)` sees its inputs at `(i, j - k//2 .. j)`
    (masked `1 x k`) and the states at `(i - 1, j - k//2 .. j + k//2)`;
    the residual adds the layer's input.
    """
    seen = np.zeros((height, width, height * width), bool)
    half = first_kernel_size // 2
    for i in range(height):
        for j in range(width):
            for di in range(-half, 1):
                for dj in range(-half, half + 1):
                    a, b = i + di, j + dj
                    inside = 0 <= a < height and 0 <= b < width
                    if (di < 0 or dj < 0) and inside:
                        seen[i, j, a * width + b] = True
    pad = kernel_size // 2
    for _ in range(layers):
        state = np.zeros_like(seen)
        for i in range(height):
            for j in range(width):
                for dj in range(-pad, 1):
                    if 0 <= j + dj < width:
                        state[i, j] |= seen[i, j + dj]
                for dj in range(-pad, pad + 1):
                    if i > 0 and 0 <= j + dj < width:
                        state[i, j] |= state[i - 1, j + dj]
        seen = seen | state
    return seen


def _gradients(network, images):
    """`|d params[i, j, group] / d images|` for every pixel and group.

    One backward pass: the image is repeated once per (pixel, group) and
    batch element `n` contributes only its own output `n` (the network
    never mixes the batch). Returns `(height, width, groups, height,
    width, channels)`.
    """
    import tensorflow as tf

    height, width, channels = network.image_shape
    groups = network.channel_groups
    size = network.output_dim // groups
    count = height * width * groups
    batch = tf.repeat(tf.constant(images[None], "float32"), count, axis=0)
    pick = np.zeros((count, height, width, network.output_dim), "float32")
    for n in range(count):
        i, j, group = np.unravel_index(n, (height, width, groups))
        pick[n, i, j, group * size : (group + 1) * size] = 1.0
    with tf.GradientTape() as tape:
        tape.watch(batch)
        value = tf.reduce_sum(network(batch) * pick)
    gradient = np.abs(tape.gradient(value, batch).numpy())
    return gradient.reshape((height, width, groups) + images.shape)


class PixelRNNNetworkTest(TestCase):
    @parameterized.named_parameters(
        # The paper's 7x7 first layer, two layers.
        ("grayscale", 5, 1, 1, None, 7, 2),
        ("rgb_per_channel", 4, 3, 3, None, 3, 1),
        ("rgb_joint_conditional", 4, 3, 1, 4, 3, 1),
    )
    def test_diagonal_bilstm_causal_without_blind_spot(
        self, size, channels, groups, num_classes, first_kernel_size, layers
    ):
        network = _network(
            "diagonal_bilstm",
            channels,
            groups,
            num_classes,
            size=size,
            first_kernel_size=first_kernel_size,
            num_layers=layers,
        )
        self.run_causality_test(
            network, sequential_channels=groups > 1, no_blind_spot=True
        )

    @parameterized.named_parameters(
        ("grayscale", 5, 1, 1, None, 7, 2),
        ("rgb_per_channel_conditional", 4, 3, 3, 4, 3, 1),
    )
    def test_row_lstm_causal(
        self, size, channels, groups, num_classes, first_kernel_size, layers
    ):
        # No later pixel seen, cached step == full network. The Row LSTM
        # has a triangular receptive field (paper figure 4): at 5x5 with a
        # 7x7 first layer, pixel (i, 0) misses (i - 1, 4), so
        # `no_blind_spot` does not hold; the exact field is tested below.
        network = _network(
            "row_lstm",
            channels,
            groups,
            num_classes,
            size=size,
            first_kernel_size=first_kernel_size,
            num_layers=layers,
        )
        self.run_causality_test(
            network, sequential_channels=groups > 1, no_blind_spot=False
        )

    @parameterized.named_parameters(
        ("wide_first_layer", 1, 1, 7),
        ("triangle", 1, 1, 3),
        ("rgb_per_channel", 3, 3, 7),
    )
    def test_row_lstm_receptive_field_is_the_papers(
        self, channels, groups, first_kernel_size
    ):
        network = _network(
            "row_lstm", channels, groups, first_kernel_size=first_kernel_size
        )
        height = width = 5
        expected = _row_lstm_field(height, width, first_kernel_size, 3, 2)
        if first_kernel_size == 3:
            # The triangle: (4, 0) sees the row above only up to column 2,
            # and (4, 4) its own row only from column 4 - 1 - 2 = 1.
            self.assertFalse(expected[4, 0, 3 * width + 3])
            self.assertFalse(expected[4, 4, 4 * width + 0])
        else:
            # The 7x7 layer leaves one pixel: (i, 0) misses (i - 1, 4).
            self.assertFalse(expected[3, 0, 2 * width + 4])
        images = np.random.default_rng(0).uniform(
            -1, 1, (height, width, channels)
        )
        gradients = _gradients(network, images)
        for i in range(height):
            for j in range(width):
                own = i * width + j
                for group in range(groups):
                    gradient = gradients[i, j, group]
                    seen = gradient.sum(-1).reshape(-1) > 0
                    where = f"pixel ({i}, {j}) group {group}"
                    np.testing.assert_array_equal(
                        seen[:own], expected[i, j, :own], err_msg=where
                    )
                    self.assertFalse(seen[own + 1 :].any(), where)
                    self.assertTrue(np.all(gradient[i, j, :group] > 0), where)
                    self.assertEqual(gradient[i, j, group:].sum(), 0.0, where)

    def test_diagonal_bilstm_sees_the_last_pixel_of_the_row_above(self):
        # Without the first layer's image term (the construction as the
        # paper writes it), (i, 0) would miss (i - 1, width - 1): with a
        # 3x3 first layer on 5 columns, only the image term reaches it.
        network = _network(
            "diagonal_bilstm", 1, 1, first_kernel_size=3, num_layers=1
        )
        images = np.random.default_rng(1).uniform(-1, 1, (5, 5, 1))
        self.assertGreater(_gradients(network, images)[2, 0, 0, 1, 4, 0], 0)
        network.get_layer("layer0_is_right_pixels").kernel.assign(
            np.zeros((1, 1, 1, 16), "float32")
        )
        self.assertEqual(_gradients(network, images)[2, 0, 0, 1, 4, 0], 0.0)

    def test_skew_round_trip(self):
        x = np.arange(2 * 3 * 4 * 2, dtype="float32").reshape(2, 3, 4, 2)
        skewed = keras.ops.convert_to_numpy(_skew(x))
        self.assertEqual(skewed.shape, (2, 3, 6, 2))
        for i in range(3):
            np.testing.assert_array_equal(skewed[:, i, i : i + 4], x[:, i])
            self.assertEqual(np.abs(skewed[:, i, :i]).sum(), 0.0)
            self.assertEqual(np.abs(skewed[:, i, i + 4 :]).sum(), 0.0)
        np.testing.assert_array_equal(
            keras.ops.convert_to_numpy(_unskew(skewed, 4)), x
        )

    def test_config_round_trip(self):
        network = PixelRNNNetwork(
            (4, 4, 1),
            output_dim=4,
            cell="row_lstm",
            hidden_dim=2,
            num_layers=1,
            output_filters=4,
        )
        restored = PixelRNNNetwork.from_config(network.get_config())
        self.assertEqual(restored.cell, "row_lstm")
        self.assertEqual(restored.get_config(), network.get_config())
        self.assertEqual(len(restored.weights), len(network.weights))

    def test_bad_arguments(self):
        with self.assertRaisesRegex(ValueError, "cell must be one of"):
            PixelRNNNetwork((5, 5, 1), output_dim=4, cell="gru")
        with self.assertRaisesRegex(ValueError, "hidden_dim"):
            PixelRNNNetwork(
                (5, 5, 3), output_dim=6, hidden_dim=4, channel_groups=3
            )
        with self.assertRaisesRegex(ValueError, "kernel_size must be odd"):
            PixelRNNNetwork((5, 5, 1), output_dim=4, kernel_size=2)
        with self.assertRaisesRegex(ValueError, "num_layers"):
            PixelRNNNetwork((5, 5, 1), output_dim=4, num_layers=-1)
