"""Square roots of symmetric positive semi-definite matrices and products.

The Fréchet distance needs `trace(sqrt(sigma1 @ sigma2))`. The product of
two covariances is not symmetric, and the usual `scipy.linalg.sqrtm` of it
returns complex parts and loses accuracy when the covariances are singular
(fewer samples than features). Here everything goes through symmetric
eigendecompositions instead: with `A = sqrt(sigma1)`,
`sigma1 @ sigma2 = A (A sigma2 A) A^-1` is similar to the symmetric PSD
matrix `A sigma2 A`, so both have the same eigenvalues, and
`trace(sqrt(sigma1 @ sigma2)) = sum(sqrt(eigvalsh(A sigma2 A)))`.
"""

import numpy as np


def _check_square(matrix, name):
    array = np.asarray(matrix, dtype="float64")
    if array.ndim != 2 or array.shape[0] != array.shape[1]:
        raise ValueError(
            f"{name} must be a square matrix; received shape {array.shape}"
        )
    if not np.all(np.isfinite(array)):
        raise ValueError(f"{name} contains NaN or infinite values")
    return array


def sqrtm_psd(matrix):
    """Symmetric square root of a symmetric PSD matrix.

    Negative eigenvalues from rounding are clipped to zero.

    Args:
        matrix: array `(d, d)`, symmetric positive semi-definite.

    Returns:
        float64 array `(d, d)`, symmetric PSD, with `root @ root == matrix`.

    Example:
    >>> sqrtm_psd(np.diag([4.0, 9.0]))
    array([[2., 0.],
           [0., 3.]])
    """
    array = _check_square(matrix, "matrix")
    array = (array + array.T) / 2.0
    eigenvalues, eigenvectors = np.linalg.eigh(array)
    roots = np.sqrt(np.clip(eigenvalues, 0.0, None))
    root = (eigenvectors * roots) @ eigenvectors.T
    return (root + root.T) / 2.0


def trace_sqrt_product(sigma1, sigma2):
    """`trace(sqrt(sigma1 @ sigma2))` for two symmetric PSD matrices.

    Uses the symmetric matrix `sqrt(sigma1) @ sigma2 @ sqrt(sigma1)`, which
    has the eigenvalues of `sigma1 @ sigma2`; stable for singular inputs.

    Args:
        sigma1: array `(d, d)`, symmetric PSD.
        sigma2: array `(d, d)`, symmetric PSD.

    Returns:
        float, `>= 0`.

    Example:
    >>> trace_sqrt_product(np.diag([1.0, 4.0]), np.diag([4.0, 9.0]))
    8.0
    """
    sigma1, sigma2 = _check_pair(sigma1, sigma2)
    root1 = sqrtm_psd(sigma1)
    middle = root1 @ ((sigma2 + sigma2.T) / 2.0) @ root1
    eigenvalues = np.linalg.eigvalsh((middle + middle.T) / 2.0)
    return float(np.sqrt(np.clip(eigenvalues, 0.0, None)).sum())


def sqrtm_product(sigma1, sigma2):
    """The principal square root of `sigma1 @ sigma2` (both PSD).

    `sqrt(sigma1 @ sigma2) = A sqrt(A sigma2 A) A^+` with `A = sqrt(sigma1)`
    and `A^+` its pseudo-inverse: exact when `sigma1` is non-singular. For
    the Fréchet distance only the trace is needed; use
    `trace_sqrt_product`, which has no inverse.

    Args:
        sigma1: array `(d, d)`, symmetric positive definite.
        sigma2: array `(d, d)`, symmetric PSD.

    Returns:
        float64 array `(d, d)` `S` with `S @ S == sigma1 @ sigma2`.

    Example:
    >>> sqrtm_product(np.diag([1.0, 4.0]), np.diag([4.0, 9.0]))
    array([[2., 0.],
           [0., 6.]])
    """
    sigma1, sigma2 = _check_pair(sigma1, sigma2)
    root1 = sqrtm_psd(sigma1)
    middle = sqrtm_psd(root1 @ ((sigma2 + sigma2.T) / 2.0) @ root1)
    return root1 @ middle @ np.linalg.pinv(root1, hermitian=True)


def _check_pair(sigma1, sigma2):
    sigma1 = _check_square(sigma1, "sigma1")
    sigma2 = _check_square(sigma2, "sigma2")
    if sigma1.shape != sigma2.shape:
        raise ValueError(
            f"sigma1 and sigma2 must have the same shape; received "
            f"{sigma1.shape} and {sigma2.shape}"
        )
    return sigma1, sigma2
