"""PixelRNN: the model contract with both LSTM cells."""

import numpy as np
from absl.testing import parameterized

from kerasgen.models.autoregressive.pixel_rnn import PixelRNN
from kerasgen.networks.pixel_rnn_network import PixelRNNNetwork
from kerasgen.testing import TestCase

TINY = dict(hidden_dim=3, num_layers=1, first_kernel_size=3, output_filters=6)


def _images(n=4, shape=(4, 4, 1), seed=0):
    rng = np.random.default_rng(seed)
    return rng.integers(0, 256, (n,) + shape, dtype="uint8")


def tiny(cell="diagonal_bilstm", **kwargs):
    kwargs = dict(dict(image_shape=(4, 4, 1), seed=0, **TINY), **kwargs)
    return PixelRNN(cell=cell, **kwargs)


class PixelRNNTest(TestCase):
    def test_generative_model_contract(self):
        model = self.run_generative_model_test(
            PixelRNN,
            dict(image_shape=(4, 4, 1), seed=0, cell="diagonal_bilstm", **TINY),
            train_data=_images(),
            expected_output_shape=(4, 4, 4, 256),
        )
        self.assertIsInstance(model.network, PixelRNNNetwork)
        self.assertEqual(model.network.cell, "diagonal_bilstm")

    def test_row_lstm_trains(self):
        # The cheaper check of the other cell: a fit step changes every
        # weight and gives a finite loss; the config keeps the cell.
        model = tiny("row_lstm")
        model.compile()
        before = [w.numpy().copy() for w in model.network.trainable_weights]
        logs = model.fit(_images(), batch_size=4, verbose=0).history
        self.assertTrue(np.isfinite(logs["loss"][0]))
        for old, new in zip(before, model.network.trainable_weights):
            self.assertFalse(np.allclose(old, new.numpy()), new.path)
        restored = PixelRNN.from_config(model.get_config())
        self.assertEqual(restored.network.cell, "row_lstm")

    def test_distribution(self):
        self.run_distribution_test(tiny, _images())

    @parameterized.named_parameters(
        ("diagonal_bilstm_gray", "diagonal_bilstm", (4, 4, 1)),
        ("diagonal_bilstm_rgb", "diagonal_bilstm", (3, 3, 3)),
        ("row_lstm_gray", "row_lstm", (4, 4, 1)),
        ("row_lstm_rgb", "row_lstm", (3, 3, 3)),
    )
    def test_sampling_is_consistent(self, cell, shape):
        model = tiny(cell, image_shape=shape)
        cached = model.generate(num_samples=3, seed=1, return_log_prob=True)
        uncached = model.generate(
            num_samples=3, seed=1, cache=False, return_log_prob=True
        )
        np.testing.assert_array_equal(cached["images"], uncached["images"])
        # log p(x) of the sampled image == the sum of its choices' log p.
        np.testing.assert_allclose(
            model.log_prob(cached["images"]), cached["log_prob"], rtol=1e-4
        )

    def test_class_conditional_cached_sampling(self):
        model = tiny(num_classes=3)
        embedding = model.network.label_embedding.embeddings
        embedding.assign(np.random.default_rng(0).normal(size=embedding.shape))
        labels = np.array([0, 2])
        cached = model.generate(labels, seed=0, return_log_prob=True)
        uncached = model.generate(labels, seed=0, cache=False)
        np.testing.assert_array_equal(cached["images"], uncached)
        np.testing.assert_allclose(
            model.log_prob(cached["images"], labels),
            cached["log_prob"],
            rtol=1e-4,
        )

    def test_bad_cell(self):
        with self.assertRaisesRegex(ValueError, "cell must be one of"):
            tiny("gru")
