import keras
import numpy as np

from kerasgen.networks import DCGANGenerator
from kerasgen.testing import TestCase


class DCGANGeneratorTest(TestCase):
    def test_layer_contract(self):
        self.run_layer_test(
            DCGANGenerator,
            {"image_shape": (8, 8, 1), "latent_dim": 3, "filters": (8, 4)},
            np.random.normal(size=(2, 3)).astype("float32"),
            (2, 8, 8, 1),
            run_mixed_precision=False,
        )

    def test_conditional_layer_contract(self):
        self.run_layer_test(
            DCGANGenerator,
            {
                "image_shape": (8, 8, 3),
                "latent_dim": 3,
                "num_classes": 4,
                "filters": (8, 4),
                "label_embedding_dim": 2,
            },
            {
                "latents": np.random.normal(size=(2, 3)).astype("float32"),
                "labels": np.array([0, 3], "int32"),
            },
            (2, 8, 8, 3),
            run_mixed_precision=False,
        )

    def test_default_sizes_and_range(self):
        for size, start in ((28, 7), (32, 8), (64, 8)):
            generator = DCGANGenerator((size, size, 3), latent_dim=5)
            images = generator(np.random.normal(size=(2, 5)) * 10)
            self.assertEqual(tuple(images.shape), (2, size, size, 3))
            images = keras.ops.convert_to_numpy(images)
            self.assertLessEqual(np.abs(images).max(), 1.0)
            self.assertEqual(
                generator.get_layer("reshape").output.shape[1:3],
                (start, start),
            )

    def test_labels_change_the_image(self):
        generator = DCGANGenerator(
            (8, 8, 1), latent_dim=3, num_classes=3, filters=(8, 4)
        )
        latents = np.ones((3, 3), "float32")
        images = keras.ops.convert_to_numpy(
            generator({"latents": latents, "labels": np.arange(3)})
        )
        self.assertFalse(np.allclose(images[0], images[1]))

    def test_mixed_precision_keeps_float32_images(self):
        generator = DCGANGenerator(
            (8, 8, 1), latent_dim=3, filters=(8, 4), dtype="mixed_bfloat16"
        )
        images = generator(np.zeros((2, 3), "float32"))
        self.assertEqual(
            keras.backend.standardize_dtype(images.dtype), "float32"
        )
        self.assertEqual(
            generator.get_layer("deconv_0").compute_dtype, "bfloat16"
        )

    def test_bad_arguments(self):
        with self.assertRaisesRegex(ValueError, "divisible"):
            DCGANGenerator((10, 10, 1), filters=(8, 8, 8))
        with self.assertRaisesRegex(ValueError, "filters=None"):
            DCGANGenerator((16, 16, 1))
        with self.assertRaisesRegex(ValueError, "normalization"):
            DCGANGenerator((28, 28, 1), normalization="group")
