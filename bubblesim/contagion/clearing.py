"""Payment clearing on a network of obligations: Eisenberg–Noe and Rogers–Veraart.

Convention (who owes whom): ``liabilities[i, j]`` is the nominal amount node ``i`` owes node
``j``. Row ``i`` lists ``i``'s debts; column ``j`` lists what ``j`` is owed. Nodes owe nothing
to themselves.

Notation, with ``L = liabilities``, ``e = external_assets``, ``b = external_liabilities``:

* ``p̄_i = Σ_j L_ij`` is what ``i`` owes inside the network and ``Π_ij = L_ij / p̄_i`` the
  relative liabilities (zero rows where ``p̄_i = 0``).
* Outside creditors rank **pari passu** with network creditors: ``i`` owes ``p̄_i + b_i`` in
  all and a defaulter pays every creditor the same fraction, so the network gets the share
  ``s_i = p̄_i / (p̄_i + b_i)`` of what it pays out. This is Eisenberg–Noe with one extra
  "outside" node that owes nothing (as in Glasserman & Young 2015), and with ``b = 0`` it
  is exactly Eisenberg & Noe (2001).
* Receipts are ``r = Πᵀ p``. Node ``i`` is solvent when ``e_i + r_i ≥ p̄_i + b_i`` and then
  pays in full; otherwise it defaults and pays ``s_i (α e_i + β r_i)``, having realised only
  ``α`` of its outside assets and ``β`` of its receipts (Rogers & Veraart 2013):

      p_i = p̄_i                          if e_i + (Πᵀp)_i ≥ p̄_i + b_i,
      p_i = s_i (α e_i + β (Πᵀp)_i)     otherwise.

  With ``α = β = 1`` this is the Eisenberg & Noe (2001) map ``p = min(p̄, e + Πᵀp)`` (limited
  liability, pro-rata payment, absolute priority of debt over equity).

The **greatest** clearing vector is found with the fictitious-default algorithm (Eisenberg &
Noe 2001; the Greatest Clearing Vector Algorithm of Rogers & Veraart 2013,
Definition 3.6): start from full payment, find who defaults, solve the linear system in which
those nodes pay their realised value and the others pay in full, and repeat. The default set
only grows, so at most ``n + 1`` rounds are needed; each round is one sparse solve.

References:
    Eisenberg, L., & Noe, T. H. (2001). Systemic risk in financial systems. Management
    Science, 47(2), 236–249.
    Rogers, L. C. G., & Veraart, L. A. M. (2013). Failure and rescue in an interbank network.
    Management Science, 59(4), 882–898.
    Glasserman, P., & Young, H. P. (2015). How likely is contagion in financial networks?
    Journal of Banking & Finance, 50, 383–399.
"""

from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp

from bubblesim.contagion._linear import solve_fixed_point
from bubblesim.contagion._validation import as_square_sparse, as_vector, check_unit_interval

#: Relative tolerance below which a shortfall ``e + r < p̄ + b`` does not count as a default,
#: so that a node that owes exactly what it holds is not declared insolvent by rounding.
DEFAULT_RTOL = 1e-12


@dataclass(frozen=True)
class ClearingResult:
    """The clearing vector and what follows from it.

    Attributes:
        payments: ``p_i``, what node ``i`` pays in total to its network creditors.
        defaulted: True where node ``i`` cannot meet all its obligations.
        equity: ``e_i + r_i − p̄_i − b_i``, nominal net worth at clearing prices (negative for
            defaulters; the shortfall before default costs).
        iterations: Rounds of the fictitious-default algorithm (at most ``n + 1``).
        received: ``r = Πᵀ p``, what each node receives from the network.
        external_payments: What each node pays its outside creditors.
        nominal_payments: ``p̄``, what each node owes the network.
        relative_liabilities: ``Π`` as a CSR matrix, ``Π_ij = L_ij / p̄_i``.
    """

    payments: np.ndarray
    defaulted: np.ndarray
    equity: np.ndarray
    iterations: int
    received: np.ndarray
    external_payments: np.ndarray
    nominal_payments: np.ndarray
    relative_liabilities: sp.csr_array = field(repr=False)

    def payment_matrix(self) -> sp.csr_array:
        """Return the payments edge by edge.

        Returns:
            Sparse matrix ``diag(p) Π``: entry ``[i, j]`` is what ``i`` pays ``j``. Column sums
            equal ``received``, row sums equal ``payments``.
        """
        return sp.csr_array(sp.diags_array(self.payments) @ self.relative_liabilities)


