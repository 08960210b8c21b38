"""Eisenberg–Noe / Rogers–Veraart clearing: hand-checked networks and invariants."""

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from bubblesim.contagion import clear_payments

TOL = 1e-9


# --- hand-checked networks -----------------------------------------------------------------


def test_ring_without_external_assets_pays_in_full():
    """A 3-ring a→b→c→a owing 1 each: full payment is the greatest fixed point (0 is the least)."""
    L = np.array([[0, 1, 0], [0, 0, 1], [1, 0, 0]], dtype=float)
    res = clear_payments(L, np.zeros(3))
    np.testing.assert_allclose(res.payments, [1, 1, 1])
    assert not res.defaulted.any()
    np.testing.assert_allclose(res.equity, [0, 0, 0])
    assert res.iterations == 1


def test_chain_with_one_insolvent_node():
    """A owes B 10 and holds 4; B owes C 5 and holds 2. A pays 4; B receives 4 and pays 5."""
    L = np.zeros((3, 3))
    L[0, 1], L[1, 2] = 10.0, 5.0
    res = clear_payments(L, [4.0, 2.0, 0.0])
    np.testing.assert_allclose(res.payments, [4, 5, 0])
    np.testing.assert_array_equal(res.defaulted, [True, False, False])
    np.testing.assert_allclose(res.equity, [4 - 10, 2 + 4 - 5, 5])
    np.testing.assert_allclose(res.received, [0, 4, 5])


def test_chain_where_the_insolvency_propagates():
    """A owes B 2 with nothing; B owes C 2 and holds 1: both default, C gets 1."""
    L = np.zeros((3, 3))
    L[0, 1], L[1, 2] = 2.0, 2.0
    res = clear_payments(L, [0.0, 1.0, 0.0])
    np.testing.assert_allclose(res.payments, [0, 1, 0])
    np.testing.assert_array_equal(res.defaulted, [True, True, False])


def test_cycle_of_defaulters_solves_the_linear_system():
    """A and B owe each other 4 and owe C 4 each, holding 2: p = 2 + p/2, so p = 4."""
    L = np.array([[0, 4, 4], [4, 0, 4], [0, 0, 0]], dtype=float)
    res = clear_payments(L, [2.0, 2.0, 0.0])
    np.testing.assert_allclose(res.payments, [4, 4, 0])
    np.testing.assert_array_equal(res.defaulted, [True, True, False])
    np.testing.assert_allclose(res.received, [2, 2, 4])
    assert res.iterations == 2


def test_default_costs_cause_an_extra_default():
    """A owes B 10 holding 8; B owes C 10 holding 3.

    Eisenberg–Noe: A pays 8, B has 11 ≥ 10 and survives. Rogers–Veraart with α = β = 0.5: A pays
    0.5·8 = 4, B has 3 + 4 = 7 < 10, defaults and pays 0.5·3 + 0.5·4 = 3.5.
    """
    L = np.zeros((3, 3))
    L[0, 1], L[1, 2] = 10.0, 10.0
    e = [8.0, 3.0, 0.0]
    en = clear_payments(L, e)
    np.testing.assert_allclose(en.payments, [8, 10, 0])
    np.testing.assert_array_equal(en.defaulted, [True, False, False])
    rv = clear_payments(L, e, alpha=0.5, beta=0.5)
    np.testing.assert_allclose(rv.payments, [4, 3.5, 0])
    np.testing.assert_array_equal(rv.defaulted, [True, True, False])


def test_external_liabilities_rank_pari_passu():
    """A owes B 6 and outsiders 4, holding 5: every creditor gets 50%, so B 3 and outsiders 2."""
    L = np.zeros((2, 2))
    L[0, 1] = 6.0
    res = clear_payments(L, [5.0, 0.0], external_liabilities=[4.0, 0.0])
    np.testing.assert_allclose(res.payments, [3, 0])
    np.testing.assert_allclose(res.external_payments, [2, 0])
    assert res.defaulted[0]
    np.testing.assert_allclose(res.equity, [5 - 10, 3])


def test_zero_external_liabilities_is_eisenberg_noe():
    L = np.array([[0, 3, 1], [2, 0, 2], [1, 1, 0]], dtype=float)
    e = [1.0, 0.5, 0.2]
    a = clear_payments(L, e)
    b = clear_payments(L, e, external_liabilities=np.zeros(3))
    np.testing.assert_array_equal(a.payments, b.payments)
    np.testing.assert_array_equal(a.defaulted, b.defaulted)


