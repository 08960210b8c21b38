"""Input checks shared by the contagion kernels: clear ``ValueError``s naming the argument."""

import numpy as np
import scipy.sparse as sp


def as_square_sparse(matrix, name: str) -> sp.csr_array:
    """Return ``matrix`` as a float CSR array after checking it is a valid obligation matrix.

    Args:
        matrix: A 2-D numpy array or scipy.sparse matrix.
        name: The argument's name, used in error messages.

    Returns:
        A CSR copy with explicit zeros removed.

    Raises:
        ValueError: If it is not square and 2-D, holds NaN, infinite or negative entries, or
            has a nonzero diagonal (a node owing or lending to itself).
    """
    if sp.issparse(matrix):
        M = sp.csr_array(matrix, dtype=float, copy=True)
    else:
        arr = np.asarray(matrix, dtype=float)
        if arr.ndim != 2:
            raise ValueError(f"{name} must be a 2-D matrix, got {arr.ndim} dimension(s)")
        M = sp.csr_array(arr)
    if M.shape[0] != M.shape[1]:
        raise ValueError(f"{name} must be square, got shape {M.shape}")
    if not np.all(np.isfinite(M.data)):
        raise ValueError(f"{name} contains NaN or infinite entries")
    if np.any(M.data < 0):
        raise ValueError(f"{name} contains negative entries")
    if np.any(M.diagonal() != 0):
        raise ValueError(f"{name} has a nonzero diagonal: a node cannot owe or lend to itself")
    M.eliminate_zeros()
    return M


def as_vector(values, n: int, name: str) -> np.ndarray:
    """Return ``values`` as a float vector of length ``n`` with finite, non-negative entries.

    Args:
        values: A scalar or array-like; a scalar is broadcast to length ``n``.
        n: The required length.
        name: The argument's name, used in error messages.

    Returns:
        A new float array of shape ``(n,)``.

    Raises:
        ValueError: On a wrong shape, NaN, infinite or negative entries.
    """
    arr = np.asarray(values, dtype=float)
    if arr.ndim == 0:
        arr = np.full(n, float(arr))
    if arr.shape != (n,):
        raise ValueError(f"{name} must have shape ({n},), got {arr.shape}")
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} contains NaN or infinite entries")
    if np.any(arr < 0):
        raise ValueError(f"{name} contains negative entries")
    return arr.copy()


def check_unit_interval(value: float, name: str) -> None:
    """Raise ``ValueError`` unless ``0 <= value <= 1``.

    Args:
        value: The number to check.
        name: The argument's name, used in error messages.

    Raises:
        ValueError: If ``value`` is NaN or outside ``[0, 1]``.
    """
    if not 0.0 <= value <= 1.0:
        raise ValueError(f"{name} must lie in [0, 1], got {value!r}")
