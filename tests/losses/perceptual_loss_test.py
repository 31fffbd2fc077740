import json

import keras
import numpy as np
import pytest

from kerasgen.losses import PerceptualLoss
from kerasgen.testing import TestCase


def _images(seed, n=4):
    rng = np.random.default_rng(seed)
    return rng.uniform(-1, 1, (n, 28, 28, 1)).astype("float32")


class PerceptualLossTest(TestCase):
    def test_fmnist_features_distance(self):
        loss = PerceptualLoss.fmnist_features()
        self.assertFalse(loss.trainable_weights)
        x, y = _images(0), _images(1)
        same = np.asarray(loss(x, x))
        self.assertEqual(same.shape, (4,))
        self.assertAllClose(same, np.zeros(4), atol=1e-6)
        self.assertAllClose(loss(x, y), loss(y, x), rtol=1e-5)
        # A small change is nearer than an unrelated image.
        near = np.asarray(loss(x, np.clip(x + 0.05, -1, 1)))
        far = np.asarray(loss(x, y))
        self.assertTrue(np.all(near < far))
        # The formula, from the feature maps.
        real, fake = loss.network(x), loss.network(y)
        expected = 0.0
        for r, f in zip(real, fake):
            r = np.asarray(r) / (
                np.linalg.norm(r, axis=-1, keepdims=True) + 1e-10
            )
            f = np.asarray(f) / (
                np.linalg.norm(f, axis=-1, keepdims=True) + 1e-10
            )
            expected += np.sum((r - f) ** 2, axis=-1).mean(axis=(1, 2))
        self.assertAllClose(far, expected, rtol=1e-4)

    def test_gradient_reaches_the_images(self):
        import tensorflow as tf

        loss = PerceptualLoss.fmnist_features()
        x = tf.Variable(_images(0))
        with tf.GradientTape() as tape:
            value = keras.ops.sum(loss(_images(1), x))
        self.assertGreater(float(tf.norm(tape.gradient(value, x))), 0.0)

    def test_vgg16_structure_and_serialization(self):
        loss = PerceptualLoss.vgg16(weights=None)
        self.assertEqual(len(loss.network.outputs), 5)
        x, y = _images(0, 2), _images(1, 2)
        value = np.asarray(loss(x, y))
        self.assertEqual(value.shape, (2,))
        config = json.loads(
            json.dumps(keras.saving.serialize_keras_object(loss))
        )
        restored = keras.saving.deserialize_keras_object(config)
        restored.set_weights(loss.get_weights())
        self.assertAllClose(restored(x, y), value, rtol=1e-5)

    def test_rejects_bad_arguments(self):
        network = PerceptualLoss.fmnist_features().network
        with pytest.raises(ValueError, match="preprocessing must be one of"):
            PerceptualLoss(network, preprocessing="imagenet")
        with pytest.raises(ValueError, match="network must be a keras.Model"):
            PerceptualLoss("vgg")
        with pytest.raises(ValueError, match="resize_to"):
            PerceptualLoss(network, resize_to=(0, 4))
        with pytest.raises(ValueError, match="layer_names must name layers"):
            PerceptualLoss.fmnist_features(layer_names=("no_such_layer",))
