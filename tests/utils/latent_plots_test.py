import os

import numpy as np

from kerasgen.testing import tiny_vae
from kerasgen.utils import latent_plots


def test_latent_manifold_decodes_the_quantile_grid():
    vae = tiny_vae()
    grid = latent_plots.latent_manifold(vae, grid_size=3)
    assert grid.shape == (24, 24, 1) and grid.dtype == np.uint8
    # The centre tile is the decoding of z = 0.
    centre = vae.decode(np.zeros((1, 2), "float32")).numpy()
    expected = np.round((centre[0] + 1) * 127.5).astype("uint8")
    np.testing.assert_array_equal(grid[8:16, 8:16], expected)
    # Tiles differ across the grid.
    assert not np.array_equal(grid[:8, :8], grid[16:, 16:])


def test_latent_manifold_refuses_bad_dims():
    import pytest

    with pytest.raises(ValueError, match="dims"):
        latent_plots.latent_manifold(tiny_vae(), dims=(0, 2))


def test_scatter_uses_means_or_principal_components(tmp_path):
    images = np.random.default_rng(0).integers(0, 256, (20, 8, 8, 1), "uint8")
    labels = np.arange(20) % 3
    vae = tiny_vae()
    path = str(tmp_path / "scatter.png")
    points = latent_plots.plot_latent_scatter(vae, images, labels, path)
    means, _ = vae.encode(images)
    np.testing.assert_allclose(points, means.numpy(), rtol=1e-5, atol=1e-6)
    assert os.path.getsize(path) > 0
    points = latent_plots.plot_latent_scatter(
        tiny_vae(latent_dim=4), images, labels, str(tmp_path / "pca.png")
    )
    assert points.shape == (20, 2)
