"""The spot market for compute: idle capacity meets labs' uncontracted demand each week.

Its price moves with excess demand (:func:`bubblesim.economics.spot_price_update`) between a
floor and a ceiling; the rental ratio (spot price over its opening level) feeds GPU values.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from numba import njit

from bubblesim.economics import spot_price_update

if TYPE_CHECKING:
    from bubblesim.config import ModelConfig


class SpotMarket:
    """The spot price of frontier-equivalent compute and this week's trade.

    Args:
        config: The model configuration.

    Attributes:
        price_usd_per_mw_year: Spot rent of frontier-equivalent compute.
        initial_usd_per_mw_year: Spot rent at week 0 (the GPU cloud contract price).
        rental_ratio: Spot rent now over spot rent at week 0.
        traded_mw: Compute traded on the spot market this week, MW-IT (frontier-equivalent).
    """

    def __init__(self, config: ModelConfig):
        self.cfg = config.markets
        price = config.contracts.contract_gpu_cloud_price_usd_per_mw_year
        self.price_usd_per_mw_year = price
        self.initial_usd_per_mw_year = price
        self.rental_ratio = 1.0
        self.traded_mw = 0.0
        self.version = 0  # changes with the price

    def clear(self, demand_mw: float, supply_mw: float, traded_mw: float) -> None:
        """Record the week's trade, then move the price with excess demand (capped)."""
        self.traded_mw = traded_mw
        self.price_usd_per_mw_year = spot_price_update(
            self.price_usd_per_mw_year,
            demand_mw,
            supply_mw,
            self.cfg.market_spot_sensitivity_per_week,
            self.cfg.market_spot_floor_share * self.initial_usd_per_mw_year,
        )
        ceiling = self.cfg.market_spot_ceiling_multiple * self.initial_usd_per_mw_year
        self.price_usd_per_mw_year = min(self.price_usd_per_mw_year, ceiling)
        self.rental_ratio = self.price_usd_per_mw_year / self.initial_usd_per_mw_year
        self.version += 1


def match_payments(paid, received) -> list[tuple[int, int, float]]:
    """Pair buyers' payments with sellers' receipts in order (a two-pointer merge).

    Every buyer pays exactly its amount and every seller receives exactly its amount (the two
    lists have equal sums), with at most ``len(paid) + len(received) − 1`` transfers instead of
    one per buyer–seller pair.

    Args:
        paid: What each buyer pays.
        received: What each seller receives (same total).

    Returns:
        ``(buyer index, seller index, amount)`` triples.
    """
    pairs, amounts = payment_pairs(np.asarray(paid, float), np.asarray(received, float))
    return list(zip(pairs[0].tolist(), pairs[1].tolist(), amounts.tolist(), strict=True))


@njit(cache=True)
def payment_pairs(paid, received):  # pragma: no cover
    """:func:`match_payments` as arrays: ``((2, m) buyer and seller indices, amounts)``."""
    m_max = paid.size + received.size
    pairs, amounts = np.empty((2, m_max), np.int64), np.empty(m_max)
    m = i = j = 0
    left_i = paid[0] if paid.size else 0.0
    left_j = received[0] if received.size else 0.0
    while i < paid.size and j < received.size:
        amount = min(left_i, left_j)
        if amount > 0:
            pairs[0, m], pairs[1, m], amounts[m] = i, j, amount
            m += 1
        left_i -= amount
        left_j -= amount
        if left_i <= 1e-9 * max(1.0, paid[i]):
            i += 1
            left_i = paid[i] if i < paid.size else 0.0
        if left_j <= 1e-9 * max(1.0, received[j]):
            j += 1
            left_j = received[j] if j < received.size else 0.0
    return pairs[:, :m].copy(), amounts[:m].copy()
