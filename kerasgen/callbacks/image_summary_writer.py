"""Writes PNG grids as TensorBoard image summaries."""


class ImageSummaryWriter:
    """Writes PNG grids as TensorBoard image summaries (TensorFlow only).

    Args:
        log_dir: str or `None`. Folder of the events file; `None` writes
            nothing. Without TensorFlow installed nothing is written either.
    """

    def __init__(self, log_dir):
        self.log_dir = log_dir
        self._writer = None

    def write(self, tag, png_path, step):
        """Adds the image of `png_path` under `tag` at `step`."""
        if self.log_dir is None:
            return
        try:
            import tensorflow as tf
        except ImportError:  # TensorBoard summaries need TensorFlow
            return
        import numpy as np
        from PIL import Image

        with Image.open(png_path) as image:
            grid = np.asarray(image)
        if grid.ndim == 2:
            grid = grid[..., None]
        if self._writer is None:
            self._writer = tf.summary.create_file_writer(self.log_dir)
        # On the host: the callback may run inside a distribution scope.
        with tf.init_scope(), self._writer.as_default():
            tf.summary.image(tag, grid[None], step=int(step))
        self._writer.flush()

    def close(self):
        if self._writer is not None:
            self._writer.close()
            self._writer = None
