"""Saves a grid of generated samples as PNG during training."""

import os

import keras

from kerasgen.callbacks.image_summary_writer import ImageSummaryWriter
from kerasgen.utils import argument_validation as av
from kerasgen.utils import image_utils


class SampleGrid(keras.callbacks.Callback):
    """Writes `model.generate(...)` with a fixed seed as a PNG every N epochs.

    With a fixed seed the grids of successive epochs show the same latents,
    so the pictures show how the model learns. To draw them with EMA weights
    put `keras.callbacks.SwapEMAWeights(swap_on_epoch=True)` *before* this
    callback in the list.

    Args:
        output_dir: str. Folder of the PNG files.
        num_samples: int. Images per grid. Defaults to 64.
        seed: int. Seed passed to `generate`. Defaults to 0.
        every_n_epochs: int. Defaults to 1.
        filename: str. Format string with `{epoch}` (1-based). Defaults to
            `"samples_epoch_{epoch:03d}.png"`.
        inputs: conditioning passed to `generate` (labels, prompts) or
            `None`: the model's `preview_images` (a class-conditional model
            cycles through its classes). Defaults to `None`.
        scale: int. Upscaling of the grid. Defaults to 2.
        log_dir: str or `None`. Also write each grid as a TensorBoard image
            summary (tag `samples`, step = epoch) to this folder, e.g. the
            `log_dir` of `keras.callbacks.TensorBoard`; needs TensorFlow.
            Defaults to `None` (PNG files only).
        **generate_kwargs: passed to `generate`.

    Example:
    >>> callback = SampleGrid("runs/vae/samples", num_samples=16)
    """

    def __init__(
        self,
        output_dir,
        num_samples=64,
        seed=0,
        every_n_epochs=1,
        filename="samples_epoch_{epoch:03d}.png",
        inputs=None,
        scale=2,
        log_dir=None,
        **generate_kwargs,
    ):
        super().__init__()
        av.check_positive_int("every_n_epochs", every_n_epochs)
        self.output_dir = output_dir
        self.num_samples = num_samples
        self.seed = seed
        self.every_n_epochs = every_n_epochs
        self.filename = filename
        self.inputs = inputs
        self.scale = scale
        self.log_dir = log_dir
        self.generate_kwargs = generate_kwargs
        self.paths = []
        self._summary = ImageSummaryWriter(log_dir)

    def on_epoch_end(self, epoch, logs=None):
        if (epoch + 1) % self.every_n_epochs:
            return
        if self.inputs is None and not self.generate_kwargs:
            # The model's own preview: a class-conditional model cycles
            # through its classes.
            images = self.model.preview_images(self.num_samples, self.seed)
        else:
            images = self.model.generate(
                self.inputs,
                num_samples=None
                if self.inputs is not None
                else self.num_samples,
                seed=self.seed,
                verbose=0,
                **self.generate_kwargs,
            )
        path = os.path.join(
            self.output_dir, self.filename.format(epoch=epoch + 1)
        )
        image_utils.save_image_grid(images, path, scale=self.scale)
        self.paths.append(path)
        self._summary.write("samples", path, epoch + 1)

    def on_train_end(self, logs=None):
        self._summary.close()
