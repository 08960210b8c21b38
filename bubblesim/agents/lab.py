"""AI labs: revenue from end users, compute bought on contract and spot, equity when they can."""

from __future__ import annotations

from bubblesim.agents.base import AgentType, Firm
from bubblesim.economics import desired_compute_mw, ewma
from bubblesim.instruments import ContractKind

QUARTER_WEEKS = 13


class Lab(Firm):
    """An AI lab.

    Args:
        model: The model.
        name: Display name.
        cash_usd: Opening cash.
        revenue_share: Its share of the AI end-demand revenue (the demand driver).

    Attributes:
        revenue_usd_per_year: Current revenue run-rate.
        expected_growth_per_year: Adaptive expectation of revenue growth.
        desired_mw: Compute it wants this week.
    """

    def __init__(self, model, *, name: str, cash_usd: float, revenue_share: float):
        super().__init__(model, name=name, kind=AgentType.LAB, cash_usd=cash_usd)
        self.revenue_share = revenue_share
        self.revenue_usd_per_year = 0.0
        self.expected_growth_per_year = 0.0
        self.desired_mw = 0.0
        self.successor: Lab | None = None
        self.equity_refused_event = -1  # the refusal since its last successful round
        self._history: list[float] = []

    def observe(self, end_revenue_usd_per_year: float, growth_per_year: float, weight: float):
        """Update revenue and growth expectations from this week's end demand.

        The observed growth is quarter on quarter, annualised (``(R_t / R_{t−13})^4 − 1``), so
        week-to-week noise does not swing plans; expectations follow it adaptively.
        """
        new = self.revenue_share * end_revenue_usd_per_year
        if self.revenue_usd_per_year <= 0:
            self.expected_growth_per_year = growth_per_year
        self._history.append(new)
        if len(self._history) > QUARTER_WEEKS:
            old = self._history.pop(0)
            if old > 0:  # a lab without revenue has no observed growth
                realised = min(5.0, max(-0.95, (new / old) ** (52 / QUARTER_WEEKS) - 1.0))
                self.expected_growth_per_year = ewma(
                    self.expected_growth_per_year, realised, weight
                )
        del self._history[: -QUARTER_WEEKS - 1]
        self.revenue_usd_per_year = new

    def decide_compute(
        self,
        spend_to_revenue: float,
        price_usd_per_mw_year: float,
        funded: bool = True,
        horizon_years: float = 1.0,
    ) -> float:
        """Set and return the compute the lab wants (MW), from expected revenue.

        Args:
            spend_to_revenue: Compute spend per dollar of expected revenue.
            price_usd_per_mw_year: Compute price.
            funded: Whether outside equity is available. Without it the lab wants no more
                than it can pay for: its revenue plus its cash spread over two years.
            horizon_years: How far ahead it sizes compute on expected growth.
        """
        want = desired_compute_mw(
            self.revenue_usd_per_year,
            self.expected_growth_per_year,
            spend_to_revenue,
            price_usd_per_mw_year,
            horizon_years,
        )
        if not funded:
            affordable = self.revenue_usd_per_year + max(0.0, self.cash_usd) / 2.0
            want = min(want, affordable / price_usd_per_mw_year)
        self.desired_mw = want
        return want

    def contracted_mw(self) -> float:
        """MW under active or pending GPU cloud contracts."""
        return sum(c.mw for c in self.model.book.contracts_bought_by(self, ContractKind.GPU_CLOUD))

    def usage_share(self) -> float:
        """Share of its contracted capacity the lab wants to use this week (≤ 1)."""
        contracted = self.contracted_mw()
        return 1.0 if contracted <= 0 else min(1.0, self.desired_mw / contracted)

    def weekly_bill_usd(self) -> float:
        """Cash due on its contracts this week."""
        return sum(c.cash_due_usd() for c in self.model.book.contracts_bought_by(self))

    def equity_need_usd(self, buffer_weeks: int, raise_weeks: int) -> float:
        """Size of the equity round the lab seeks now (0 if its cash buffer is enough)."""
        bill = self.weekly_bill_usd()
        burn = max(0.0, bill - self.revenue_usd_per_year / 52)
        if burn <= 0 or self.cash_usd >= buffer_weeks * burn:
            return 0.0
        return raise_weeks * burn
