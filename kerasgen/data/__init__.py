"""Input pipelines: `tf.data` datasets of images for kerasgen models."""

from kerasgen.data.image_dataset import image_dataset

__all__ = ["image_dataset"]