def clear_payments(
    liabilities,
    external_assets,
    external_liabilities=None,
    alpha: float = 1.0,
    beta: float = 1.0,
    *,
    rtol: float = DEFAULT_RTOL,
) -> ClearingResult:
    """Greatest clearing vector of Eisenberg–Noe (``α = β = 1``) or Rogers–Veraart.

    ``p = Φ(p)`` with ``Φ(p)_i = p̄_i`` if ``e_i + (Πᵀp)_i ≥ p̄_i + b_i``, else
    ``p̄_i/(p̄_i+b_i) · (α e_i + β (Πᵀp)_i)`` (Eisenberg & Noe 2001; Rogers & Veraart
    2013). Outside liabilities ``b`` rank pari passu with network debt (see the module
    docstring). Solved by the fictitious-default algorithm, one sparse solve a round.

    Args:
        liabilities: ``(n, n)`` array or scipy.sparse matrix; ``[i, j]`` is what ``i`` owes
            ``j``. Non-negative, finite, zero diagonal.
        external_assets: ``(n,)`` value of each node's assets outside the network, ``e ≥ 0``.
        external_liabilities: ``(n,)`` debt to creditors outside the network, ``b ≥ 0``;
            ``None`` means zero.
        alpha: Share of outside assets a defaulter realises, in ``[0, 1]``.
        beta: Share of network receipts a defaulter realises, in ``[0, 1]``.
        rtol: Relative tolerance on the solvency test (a shortfall smaller than
            ``rtol · (p̄_i + b_i)`` is no default).

    Returns:
        A :class:`ClearingResult`.

    Raises:
        ValueError: On negative, NaN or infinite amounts, mismatched shapes, self-debt, or
            ``alpha``/``beta`` outside ``[0, 1]``.
    """
    L = as_square_sparse(liabilities, "liabilities")
    n = L.shape[0]
    e = as_vector(external_assets, n, "external_assets")
    b = (
        np.zeros(n)
        if external_liabilities is None
        else as_vector(external_liabilities, n, "external_liabilities")
    )
    check_unit_interval(alpha, "alpha")
    check_unit_interval(beta, "beta")

    p_bar = np.asarray(L.sum(axis=1)).ravel()
    Pi = _relative_liabilities(L, p_bar)
    PiT = sp.csr_array(Pi.T)
    owed = p_bar + b
    share = np.divide(p_bar, owed, out=np.ones(n), where=owed > 0)
    threshold = owed * (1.0 - rtol)

    p = p_bar.copy()
    defaulted = np.zeros(n, dtype=bool)
    iterations = 0
    while True:
        iterations += 1
        received = PiT @ p
        new_defaulted = defaulted | (e + received < threshold)
        if np.array_equal(new_defaulted, defaulted):
            break
        defaulted = new_defaulted
        p = _solve_round(PiT, p_bar, e, share, defaulted, alpha, beta, p)

    value = np.where(defaulted, alpha * e + beta * received, owed)
    external_paid = np.where(defaulted, (1.0 - share) * value, b)
    return ClearingResult(
        payments=p,
        defaulted=defaulted,
        equity=e + received - owed,
        iterations=iterations,
        received=received,
        external_payments=external_paid,
        nominal_payments=p_bar,
        relative_liabilities=Pi,
    )


def _relative_liabilities(L: sp.csr_array, p_bar: np.ndarray) -> sp.csr_array:
    """``Π = diag(1/p̄) L`` with zero rows where ``p̄ = 0``.

    A row whose ``1/p̄`` would overflow (``p̄`` subnormal) is divided entry by entry instead:
    the reciprocal's ``inf`` would turn its shares into NaN and hide its default (found by the
    configuration fuzz test: a lab owing 1e-316 USD left its provider unable to pay).
    """
    tiny = (p_bar > 0) & (p_bar < _SMALLEST_INVERTIBLE)
    inv = np.divide(1.0, p_bar, out=np.zeros_like(p_bar), where=(p_bar > 0) & ~tiny)
    Pi = sp.csr_array(sp.diags_array(inv) @ L)
    if tiny.any():
        L = sp.csr_array(L)
        rows = np.repeat(np.arange(L.shape[0]), np.diff(L.indptr))
        Pi = (
            sp.csr_array(
                (
                    np.where(tiny[rows], L.data / np.where(tiny[rows], p_bar[rows], 1.0), 0.0),
                    L.indices,
                    L.indptr,
                ),
                shape=L.shape,
            )
            + Pi
        )
    return Pi


_SMALLEST_INVERTIBLE = 1.0 / np.finfo(float).max
"""The smallest positive number whose reciprocal is finite."""


def _solve_round(PiT, p_bar, e, share, defaulted, alpha, beta, previous) -> np.ndarray:
    """One fictitious-default round: solve for the defaulters' payments, others pay in full.

    For the default set ``D`` and the rest ``N``:
    ``(I − β S_D Πᵀ_DD) p_D = S_D (α e_D + β Πᵀ_DN p̄_N)`` with ``S = diag(s)``, started from
    the previous round's payments.
    """
    p = np.where(defaulted, 0.0, p_bar)
    idx = np.flatnonzero(defaulted)
    rhs = share[idx] * (alpha * e[idx] + beta * (PiT @ p)[idx])
    A = sp.csr_array(sp.diags_array(beta * share[idx]) @ PiT[idx][:, idx])
    p_d = solve_fixed_point(A, rhs, x0=np.minimum(previous[idx], p_bar[idx]))
    p[idx] = np.clip(p_d, 0.0, p_bar[idx])
    return p
