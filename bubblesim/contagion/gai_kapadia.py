"""The Gai & Kapadia (2010) default cascade on directed Erdős–Rényi interbank networks.

Set-up (Gai & Kapadia 2010, the model and Figure 1): ``n`` banks; each ordered pair
``(i, j)``, ``i ≠ j``, is an interbank loan from ``i`` to ``j`` with probability
``z / (n − 1)``, so ``z`` is the average number of debtors (and of creditors) per bank. Every
bank has the same balance sheet relative to its total assets: interbank assets ``A^IB`` (the
``interbank_share`` of total assets, split evenly over the ``j_i`` banks it lent to) and a
capital buffer ``K`` (the ``capital_buffer`` share). A bank that lent to nobody has no
interbank assets and cannot be hit. One bank, chosen at random, fails; a creditor loses
``(1 − φ) A^IB / j_i`` on each failed debtor (``φ`` the recovery rate, zero in the paper) and
fails when its losses exceed its capital:

    (1 − φ) · A^IB · k_i / j_i > K,

where ``k_i`` is the number of its debtors that have failed. With the paper's 20% and 4%, a
bank fails once more than a fifth of its debtors have, so a bank with ``j_i ≤ 4`` debtors fails
on the first. Failures propagate until none is added.

The cascade runs on a batch of independent networks at once: each round gathers the creditors
of the banks that failed in the previous round (a CSR index from debtor to creditors), so every
loan is touched at most once per run.

Reference:
    Gai, P., & Kapadia, S. (2010). Contagion in financial networks. Proceedings of the Royal
    Society A, 466(2120), 2401–2423.
"""

import numpy as np

#: Relative tolerance on the failure test, so that losses exactly equal to the capital
#: (``k/j = K/A^IB`` in exact arithmetic) do not count as exceeding it through rounding.
_FAIL_RTOL = 1e-9


