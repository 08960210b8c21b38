"""The common balance sheet of every agent.

Assets: cash, hardware at market value (GPUs, ASICs), halls (at cost, or under construction),
prepaid compute, loans receivable. Liabilities: loans payable, deferred revenue (prepayments
received), lender funding. Equity is tracked separately, by profit and loss and revaluations
posted as they happen; the identity ``assets = liabilities + equity`` is therefore a check, not a
definition.
"""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING

import mesa

if TYPE_CHECKING:
    from bubblesim.model import BubbleModel


class AgentType(StrEnum):
    """The agent types of the economy."""

    LAB = "lab"
    HYPERSCALER = "hyperscaler"
    NEOCLOUD = "neocloud"
    MINER = "miner"
    LENDER = "lender"


class Health(StrEnum):
    """Traffic-light state used by reports and the explorer."""

    HEALTHY = "healthy"
    DISTRESSED = "distressed"
    DEFAULTED = "defaulted"


class Firm(mesa.Agent):
    """An agent with a balance sheet.

    Args:
        model: The model.
        name: Display name (e.g. ``"TeraWulf"``).
        kind: The agent type.
        cash_usd: Opening cash.

    Attributes:
        cash_usd: Cash; changed only by :class:`bubblesim.ledger.Ledger`.
        equity_usd: Book equity, tracked by P&L, revaluations and write-offs.
        gpu_mw: GPU systems installed, MW of IT load.
        gpu_efficiency: Compute per MW of the fleet, relative to week-0 frontier chips.
        gpu_condition: Remaining physical value share of the fleet (1 = new).
        gpu_mark_usd: GPU fleet at its last mark to market.
        asic_mark_usd: ASIC fleet at its last mark to market.
        halls_usd: Completed AI halls at cost.
        construction_usd: Halls under construction at cost.
        health: Healthy, distressed or defaulted.
        default_week: Week of default, or None.
    """

    kind: AgentType

    def __init__(self, model: BubbleModel, *, name: str, kind: AgentType, cash_usd: float):
        super().__init__(model)
        self.name = name
        self.kind = kind
        self.cash_usd = float(cash_usd)
        self.equity_usd = 0.0
        self.gpu_mw = 0.0
        self.gpu_efficiency = 1.0
        self.gpu_condition = 1.0
        self.gpu_mark_usd = 0.0
        self.asic_mark_usd = 0.0
        self.halls_usd = 0.0
        self.construction_usd = 0.0
        self.funding_usd = 0.0
        self.health = Health.HEALTHY
        self.default_week: int | None = None
        self.default_event = -1
        self.last_counterparty_event = -1  # last contract lost to a counterparty's default
        self.spot_sold_mw = 0.0  # GPU capacity sold on the spot market this week
        self.external_due: dict = {}
        self.initial_debt_usd = 0.0

    # -- balance sheet -------------------------------------------------------------------------
    @property
    def defaulted(self) -> bool:
        """True once the agent has defaulted."""
        return self.health is Health.DEFAULTED

    def debt_usd(self) -> float:
        """Outstanding principal of the loans this agent owes."""
        return sum(loan.principal_usd for loan in self.model.book.loans_of(self))

    def loans_receivable_usd(self) -> float:
        """Outstanding principal of the performing loans this agent holds."""
        return sum(
            loan.principal_usd for loan in self.model.book.loans_by(self) if not loan.outside_lender
        )

    def prepaid_usd(self) -> float:
        """Unamortised prepayments this agent made (an asset)."""
        contracts = self.model.book.contracts_bought_by(self)
        return sum(c.prepaid_usd for c in contracts if not c.outside_buyer)

    def deferred_revenue_usd(self) -> float:
        """Unamortised prepayments this agent received (a liability)."""
        contracts = self.model.book.contracts_sold_by(self)
        return sum(c.prepaid_usd for c in contracts if not c.outside_seller)

    def assets_usd(self) -> float:
        """Total assets at their current marks."""
        return (
            self.cash_usd
            + self.gpu_mark_usd
            + self.asic_mark_usd
            + self.halls_usd
            + self.construction_usd
            + self.prepaid_usd()
            + self.loans_receivable_usd()
        )

    def liabilities_usd(self) -> float:
        """Total liabilities."""
        return self.debt_usd() + self.deferred_revenue_usd() + self.funding_usd

    def balance_sheet(self) -> dict[str, float]:
        """The balance sheet as a flat dict (USD), for reports and the explorer."""
        return {
            "cash_usd": self.cash_usd,
            "gpu_usd": self.gpu_mark_usd,
            "asic_usd": self.asic_mark_usd,
            "halls_usd": self.halls_usd + self.construction_usd,
            "prepaid_usd": self.prepaid_usd(),
            "loans_receivable_usd": self.loans_receivable_usd(),
            "assets_usd": self.assets_usd(),
            "debt_usd": self.debt_usd(),
            "deferred_revenue_usd": self.deferred_revenue_usd(),
            "funding_usd": self.funding_usd,
            "liabilities_usd": self.liabilities_usd(),
            "equity_usd": self.equity_usd,
        }

    def open_books(self) -> None:
        """Set opening equity to assets minus liabilities (called once the population exists)."""
        self.equity_usd = self.assets_usd() - self.liabilities_usd()
        self.initial_debt_usd = self.debt_usd()

    def post_pnl(self, amount_usd: float) -> None:
        """Post a non-cash gain (positive) or loss (negative) to equity."""
        self.equity_usd += amount_usd

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.name!r}, {self.health})"
