import numpy as np
from absl.testing import parameterized
from keras import ops

from kerasgen.networks.pixel_cnn_plus_plus_network import (
    PixelCNNPlusPlusNetwork,
)
from kerasgen.testing import TestCase


def tiny(shape=(6, 6, 1), **kwargs):
    kwargs = dict(
        dict(output_dim=6, filters=4, num_resnet_blocks=1, num_resolutions=2),
        **kwargs,
    )
    return PixelCNNPlusPlusNetwork(shape, **kwargs)


class PixelCNNPlusPlusNetworkTest(TestCase):
    @parameterized.named_parameters(
        ("grayscale", (4, 6, 1), 2, None),
        ("rgb", (4, 4, 3), 2, None),
        ("odd_sizes_three_levels", (5, 3, 3), 3, 4),
    )
    def test_causal_without_blind_spot_and_cached(
        self, shape, num_resolutions, num_classes
    ):
        # One block per level: a receptive field of 6 columns either side
        # at full resolution covers every earlier pixel of a 6-wide image
        # (no blind spot, Salimans et al. 2017 section 2.5).
        network = tiny(
            shape,
            output_dim=10 * shape[-1],
            num_resolutions=num_resolutions,
            num_classes=num_classes,
        )
        self.run_causality_test(
            network, sequential_channels=False, no_blind_spot=True
        )

    def test_step_matches_the_full_network_for_a_batch(self):
        network = tiny((3, 5, 1), num_classes=3, num_resolutions=3)
        rng = np.random.default_rng(1)
        images = rng.uniform(-1, 1, (3, 3, 5, 1)).astype("float32")
        labels = np.array([0, 2, 1], "int32")
        full = ops.convert_to_numpy(
            network(network.network_inputs(images, labels))
        )
        cache = network.init_cache(3, labels)
        for index in range(15):
            params, cache = network.step(cache, images, index, labels)
            np.testing.assert_allclose(
                ops.convert_to_numpy(params),
                full[:, index // 5, index % 5],
                rtol=1e-4,
                atol=1e-5,
            )
        # The labels matter.
        other = ops.convert_to_numpy(
            network(network.network_inputs(images, labels[::-1]))
        )
        self.assertFalse(np.allclose(full[0], other[0]))

    def test_dropout_only_in_training(self):
        network = tiny(dropout=0.5)
        images = np.random.default_rng(0).uniform(-1, 1, (2, 6, 6, 1))
        images = images.astype("float32")
        a = ops.convert_to_numpy(network(images, training=True))
        b = ops.convert_to_numpy(network(images, training=True))
        self.assertFalse(np.allclose(a, b))
        c = ops.convert_to_numpy(network(images))
        d = ops.convert_to_numpy(network(images, training=False))
        np.testing.assert_array_equal(c, d)
        # Sampling steps run without dropout: they equal the inference pass.
        cache = network.init_cache(2)
        params, _ = network.step(cache, images, 0)
        np.testing.assert_allclose(
            ops.convert_to_numpy(params), c[:, 0, 0], rtol=1e-5, atol=1e-6
        )

    def test_config_round_trip(self):
        network = tiny(num_classes=2, dropout=0.1)
        restored = PixelCNNPlusPlusNetwork.from_config(network.get_config())
        self.assertEqual(restored.get_config(), network.get_config())
        self.assertEqual(restored.count_params(), network.count_params())

    def test_bad_arguments(self):
        with self.assertRaisesRegex(ValueError, "channel_groups must be 1"):
            tiny((6, 6, 3), output_dim=30, channel_groups=3)
        with self.assertRaisesRegex(ValueError, "channel_groups"):
            tiny((6, 6, 3), output_dim=30, channel_groups=2)
        with self.assertRaisesRegex(ValueError, "filters"):
            tiny(filters=0)
        with self.assertRaisesRegex(ValueError, "num_resnet_blocks"):
            tiny(num_resnet_blocks=0)
        with self.assertRaisesRegex(ValueError, "num_resolutions"):
            tiny(num_resolutions=1.5)
        with self.assertRaisesRegex(ValueError, "dropout"):
            tiny(dropout=1.0)
        with self.assertRaisesRegex(ValueError, "image_shape"):
            tiny((6, 6))