def gai_kapadia(
    n_banks: int,
    avg_degree: float,
    interbank_share: float,
    capital_buffer: float,
    n_runs: int,
    rng: np.random.Generator,
    *,
    recovery_rate: float = 0.0,
    max_edges_per_batch: int = 4_000_000,
) -> np.ndarray:
    """Fraction of banks that fail after one random failure, in each of ``n_runs`` networks.

    A bank with ``j`` debtors, ``k`` of them failed, fails when
    ``(1 − φ) · interbank_share · k / j > capital_buffer`` (Gai & Kapadia 2010).

    Args:
        n_banks: Banks per network (≥ 2).
        avg_degree: ``z``, the expected number of debtors per bank (≥ 0, at most ``n − 1``).
        interbank_share: ``A^IB``, interbank assets as a share of total assets, in ``(0, 1]``.
        capital_buffer: ``K``, capital as a share of total assets, in ``[0, 1]``.
        n_runs: Independent networks, each with its own random initial failure (≥ 1).
        rng: The only source of randomness.
        recovery_rate: ``φ``, the share of an exposure recovered from a failed debtor, in
            ``[0, 1]``; zero in the paper.
        max_edges_per_batch: Expected loans simulated at once (memory bound, not results).

    Returns:
        Array of shape ``(n_runs,)``: the fraction of banks failed, the initial one included.

    Raises:
        ValueError: On parameters outside the ranges above.
    """
    _check(n_banks, avg_degree, interbank_share, capital_buffer, n_runs, recovery_rate)
    loss_per_debtor = interbank_share * (1.0 - recovery_rate)
    batch = max(1, int(max_edges_per_batch // max(1.0, avg_degree * n_banks)))
    out = np.empty(n_runs)
    for start in range(0, n_runs, batch):
        m = min(batch, n_runs - start)
        out[start : start + m] = _run_batch(
            n_banks, avg_degree / (n_banks - 1), loss_per_debtor, capital_buffer, m, rng
        )
    return out


def contagion_statistics(fractions, threshold: float = 0.05) -> tuple[float, float]:
    """Frequency and conditional extent of contagion (Gai & Kapadia 2010, Figure 1).

    Args:
        fractions: Per-run fractions of failed banks, e.g. from :func:`gai_kapadia`.
        threshold: A run counts as contagion when at least this fraction fails (5% in the
            paper).

    Returns:
        ``(frequency, extent)``: the share of runs with contagion and the mean fraction failed
        in those runs (NaN when there are none).
    """
    f = np.asarray(fractions, dtype=float)
    hit = f >= threshold
    extent = float(f[hit].mean()) if hit.any() else float("nan")
    return float(hit.mean()), extent


def _check(n_banks, avg_degree, interbank_share, capital_buffer, n_runs, recovery_rate):
    """Raise ``ValueError`` naming the first parameter out of range."""
    if int(n_banks) != n_banks or n_banks < 2:
        raise ValueError(f"n_banks must be an integer ≥ 2, got {n_banks!r}")
    if int(n_runs) != n_runs or n_runs < 1:
        raise ValueError(f"n_runs must be an integer ≥ 1, got {n_runs!r}")
    if not 0.0 <= avg_degree <= n_banks - 1:
        raise ValueError(f"avg_degree must lie in [0, n_banks − 1], got {avg_degree!r}")
    if not 0.0 < interbank_share <= 1.0:
        raise ValueError(f"interbank_share must lie in (0, 1], got {interbank_share!r}")
    for name, value in (("capital_buffer", capital_buffer), ("recovery_rate", recovery_rate)):
        if not 0.0 <= value <= 1.0:
            raise ValueError(f"{name} must lie in [0, 1], got {value!r}")


def _run_batch(n, p_link, loss_per_debtor, capital_buffer, m, rng) -> np.ndarray:
    """Simulate ``m`` independent networks of ``n`` banks; return the fraction failed in each."""
    creditor, debtor = _erdos_renyi_edges(n, p_link, m, rng)
    size = m * n
    n_debtors = np.bincount(creditor, minlength=size)
    # fail when k · loss_per_debtor > K · j, i.e. k > limit (never when nothing is lost)
    if loss_per_debtor > 0:
        limit = capital_buffer * n_debtors * (1.0 + _FAIL_RTOL) / loss_per_debtor
    else:
        limit = np.full(size, np.inf)
    order = np.argsort(debtor, kind="stable")
    creditors_of = creditor[order]
    indptr = np.concatenate(([0], np.cumsum(np.bincount(debtor, minlength=size))))

    failed = np.zeros(size, dtype=bool)
    lost = np.zeros(size, dtype=np.int64)
    frontier = rng.integers(0, n, size=m) + np.arange(m) * n
    failed[frontier] = True
    while frontier.size:
        hit, counts = _unique_counts(_gather(indptr, creditors_of, frontier))
        lost[hit] += counts
        frontier = hit[~failed[hit] & (lost[hit] > limit[hit])]
        failed[frontier] = True
    return failed.reshape(m, n).mean(axis=1)


def _unique_counts(values) -> tuple[np.ndarray, np.ndarray]:
    """Sorted distinct values and their multiplicities (a sort-based ``np.unique``)."""
    v = np.sort(values)
    if v.size == 0:
        return v, np.zeros(0, dtype=np.int64)
    first = np.flatnonzero(np.concatenate(([True], v[1:] != v[:-1])))
    return v[first], np.diff(np.append(first, v.size))


def _gather(indptr, values, rows) -> np.ndarray:
    """Concatenate ``values[indptr[r]:indptr[r + 1]]`` over ``rows`` without a Python loop."""
    starts, lengths = indptr[rows], indptr[rows + 1] - indptr[rows]
    total = int(lengths.sum())
    if total == 0:
        return values[:0]
    offsets = np.repeat(starts - np.cumsum(lengths) + lengths, lengths)
    return values[offsets + np.arange(total)]


def _erdos_renyi_edges(n, p_link, m, rng) -> tuple[np.ndarray, np.ndarray]:
    """Loans of ``m`` directed G(n, p) graphs without self-loops, as global node ids.

    Each graph's number of loans is Binomial(n(n − 1), p); the loans are a uniform random set of
    that size among the ordered pairs (drawn with replacement, duplicates redrawn).
    """
    pairs = n * (n - 1)
    counts = rng.binomial(pairs, p_link, size=m)
    keys = np.empty(0, dtype=np.int64)
    missing = counts
    while missing.sum():
        run = np.repeat(np.arange(m, dtype=np.int64), missing)
        new = run * pairs + rng.integers(0, pairs, size=run.size)
        keys = _unique_counts(np.concatenate((keys, new)))[0]
        missing = counts - np.bincount(keys // pairs, minlength=m)
    run, pos = np.divmod(keys, pairs)
    lender, r = np.divmod(pos, n - 1)
    borrower = r + (r >= lender)
    return run * n + lender, run * n + borrower
