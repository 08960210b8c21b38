"""Lenders: banks, private credit, convertible holders and crypto lenders."""

from __future__ import annotations

from bubblesim.agents.base import AgentType, Firm
from bubblesim.economics import CreditPolicy, credit_policy


class Lender(Firm):
    """A lender with capital, a loan book and funding that can run.

    Args:
        model: The model.
        name: Display name.
        cash_usd: Opening cash (capital plus funding not lent out).
        funding_usd: Funding from depositors or investors (a liability that can run).
        capital_target_ratio: Capital per dollar of loans below which it tightens.

    Attributes:
        policy: The credit policy set this week.
        initial_capital_usd: Capital at week 0 (set when the books open).
        losses_usd: Cumulative write-offs.
    """

    def __init__(
        self,
        model,
        *,
        name: str,
        cash_usd: float,
        funding_usd: float,
        capital_target_ratio: float,
    ):
        super().__init__(model, name=name, kind=AgentType.LENDER, cash_usd=cash_usd)
        self.funding_usd = funding_usd
        self.capital_target_ratio = capital_target_ratio
        self.initial_capital_usd = 0.0
        self.losses_usd = 0.0
        self.last_loss_event = -1
        self.policy = CreditPolicy(0.0, 1.0, 0.0, True, 0.0)

    def open_books(self) -> None:
        """Open the books and remember the opening capital."""
        super().open_books()
        self.initial_capital_usd = self.equity_usd

    def capital_ratio(self) -> float:
        """Capital per dollar of loans."""
        loans = self.loans_receivable_usd()
        return float("inf") if loans <= 0 else self.equity_usd / loans

    def set_policy(self, sensitivity: float, stress_spread: float, responsive: bool) -> None:
        """Set this week's credit policy from capital (fixed at normal terms if not responsive)."""
        loans = self.loans_receivable_usd()
        if responsive:
            self.policy = credit_policy(
                self.equity_usd, loans, self.capital_target_ratio, sensitivity, stress_spread
            )
        else:
            capacity = max(0.0, self.initial_capital_usd / self.capital_target_ratio - loans)
            self.policy = CreditPolicy(0.0, 1.0, 0.0, not self.defaulted, capacity)
        if self.defaulted:
            self.policy = CreditPolicy(1.0, 0.0, 0.0, not responsive, 0.0)
