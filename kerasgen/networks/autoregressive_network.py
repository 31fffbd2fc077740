"""The base of autoregressive image networks, and their per-position cache."""

import keras
from keras import ops

from kerasgen.networks import _blocks
from kerasgen.networks.network import Network
from kerasgen.utils import argument_validation as av


@keras.saving.register_keras_serializable(package="kerasgen")
class AutoregressiveNetwork(Network):
    """A causal network: every pixel's parameters from the pixels before it.

    The functional model maps images `(batch, height, width, channels)` in
    `[-1, 1]` (a dict `{"images", "labels"}` when `num_classes` is set) to
    `(batch, height, width, output_dim)` distribution parameters, pixel
    `(i, j)`'s parameters depending only on pixels before it in raster
    order. With `channel_groups = channels` the output is split into
    `channels` contiguous groups, group `c` also seeing channels `< c` of
    its own pixel (R before G before B); with `channel_groups = 1` it sees
    no channel of its own pixel.

    Sampling contract (used by `kerasgen.models.AutoregressiveModel`):

    - `init_cache(batch_size, labels)` returns the state the sampler
      threads through its compiled loop (a dict of tensors, `{}` for none);
    - `step(cache, images, index, labels)` returns the parameters of pixel
      `index` (raster order, `i * width + j`) as `(batch, output_dim)` and
      the new cache. `images` is the canvas: pixels before `index` hold
      their sampled values (and channels `< c` of pixel `index` when the
      sampler draws channel `c`); the rest is zeros. The sampler calls
      `step` for `index = 0, 1, ...` in order, possibly several times for
      one index (once per channel).

    The default `step` recomputes the whole network on the canvas
    (`recompute_step`); subclasses override it to compute only what the new
    pixel changes (Ramachandran et al. 2017), and must return the same
    parameters.

    Args:
        image_shape: tuple `(height, width, channels)`.
        output_dim: int. Parameters per pixel (a likelihood's
            `num_params(channels)`).
        num_classes: int or `None`. Class-conditional when set: the network
            takes `{"images", "labels"}`. Defaults to `None`.
        channel_groups: int. 1, or `channels` for per-channel masks.
            Defaults to 1.
    """

    image_input = True

    def _check_common(self, image_shape, output_dim, num_classes, groups):
        image_shape = _blocks.check_image_shape(image_shape)
        output_dim = av.check_positive_int("output_dim", output_dim)
        av.check_positive_int("num_classes", num_classes, allow_none=True)
        if groups not in (1, image_shape[-1]):
            raise ValueError(
                f"channel_groups must be 1 or the image's channels "
                f"({image_shape[-1]}); received {groups!r}"
            )
        if output_dim % groups:
            raise ValueError(
                f"output_dim ({output_dim}) must be a multiple of "
                f"channel_groups ({groups})"
            )
        return image_shape, output_dim

    @staticmethod
    def symbolic_inputs(image_shape, num_classes):
        """`keras.Input`s: images, plus labels when class-conditional."""
        images = keras.Input(image_shape, name="images")
        if num_classes is None:
            return images, images, None
        labels = keras.Input((), dtype="int32", name="labels")
        return {"images": images, "labels": labels}, images, labels

    def network_inputs(self, images, labels=None):
        """The functional model's input for `images` (and `labels`)."""
        if self.num_classes is None:
            return images
        return {"images": images, "labels": labels}

    def init_cache(self, batch_size, labels=None):
        """The sampler's initial state; `{}`: no cache (recompute)."""
        del batch_size, labels
        return {}

    def step(self, cache, images, index, labels=None):
        """Parameters `(batch, output_dim)` of pixel `index`, new cache."""
        return self.recompute_step(images, index, labels), cache

    def recompute_step(self, images, index, labels=None):
        """Pixel `index`'s parameters from the whole network (no cache)."""
        width = self.image_shape[1]
        params = self(self.network_inputs(images, labels))
        batch = ops.shape(params)[0]
        pixel = ops.slice(
            params,
            (0, index // width, index % width, 0),
            (batch, 1, 1, params.shape[-1]),
        )
        return pixel[:, 0, 0, :]


class PositionConvolutions:
    """Runs a network's convolutions at one position, from cached inputs.

    Fast generation for convolutional autoregressive models (Ramachandran
    et al. 2017): activations at pixel `p` depend only on pixels before
    `p`, so once computed (at step `p`) they never change. A network
    written once as `forward(x, conv)` runs in full with `conv(layer, x)
    = layer(x)`, and at one position with `conv = PositionConvolutions(
    ...)`: there every tensor is `(batch, 1, 1, channels)` (the values at
    the current pixel; 1x1 convolutions, activations and sums work
    unchanged) and a `k x k` masked convolution writes its input at the
    pixel into a zero-padded buffer of its whole input, then applies the
    kernel to the patch around the pixel (`MaskedConv2D.call_at`). Taps
    the mask zeroes may read stale or empty entries: they weigh 0.

    The image itself (the canvas, `(batch, height, width, channels)`) is
    padded and sliced directly, without a buffer.

    Args:
        cache: dict of buffers by layer name (from a previous step, or
            `None` to create zero buffers: `init_cache`).
        images: the canvas `(batch, height, width, channels)`.
        index: scalar tensor, the pixel in raster order.
        width: int. Image width.
    """

    def __init__(self, cache, images, index, width):
        self.cache = dict(cache or {})
        self.creating = cache is None
        self.images = images
        self.row = index // width
        self.column = index % width

    def __call__(self, layer, x):
        kh, kw = layer.kernel_size
        if x is self.images:
            padded = ops.pad(
                x, ((0, 0), (kh // 2, kh // 2), (kw // 2, kw // 2), (0, 0))
            )
        elif kh == 1 and kw == 1:
            return layer(x)
        else:
            if self.creating:
                shape = ops.shape(x)
                height, width = self.images.shape[1], self.images.shape[2]
                self.cache[layer.name] = ops.zeros(
                    (shape[0], height + kh - 1, width + kw - 1, x.shape[-1]),
                    dtype=x.dtype,
                )
            padded = ops.slice_update(
                self.cache[layer.name],
                (0, self.row + kh // 2, self.column + kw // 2, 0),
                ops.cast(x, self.cache[layer.name].dtype),
            )
            self.cache[layer.name] = padded
        patch = ops.slice(
            padded,
            (0, self.row, self.column, 0),
            (ops.shape(x)[0], kh, kw, padded.shape[-1]),
        )
        return layer.call_at(patch)[:, None, None, :]


def full_convolution(layer, x):
    """`conv` of a network's `forward` when run on whole images."""
    return layer(x)
