"""The spot market for compute: idle capacity meets labs' uncontracted demand each week.

Compute is traded in compute units (CU: the compute of one MW-IT of week-0 frontier chips for
a year), so every chip generation sells into one market at one price per unit, and a MW of an
older generation rents for ``p × e`` (:func:`bubblesim.economics.vintage_rent_usd_per_mw_year`).
The price moves with excess demand (:func:`bubblesim.economics.spot_price_update`) between a
floor and a ceiling that follow the long-run price of new compute
(:func:`bubblesim.economics.compute_anchor_usd_per_cu_year`): when a faster generation arrives,
the ceiling falls with the cost of a new compute unit and every older vintage's rent with it.
The rental ratio (the price over that long-run level) feeds GPU values.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from numba import njit

from bubblesim.economics import (
    compute_anchor_usd_per_cu_year,
    spot_price_update,
    vintage_rent_usd_per_mw_year,
)

if TYPE_CHECKING:
    from bubblesim.config import ModelConfig


class SpotMarket:
    """The spot price of a compute unit and this week's trade.

    Args:
        config: The model configuration.

    Attributes:
        price_usd_per_cu_year: Spot rent of one compute unit (one MW-IT of week-0 frontier
            chips) for a year.
        initial_usd_per_cu_year: Its week-0 level (the GPU cloud contract price, calib. §1).
        anchor_usd_per_cu_year: The long-run price of a new compute unit now
            (:func:`bubblesim.economics.compute_anchor_usd_per_cu_year`).
        rental_ratio: The price over its long-run level (1 at week 0).
        traded_cu: Compute traded on the spot market this week, compute units.
    """

    def __init__(self, config: ModelConfig):
        self.cfg = config.markets
        price = config.contracts.contract_gpu_cloud_price_usd_per_mw_year
        self.price_usd_per_cu_year = price
        self.initial_usd_per_cu_year = price
        self.anchor_usd_per_cu_year = price
        self.rental_ratio = 1.0
        self.traded_cu = 0.0
        self.version = 0  # changes with the price

    @property
    def floor_usd_per_cu_year(self) -> float:
        """The lowest price: a share of the long-run price (operating cost of running GPUs)."""
        return self.cfg.market_spot_floor_share * self.anchor_usd_per_cu_year

    @property
    def ceiling_usd_per_cu_year(self) -> float:
        """The highest price in a shortage: a multiple of the long-run price of new compute."""
        return self.cfg.market_spot_ceiling_multiple * self.anchor_usd_per_cu_year

    def rent_usd_per_mw_year(self, efficiency):
        """Market rent of one MW-IT of GPUs of the given efficiency (a chip generation)."""
        return vintage_rent_usd_per_mw_year(self.price_usd_per_cu_year, efficiency)

    def observe(self, frontier_efficiency: float, list_price_ratio: float = 1.0) -> None:
        """A new week's long-run price: the price is held within its (moved) bounds.

        When a faster generation arrives the ceiling falls at once with the cost of new
        compute: nobody pays more for old compute than a multiple of what new compute costs.
        """
        anchor = compute_anchor_usd_per_cu_year(
            self.initial_usd_per_cu_year, list_price_ratio, frontier_efficiency
        )
        if anchor == self.anchor_usd_per_cu_year:
            return
        self.anchor_usd_per_cu_year = anchor
        self._bound(self.price_usd_per_cu_year)

    def clear(self, demand_cu: float, supply_cu: float, traded_cu: float) -> None:
        """Record the week's trade, then move the price with excess demand (within bounds)."""
        self.traded_cu = traded_cu
        self._bound(
            spot_price_update(
                self.price_usd_per_cu_year,
                demand_cu,
                supply_cu,
                self.cfg.market_spot_sensitivity_per_week,
                self.floor_usd_per_cu_year,
            )
        )

    def _bound(self, price: float) -> None:
        low, high = self.floor_usd_per_cu_year, self.ceiling_usd_per_cu_year
        self.price_usd_per_cu_year = min(high, max(low, price))
        self.rental_ratio = self.price_usd_per_cu_year / self.anchor_usd_per_cu_year
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