def test_payment_matrix_splits_payments_pro_rata():
    """A owes B 3 and C 1 and holds 2: it pays 1.5 to B and 0.5 to C."""
    L = np.zeros((3, 3))
    L[0, 1], L[0, 2] = 3.0, 1.0
    res = clear_payments(L, [2.0, 0.0, 0.0])
    P = res.payment_matrix().toarray()
    np.testing.assert_allclose(P[0], [0, 1.5, 0.5])
    np.testing.assert_allclose(P.sum(axis=0), res.received)
    np.testing.assert_allclose(P.sum(axis=1), res.payments)


def test_sparse_and_dense_inputs_agree():
    L = np.array([[0, 3, 1], [2, 0, 2], [1, 1, 0]], dtype=float)
    e = [1.0, 0.5, 0.2]
    dense = clear_payments(L, e, alpha=0.7, beta=0.9)
    sparse = clear_payments(sp.csr_matrix(L), e, alpha=0.7, beta=0.9)
    np.testing.assert_allclose(dense.payments, sparse.payments)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"liabilities": [[0, -1], [0, 0]]}, "liabilities contains negative"),
        ({"liabilities": [[0, np.nan], [0, 0]]}, "liabilities contains NaN"),
        ({"liabilities": [[1, 1], [0, 0]]}, "nonzero diagonal"),
        ({"liabilities": [[0, 1, 0], [0, 0, 1]]}, "square"),
        ({"liabilities": [0, 1]}, "2-D"),
        ({"external_assets": [1.0, 2.0, 3.0]}, "external_assets must have shape"),
        ({"external_assets": [1.0, -2.0]}, "external_assets contains negative"),
        ({"external_assets": [1.0, np.inf]}, "external_assets contains NaN"),
        ({"external_liabilities": [-1.0, 0.0]}, "external_liabilities contains negative"),
        ({"alpha": 1.5}, "alpha must lie in"),
        ({"beta": -0.1}, "beta must lie in"),
        ({"beta": np.nan}, "beta must lie in"),
    ],
)
def test_bad_input_raises_value_error(kwargs, message):
    args = {"liabilities": [[0, 1], [0, 0]], "external_assets": [1.0, 1.0]} | kwargs
    with pytest.raises(ValueError, match=message):
        clear_payments(**args)


def test_sparse_self_debt_is_rejected():
    with pytest.raises(ValueError, match="nonzero diagonal"):
        clear_payments(sp.eye(3, format="csr"), np.ones(3))


# --- invariants on random networks ---------------------------------------------------------


@st.composite
def networks(draw):
    """A random network: ``(L, e, b, alpha, beta)`` with sparse-ish integer obligations."""
    n = draw(st.integers(2, 12))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    density = draw(st.floats(0.1, 0.9))
    L = rng.integers(1, 20, size=(n, n)) * (rng.random((n, n)) < density)
    np.fill_diagonal(L, 0)
    e = rng.integers(0, 30, size=n) * (rng.random(n) < 0.8)
    b = rng.integers(0, 10, size=n) * (rng.random(n) < draw(st.floats(0, 1)))
    alpha = draw(st.floats(0, 1))
    beta = draw(st.floats(0, 1))
    return L.astype(float), e.astype(float), b.astype(float), alpha, beta


def _phi(p, L, e, b, alpha, beta):
    """The clearing map, written densely and independently of the library."""
    p_bar = L.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        Pi = np.where(p_bar[:, None] > 0, L / p_bar[:, None], 0.0)
    owed = p_bar + b
    share = np.where(owed > 0, p_bar / np.where(owed > 0, owed, 1), 1.0)
    r = Pi.T @ p
    solvent = e + r >= owed * (1 - 1e-12)
    return np.where(solvent, p_bar, share * (alpha * e + beta * r))


@settings(max_examples=100, deadline=None)
@given(networks())
def test_clearing_invariants(net):
    L, e, b, alpha, beta = net
    res = clear_payments(L, e, b, alpha=alpha, beta=beta)
    p, d, r = res.payments, res.defaulted, res.received
    p_bar = L.sum(axis=1)
    scale = TOL * (1 + p_bar.sum() + e.sum() + b.sum())
    # payments within nominal obligations; non-defaulters pay in full
    assert np.all(p >= 0)
    assert np.all(p <= p_bar + scale)
    np.testing.assert_allclose(p[~d], p_bar[~d], atol=scale)
    # nobody pays out more than it has (after default costs for defaulters)
    available = np.where(d, alpha * e + beta * r, e + r)
    assert np.all(p + res.external_payments <= available + scale)
    # the result is a fixed point of the clearing map
    np.testing.assert_allclose(p, _phi(p, L, e, b, alpha, beta), atol=scale * 10)
    assert res.iterations <= len(e) + 1


