"""DebtRank (single and differential): hand-checked networks, the linear regime, invariants."""

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from bubblesim.contagion import debtrank


def _chain():
    """Node 0 lent 5 to node 1 (equity 10); node 1 lent 4 to node 2 (equity 2); node 2 fails."""
    X = np.zeros((3, 3))
    X[0, 1], X[1, 2] = 5.0, 4.0
    return X, np.array([10.0, 2.0, 8.0]), np.array([0.0, 0.0, 1.0])


@pytest.mark.parametrize("method", ["single", "differential"])
def test_chain_by_hand(method):
    """Node 1 loses min(1, 4/2)·1 = all its equity; node 0 then loses (5/10)·1 = 0.5.

    Equity weights (10, 2, 8)/20: R = 0.5·0.5 + 0.1·1 + 0.4·1 − 0.4·1 = 0.35.
    """
    X, E, shock = _chain()
    res = debtrank(X, E, shock, method=method)
    np.testing.assert_allclose(res.h, [0.5, 1.0, 1.0])
    assert res.debtrank == pytest.approx(0.35)
    np.testing.assert_allclose(res.h_path[0], shock)
    np.testing.assert_allclose(res.h_path[1], [0.0, 1.0, 1.0])


def test_single_propagates_once_around_a_cycle():
    """Two nodes exposed to each other with Λ = 1/2, shock 0.2 on node 0.

    Round 1: node 0 passes 0.5·0.2 = 0.1 to node 1. Round 2: node 1 passes 0.5·0.1 = 0.05 back;
    node 0 is inactive and passes nothing more. h = (0.25, 0.1).
    """
    X = np.array([[0.0, 1.0], [1.0, 0.0]])
    res = debtrank(X, [2.0, 2.0], [0.2, 0.0], method="single")
    np.testing.assert_allclose(res.h, [0.25, 0.1])
    assert res.rounds == 2
    assert res.debtrank == pytest.approx(0.5 * 0.25 + 0.5 * 0.1 - 0.5 * 0.2)


def test_differential_reverberates_around_a_cycle():
    """Same network: h = (I − Λ)⁻¹ h0 = (4/3)·(0.2, 0.1) = (0.2667, 0.1333)."""
    X = np.array([[0.0, 1.0], [1.0, 0.0]])
    res = debtrank(X, [2.0, 2.0], [0.2, 0.0], method="differential")
    np.testing.assert_allclose(res.h, [0.8 / 3, 0.4 / 3], atol=1e-10)
    assert res.converged


def test_differential_equals_the_linear_solution_in_the_stable_regime():
    rng = np.random.default_rng(7)
    n = 30
    X = rng.random((n, n)) * (rng.random((n, n)) < 0.2)
    np.fill_diagonal(X, 0.0)
    E = X.sum(axis=1) * 2.0 + 1.0  # row sums of Λ below 1/2: spectral radius < 1
    shock = rng.random(n) * 0.01
    Lam = X / E[:, None]
    expected = np.linalg.solve(np.eye(n) - Lam, shock)
    assert expected.max() < 1  # no node reaches default: the linear regime holds
    res = debtrank(sp.csr_matrix(X), E, shock)
    np.testing.assert_allclose(res.h, expected, atol=1e-10)


def test_custom_weights_and_no_network():
    res = debtrank(np.zeros((3, 3)), [1.0, 1.0, 1.0], [0.5, 0.0, 0.1], weights=[1.0, 1.0, 1.0])
    np.testing.assert_array_equal(res.h, [0.5, 0.0, 0.1])
    assert res.debtrank == 0.0


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"method": "both"}, "method must be one of"),
        ({"equity": [1.0, 0.0]}, "equity must be strictly positive"),
        ({"shock": [1.5, 0.0]}, "shock must lie in"),
        ({"shock": [-0.1, 0.0]}, "shock contains negative"),
        ({"weights": [1.0, -1.0]}, "weights contains negative"),
        ({"exposures": [[0.0, -1.0], [0.0, 0.0]]}, "exposures contains negative"),
        ({"exposures": [[1.0, 1.0], [0.0, 0.0]]}, "nonzero diagonal"),
        ({"equity": [1.0, 1.0, 1.0]}, "equity must have shape"),
    ],
)
def test_bad_input_raises(kwargs, message):
    args = {"exposures": [[0.0, 1.0], [1.0, 0.0]], "equity": [1.0, 1.0], "shock": [0.1, 0.0]}
    with pytest.raises(ValueError, match=message):
        debtrank(**(args | kwargs))


@st.composite
def stressed_networks(draw):
    n = draw(st.integers(2, 15))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    X = rng.random((n, n)) * 10 * (rng.random((n, n)) < draw(st.floats(0.1, 0.8)))
    np.fill_diagonal(X, 0.0)
    E = rng.random(n) * 10 + 0.1
    shock = rng.random(n) * (rng.random(n) < 0.3)
    return X, E, shock


@settings(max_examples=100, deadline=None)
@given(stressed_networks(), st.sampled_from(["single", "differential"]))
def test_debtrank_invariants(net, method):
    X, E, shock = net
    res = debtrank(X, E, shock, method=method)
    assert np.all((res.h >= shock) & (res.h <= 1.0))
    assert np.all(np.diff(res.h_path, axis=0) >= 0)  # distress never recedes
    assert res.debtrank >= -1e-12
    np.testing.assert_array_equal(res.h, res.h_path[-1])
    again = debtrank(X, E, shock, method=method)
    np.testing.assert_array_equal(res.h_path, again.h_path)
    # a node with no exposure to a distressed node keeps its initial shock
    exposed = (X > 0) @ (res.h > 0)
    np.testing.assert_array_equal(res.h[~exposed], shock[~exposed])
