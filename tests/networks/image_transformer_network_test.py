import numpy as np
from absl.testing import parameterized
from keras import ops

from kerasgen.networks.image_transformer_network import ImageTransformerNetwork
from kerasgen.testing import TestCase

TINY = dict(num_layers=1, num_heads=2, hidden_dim=8, intermediate_dim=16)
LOCAL = dict(query_block=4, memory=3, block_shape=(2, 2), memory_shape=(1, 1))


def tiny(shape=(5, 5, 1), groups=1, **kwargs):
    arguments = dict(TINY, **LOCAL)
    arguments.update(kwargs)
    return ImageTransformerNetwork(
        shape, output_dim=6 * groups, channel_groups=groups, **arguments
    )


class ImageTransformerNetworkTest(TestCase):
    @parameterized.named_parameters(
        ("grayscale", 1, 1, None, "learned"),
        ("rgb_per_channel", 3, 3, None, "learned"),
        ("rgb_joint_conditional", 3, 1, 4, "rotary"),
    )
    def test_full_attention_sees_exactly_the_past(
        self, channels, groups, num_classes, position_embedding
    ):
        # Exact zeros to later pixels (and own channels >= c), non-zero to
        # every earlier one; the cached step equals the full pass.
        network = tiny(
            (3, 3, channels) if channels == 3 else (4, 4, 1),
            groups,
            attention="full",
            num_classes=num_classes,
            position_embedding=position_embedding,
        )
        self.run_causality_test(
            network, sequential_channels=groups > 1, no_blind_spot=True
        )

    @parameterized.named_parameters(
        ("local_1d", "local_1d", 1, None),
        ("local_2d", "local_2d", 1, None),
        ("local_2d_rgb_conditional", "local_2d", 3, 3),
    )
    def test_local_attention_is_causal(self, attention, groups, num_classes):
        # 2 layers: the cached step threads a cache per layer.
        shape = (4, 4, 1) if groups == 1 else (3, 3, 3)
        network = tiny(
            shape,
            groups,
            attention=attention,
            num_classes=num_classes,
            num_layers=2,
        )
        self.run_causality_test(
            network, sequential_channels=groups > 1, no_blind_spot=False
        )

    def test_local_receptive_field(self):
        # One 1D-local layer sees its query block and `memory` positions;
        # each further layer reaches one block further back, so 3 layers of
        # blocks of 4 (memory 4) see all 15 pixels before the last one.
        import tensorflow as tf

        def blind(network):
            images = tf.constant(
                np.random.default_rng(0).uniform(-1, 1, (1, 4, 4, 1)),
                "float32",
            )
            with tf.GradientTape() as tape:
                tape.watch(images)
                value = tf.reduce_sum(network(images)[0, 3, 3])
            gradient = tape.gradient(value, images).numpy().reshape(-1)
            return int(np.sum(gradient[:15] == 0))

        sizes = dict(attention="local_1d", query_block=4, memory=4)
        self.assertEqual(blind(tiny((4, 4, 1), **sizes)), 7)
        self.assertEqual(blind(tiny((4, 4, 1), num_layers=3, **sizes)), 0)

    def test_class_token_reaches_every_pixel(self):
        # The class token is a prefix that local attention always sees.
        network = tiny(attention="local_2d", num_classes=3)
        images = np.random.default_rng(0).uniform(-1, 1, (2, 5, 5, 1))
        images = images.astype("float32")
        a = ops.convert_to_numpy(
            network({"images": images, "labels": np.array([0, 0])})
        )
        b = ops.convert_to_numpy(
            network({"images": images, "labels": np.array([2, 2])})
        )
        self.assertTrue(np.all(np.abs(a - b).max(axis=-1) > 0))

    def test_8_bit_values_read_their_own_vector(self):
        network = tiny((2, 2, 3), groups=3)
        levels = np.array([[0, 17, 255], [128, 3, 254]])
        pixels = (levels / 127.5 - 1.0).astype("float32")
        table = ops.convert_to_numpy(
            network.transformer.token_embedding.embeddings
        )
        expected = sum(table[c * 256 + levels[:, c]] for c in range(3))
        self.assertAllClose(
            network._pixel_embedding(pixels), expected, atol=1e-6
        )
        # Half-way between two levels: the mean of their vectors.
        half = np.array([[(10.5 / 127.5) - 1.0]], "float32")
        gray = tiny((2, 2, 1))
        table = ops.convert_to_numpy(
            gray.transformer.token_embedding.embeddings
        )
        self.assertAllClose(
            gray._pixel_embedding(half)[0],
            (table[10] + table[11]) / 2,
            atol=1e-6,
        )

    def test_config_and_bad_arguments(self):
        network = tiny((4, 4, 3), groups=3, num_classes=2, attention="local_2d")
        restored = ImageTransformerNetwork.from_config(network.get_config())
        self.assertEqual(restored.get_config(), network.get_config())
        self.assertEqual(len(restored.weights), len(network.weights))
        with self.assertRaisesRegex(ValueError, "channel_groups"):
            tiny((5, 5, 3), groups=2)
        with self.assertRaisesRegex(ValueError, "num_heads"):
            tiny(hidden_dim=9)
        with self.assertRaisesRegex(ValueError, "attention"):
            tiny(attention="strided")
        with self.assertRaisesRegex(ValueError, "block_shape"):
            tiny(attention="local_2d", block_shape=(2, 0))
