"""The PixelCNN network: masked convolutions with residual blocks."""

import keras
from keras import layers
from keras import ops

from kerasgen.layers.masked_conv2d import MaskedConv2D
from kerasgen.networks.autoregressive_network import AutoregressiveNetwork
from kerasgen.networks.autoregressive_network import PositionConvolutions
from kerasgen.networks.autoregressive_network import full_convolution
from kerasgen.utils import argument_validation as av


@keras.saving.register_keras_serializable(package="kerasgen")
class PixelCNNNetwork(AutoregressiveNetwork):
    """PixelCNN (van den Oord et al. 2016a, section 3.4 and figure 5).

    A `7 x 7` mask-A convolution, `num_blocks` residual blocks (ReLU,
    `1 x 1` to `filters / 2`, ReLU, `kernel_size` mask-B convolution, ReLU,
    `1 x 1` back to `filters`, plus the input), then ReLU, a `1 x 1`
    mask-B convolution of `output_filters`, ReLU and a `1 x 1` mask-B
    convolution to `output_dim`. Every convolution is masked per colour
    channel when `channel_groups = channels`. A class-conditional network
    adds a learned bias per class to every block's output.

    It has the blind spot of the original PixelCNN: the masked `3 x 3`
    stack never sees the pixels above-right of a growing triangle (the
    Gated PixelCNN removes it). `step` is the fast sampler's cached pass.

    Args:
        image_shape: tuple `(height, width, channels)`.
        output_dim: int. Parameters per pixel.
        filters: int. Width `h` of the residual stream (a multiple of
            `2 * channel_groups`). Defaults to 64.
        num_blocks: int. Residual blocks. Defaults to 6.
        kernel_size: int. Kernel of the blocks' masked convolutions.
            Defaults to 3.
        first_kernel_size: int. Kernel of the mask-A convolution. Defaults
            to 7.
        output_filters: int. Width of the output `1 x 1` layer. Defaults
            to 128.
        num_classes: int or `None`. Defaults to `None`.
        channel_groups: int. 1 or the image's channels. Defaults to 1.

    Example:
    >>> net = PixelCNNNetwork((8, 8, 1), output_dim=256, filters=8,
    ...                       num_blocks=1, output_filters=8)
    >>> tuple(net(keras.ops.zeros((2, 8, 8, 1))).shape)
    (2, 8, 8, 256)
    """

    def __init__(
        self,
        image_shape,
        output_dim,
        filters=64,
        num_blocks=6,
        kernel_size=3,
        first_kernel_size=7,
        output_filters=128,
        num_classes=None,
        channel_groups=1,
        **kwargs,
    ):
        image_shape, output_dim = self._check_common(
            image_shape, output_dim, num_classes, channel_groups
        )
        filters = av.check_positive_int("filters", filters)
        if filters % (2 * channel_groups):
            raise ValueError(
                f"filters must be a multiple of 2 * channel_groups "
                f"({2 * channel_groups}); received {filters}"
            )
        num_blocks = av.check_int("num_blocks", num_blocks, minimum=0)
        kernel_size = av.check_positive_int("kernel_size", kernel_size)
        first_kernel_size = av.check_positive_int(
            "first_kernel_size", first_kernel_size
        )
        output_filters = av.check_positive_int("output_filters", output_filters)
        if output_filters % channel_groups:
            raise ValueError(
                f"output_filters must be a multiple of channel_groups "
                f"({channel_groups}); received {output_filters}"
            )
        dtype = kwargs.pop("dtype", None)

        def conv(filters_, kernel, mask, name):
            return MaskedConv2D(
                filters_,
                kernel,
                mask_type=mask,
                channel_groups=channel_groups,
                name=name,
                dtype=dtype,
            )

        # === Layers ===
        self.first = conv(filters, first_kernel_size, "A", "conv_a")
        self.blocks = [
            (
                conv(filters // 2, 1, "B", f"block{b}_in"),
                conv(filters // 2, kernel_size, "B", f"block{b}_conv"),
                conv(filters, 1, "B", f"block{b}_out"),
            )
            for b in range(num_blocks)
        ]
        self.head = (
            conv(output_filters, 1, "B", "head"),
            conv(output_dim, 1, "B", "params"),
        )
        self.label_embedding = None
        if num_classes is not None:
            self.label_embedding = layers.Embedding(
                num_classes,
                filters * max(num_blocks, 1),
                embeddings_initializer="zeros",
                name="label_bias",
                dtype=dtype,
            )

        # === Functional model ===
        inputs, images, labels = self.symbolic_inputs(image_shape, num_classes)
        outputs = self._forward(images, labels, full_convolution, filters)
        super().__init__(inputs=inputs, outputs=outputs, dtype=dtype, **kwargs)

        # === Config ===
        self.image_shape = image_shape
        self.output_dim = output_dim
        self.filters = filters
        self.num_blocks = num_blocks
        self.kernel_size = kernel_size
        self.first_kernel_size = first_kernel_size
        self.output_filters = output_filters
        self.num_classes = num_classes
        self.channel_groups = channel_groups

    def _forward(self, images, labels, conv, filters=None):
        filters = filters or self.filters
        h = conv(self.first, images)
        biases = None
        if self.label_embedding is not None:
            biases = ops.reshape(
                self.label_embedding(labels),
                (-1, 1, 1, max(len(self.blocks), 1), filters),
            )
        for b, (inner, masked, outer) in enumerate(self.blocks):
            t = conv(inner, ops.relu(h))
            t = conv(masked, ops.relu(t))
            t = conv(outer, ops.relu(t))
            h = h + t
            if biases is not None:
                h = h + ops.cast(biases[..., b, :], h.dtype)
        h = conv(self.head[0], ops.relu(h))
        return conv(self.head[1], ops.relu(h))

    def _position(self, cache, images, index, labels):
        convolutions = PositionConvolutions(
            cache, images, index, self.image_shape[1]
        )
        params = self._forward(images, labels, convolutions)
        return params[:, 0, 0, :], convolutions.cache

    def init_cache(self, batch_size, labels=None):
        images = ops.zeros((batch_size,) + self.image_shape)
        return self._position(None, images, 0, labels)[1]

    def step(self, cache, images, index, labels=None):
        return self._position(cache, images, index, labels)
