import numpy as np
from absl.testing import parameterized

from kerasgen.networks import PixelCNNNetwork
from kerasgen.testing import TestCase


class PixelCNNNetworkTest(TestCase):
    @parameterized.named_parameters(
        ("grayscale", 1, 1, None),
        ("rgb_per_channel", 3, 3, None),
        ("rgb_joint", 3, 1, 10),
    )
    def test_causal_and_cached(self, channels, groups, num_classes):
        network = PixelCNNNetwork(
            (5, 5, channels),
            output_dim=6 * groups,
            filters=6 * groups,
            num_blocks=1,
            first_kernel_size=3,
            output_filters=3 * groups,
            num_classes=num_classes,
            channel_groups=groups,
        )
        # PixelCNN keeps the blind spot of masked 3x3 stacks.
        self.run_causality_test(
            network, sequential_channels=groups > 1, no_blind_spot=False
        )

    def test_blind_spot_exists(self):
        # Van den Oord et al. 2016b, figure 1: the masked stack misses the
        # pixels above-right of the predicted one.
        import tensorflow as tf

        network = PixelCNNNetwork(
            (7, 7, 1),
            output_dim=2,
            filters=4,
            num_blocks=2,
            first_kernel_size=3,
            output_filters=2,
        )
        images = tf.constant(np.random.uniform(-1, 1, (1, 7, 7, 1)), "float32")
        with tf.GradientTape() as tape:
            tape.watch(images)
            value = tf.reduce_sum(network(images)[0, 3, 3])
        gradient = np.abs(tape.gradient(value, images).numpy()[0, ..., 0])
        self.assertEqual(gradient[1, 6], 0.0)  # above-right: blind
        self.assertGreater(gradient[2, 4], 0.0)  # just above-right: seen

    def test_bad_arguments(self):
        with self.assertRaisesRegex(ValueError, "channel_groups"):
            PixelCNNNetwork((5, 5, 3), output_dim=6, channel_groups=2)
        with self.assertRaisesRegex(ValueError, "filters"):
            PixelCNNNetwork(
                (5, 5, 3), output_dim=6, filters=8, channel_groups=3
            )
