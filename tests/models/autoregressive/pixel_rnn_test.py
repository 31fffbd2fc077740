"""PixelRNN: the model contract with both LSTM cells."""

import numpy as np

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
        self.run_distribution_test(lambda: tiny("row_lstm"), _images())

    def test_diagonal_bilstm_sampling_is_consistent(self):
        # RGB (one step per channel; the right-to-left states of a row
        # computed at the next row's start) and class-conditional.
        model = tiny(image_shape=(3, 3, 3), num_classes=3)
        embedding = model.network.label_embedding.embeddings
        embedding.assign(np.random.default_rng(0).normal(size=embedding.shape))
        # Without XLA here (the contract test samples with it): half the
        # compile time of this tiny model.
        model.generate_jit_compile = False
        labels = np.array([0, 2, 1])
        self.assert_sampling_is_consistent(model, labels)

    def test_row_lstm_sampling_is_consistent(self):
        self.assert_sampling_is_consistent(
            tiny("row_lstm", image_shape=(3, 3, 3)), None
        )

    def test_bad_cell(self):
        with self.assertRaisesRegex(ValueError, "cell must be one of"):
            tiny("gru")
