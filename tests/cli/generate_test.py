import numpy as np
from PIL import Image


def test_generate_with_labels_matches_the_python_call(kerasgen, tmp_path):
    import kerasgen as kg

    npz = tmp_path / "images.npz"
    code, out, err = kerasgen(
        "generate", "cgan_fashion_mnist", "--labels", "3,8", "--npz", npz,
        "--num-samples", "6", "--output", tmp_path / "g.png",
    )  # fmt: skip
    assert code == 0, err
    assert "Wrote 6 images" in out
    gan = kg.models.GAN.from_preset("cgan_fashion_mnist")
    expected = gan.generate(np.array([3, 8, 3, 8, 3, 8]), seed=0)
    np.testing.assert_array_equal(np.load(npz)["images"], expected)


def test_generate_from_a_keras_file(kerasgen, tmp_path, tiny_vae_file):
    grid, npz = tmp_path / "grid.png", tmp_path / "images.npz"
    code, _, err = kerasgen(
        "generate", tiny_vae_file, "--num-samples", "9", "--seed", "1",
        "--output", grid, "--npz", npz, "--scale", "1",
    )  # fmt: skip
    assert code == 0, err
    images = np.load(npz)["images"]
    assert images.shape == (9, 28, 28, 1) and images.dtype == np.uint8
    assert np.asarray(Image.open(grid)).shape == (3 * 28 + 8, 3 * 28 + 8)
    # Same seed, same images.
    code, _, _ = kerasgen(
        "generate", tiny_vae_file, "--num-samples", "9", "--seed", "1",
        "--output", grid, "--npz", tmp_path / "again.npz",
    )  # fmt: skip
    np.testing.assert_array_equal(
        np.load(tmp_path / "again.npz")["images"], images
    )