@settings(max_examples=100, deadline=None)
@given(networks())
def test_clearing_vector_is_the_greatest(net):
    """Picard iterates from full payment are upper bounds of the greatest fixed point."""
    L, e, b, alpha, beta = net
    res = clear_payments(L, e, b, alpha=alpha, beta=beta)
    q = L.sum(axis=1)
    scale = TOL * (1 + q.sum() + e.sum())
    for _ in range(300):
        q = _phi(q, L, e, b, alpha, beta)
        assert np.all(res.payments <= q + scale)


@settings(max_examples=100, deadline=None)
@given(networks())
def test_default_costs_never_raise_payments(net):
    L, e, b, alpha, beta = net
    en = clear_payments(L, e, b)
    rv = clear_payments(L, e, b, alpha=alpha, beta=beta)
    scale = TOL * (1 + L.sum() + e.sum())
    assert np.all(rv.payments <= en.payments + scale)
    assert np.all(rv.defaulted >= en.defaulted)


@settings(max_examples=100, deadline=None)
@given(networks())
def test_eisenberg_noe_conserves_value(net):
    """Without default costs, outside assets end with outside creditors or as solvent equity."""
    L, e, b, _, _ = net
    res = clear_payments(L, e, b)
    kept = res.external_payments.sum() + res.equity[~res.defaulted].sum()
    assert kept == pytest.approx(e.sum(), rel=1e-9, abs=1e-9)
    np.testing.assert_allclose(res.received.sum(), res.payments.sum(), rtol=1e-12, atol=1e-9)


@pytest.mark.parametrize(("alpha", "beta"), [(1.0, 1.0), (0.5, 0.8)])
def test_large_network_uses_the_iterative_solver_and_matches_the_picard_loop(alpha, beta):
    """Beyond the direct-solve size the default set is solved by sweeps: same greatest vector."""
    rng = np.random.default_rng(11)
    n = 2000
    L = sp.random_array((n, n), density=3.0 / n, format="lil", rng=rng)
    L.setdiag(0)
    L = sp.csr_array(L)
    e = rng.uniform(0.0, 0.3, size=n) * L.sum(axis=1)
    b = rng.uniform(0.0, 0.1, size=n) * L.sum(axis=1)
    res = clear_payments(L, e, b, alpha=alpha, beta=beta)
    assert res.defaulted.sum() > 256  # larger than DIRECT_MAX_SIZE: the iterative path
    dense = L.toarray()
    p_bar = dense.sum(axis=1)
    PiT = (dense / np.where(p_bar > 0, p_bar, 1)[:, None]).T
    owed = p_bar + b
    share = np.divide(p_bar, owed, out=np.ones(n), where=owed > 0)
    q = p_bar
    for _ in range(2000):  # the clearing map from full payment, written densely
        r = PiT @ q
        q_next = np.where(e + r >= owed, p_bar, share * (alpha * e + beta * r))
        if np.max(np.abs(q_next - q)) < 1e-13:
            break
        q = q_next
    np.testing.assert_allclose(res.payments, q_next, atol=1e-9)
    surplus = e + PiT @ q_next - owed
    clear_cut = np.abs(surplus) > 1e-7
    np.testing.assert_array_equal(res.defaulted[clear_cut], surplus[clear_cut] < 0)


def test_a_subnormal_debt_neither_overflows_nor_hides_a_default():
    """Node 0 owes node 1 1e-316 USD; node 1 owes node 2 100 with 50 of its own: it defaults.

    ``1 / 1e-316`` overflows: through the reciprocal node 1 would seem to receive ``inf``.
    """
    L = np.array([[0.0, 1e-316, 0.0], [0.0, 0.0, 100.0], [0.0, 0.0, 0.0]])
    res = clear_payments(L, np.array([1.0, 50.0, 0.0]), alpha=1.0, beta=1.0)
    assert np.isfinite(res.payments).all()
    assert res.defaulted.tolist() == [False, True, False]
    assert res.payments[1] == pytest.approx(50.0)
    assert res.received[1] == pytest.approx(1e-316, rel=1e-6, abs=0.0)
