"""Solving ``x = A x + b`` for a non-negative ``A`` with spectral radius below one.

This is the linear system of one fictitious-default round. Small systems are solved directly
(sparse LU). Large ones are not: on random networks LU fills in almost completely, so they are
solved by fixed-point sweeps ``x ← A x + b`` from the previous round's payments (an upper
bound), which converge geometrically at the rate of the spectral radius of ``A``; if that rate is
slow, GMRES takes over, and sparse LU remains the last resort.
"""

import numpy as np
import scipy.sparse as sp
from scipy.sparse.linalg import gmres, spsolve

#: Systems up to this size are solved by sparse LU.
DIRECT_MAX_SIZE = 256
#: Fixed-point sweeps before switching to GMRES.
MAX_SWEEPS = 300
#: Convergence: the largest residual ``|A x + b − x|`` relative to the largest entry.
RTOL = 1e-13


def solve_fixed_point(A: sp.csr_array, b: np.ndarray, x0: np.ndarray) -> np.ndarray:
    """Return ``x`` with ``x = A x + b``.

    Args:
        A: Square non-negative sparse matrix with spectral radius below one.
        b: Right-hand side.
        x0: Starting point (an upper bound of the solution in the clearing algorithm).

    Returns:
        The solution.

    Raises:
        RuntimeError: If the system is singular.
    """
    if b.size <= DIRECT_MAX_SIZE:
        return _direct(A, b)
    scale = max(float(np.max(np.abs(b))), float(np.max(np.abs(x0))), 1e-300)
    x = x0
    for _ in range(MAX_SWEEPS):
        x_next = A @ x + b
        if np.max(np.abs(x_next - x)) <= RTOL * scale:
            return x_next
        x = x_next
    M = sp.csr_array(sp.eye_array(b.size, format="csr") - A)
    x, info = gmres(M, b, x0=x, rtol=RTOL, atol=0.0, restart=100, maxiter=50)
    if info == 0 and np.max(np.abs(M @ x - b)) <= 10 * RTOL * scale:
        return x
    return _direct(A, b)  # pragma: no cover - only for very slowly converging systems


def _direct(A: sp.csr_array, b: np.ndarray) -> np.ndarray:
    """Sparse LU solve of ``(I − A) x = b``."""
    M = sp.csc_array(sp.eye_array(b.size, format="csc") - A)
    x = np.atleast_1d(spsolve(M, b))
    if not np.all(np.isfinite(x)):  # pragma: no cover - excluded by the theory, see docs
        raise RuntimeError("singular clearing system: a closed set of defaulters without leakage")
    return x
