import numpy as np
import pytest
import scipy.linalg

from kerasgen.metrics import sqrtm_product
from kerasgen.metrics import sqrtm_psd
from kerasgen.metrics import trace_sqrt_product


def _random_psd(rng, dim, rank=None):
    factor = rng.normal(size=(dim, rank or dim + 2))
    return factor @ factor.T / factor.shape[1]


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_sqrtm_psd_squares_back_and_matches_scipy(seed):
    rng = np.random.default_rng(seed)
    matrix = _random_psd(rng, 6)
    root = sqrtm_psd(matrix)
    np.testing.assert_allclose(root @ root, matrix, atol=1e-10)
    np.testing.assert_allclose(root, root.T)
    np.testing.assert_allclose(root, scipy.linalg.sqrtm(matrix), atol=1e-8)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_sqrtm_product_matches_scipy(seed):
    rng = np.random.default_rng(seed)
    sigma1, sigma2 = _random_psd(rng, 5), _random_psd(rng, 5)
    expected = scipy.linalg.sqrtm(sigma1 @ sigma2)
    root = sqrtm_product(sigma1, sigma2)
    np.testing.assert_allclose(root, expected.real, atol=1e-7)
    np.testing.assert_allclose(root @ root, sigma1 @ sigma2, atol=1e-9)
    np.testing.assert_allclose(
        trace_sqrt_product(sigma1, sigma2), np.trace(expected).real, rtol=1e-9
    )


def test_trace_sqrt_product_of_singular_covariances_matches_scipy():
    # Fewer samples than features: both covariances are rank 3 of 8, the
    # situation where scipy's sqrtm returns complex noise.
    rng = np.random.default_rng(3)
    sigma1, sigma2 = _random_psd(rng, 8, 3), _random_psd(rng, 8, 3)
    expected = np.trace(scipy.linalg.sqrtm(sigma1 @ sigma2)).real
    value = trace_sqrt_product(sigma1, sigma2)
    np.testing.assert_allclose(value, expected, rtol=1e-6, atol=1e-8)
    assert value >= 0.0


def test_closed_form_for_diagonal_and_commuting_matrices():
    a, b = np.array([1.0, 4.0, 0.25]), np.array([9.0, 1.0, 0.0])
    assert trace_sqrt_product(np.diag(a), np.diag(b)) == pytest.approx(
        np.sqrt(a * b).sum()
    )
    np.testing.assert_allclose(
        sqrtm_product(np.diag(a), np.diag(b)), np.diag(np.sqrt(a * b))
    )
    # Same eigenvectors, rotated: trace sqrt = sum sqrt(a_i b_i).
    rotation, _ = np.linalg.qr(np.random.default_rng(0).normal(size=(3, 3)))
    sigma1 = rotation @ np.diag(a) @ rotation.T
    sigma2 = rotation @ np.diag(b) @ rotation.T
    # b has a zero eigenvalue: sqrt of its rounding noise (~1e-16) costs
    # ~1e-8 absolute, the intrinsic conditioning of sqrt at 0.
    assert trace_sqrt_product(sigma1, sigma2) == pytest.approx(
        np.sqrt(a * b).sum(), abs=1e-7
    )


def test_bad_inputs_are_refused_by_name():
    with pytest.raises(ValueError, match="matrix must be a square"):
        sqrtm_psd(np.zeros((2, 3)))
    with pytest.raises(ValueError, match="sigma1 and sigma2 must have"):
        trace_sqrt_product(np.eye(2), np.eye(3))
    with pytest.raises(ValueError, match="sigma2 contains NaN"):
        trace_sqrt_product(np.eye(2), np.full((2, 2), np.nan))
