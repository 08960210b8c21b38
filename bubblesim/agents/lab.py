"""AI labs: revenue from end users, compute bought on contract and spot, equity when they can."""

from __future__ import annotations

from typing import ClassVar

import numpy as np
from numba import njit

from bubblesim.agents.base import AgentType, Firm
from bubblesim.columns import Table
from bubblesim.economics import (
    annualised_growth,
    desired_compute_cu,
    ewma,
    served_revenue_usd_per_year,
)

QUARTER_WEEKS = 13
"""Labs read growth quarter on quarter, so week-to-week noise does not swing plans."""


class LabTable(Table):
    """The labs' own state, one row per lab (in order of entry).

    Columns: ``row`` (the lab's row in the firm table), ``revenue_share`` (its share of AI
    adoption, the demand driver), ``potential_revenue_usd_per_year`` (what its users would pay
    if fully served), ``revenue_usd_per_year`` (the run-rate it earns, served by the compute it
    has), ``compute_cu`` (compute units it has this week: active contracts and last week's spot
    purchases), ``spot_bought_cu`` (compute bought on the spot market this week),
    ``expected_growth_per_year`` (adaptive expectation), ``desired_cu`` (compute it wants this
    week, compute units),
    ``equity_refused_event`` (the refusal since its last successful round, or −1),
    ``successor`` (firm row of the lab that took over its business, or −1), ``observed_weeks``
    (weeks of revenue it has seen).
    """

    FIELDS: ClassVar[dict[str, tuple]] = {
        "row": (np.int64, -1),
        "revenue_share": (np.float64, 0.0),
        "revenue_usd_per_year": (np.float64, 0.0),
        "potential_revenue_usd_per_year": (np.float64, 0.0),
        "compute_cu": (np.float64, 0.0),
        "spot_bought_cu": (np.float64, 0.0),
        "expected_growth_per_year": (np.float64, 0.0),
        "desired_cu": (np.float64, 0.0),
        "equity_refused_event": (np.int64, -1),
        "successor": (np.int64, -1),
        "observed_weeks": (np.int64, 0),
    }

    def __init__(self) -> None:
        super().__init__()
        self._history = np.zeros((16, QUARTER_WEEKS))  # revenue of the last quarter's weeks

    def add(self, row: int, revenue_share: float) -> int:
        """Register a lab (its firm row) and return its index."""
        index = self._append(row=row, revenue_share=revenue_share)
        if index >= self._history.shape[0]:
            self._history = np.vstack([self._history, np.zeros_like(self._history)])
        return index

    def plan(
        self,
        labs: np.ndarray,
        cash_usd: np.ndarray,
        raisable_usd: np.ndarray,
        compute_cu: np.ndarray,
        adoption_usd_per_year: float,
        growth_per_year: float,
        weight: float,
        spend_to_revenue: float,
        price_usd_per_cu_year: float,
        horizon_years: float,
        revenue_per_cu_usd_per_year: float,
        compute_elasticity: float,
    ) -> None:
        """``labs`` observe this week's demand, earn what their compute serves, and plan compute.

        A lab's potential revenue is its share of adoption; the revenue it earns is what the
        compute it has serves (:func:`bubblesim.economics.served_revenue_usd_per_year`).
        Observed growth is that of potential revenue, quarter on quarter, annualised
        (:func:`bubblesim.economics.annualised_growth`); expectations follow it adaptively
        (:func:`bubblesim.economics.ewma`). A lab without revenue yet takes the market's growth
        as its expectation; a lab without revenue a quarter ago observes no growth. The compute
        wanted is ``D = m A (1 + gᵉ)^h / p``
        (:func:`bubblesim.economics.desired_compute_cu`), no more than it can pay for: its
        revenue plus its cash and what it can raise at its valuation, spread over two years.

        Args:
            labs: Indices of the labs that plan.
            cash_usd: Their cash.
            raisable_usd: What each could raise now (0 with the equity window shut).
            compute_cu: Compute units each has this week.
            adoption_usd_per_year: AI end demand (the demand driver's revenue).
            growth_per_year: The market's expected growth.
            weight: Adaptive-expectation weight.
            spend_to_revenue: ``m``.
            price_usd_per_cu_year: ``p``, the market price of a compute unit.
            horizon_years: ``h``.
            revenue_per_cu_usd_per_year: Revenue one compute unit serves.
            compute_elasticity: Elasticity of served revenue to compute.
        """
        self._cols["compute_cu"][labs] = compute_cu
        _plan(
            labs,
            np.asarray(cash_usd, dtype=np.float64),
            np.asarray(raisable_usd, dtype=np.float64),
            np.asarray(compute_cu, dtype=np.float64),
            self.revenue_share,
            self.revenue_usd_per_year,
            self.potential_revenue_usd_per_year,
            self.expected_growth_per_year,
            self._history,
            self.observed_weeks,
            self.desired_cu,
            adoption_usd_per_year,
            growth_per_year,
            weight,
            spend_to_revenue,
            price_usd_per_cu_year,
            horizon_years,
            revenue_per_cu_usd_per_year,
            compute_elasticity,
        )

    def open(self, index: int, potential_usd_per_year: float, growth_per_year: float) -> None:
        """The books open: the lab earns its share of adoption, fully served, and expects growth."""
        cols = self._cols
        cols["potential_revenue_usd_per_year"][index] = potential_usd_per_year
        cols["revenue_usd_per_year"][index] = potential_usd_per_year
        cols["expected_growth_per_year"][index] = growth_per_year

    def bought_spot(self, labs: np.ndarray, cu: np.ndarray) -> None:
        """Compute units each lab bought on the spot market this week."""
        self._cols["spot_bought_cu"][labs] = cu

    def refuse_equity(self, index: int, event: int) -> None:
        """Its equity round was refused (event ``event``)."""
        self._cols["equity_refused_event"][index] = event

    def raised_equity(self, index: int) -> None:
        """It raised equity: any earlier refusal no longer explains a default."""
        self._cols["equity_refused_event"][index] = -1

    def succeed(self, index: int, successor_index: int) -> None:
        """A recapitalised successor takes over a defaulted lab's business and expectations."""
        cols = self._cols
        cols["successor"][index] = cols["row"][successor_index]
        for name in ("potential_revenue_usd_per_year", "expected_growth_per_year"):
            cols[name][successor_index] = cols[name][index]


