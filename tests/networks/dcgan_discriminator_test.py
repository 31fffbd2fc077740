import keras
import numpy as np

from kerasgen.networks import DCGANDiscriminator
from kerasgen.testing import TestCase


class DCGANDiscriminatorTest(TestCase):
    def test_layer_contract(self):
        for normalization in (None, "batch", "layer"):
            self.run_layer_test(
                DCGANDiscriminator,
                {
                    "image_shape": (8, 8, 1),
                    "filters": (4, 8),
                    "normalization": normalization,
                    "dropout": 0.1,
                },
                np.random.uniform(-1, 1, (2, 8, 8, 1)).astype("float32"),
                (2, 1),
                run_mixed_precision=False,
            )

    def test_projection_layer_contract(self):
        self.run_layer_test(
            DCGANDiscriminator,
            {
                "image_shape": (8, 8, 3),
                "num_classes": 4,
                "filters": (4, 8),
                "pooling": "global_average",
            },
            {
                "images": np.random.uniform(-1, 1, (2, 8, 8, 3)).astype(
                    "float32"
                ),
                "labels": np.array([1, 2], "int32"),
            },
            (2, 1),
            run_mixed_precision=False,
        )

    def test_projection_is_inner_product_with_class_embedding(self):
        discriminator = DCGANDiscriminator(
            (8, 8, 1), num_classes=3, filters=(4,), pooling="global_max"
        )
        images = np.random.uniform(-1, 1, (3, 8, 8, 1)).astype("float32")
        labels = np.array([0, 1, 2], "int32")
        logits = keras.ops.convert_to_numpy(
            discriminator({"images": images, "labels": labels})
        )
        features = keras.Model(
            discriminator.inputs, discriminator.get_layer("pool").output
        )({"images": images, "labels": labels})
        features = keras.ops.convert_to_numpy(features)
        kernel, bias = discriminator.get_layer("logit").get_weights()
        embedding = discriminator.get_layer("class_embedding").get_weights()[0]
        expected = (
            features @ kernel[:, 0]
            + bias[0]
            + np.sum(features * embedding[labels], axis=-1)
        )
        np.testing.assert_allclose(logits[:, 0], expected, rtol=1e-5, atol=1e-5)

    def test_default_sizes(self):
        for size in (28, 32, 64):
            discriminator = DCGANDiscriminator((size, size, 3))
            logits = discriminator(np.zeros((2, size, size, 3), "float32"))
            self.assertEqual(tuple(logits.shape), (2, 1))

    def test_mixed_precision_keeps_float32_logits(self):
        discriminator = DCGANDiscriminator(
            (8, 8, 1), filters=(4,), dtype="mixed_bfloat16"
        )
        logits = discriminator(np.zeros((2, 8, 8, 1), "float32"))
        self.assertEqual(
            keras.backend.standardize_dtype(logits.dtype), "float32"
        )
        self.assertEqual(
            discriminator.get_layer("conv_0").compute_dtype, "bfloat16"
        )

    def test_bad_arguments(self):
        with self.assertRaisesRegex(ValueError, "pooling"):
            DCGANDiscriminator(pooling="sum")
        with self.assertRaisesRegex(ValueError, "normalization"):
            DCGANDiscriminator(normalization="instance")
        with self.assertRaisesRegex(ValueError, "dropout"):
            DCGANDiscriminator(dropout=1.0)
        with self.assertRaisesRegex(ValueError, "filters=None"):
            DCGANDiscriminator((16, 16, 1))
