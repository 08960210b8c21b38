"""Gai & Kapadia (2010) cascades: the failure rule by hand, the network, the contagion window."""

import numpy as np
import pytest

from bubblesim.contagion import contagion_statistics, gai_kapadia
from bubblesim.contagion.gai_kapadia import _erdos_renyi_edges


def test_complete_network_of_five_fails_entirely():
    """Each bank lent to 4 others: one failure costs 0.2/4 = 0.05 > 0.04, so all fail."""
    f = gai_kapadia(5, 4.0, 0.2, 0.04, 20, np.random.default_rng(0))
    np.testing.assert_array_equal(f, np.ones(20))


def test_losses_equal_to_capital_do_not_fail():
    """Each bank lent to 5 others: one failure costs 0.2/5 = 0.04, not more than 0.04."""
    f = gai_kapadia(6, 5.0, 0.2, 0.04, 20, np.random.default_rng(0))
    np.testing.assert_allclose(f, np.full(20, 1 / 6))


def test_full_recovery_stops_contagion():
    f = gai_kapadia(200, 3.0, 0.2, 0.04, 50, np.random.default_rng(1), recovery_rate=1.0)
    np.testing.assert_allclose(f, np.full(50, 1 / 200))


def test_without_links_only_the_first_bank_fails():
    f = gai_kapadia(100, 0.0, 0.2, 0.04, 10, np.random.default_rng(2))
    np.testing.assert_allclose(f, np.full(10, 0.01))


def test_erdos_renyi_edges_are_distinct_loops_free_and_of_the_right_density():
    n, z, m = 300, 4.0, 20
    lender, borrower = _erdos_renyi_edges(n, z / (n - 1), m, np.random.default_rng(3))
    assert np.all(lender != borrower)
    assert np.all(lender // n == borrower // n)  # loans stay inside their own network
    keys = lender * (m * n) + borrower
    assert np.unique(keys).size == keys.size
    assert lender.size / (n * m) == pytest.approx(z, rel=0.03)


def test_same_seed_same_runs_and_seeds_differ():
    a = gai_kapadia(300, 3.0, 0.2, 0.04, 40, np.random.default_rng(5))
    b = gai_kapadia(300, 3.0, 0.2, 0.04, 40, np.random.default_rng(5))
    c = gai_kapadia(300, 3.0, 0.2, 0.04, 40, np.random.default_rng(6))
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)


def test_batching_does_not_change_the_distribution_of_outcomes():
    """Small batches (many rounds of sampling) give the same contagion frequency."""
    one = gai_kapadia(300, 3.0, 0.2, 0.04, 300, np.random.default_rng(7))
    many = gai_kapadia(
        300, 3.0, 0.2, 0.04, 300, np.random.default_rng(8), max_edges_per_batch=5_000
    )
    assert one.shape == many.shape == (300,)
    f_one, f_many = contagion_statistics(one)[0], contagion_statistics(many)[0]
    assert abs(f_one - f_many) < 0.12  # about 3 standard errors of a difference at 300 runs


def test_contagion_statistics_by_hand():
    freq, extent = contagion_statistics([0.001, 0.05, 0.9, 0.02, 1.0])
    assert freq == pytest.approx(0.6)
    assert extent == pytest.approx((0.05 + 0.9 + 1.0) / 3)
    freq, extent = contagion_statistics([0.0, 0.01])
    assert freq == 0.0
    assert np.isnan(extent)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"n_banks": 1}, "n_banks"),
        ({"n_runs": 0}, "n_runs"),
        ({"avg_degree": -1.0}, "avg_degree"),
        ({"avg_degree": 200.0}, "avg_degree"),
        ({"interbank_share": 0.0}, "interbank_share"),
        ({"capital_buffer": 1.5}, "capital_buffer"),
        ({"recovery_rate": -0.1}, "recovery_rate"),
    ],
)
def test_bad_parameters_raise(kwargs, message):
    args = {
        "n_banks": 100,
        "avg_degree": 3.0,
        "interbank_share": 0.2,
        "capital_buffer": 0.04,
        "n_runs": 5,
        "rng": np.random.default_rng(0),
    }
    with pytest.raises(ValueError, match=message):
        gai_kapadia(**(args | kwargs))


def test_contagion_window_of_figure_1():
    """1,000 banks, 20% interbank assets, 4% capital, 200 runs per z: the window's shape.

    Near-zero frequency at z = 0.5 (no giant component) and z = 10 (too few vulnerable banks),
    high in between, and near-total extent where contagion happens (robust-yet-fragile).
    """
    rng = np.random.default_rng(2010)
    stats = {
        z: contagion_statistics(gai_kapadia(1000, z, 0.2, 0.04, 200, rng))
        for z in (0.5, 3.0, 4.0, 10.0)
    }
    assert stats[0.5][0] <= 0.02
    assert stats[10.0][0] <= 0.02
    for z in (3.0, 4.0):
        frequency, extent = stats[z]
        assert frequency >= 0.5
        assert extent >= 0.9
