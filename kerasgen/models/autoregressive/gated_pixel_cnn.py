"""Gated PixelCNN (van den Oord et al. 2016b)."""

import keras

from kerasgen.models.autoregressive.autoregressive_model import (
    AutoregressiveModel,
)
from kerasgen.networks.gated_pixel_cnn_network import GatedPixelCNNNetwork


@keras.saving.register_keras_serializable(package="kerasgen")
class GatedPixelCNN(AutoregressiveModel):
    """Gated PixelCNN: gated vertical and horizontal stacks, no blind spot.

    van den Oord et al. 2016, "Conditional Image Generation with PixelCNN
    Decoders": the PixelCNN with gated activation units (equation 2), a
    vertical stack over the rows above and a horizontal stack over the
    pixels to the left (figure 2), so that every pixel sees all the pixels
    before it, and class conditioning by a learned bias per class in every
    layer (equation 4). `GatedPixelCNNNetwork` is the architecture;
    sampling runs its cached step (the vertical stack once per row, the
    horizontal stack once per pixel). See `AutoregressiveModel` for
    `log_prob`, training, `generate` and completion.

    The network's spatial conditioning (`conditioning_channels`, equation
    5) is not wired into the model yet: the model takes no conditioning
    map, and its architecture arguments leave it out.

    Args:
        image_shape: tuple. Defaults to `(28, 28, 1)`.
        num_classes: int or `None`. Class-conditional when set: `fit` on
            `(images, labels)`, `generate(labels)`. Defaults to `None`.
        likelihood: `"categorical"` (default) or `"logistic_mixture"`.
        filters, num_layers, kernel_size, first_kernel_size,
        output_filters: the `GatedPixelCNNNetwork` arguments (defaults 16,
            8, 5, 7, 64: sized for about 20 minutes of training on
            28x28 images on 2 CPU cores; the receptive field then reaches
            17 rows up and 17 columns either side).
        network: a `GatedPixelCNNNetwork` (or any `AutoregressiveNetwork`)
            instead of the arguments above.
        label_dropout: float in `[0, 1)`. Trains a null class too, for
            `generate(labels, guidance_scale=s)` (classifier-free guidance,
            see `AutoregressiveModel`). Defaults to 0.
        seed: int or `None`.

    Example:
    >>> import numpy as np
    >>> model = GatedPixelCNN(image_shape=(4, 4, 1), num_classes=3,
    ...                       filters=8, num_layers=2, kernel_size=3,
    ...                       first_kernel_size=3, output_filters=8)
    >>> model.compile()
    >>> x = np.random.randint(0, 256, (8, 4, 4, 1), dtype="uint8")
    >>> labels = np.arange(8) % 3
    >>> history = model.fit(x, labels, epochs=1, batch_size=4, verbose=0)
    >>> model.generate(np.array([0, 1, 2]), seed=0).shape
    (3, 4, 4, 1)
    >>> model.log_prob(x[:2], labels[:2]).shape
    (2,)

    References:
        van den Oord, Kalchbrenner, Vinyals, Espeholt, Graves, Kavukcuoglu,
        "Conditional Image Generation with PixelCNN Decoders", NeurIPS 2016.
    """

    network_class = GatedPixelCNNNetwork

    @classmethod
    def _network_arguments(cls):
        # The model passes no spatial conditioning map (see above).
        return tuple(
            name
            for name in super()._network_arguments()
            if name != "conditioning_channels"
        )
