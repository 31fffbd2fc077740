import os

import keras
import numpy as np
import pytest
from PIL import Image

from kerasgen.callbacks import ReconstructionGrid
from kerasgen.models import VQVAE
from kerasgen.testing import TestCase
from kerasgen.testing import tiny_vae

IMAGES = np.random.default_rng(0).integers(0, 256, (8, 8, 8, 1), "uint8")


def _tile(grid, row, col, size=8, padding=2):
    top = padding + row * (size + padding)
    left = padding + col * (size + padding)
    return grid[top : top + size, left : left + size]


class ReconstructionGridTest(TestCase):
    def test_rows_of_originals_over_reconstructions_every_epoch(self):
        vae = tiny_vae()
        vae.compile(optimizer=keras.optimizers.Adam(1e-2))
        directory = self.get_temp_dir()
        callback = ReconstructionGrid(
            directory, IMAGES[:5], images_per_row=3, scale=1
        )
        vae.fit(IMAGES, epochs=2, batch_size=4, callbacks=[callback], verbose=0)
        self.assertEqual(
            sorted(os.listdir(directory)),
            ["reconstructions_epoch_001.png", "reconstructions_epoch_002.png"],
        )
        grid = np.asarray(Image.open(callback.paths[-1]))
        # 5 images, 3 a row: rows originals 0-2, recons 0-2, originals 3-4,
        # recons 3-4; the sixth cell of each pair is white.
        self.assertEqual(grid.shape, (2 + 4 * 10, 2 + 3 * 10))
        recons = np.round(
            (np.clip(vae.predict(IMAGES[:5], verbose=0), -1, 1) + 1) * 127.5
        ).astype("uint8")
        for index in range(5):
            pair, col = divmod(index, 3)
            np.testing.assert_array_equal(
                _tile(grid, 2 * pair, col), IMAGES[index, ..., 0]
            )
            np.testing.assert_array_equal(
                _tile(grid, 2 * pair + 1, col), recons[index, ..., 0]
            )
        self.assertTrue(np.all(_tile(grid, 3, 2) == 255))
        self.assertFalse(np.array_equal(recons, IMAGES[:5]))

    def test_grids_are_tensorboard_images_too(self):
        vae = tiny_vae()
        vae.compile(optimizer=keras.optimizers.Adam(1e-2))
        directory, log_dir = self.get_temp_dir(), self.get_temp_dir()
        callback = ReconstructionGrid(
            directory, IMAGES[:4], images_per_row=2, scale=1, log_dir=log_dir
        )
        vae.fit(IMAGES, epochs=1, batch_size=4, callbacks=[callback], verbose=0)
        ((tag, step, image),) = _image_summaries(log_dir)
        self.assertEqual((tag, step), ("reconstructions", 1))
        png = np.asarray(Image.open(callback.paths[-1]))
        np.testing.assert_array_equal(image[..., 0], png)

    def test_tokenizer_grid_shows_detokenized_tokens(self):
        model = VQVAE(
            image_shape=(8, 8, 1),
            latent_dim=3,
            codebook_size=8,
            filters=(4, 8),
            num_groups=2,
            seed=0,
        )
        callback = ReconstructionGrid(
            self.get_temp_dir(), IMAGES[:4].astype("float32") / 127.5 - 1
        )
        callback.set_model(model)
        rows = callback.reconstruction_rows()
        expected = model.detokenize(model.tokenize(IMAGES[:4]))
        expected = np.round((np.clip(expected, -1, 1) + 1) * 127.5)
        np.testing.assert_array_equal(rows[:4], IMAGES[:4])
        np.testing.assert_array_equal(rows[8:12], expected.astype("uint8"))


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(images=IMAGES[:0]), "at least one image"),
        (dict(images=IMAGES[0]), "rank 4"),
        (dict(images=IMAGES * 2.0), r"\[-1, 1\]"),
        (dict(images_per_row=0), "images_per_row"),
        (dict(every_n_epochs=1.5), "every_n_epochs"),
    ],
)
def test_bad_arguments_are_refused_by_name(kwargs, match):
    kwargs = {"images": IMAGES, **kwargs}
    with pytest.raises(ValueError, match=match):
        ReconstructionGrid("unused", **kwargs)


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
