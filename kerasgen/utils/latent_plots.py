"""The two classic pictures of a latent-variable model.

- `latent_manifold`: decode a grid of latents spaced by Gaussian quantiles
  over two latent dimensions (Kingma & Welling 2013, figure 4).
- `plot_latent_scatter`: posterior means of labelled images, coloured by
  class (first two dimensions, or the top two principal components when the
  latent space is larger).

Both work with any model that has `latent_dim`, `encode(images)` returning
`(mean, log_var)` and `decode(latents)` returning floats in `[-1, 1]`.
"""

import statistics

import numpy as np
from keras import ops

from kerasgen.utils import image_utils


def latent_manifold(model, grid_size=15, dims=(0, 1), quantile_span=0.95):
    """Decodes a `grid_size` x `grid_size` grid of latents into one image.

    Latent `dims` take the Gaussian quantiles of `linspace(1 - span, span)`
    (so the grid covers the prior's mass evenly); other dimensions are 0.

    Args:
        model: a VAE-like model (see module docstring).
        grid_size: int >= 2. Defaults to 15.
        dims: pair of int. The two latent dimensions varied. Defaults to
            `(0, 1)`.
        quantile_span: float in (0.5, 1). Defaults to 0.95.

    Returns:
        uint8 image `(grid_height, grid_width, channels)`.
    """
    if not isinstance(grid_size, int) or grid_size < 2:
        raise ValueError(f"grid_size must be an int >= 2; received {grid_size}")
    if not 0.5 < quantile_span < 1.0:
        raise ValueError(
            f"quantile_span must be in (0.5, 1); received {quantile_span}"
        )
    dims = tuple(dims)
    if len(dims) != 2 or not all(0 <= d < model.latent_dim for d in dims):
        raise ValueError(
            f"dims must be two latent dimensions in [0, {model.latent_dim}); "
            f"received {dims}"
        )
    normal = statistics.NormalDist()
    quantiles = np.linspace(1.0 - quantile_span, quantile_span, grid_size)
    values = np.array([normal.inv_cdf(q) for q in quantiles], "float32")
    latents = np.zeros((grid_size * grid_size, model.latent_dim), "float32")
    # Row r, column c: dims[1] decreases downwards, dims[0] grows rightwards.
    rows, cols = np.meshgrid(values[::-1], values, indexing="ij")
    latents[:, dims[0]] = cols.reshape(-1)
    latents[:, dims[1]] = rows.reshape(-1)
    images = ops.convert_to_numpy(model.decode(latents))
    return image_utils.make_image_grid(
        image_utils.float_to_uint8(images), num_rows=grid_size, padding=0
    )


def encode_means(model, images, batch_size=256):
    """Posterior means of `images` (uint8 or `[-1, 1]`), batched."""
    means = []
    for start in range(0, len(images), batch_size):
        mean, _ = model.encode(images[start : start + batch_size])
        means.append(ops.convert_to_numpy(mean))
    return np.concatenate(means, axis=0)


def plot_latent_scatter(
    model, images, labels, path, class_names=None, batch_size=256
):
    """Saves a scatter plot of posterior means coloured by label.

    Args:
        model: a VAE-like model.
        images: uint8 `[0, 255]` or float `[-1, 1]` images.
        labels: int array `(num_images,)`.
        path: str. Output PNG.
        class_names: list of str or `None`. Legend names.
        batch_size: int. Defaults to 256.

    Returns:
        The 2-D points plotted, `(num_images, 2)`.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    labels = np.asarray(labels).reshape(-1)
    if len(labels) != len(images):
        raise ValueError(
            f"labels must have one entry per image: {len(images)} images, "
            f"received {len(labels)} labels"
        )
    means = encode_means(model, images, batch_size)
    if means.shape[1] > 2:
        centered = means - means.mean(axis=0)
        _, _, components = np.linalg.svd(centered, full_matrices=False)
        points = centered @ components[:2].T
        axis_names = ("principal component 1", "principal component 2")
    else:
        points = means
        axis_names = ("z[0]", "z[1]")
    figure, axis = plt.subplots(figsize=(7, 6))
    scatter = axis.scatter(
        points[:, 0], points[:, 1], c=labels, cmap="tab10", s=3, alpha=0.7
    )
    handles, _ = scatter.legend_elements()
    names = class_names or [str(k) for k in np.unique(labels)]
    axis.legend(handles, names, fontsize=7, loc="best", markerscale=1.5)
    axis.set_xlabel(axis_names[0])
    axis.set_ylabel(axis_names[1])
    axis.set_title("Posterior means by class")
    figure.tight_layout()
    figure.savefig(path, dpi=120)
    plt.close(figure)
    return points
