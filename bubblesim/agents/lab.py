"""AI labs: revenue from end users, compute bought on contract and spot, equity when they can."""

from __future__ import annotations

from typing import ClassVar

import numpy as np
from numba import njit

from bubblesim.agents.base import AgentType, Firm
from bubblesim.columns import Table
from bubblesim.economics import annualised_growth, desired_compute_mw, ewma

QUARTER_WEEKS = 13
"""Labs read growth quarter on quarter, so week-to-week noise does not swing plans."""


class LabTable(Table):
    """The labs' own state, one row per lab (in order of entry).

    Columns: ``row`` (the lab's row in the firm table), ``revenue_share`` (its share of AI end
    revenue), ``revenue_usd_per_year`` (its run-rate), ``expected_growth_per_year`` (adaptive
    expectation), ``desired_mw`` (compute it wants this week), ``equity_refused_event`` (the
    refusal since its last successful round, or −1), ``successor`` (firm row of the lab that
    took over its business, or −1), ``observed_weeks`` (weeks of revenue it has seen).
    """

    FIELDS: ClassVar[dict[str, tuple]] = {
        "row": (np.int64, -1),
        "revenue_share": (np.float64, 0.0),
        "revenue_usd_per_year": (np.float64, 0.0),
        "expected_growth_per_year": (np.float64, 0.0),
        "desired_mw": (np.float64, 0.0),
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
        end_revenue_usd_per_year: float,
        growth_per_year: float,
        weight: float,
        spend_to_revenue: float,
        price_usd_per_mw_year: float,
        funded: bool,
        horizon_years: float,
    ) -> None:
        """``labs`` observe this week's end demand and set the compute they want (MW).

        Revenue is the lab's share of end demand. Observed growth is quarter on quarter,
        annualised (:func:`bubblesim.economics.annualised_growth`); expectations follow it
        adaptively (:func:`bubblesim.economics.ewma`). A lab without revenue yet takes the
        market's growth as its expectation; a lab without revenue a quarter ago observes no
        growth. The compute wanted is ``D = m R (1 + gᵉ)^h / p``
        (:func:`bubblesim.economics.desired_compute_mw`); without outside equity (``funded``
        false) a lab wants no more than it can pay for: its revenue plus its cash spread over
        two years.

        Args:
            labs: Indices of the labs that plan.
            cash_usd: Their cash.
            end_revenue_usd_per_year: AI end-demand revenue.
            growth_per_year: The market's expected growth.
            weight: Adaptive-expectation weight.
            spend_to_revenue: ``m``.
            price_usd_per_mw_year: ``p``.
            funded: Whether the equity window was open last week.
            horizon_years: ``h``.
        """
        _plan(
            labs,
            np.asarray(cash_usd, dtype=np.float64),
            self.revenue_share,
            self.revenue_usd_per_year,
            self.expected_growth_per_year,
            self._history,
            self.observed_weeks,
            self.desired_mw,
            end_revenue_usd_per_year,
            growth_per_year,
            weight,
            spend_to_revenue,
            price_usd_per_mw_year,
            funded,
            horizon_years,
        )

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
        for name in ("revenue_usd_per_year", "expected_growth_per_year"):
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
        revenue_share: Its share of the AI end-demand revenue (the demand driver).
        revenue_usd_per_year: Current revenue run-rate.
        expected_growth_per_year: Adaptive expectation of revenue growth.
        desired_mw: Compute it wants this week.
    """

    TYPE = AgentType.LAB
    exposures = ("demand",)

    def _lab(self, column: str):
        return getattr(self.world.agents.labs, column)[self.index]

    revenue_share = property(lambda self: float(self._lab("revenue_share")))
    revenue_usd_per_year = property(lambda self: float(self._lab("revenue_usd_per_year")))
    expected_growth_per_year = property(lambda self: float(self._lab("expected_growth_per_year")))
    desired_mw = property(lambda self: float(self._lab("desired_mw")))
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
    share,
    revenue,
    growth,
    history,
    seen,
    desired,
    end_revenue,
    market_growth,
    weight,
    spend,
    price,
    funded,
    horizon,
):  # pragma: no cover
    """:meth:`LabTable.plan`, lab by lab (compiled loop)."""
    quarters = 52.0 / QUARTER_WEEKS
    for i in range(labs.size):
        j = labs[i]
        new = share[j] * end_revenue
        if revenue[j] <= 0:
            growth[j] = market_growth
        slot = seen[j] % QUARTER_WEEKS
        old = history[j, slot]
        if seen[j] >= QUARTER_WEEKS and old > 0:
            growth[j] = ewma(growth[j], annualised_growth(new, old, quarters), weight)
        history[j, slot] = new
        seen[j] += 1
        revenue[j] = new
        want = desired_compute_mw(new, growth[j], spend, price, horizon)
        if not funded:
            want = min(want, (new + max(0.0, cash[i]) / 2.0) / price)
        desired[j] = want
