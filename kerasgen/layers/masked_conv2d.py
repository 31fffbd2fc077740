"""A convolution masked so that each output sees only earlier pixels."""

import keras
import numpy as np
from keras import ops

from kerasgen.utils import argument_validation as av

_MASK_TYPES = ("A", "B")


def causal_mask(kernel_size, in_channels, out_channels, mask_type, groups=1):
    """The 0/1 mask `(kh, kw, in, out)` of a PixelCNN convolution.

    Raster order: taps on rows above the centre and on the centre row left
    of the centre are kept; taps right of or below the centre are zeroed.
    At the centre tap, channels are split into `groups` contiguous groups
    (the image's colour channels, R before G before B; van den Oord et al.
    2016, figure 2): output group `g` sees input groups `< g` (mask "A",
    the first layer, which must not see the pixel it predicts) or `<= g`
    (mask "B", every later layer).

    Args:
        kernel_size: tuple `(kh, kw)`, both odd.
        in_channels: int, a multiple of `groups`.
        out_channels: int, a multiple of `groups`.
        mask_type: `"A"` or `"B"`.
        groups: int. Colour channels of the image. Defaults to 1.

    Returns:
        float32 NumPy array `(kh, kw, in_channels, out_channels)`.
    """
    kh, kw = kernel_size
    mask = np.ones((kh, kw, in_channels, out_channels), "float32")
    ch, cw = kh // 2, kw // 2
    mask[ch, cw + 1 :] = 0.0
    mask[ch + 1 :] = 0.0
    in_group = np.arange(in_channels) // (in_channels // groups)
    out_group = np.arange(out_channels) // (out_channels // groups)
    if mask_type == "A":
        centre = in_group[:, None] < out_group[None, :]
    else:
        centre = in_group[:, None] <= out_group[None, :]
    mask[ch, cw] = centre.astype("float32")
    return mask


@keras.saving.register_keras_serializable(package="kerasgen")
class MaskedConv2D(keras.layers.Conv2D):
    """A "same" convolution whose kernel is masked for raster-order causality.

    The PixelCNN convolution (van den Oord et al. 2016, "Pixel Recurrent
    Neural Networks", section 3.4): output pixel `(i, j)` sees input pixels
    above it and to its left; mask `"A"` (the first layer) also hides the
    centre pixel, mask `"B"` (later layers) keeps it. With
    `channel_groups=3` the centre tap is masked per colour channel (R
    before G before B), so an RGB model predicts G given R and B given R
    and G of the same pixel.

    Besides the full convolution, `call_at(patch)` computes one output
    position from its `kernel_size` input patch: the fast sampler
    (Ramachandran et al. 2017) runs each layer on the new pixel only.

    Args:
        filters: int. Output channels, a multiple of `channel_groups`.
        kernel_size: int or tuple of two odd ints.
        mask_type: `"A"` or `"B"`. Defaults to `"B"`.
        channel_groups: int. Colour channels of the image (1 or 3); input
            and output channels are split into that many contiguous
            groups. Defaults to 1.
        **kwargs: other `keras.layers.Conv2D` arguments (`activation`,
            `use_bias`, initializers...); `padding` is always `"same"`,
            `strides` and `dilation_rate` 1.

    Example:
    >>> layer = MaskedConv2D(4, 3, mask_type="A")
    >>> tuple(layer(keras.ops.zeros((1, 5, 5, 1))).shape)
    (1, 5, 5, 4)
    >>> layer.mask[:, :, 0, 0].astype(int).tolist()
    [[1, 1, 1], [1, 0, 0], [0, 0, 0]]
    """

    def __init__(
        self,
        filters,
        kernel_size,
        mask_type="B",
        channel_groups=1,
        **kwargs,
    ):
        for name in ("strides", "dilation_rate", "groups"):
            if name in kwargs:
                value = kwargs.pop(name)
                if value not in (1, (1, 1)):
                    raise ValueError(
                        f"MaskedConv2D supports {name}=1 only; received "
                        f"{value!r}"
                    )
        padding = kwargs.pop("padding", "same")
        if padding != "same":
            raise ValueError(
                f"MaskedConv2D pads 'same' only; received padding={padding!r}"
            )
        av.check_choice("mask_type", mask_type, _MASK_TYPES)
        channel_groups = av.check_positive_int("channel_groups", channel_groups)
        filters = av.check_positive_int("filters", filters)
        if filters % channel_groups:
            raise ValueError(
                f"filters must be a multiple of channel_groups="
                f"{channel_groups}; received {filters}"
            )
        super().__init__(filters, kernel_size, padding="same", **kwargs)
        if any(size % 2 == 0 for size in self.kernel_size):
            raise ValueError(
                "kernel_size must be odd (the centre tap is the pixel); "
                f"received {self.kernel_size}"
            )
        self.mask_type = mask_type
        self.channel_groups = channel_groups

    def build(self, input_shape):
        in_channels = input_shape[-1]
        if in_channels % self.channel_groups:
            raise ValueError(
                f"MaskedConv2D input channels ({in_channels}) must be a "
                f"multiple of channel_groups={self.channel_groups}"
            )
        self.mask = causal_mask(
            self.kernel_size,
            in_channels,
            self.filters,
            self.mask_type,
            self.channel_groups,
        )
        super().build(input_shape)

    def convolution_op(self, inputs, kernel):
        return super().convolution_op(
            inputs, kernel * ops.cast(self.mask, kernel.dtype)
        )

    def call_at(self, patch):
        """The output at one position from its input patch.

        Args:
            patch: `(batch, kh, kw, in_channels)`, the inputs around the
                position (zeros outside the image, as in "same" padding).

        Returns:
            `(batch, filters)`, equal to the full convolution's output at
            the patch centre.
        """
        kernel = ops.cast(self.kernel, self.compute_dtype) * ops.cast(
            self.mask, self.compute_dtype
        )
        outputs = ops.einsum(
            "bhwc,hwcf->bf", ops.cast(patch, self.compute_dtype), kernel
        )
        if self.use_bias:
            outputs = outputs + ops.cast(self.bias, self.compute_dtype)
        if self.activation is not None:
            outputs = self.activation(outputs)
        return outputs

    def get_config(self):
        config = super().get_config()
        for name in ("padding", "strides", "dilation_rate", "groups"):
            config.pop(name, None)
        config.update(
            {"mask_type": self.mask_type, "channel_groups": self.channel_groups}
        )
        return config
