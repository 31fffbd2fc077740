import os

import keras
import numpy as np
from PIL import Image

from kerasgen.callbacks import SampleGrid
from kerasgen.testing import TestCase
from kerasgen.testing import tiny_vae


class SampleGridTest(TestCase):
    def _vae(self):
        vae = tiny_vae()
        vae.compile(optimizer=keras.optimizers.Adam(1e-2))
        return vae

    def test_writes_a_grid_per_epoch_with_a_fixed_seed(self):
        vae = self._vae()
        directory = self.get_temp_dir()
        callback = SampleGrid(directory, num_samples=4, scale=1, seed=5)
        x = np.random.default_rng(0).integers(0, 256, (8, 8, 8, 1), "uint8")
        vae.fit(x, epochs=2, batch_size=4, callbacks=[callback], verbose=0)
        self.assertEqual(
            sorted(os.listdir(directory)),
            ["samples_epoch_001.png", "samples_epoch_002.png"],
        )
        grid = np.asarray(Image.open(callback.paths[-1]))
        expected = vae.generate(num_samples=4, seed=5)
        np.testing.assert_array_equal(grid[2:10, 2:10], expected[0, ..., 0])

    def test_ema_weights_are_used_when_swapped_first(self):
        vae = tiny_vae()
        vae.compile(
            optimizer=keras.optimizers.Adam(
                1e-2, use_ema=True, ema_momentum=0.5
            )
        )
        seen = []
        initial = vae.decoder.weights[0].numpy().copy()

        class Record(keras.callbacks.Callback):
            def on_epoch_end(self, epoch, logs=None):
                seen.append(self.model.decoder.weights[0].numpy().copy())

        x = np.random.default_rng(0).integers(0, 256, (8, 8, 8, 1), "uint8")
        vae.fit(
            x,
            epochs=1,
            batch_size=4,
            verbose=0,
            callbacks=[
                keras.callbacks.SwapEMAWeights(swap_on_epoch=True),
                Record(),
            ],
        )
        ema = vae.optimizer._model_variables_moving_average
        target = vae.decoder.weights[0]
        index = next(
            i for i, v in enumerate(vae.trainable_variables) if v is target
        )
        np.testing.assert_allclose(seen[0], ema[index].numpy(), rtol=1e-6)
        # What the callbacks saw is the EMA, not the raw weights (which
        # the swap moved into the optimizer's EMA slot).
        self.assertFalse(np.allclose(seen[0], initial))

    def test_grids_are_tensorboard_images_too(self):
        vae = self._vae()
        directory, log_dir = self.get_temp_dir(), self.get_temp_dir()
        callback = SampleGrid(directory, num_samples=4, log_dir=log_dir)
        x = np.random.default_rng(0).integers(0, 256, (8, 8, 8, 1), "uint8")
        vae.fit(x, epochs=2, batch_size=4, callbacks=[callback], verbose=0)
        summaries = _image_summaries(log_dir)
        self.assertEqual([(t, s) for t, s, _ in summaries], [
            ("samples", 1), ("samples", 2)
        ])  # fmt: skip
        # The summary is the PNG of the same epoch.
        png = np.asarray(Image.open(callback.paths[-1]))
        np.testing.assert_array_equal(summaries[-1][2][..., 0], png)

    def test_no_log_dir_writes_no_events(self):
        vae = self._vae()
        directory = self.get_temp_dir()
        callback = SampleGrid(directory, num_samples=4)
        x = np.zeros((4, 8, 8, 1), "uint8")
        vae.fit(x, epochs=1, batch_size=4, callbacks=[callback], verbose=0)
        self.assertEqual(os.listdir(directory), ["samples_epoch_001.png"])

    def test_bad_every_n_epochs(self):
        with self.assertRaisesRegex(ValueError, "every_n_epochs"):
            SampleGrid("x", every_n_epochs=0)


def _image_summaries(log_dir):
    """`[(tag, step, uint8 image)]` of the image summaries under log_dir."""
    import glob

    import tensorflow as tf

    found = []
    for path in sorted(glob.glob(os.path.join(log_dir, "events.*"))):
        for event in tf.compat.v1.train.summary_iterator(path):
            for value in event.summary.value:
                if value.metadata.plugin_data.plugin_name != "images":
                    continue
                # [width, height, png bytes...] of each image.
                encoded = tf.make_ndarray(value.tensor)[2]
                image = tf.io.decode_png(encoded).numpy()
                found.append((value.tag, event.step, image))
    return found
