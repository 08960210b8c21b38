"""Exponential fire-sale price impact: exact values, vectorisation, inverse, bad input."""

import math
import sys

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bubblesim.contagion import CACCIOLI_IMPACT, price_after_sales, quantity_for_price


def test_selling_the_depth_lowers_the_price_by_e():
    assert price_after_sales(100.0, 50.0, 50.0) == pytest.approx(100.0 / math.e)


def test_no_sale_leaves_the_price():
    assert price_after_sales(42.0, 0.0, 7.0) == 42.0


def test_caccioli_calibration_ten_percent_sold_ten_percent_fall():
    """Caccioli et al. (2014): liquidating 10% of an asset lowers its price by 10%."""
    assert price_after_sales(1.0, 10.0, 100.0, impact=CACCIOLI_IMPACT) == pytest.approx(0.9)
    assert abs(CACCIOLI_IMPACT - 1.0536) < 1e-4


def test_vectorised_over_assets():
    prices = np.array([10.0, 20.0, 30.0])
    sold = np.array([0.0, 1.0, 4.0])
    depth = np.array([1.0, 1.0, 2.0])
    out = price_after_sales(prices, sold, depth)
    np.testing.assert_allclose(out, [10.0, 20.0 * math.exp(-1), 30.0 * math.exp(-2)])
    assert isinstance(out, np.ndarray)
    np.testing.assert_array_equal(prices, [10.0, 20.0, 30.0])  # inputs untouched


@settings(max_examples=100, deadline=None)
@given(
    st.floats(0.01, 1e6),
    st.floats(0, 1e3),
    st.floats(0, 1e3),
    st.floats(0.1, 1e4),
    st.floats(0.1, 5),
)
def test_split_sales_equal_one_sale_and_the_inverse_recovers_the_quantity(p, x1, x2, d, k):
    once = price_after_sales(p, x1 + x2, d, impact=k)
    twice = price_after_sales(price_after_sales(p, x1, d, impact=k), x2, d, impact=k)
    assert twice == pytest.approx(once, rel=1e-9, abs=1e-300)
    assert 0 <= once <= p
    if once >= sys.float_info.min:  # a subnormal price has too few digits left to invert
        assert quantity_for_price(p, once, d, impact=k) == pytest.approx(
            x1 + x2, rel=1e-6, abs=1e-9
        )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((-1.0, 1.0, 1.0), "price must be non-negative"),
        ((1.0, -1.0, 1.0), "quantity_sold must be non-negative"),
        ((1.0, 1.0, 0.0), "market_depth must be positive"),
        ((1.0, np.nan, 1.0), "quantity_sold contains NaN"),
        ((1.0, 1.0, np.inf), "market_depth contains NaN"),
    ],
)
def test_bad_input_raises(args, message):
    with pytest.raises(ValueError, match=message):
        price_after_sales(*args)


def test_bad_impact_and_inverse_targets_raise():
    with pytest.raises(ValueError, match="impact must be positive"):
        price_after_sales(1.0, 1.0, 1.0, impact=0.0)
    with pytest.raises(ValueError, match="target_price must not exceed price"):
        quantity_for_price(1.0, 2.0, 1.0)
    with pytest.raises(ValueError, match="target_price must be positive"):
        quantity_for_price(1.0, 0.0, 1.0)