def equity_need_usd(
    weekly_bill_usd: np.ndarray,
    revenue_usd_per_year: np.ndarray,
    cash_usd: np.ndarray,
    buffer_weeks: int,
    raise_weeks: int,
) -> np.ndarray:
    """Size of the equity round each lab seeks now (0 if its cash buffer is enough).

    A lab burning cash (contract bills above revenue) raises ``raise_weeks`` of its burn once
    its cash falls below ``buffer_weeks`` of it.
    """
    burn = np.maximum(0.0, weekly_bill_usd - revenue_usd_per_year / 52)
    short = (burn > 0) & (cash_usd < buffer_weeks * burn)
    return np.where(short, raise_weeks * burn, 0.0)


class Lab(Firm):
    """An AI lab (a view of its rows in the firm and lab tables).

    Attributes:
        revenue_share: Its share of AI adoption (the demand driver).
        potential_revenue_usd_per_year: What its users would pay if fully served.
        revenue_usd_per_year: Revenue run-rate it earns (served by its compute).
        compute_cu: Compute units it has this week.
        expected_growth_per_year: Adaptive expectation of revenue growth.
        desired_cu: Compute it wants this week, compute units.
    """

    TYPE = AgentType.LAB
    exposures = ("demand",)

    def _lab(self, column: str):
        return getattr(self.world.agents.labs, column)[self.index]

    revenue_share = property(lambda self: float(self._lab("revenue_share")))
    revenue_usd_per_year = property(lambda self: float(self._lab("revenue_usd_per_year")))
    potential_revenue_usd_per_year = property(
        lambda self: float(self._lab("potential_revenue_usd_per_year"))
    )
    compute_cu = property(lambda self: float(self._lab("compute_cu")))
    expected_growth_per_year = property(lambda self: float(self._lab("expected_growth_per_year")))
    desired_cu = property(lambda self: float(self._lab("desired_cu")))
    equity_refused_event = property(lambda self: int(self._lab("equity_refused_event")))

    @property
    def successor(self) -> Lab | None:
        """The lab that took over its business after its default, if any."""
        row = int(self._lab("successor"))
        return None if row < 0 else self.world.agents.firms[row]


@njit(cache=True)
def _plan(
    labs,
    cash,
    raisable,
    compute,
    share,
    revenue,
    potential,
    growth,
    history,
    seen,
    desired,
    adoption,
    market_growth,
    weight,
    spend,
    price,
    horizon,
    per_cu,
    elasticity,
):  # pragma: no cover
    """:meth:`LabTable.plan`, lab by lab (compiled loop)."""
    quarters = 52.0 / QUARTER_WEEKS
    for i in range(labs.size):
        j = labs[i]
        new = share[j] * adoption
        if potential[j] <= 0:
            growth[j] = market_growth
        slot = seen[j] % QUARTER_WEEKS
        old = history[j, slot]
        if seen[j] >= QUARTER_WEEKS and old > 0:
            growth[j] = ewma(growth[j], annualised_growth(new, old, quarters), weight)
        history[j, slot] = new
        seen[j] += 1
        potential[j] = new
        revenue[j] = served_revenue_usd_per_year(new, compute[i], per_cu, elasticity)
        want = desired_compute_cu(new, growth[j], spend, price, horizon)
        funds = max(0.0, cash[i]) + max(0.0, raisable[i])
        desired[j] = min(want, (revenue[j] + funds / 2.0) / price)
