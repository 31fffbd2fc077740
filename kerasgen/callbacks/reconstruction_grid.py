"""Saves originals and their reconstructions as a PNG grid during training."""

import os

import keras

from kerasgen.callbacks.image_summary_writer import ImageSummaryWriter
from kerasgen.utils import argument_validation as av
from kerasgen.utils import image_utils


class ReconstructionGrid(keras.callbacks.Callback):
    """Writes fixed images over `model.predict(images)` every N epochs.

    For models whose `call` in inference returns reconstructions (the
    `VAE`, the image tokenizers `VQVAE`, `DiscreteVAE` and `VQGAN`). Each
    grid has `2 * rows` rows: a row of originals, then the row of their
    reconstructions, and so on; the same images every epoch, so the
    pictures show how reconstruction improves. For an `ImageTokenizer` the
    reconstruction is `detokenize(tokenize(images))`, so the grid shows
    what the tokens keep.

    Args:
        output_dir: str. Folder of the PNG files.
        images: uint8 `(n, height, width, channels)` in `[0, 255]` or float
            in `[-1, 1]`, `n >= 1`.
        images_per_row: int >= 1. Defaults to 8.
        every_n_epochs: int >= 1. Defaults to 1.
        filename: str. Format string with `{epoch}` (1-based). Defaults to
            `"reconstructions_epoch_{epoch:03d}.png"`.
        scale: int. Upscaling of the grid. Defaults to 2.
        log_dir: str or `None`. Also write each grid as a TensorBoard image
            summary (tag `reconstructions`, step = epoch) to this folder;
            needs TensorFlow. Defaults to `None` (PNG files only).

    Example:
    >>> from kerasgen.datasets import fashion_mnist
    >>> (_, _), (x_test, _) = fashion_mnist.load_data()
    >>> callback = ReconstructionGrid("runs/recon", x_test[:32, ..., None])
    """

    def __init__(
        self,
        output_dir,
        images,
        images_per_row=8,
        every_n_epochs=1,
        filename="reconstructions_epoch_{epoch:03d}.png",
        scale=2,
        log_dir=None,
    ):
        super().__init__()
        av.check_positive_int("images_per_row", images_per_row)
        av.check_positive_int("every_n_epochs", every_n_epochs)
        images = image_utils.validate_images(images, name="images")
        if not len(images):
            raise ValueError(
                "images must hold at least one image; received shape "
                f"{images.shape}"
            )
        self.output_dir = output_dir
        self.images = images
        self.images_per_row = images_per_row
        self.every_n_epochs = every_n_epochs
        self.filename = filename
        self.scale = scale
        self.log_dir = log_dir
        self.paths = []
        self._summary = ImageSummaryWriter(log_dir)

    def reconstruction_rows(self):
        """The grid's images: rows of originals over their reconstructions."""
        reconstructions = self.model.predict(
            self.images, batch_size=len(self.images), verbose=0
        )
        return image_utils.interleave_rows(
            image_utils.float_to_uint8(self.images),
            image_utils.float_to_uint8(reconstructions),
            self.images_per_row,
        )

    def save(self, path):
        """Writes the current grid to `path` and returns the path."""
        grid = self.reconstruction_rows()
        return image_utils.save_image_grid(
            grid,
            path,
            num_rows=len(grid) // self.images_per_row,
            scale=self.scale,
        )

    def on_epoch_end(self, epoch, logs=None):
        if (epoch + 1) % self.every_n_epochs:
            return
        path = os.path.join(
            self.output_dir, self.filename.format(epoch=epoch + 1)
        )
        self.paths.append(self.save(path))
        self._summary.write("reconstructions", path, epoch + 1)

    def on_train_end(self, logs=None):
        self._summary.close()
