"""Exponential price impact of fire sales.

Selling ``x`` units of an asset into a market of depth ``D`` moves its price from ``p`` to

    p' = p · exp(−κ x / D),

the exponential inverse demand curve ``p(x) = p(0) e^{−αx}`` of Cifuentes, Ferrucci & Shin
(2005), with ``α = κ/D``, and the market-impact function ``p = exp(−α x)`` of Caccioli et al.
(2014), where ``x`` is the fraction of the asset liquidated. Parameterisation:

* ``impact`` ``κ = 1`` (the default): ``market_depth`` is the quantity whose sale lowers the
  price by the factor ``e^{−1}`` (about −63%); selling 10% of the depth lowers it by 9.5%.
* ``impact = CACCIOLI_IMPACT = −ln(0.9)/0.1 ≈ 1.0536``: ``market_depth`` is the amount
  outstanding and selling 10% of it lowers the price by exactly 10% (Caccioli et al. 2014).

The impact depends only on the cumulative quantity, so selling ``x₁`` then ``x₂`` gives the same
price as selling ``x₁ + x₂`` at once.

References:
    Cifuentes, R., Ferrucci, G., & Shin, H. S. (2005). Liquidity risk and contagion. Journal
    of the European Economic Association, 3(2–3), 556–566.
    Caccioli, F., Shrestha, M., Moore, C., & Farmer, J. D. (2014). Stability analysis of
    financial contagion due to overlapping portfolios. Journal of Banking & Finance, 46,
    233–245.
"""

import math

import numpy as np

#: ``κ`` with which selling 10% of the market depth lowers the price by 10%.
CACCIOLI_IMPACT = -math.log(0.9) / 0.1


def _checked(value, name: str, *, positive: bool = False) -> np.ndarray:
    """Return ``value`` as a float array, rejecting NaN, infinities and negatives."""
    arr = np.asarray(value, dtype=float)
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} contains NaN or infinite values")
    if positive and np.any(arr <= 0):
        raise ValueError(f"{name} must be positive")
    if np.any(arr < 0):
        raise ValueError(f"{name} must be non-negative")
    return arr


def price_after_sales(price, quantity_sold, market_depth, impact: float = 1.0):
    """Price after a fire sale, with exponential impact ``p' = p · exp(−κ x / D)``.

    Cifuentes, Ferrucci & Shin (2005) inverse demand ``p = e^{−αx}``; Caccioli et al. (2014)
    impact ``p = exp(−α x)``. Vectorised: the arguments broadcast against each other, one
    entry per asset.

    Args:
        price: ``p``, the price before the sale (≥ 0), any currency per unit.
        quantity_sold: ``x``, units sold in the market (≥ 0).
        market_depth: ``D``, units that lower the price by ``e^{−κ}`` (> 0).
        impact: ``κ`` (> 0). 1 by default; :data:`CACCIOLI_IMPACT` makes ``D`` the amount
            whose 10% sale lowers the price by 10%.

    Returns:
        The new price ``p'``, a float for scalar inputs, else an array of the broadcast shape.

    Raises:
        ValueError: On NaN, infinite or negative inputs, or a non-positive depth or impact.
    """
    p = _checked(price, "price")
    x = _checked(quantity_sold, "quantity_sold")
    depth = _checked(market_depth, "market_depth", positive=True)
    _checked(impact, "impact", positive=True)
    out = p * np.exp(-impact * x / depth)
    return float(out) if out.ndim == 0 else out


def quantity_for_price(price, target_price, market_depth, impact: float = 1.0):
    """Units that must be sold to take the price from ``p`` down to ``p'``.

    The inverse of :func:`price_after_sales`: ``x = (D/κ) · ln(p / p')``.

    Args:
        price: ``p``, the price before the sale (> 0).
        target_price: ``p'``, the price after the sale, ``0 < p' ≤ p``.
        market_depth: ``D`` (> 0), as in :func:`price_after_sales`.
        impact: ``κ`` (> 0), as in :func:`price_after_sales`.

    Returns:
        The quantity ``x ≥ 0``, a float for scalar inputs, else an array.

    Raises:
        ValueError: On NaN, infinite or non-positive inputs, or a target above the price.
    """
    p = _checked(price, "price", positive=True)
    target = _checked(target_price, "target_price", positive=True)
    depth = _checked(market_depth, "market_depth", positive=True)
    _checked(impact, "impact", positive=True)
    if np.any(target > p):
        raise ValueError("target_price must not exceed price: sales only lower the price")
    out = depth / impact * (np.log(p) - np.log(target))
    return float(out) if out.ndim == 0 else out
