"""PixelCNN++ (Salimans et al. 2017)."""

import keras

from kerasgen.models.autoregressive.autoregressive_model import (
    AutoregressiveModel,
)
from kerasgen.networks.pixel_cnn_plus_plus_network import (
    PixelCNNPlusPlusNetwork,
)


@keras.saving.register_keras_serializable(package="kerasgen")
class PixelCNNPlusPlus(AutoregressiveModel):
    """PixelCNN++: a discretized logistic mixture and a shifted two-stream net.

    Salimans et al. 2017, "PixelCNN++": each pixel is a mixture of
    `num_mixtures` discretized logistics (section 2.1), its colour channels
    linearly dependent within a component (section 2.2), so one network
    pass per pixel gives the joint distribution of its channels
    (`DiscretizedLogisticMixture`); the network (`PixelCNNPlusPlusNetwork`)
    replaces masked convolutions by down- and down-right-shifted ones, with
    downsampling, short-cut connections, gated ResNet blocks and dropout
    (sections 2.3-2.6). Sampling runs one cached step per pixel (see the
    network's `step`). See `AutoregressiveModel` for `log_prob`, training,
    `generate` and completion.

    Args:
        image_shape: tuple, 1 or 3 channels. Defaults to `(28, 28, 1)`.
        num_classes: int or `None`. Class-conditional when set (a learned
            bias per class in every gated block). Defaults to `None`.
        likelihood: `"logistic_mixture"` (default). `"categorical"` works
            on grayscale images only: the network never sees the channels of
            the pixel it predicts, so it cannot predict them one by one.
        num_mixtures: int. Logistic components. Defaults to 10 (the paper's;
            5 is enough for 28x28 grayscale).
        filters, num_resnet_blocks, num_resolutions, dropout: the
            `PixelCNNPlusPlusNetwork` arguments (defaults 32, 1, 3, 0.0,
            sized for 28x28 grayscale on a CPU; the paper's CIFAR-10 model:
            160, 5, 3, 0.5).
        network: a `PixelCNNPlusPlusNetwork` (or any `AutoregressiveNetwork`
            with `channel_groups=1`) instead of the arguments above.
        seed: int or `None`.

    Example:
    >>> import numpy as np
    >>> model = PixelCNNPlusPlus(image_shape=(4, 4, 1), num_mixtures=2,
    ...                          filters=4, num_resnet_blocks=1,
    ...                          num_resolutions=2)
    >>> model.compile()
    >>> x = np.random.randint(0, 256, (8, 4, 4, 1), dtype="uint8")
    >>> history = model.fit(x, epochs=1, batch_size=4, verbose=0)
    >>> model.generate(num_samples=2, seed=0).shape
    (2, 4, 4, 1)
    >>> model.log_prob(x[:2]).shape
    (2,)

    References:
        Salimans et al. 2017, "PixelCNN++: Improving the PixelCNN with
        Discretized Logistic Mixture Likelihood and Other Modifications".
    """

    network_class = PixelCNNPlusPlusNetwork
    default_likelihood = "logistic_mixture"
