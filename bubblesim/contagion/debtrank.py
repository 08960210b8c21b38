"""DebtRank: distress propagation from borrowers to lenders through balance sheets.

Convention: ``exposures[i, j]`` is the amount node ``i`` has lent to (is exposed to) node ``j``;
``equity[i] > 0`` is ``i``'s equity before the shock. ``h_i ∈ [0, 1]`` is ``i``'s relative
equity loss (1 = default). The interbank leverage matrix

    Λ_ij = exposures_ij / equity_i

is the loss of ``i``, as a share of its equity, per unit of ``j``'s relative distress.

* ``method="differential"`` (Bardoscia, Battiston, Caccioli & Caldarelli 2015): every
  increment of distress is passed on,

      h_i(t+1) = min(1, h_i(t) + Σ_j Λ_ij (h_j(t) − h_j(t−1))),   h(0) = shock, h(−1) = 0.

  While no node reaches 1 and the spectral radius of Λ is below 1, the limit is
  ``h = (I − Λ)⁻¹ h(0)`` (Bardoscia et al. 2015, the stable regime).
* ``method="single"`` (Battiston, Puliga, Kaushik, Tasca & Caldarelli 2012): a node
  passes on its distress once, in the round after it first becomes distressed, with the impact
  capped at the exposure, ``W_ij = min(1, Λ_ij)``:

      h_i(t) = min(1, h_i(t−1) + Σ_{j distressed at t−1} W_ij h_j(t−1)).

  States go undistressed → distressed → inactive; inactive nodes can still lose equity but
  propagate no more.

DebtRank is the stress added by the network, ``R = Σ_i v_i h_i(T) − Σ_i v_i h_i(0)``, with
weights ``v`` (by default each node's share of total equity, so that ``Σ v h`` is the system's
relative equity loss as in Bardoscia et al. 2015).

References:
    Battiston, S., Puliga, M., Kaushik, R., Tasca, P., & Caldarelli, G. (2012). DebtRank: Too
    central to fail? Financial networks, the FED and systemic risk. Scientific Reports, 2, 541.
    Bardoscia, M., Battiston, S., Caccioli, F., & Caldarelli, G. (2015). DebtRank: A
    microscopic foundation for shock propagation. PLoS ONE, 10(6), e0130406.
"""

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from bubblesim.contagion._validation import as_square_sparse, as_vector

METHODS = ("single", "differential")


@dataclass(frozen=True)
class DebtRankResult:
    """Outcome of a DebtRank propagation.

    Attributes:
        h: Final relative equity loss per node, in ``[0, 1]``.
        debtrank: ``Σ v h(T) − Σ v h(0)``, the stress added by propagation.
        h_path: ``h`` after each round, shape ``(rounds + 1, n)``; row 0 is the shock.
        rounds: Number of propagation rounds run.
        converged: False if ``max_rounds`` stopped a differential run before it settled.
    """

    h: np.ndarray
    debtrank: float
    h_path: np.ndarray
    rounds: int
    converged: bool


def debtrank(
    exposures,
    equity,
    shock,
    weights=None,
    method: str = "differential",
    *,
    max_rounds: int = 10_000,
    tol: float = 1e-12,
) -> DebtRankResult:
    """Propagate an initial equity shock with DebtRank (single or differential).

    ``Λ_ij = exposures_ij / equity_i``. Differential (Bardoscia et al. 2015):
    ``h(t+1) = min(1, h(t) + Λ (h(t) − h(t−1)))``. Single (Battiston et al. 2012): each node
    propagates ``min(1, Λ) h`` once. See the module docstring for both rules.

    Args:
        exposures: ``(n, n)`` array or scipy.sparse matrix; ``[i, j]`` is what ``i`` lent to
            ``j``. Non-negative, finite, zero diagonal.
        equity: ``(n,)`` equity before the shock, strictly positive.
        shock: ``(n,)`` initial relative equity loss ``h(0)``, in ``[0, 1]``.
        weights: ``(n,)`` non-negative weights ``v``; default ``equity / Σ equity``.
        method: ``"differential"`` (default) or ``"single"``.
        max_rounds: Cap on rounds for the differential method (geometric convergence).
        tol: A differential run stops once no node's ``h`` moves by more than ``tol``.

    Returns:
        A :class:`DebtRankResult`.

    Raises:
        ValueError: On bad shapes, negative/NaN exposures, non-positive equity, a shock outside
            ``[0, 1]``, negative weights or an unknown method.
    """
    Lam, h0, v = _validated(exposures, equity, shock, weights, method)
    if method == "single":
        path, converged = _single(sp.csr_array(Lam.minimum(1.0)), h0), True
    else:
        path, converged = _differential(Lam, h0, max_rounds, tol)
    h = path[-1]
    return DebtRankResult(
        h=h,
        debtrank=float(v @ h - v @ h0),
        h_path=path,
        rounds=len(path) - 1,
        converged=converged,
    )


def _validated(exposures, equity, shock, weights, method):
    """Check the inputs and return ``(Λ, h0, v)``."""
    if method not in METHODS:
        raise ValueError(f"method must be one of {METHODS}, got {method!r}")
    A = as_square_sparse(exposures, "exposures")
    n = A.shape[0]
    E = as_vector(equity, n, "equity")
    if np.any(E <= 0):
        raise ValueError("equity must be strictly positive")
    h0 = as_vector(shock, n, "shock")
    if np.any(h0 > 1):
        raise ValueError("shock must lie in [0, 1]")
    v = E / E.sum() if weights is None else as_vector(weights, n, "weights")
    Lam = sp.csr_array(sp.diags_array(1.0 / E) @ A)
    return Lam, h0, v


def _differential(Lam, h0, max_rounds, tol):
    """Bardoscia et al. (2015): propagate increments until they vanish."""
    path = [h0]
    h_prev, h = np.zeros_like(h0), h0
    for _ in range(max_rounds):
        h_next = np.minimum(1.0, h + Lam @ (h - h_prev))
        path.append(h_next)
        h_prev, h = h, h_next
        if np.max(h - h_prev, initial=0.0) <= tol:
            return np.array(path), True
    return np.array(path), False


def _single(W, h0):
    """Battiston et al. (2012): each distressed node propagates its level once."""
    path = [h0]
    h = h0
    distressed = h0 > 0
    inactive = np.zeros_like(distressed)
    while distressed.any():
        h = np.minimum(1.0, h + W @ np.where(distressed, h, 0.0))
        path.append(h)
        inactive |= distressed
        distressed = (h > 0) & ~inactive
    return np.array(path)
