import keras
import numpy as np
from absl.testing import parameterized
from keras import ops

from kerasgen.networks.gated_pixel_cnn_network import GatedPixelCNNNetwork
from kerasgen.testing import TestCase


def _network(channels=1, groups=1, **kwargs):
    # Receptive field 5 // 2 + 2 * (3 // 2) = 4: the whole 5x5 image. The
    # widths keep the head's ReLUs from dying at every channel of a pixel.
    arguments = dict(
        output_dim=4 * groups,
        filters=12 * groups,
        num_layers=3,
        kernel_size=3,
        first_kernel_size=5,
        output_filters=12 * groups,
        channel_groups=groups,
    )
    arguments.update(kwargs)
    return GatedPixelCNNNetwork((5, 5, channels), **arguments)


class _WithConditioning:
    """A network with a fixed conditioning map, for `run_causality_test`."""

    def __init__(self, network, conditioning):
        self.network = network
        self.conditioning = conditioning
        self.image_shape = network.image_shape
        self.output_dim = network.output_dim
        self.num_classes = network.num_classes

    def __call__(self, inputs):
        return self.network(inputs)

    def network_inputs(self, images, labels=None):
        return self.network.network_inputs(images, labels, self.conditioning)

    def init_cache(self, batch_size, labels=None):
        return self.network.init_cache(batch_size, labels, self.conditioning)

    def step(self, cache, images, index, labels=None):
        return self.network.step(cache, images, index, labels)


def _conditioning(channels=2, seed=0):
    rng = np.random.default_rng(seed)
    return ops.convert_to_tensor(
        rng.normal(size=(1, 5, 5, channels)).astype("float32")
    )


class GatedPixelCNNNetworkTest(TestCase):
    @parameterized.named_parameters(
        ("grayscale", 1, 1, None),
        ("rgb_per_channel", 3, 3, None),
        ("rgb_joint_conditional", 3, 1, 4),
    )
    def test_causal_no_blind_spot_and_cached(self, channels, groups, classes):
        keras.utils.set_random_seed(1)
        network = _network(channels, groups, num_classes=classes)
        self.run_causality_test(
            network, sequential_channels=groups > 1, no_blind_spot=True
        )

    def test_spatial_conditioning_changes_the_output_and_stays_causal(self):
        keras.utils.set_random_seed(2)
        network = _network(conditioning_channels=2, num_classes=3)
        self.assertEqual(
            sorted(network.input), ["conditioning", "images", "labels"]
        )
        images = np.random.default_rng(0).uniform(-1, 1, (1, 5, 5, 1))
        images = ops.convert_to_tensor(images.astype("float32"))
        labels = ops.convert_to_tensor([1], "int32")
        first = network(
            network.network_inputs(images, labels, _conditioning(seed=0))
        )
        second = network(
            network.network_inputs(images, labels, _conditioning(seed=1))
        )
        self.assertGreater(
            float(ops.max(ops.abs(first - second))),
            1e-4,
            "the conditioning map does not change the output",
        )
        # Causal in the image, and the cached step equals the full network.
        self.run_causality_test(
            _WithConditioning(network, _conditioning()),
            sequential_channels=False,
            no_blind_spot=True,
        )
        # recompute_step takes the map too.
        conditioning = _conditioning(seed=3)
        full = network(network.network_inputs(images, labels, conditioning))
        self.assertAllClose(
            network.recompute_step(images, 7, labels, conditioning),
            full[:, 1, 2],
        )

    def test_vertical_stack_runs_once_per_row(self):
        network = _network(num_layers=1, first_kernel_size=3)
        rows = []
        original = network._vertical_row

        def counting(cache, images, row, labels):
            rows.append(row)
            return original(cache, images, row, labels)

        network._vertical_row = counting
        images = ops.zeros((2, 5, 5, 1))
        cache = network.init_cache(2)
        for index in range(25):
            params, cache = network.step(cache, images, index)
        self.assertEqual(rows, [0, 1, 2, 3])
        self.assertEqual(tuple(params.shape), (2, 4))

    def test_config_round_trip(self):
        network = _network(conditioning_channels=2)
        restored = GatedPixelCNNNetwork.from_config(network.get_config())
        self.assertEqual(restored.get_config(), network.get_config())
        restored.set_weights(network.get_weights())
        inputs = network.network_inputs(
            ops.zeros((1, 5, 5, 1)), None, _conditioning()
        )
        self.assertAllClose(restored(inputs), network(inputs))

    def test_bad_arguments(self):
        with self.assertRaisesRegex(ValueError, "channel_groups"):
            GatedPixelCNNNetwork((5, 5, 3), output_dim=6, channel_groups=2)
        with self.assertRaisesRegex(ValueError, "filters.*received 8"):
            GatedPixelCNNNetwork(
                (5, 5, 3), output_dim=6, filters=8, channel_groups=3
            )
        with self.assertRaisesRegex(ValueError, "output_filters"):
            GatedPixelCNNNetwork(
                (5, 5, 3),
                output_dim=6,
                filters=6,
                output_filters=8,
                channel_groups=3,
            )
        with self.assertRaisesRegex(ValueError, "kernel_size.*odd.*4"):
            GatedPixelCNNNetwork((5, 5, 1), output_dim=4, kernel_size=4)
        with self.assertRaisesRegex(ValueError, "first_kernel_size"):
            GatedPixelCNNNetwork((5, 5, 1), output_dim=4, first_kernel_size=0)
        with self.assertRaisesRegex(ValueError, "num_layers"):
            GatedPixelCNNNetwork((5, 5, 1), output_dim=4, num_layers=0)
        with self.assertRaisesRegex(ValueError, "conditioning_channels"):
            GatedPixelCNNNetwork(
                (5, 5, 1), output_dim=4, conditioning_channels=0
            )

    def test_bad_conditioning(self):
        images = ops.zeros((1, 5, 5, 1))
        conditioned = _network(num_layers=1, conditioning_channels=2)
        with self.assertRaisesRegex(ValueError, "conditioning.*None"):
            conditioned.network_inputs(images)
        with self.assertRaisesRegex(ValueError, "conditioning.*None"):
            conditioned.init_cache(1)
        with self.assertRaisesRegex(ValueError, r"must.*\(5, 5, 2\)"):
            conditioned.init_cache(1, conditioning=ops.zeros((1, 5, 5, 3)))
        plain = _network(num_layers=1)
        with self.assertRaisesRegex(ValueError, "conditioning_channels=None"):
            plain.network_inputs(images, conditioning=_conditioning())
