import json

import keras
import numpy as np

from kerasgen.networks import FashionMNISTClassifier
from kerasgen.testing import TestCase

TINY = {
    "image_shape": (8, 8, 1),
    "num_classes": 3,
    "stem_filters": 4,
    "filters": (4, 8),
    "convs_per_block": 2,
    "feature_dim": 6,
}


class FashionMNISTClassifierTest(TestCase):
    def test_outputs_and_config_round_trip(self):
        classifier = FashionMNISTClassifier(**TINY)
        images = np.random.uniform(-1, 1, (2, 8, 8, 1)).astype("float32")
        outputs = classifier(images)
        self.assertEqual(sorted(outputs), ["features", "logits"])
        self.assertEqual(tuple(outputs["features"].shape), (2, 6))
        self.assertEqual(tuple(outputs["logits"].shape), (2, 3))
        features = keras.ops.convert_to_numpy(outputs["features"])
        self.assertTrue(np.all(features >= 0.0))  # after the ReLU
        config = classifier.get_config()
        restored = FashionMNISTClassifier.from_config(
            json.loads(json.dumps(config))
        )
        self.assertEqual(
            json.loads(json.dumps(restored.get_config())),
            json.loads(json.dumps(config)),
        )
        restored.set_weights(classifier.get_weights())
        self.assertAllClose(restored(images)["logits"], outputs["logits"])

    def test_trains_every_weight_through_the_logits(self):
        # 16x16 so that every ReLU and pooling stays non-linear: with 1x1
        # maps before the flatten, a beta feeding the feature batch norm
        # only shifts all samples alike and gets no gradient.
        keras.utils.set_random_seed(0)
        kwargs = {**TINY, "image_shape": (16, 16, 1)}
        classifier = FashionMNISTClassifier(**kwargs)
        model = keras.Model(classifier.input, classifier.output["logits"])
        model.compile(
            optimizer=keras.optimizers.SGD(0.1),
            loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
            jit_compile=False,
        )
        before = [w.numpy().copy() for w in classifier.trainable_weights]
        images = np.random.uniform(-1, 1, (16, 16, 16, 1)).astype("float32")
        labels = np.arange(16) % 3
        logs = model.fit(images, labels, batch_size=16, verbose=0).history
        self.assertTrue(np.isfinite(logs["loss"][0]))
        after = [w.numpy() for w in classifier.trainable_weights]
        frozen = [
            w.path
            for w, b, a in zip(classifier.trainable_weights, before, after)
            if np.allclose(b, a)
        ]
        self.assertFalse(frozen, f"weights that did not train: {frozen}")

    def test_inference_is_deterministic(self):
        classifier = FashionMNISTClassifier(**TINY)
        images = np.random.uniform(-1, 1, (4, 8, 8, 1)).astype("float32")
        first = classifier(images, training=False)["features"]
        self.assertAllClose(
            classifier(images, training=False)["features"], first
        )

    def test_mixed_precision(self):
        classifier = FashionMNISTClassifier(**TINY, dtype="mixed_bfloat16")
        outputs = classifier(np.zeros((2, 8, 8, 1), "float32"))
        self.assertEqual(
            keras.backend.standardize_dtype(outputs["logits"].dtype),
            "bfloat16",
        )
        for weight in classifier.weights:
            self.assertEqual(weight.dtype, "float32")

    def test_bad_arguments_are_refused_by_name(self):
        for kwargs, match in (
            ({"filters": (4, 0)}, r"filters must be a tuple of ints >= 1"),
            ({"stem_filters": 0}, "stem_filters must be an int >= 1"),
            ({"stem_strides": 3}, r"stem_strides must be an int in \[1, 2\]"),
            ({"feature_dim": 0}, "feature_dim must be an int >= 1"),
            ({"convs_per_block": 1.5}, "convs_per_block must be an int >= 1"),
            ({"dropout_rate": 1.0}, "dropout_rate must be a finite"),
            ({"image_shape": (8, 8)}, "image_shape must be"),
        ):
            with self.assertRaisesRegex(ValueError, match):
                FashionMNISTClassifier(**{**TINY, **kwargs})

    def test_default_sizes(self):
        classifier = FashionMNISTClassifier()
        outputs = classifier.output
        self.assertEqual(tuple(outputs["features"].shape), (None, 128))
        self.assertEqual(tuple(outputs["logits"].shape), (None, 10))
        # 28 -> 14 (stem and pooling) -> 7 -> 4: 4 * 4 * 128 values.
        flatten = classifier.get_layer("flatten").output
        self.assertEqual(tuple(flatten.shape), (None, 2048))
        strided = FashionMNISTClassifier(stem_strides=2, stem_kernel_size=5)
        self.assertNotIn("stem_pool", [layer.name for layer in strided.layers])
        flatten = strided.get_layer("flatten").output
        self.assertEqual(tuple(flatten.shape), (None, 2048))
