"""The cash ledger: the only place where cash moves, so money is neither created nor destroyed.

Every change of an agent's cash goes through :meth:`Ledger.transfer`. A transfer between two agents
conserves the economy's cash; a transfer from or to ``None`` (the outside world) is an *external
flow*, recorded by kind. Stock-flow consistency is then checkable: over any step, the change in the
sum of all agents' cash equals the sum of that step's external flows.

Each flow kind is also classified for the balance sheets: income/expense kinds move equity (they are
profit and loss), balance-sheet kinds swap one asset or liability for cash (loan principal,
hardware purchases at market value, prepayments, lender funding).
"""

from __future__ import annotations

from collections import defaultdict
from enum import StrEnum
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bubblesim.agents.base import Firm


class Flow(StrEnum):
    """Kinds of cash flow. External flows cross the economy's boundary."""

    # external: profit and loss
    END_DEMAND_REVENUE = "end_demand_revenue"  # end users pay labs
    MINING_INCOME = "mining_income"  # block rewards and fees
    OTHER_INCOME = "other_business_income"  # big tech's operating income from other businesses
    POWER_BILL = "power_bill"
    OPERATING_COST = "operating_cost"
    DEFAULT_COST = "default_cost"  # Rogers–Veraart deadweight loss
    BACKSTOP = "outside_backstop"  # channel 1 off: an outside party makes creditors whole
    RESIDUAL_TO_SHAREHOLDERS = "residual_to_shareholders"  # a liquidated firm's leftover
    # external: balance sheet
    EQUITY_RAISED = "equity_raised"
    HARDWARE_PURCHASE = "hardware_purchase"  # GPUs from vendors
    HARDWARE_SALE = "hardware_sale"  # collateral sold to outside buyers
    CONSTRUCTION = "construction"  # hall conversions (capitalised)
    FUNDING_IN = "funding_in"  # depositors / investors fund a lender
    FUNDING_OUT = "funding_out"  # a run on a lender
    # internal: profit and loss
    CONTRACT_PAYMENT = "contract_payment"  # lab -> provider (GPU cloud)
    LEASE_PAYMENT = "lease_payment"  # provider -> miner (hosting)
    SPOT_PAYMENT = "spot_payment"  # spot compute
    INTEREST = "interest"
    GUARANTEE_PAYMENT = "guarantee_payment"  # guarantor pays a lessee's rent
    # internal: balance sheet
    PREPAYMENT = "prepayment"
    LOAN_DISBURSEMENT = "loan_disbursement"
    PRINCIPAL = "principal"
    RECOVERY = "recovery"  # a defaulter's estate pays its creditors


INCOME_KINDS: frozenset[Flow] = frozenset(
    {
        Flow.END_DEMAND_REVENUE,
        Flow.MINING_INCOME,
        Flow.OTHER_INCOME,
        Flow.POWER_BILL,
        Flow.OPERATING_COST,
        Flow.DEFAULT_COST,
        Flow.BACKSTOP,
        Flow.RESIDUAL_TO_SHAREHOLDERS,
        Flow.CONTRACT_PAYMENT,
        Flow.LEASE_PAYMENT,
        Flow.SPOT_PAYMENT,
        Flow.INTEREST,
        Flow.GUARANTEE_PAYMENT,
        Flow.EQUITY_RAISED,
    }
)
"""Kinds that change the payer's and payee's equity (equity raised adds to paid-in capital)."""


class LedgerError(RuntimeError):
    """A transfer would break limited liability or was malformed."""


class Ledger:
    """Moves cash between agents and the outside world and records external flows by kind.

    Args:
        tolerance_usd: Rounding slack allowed before a transfer counts as overdrawing.
    """

    def __init__(self, tolerance_usd: float = 1.0):
        self.tolerance_usd = tolerance_usd
        self.external: dict[Flow, float] = defaultdict(float)

    def reset_step(self) -> None:
        """Start a new step's flow accounts."""
        self.external = defaultdict(float)

    def transfer(
        self, payer: Firm | None, payee: Firm | None, amount_usd: float, kind: Flow
    ) -> float:
        """Move cash from ``payer`` to ``payee``; ``None`` stands for the outside world.

        Args:
            payer: The paying agent, or None for an inflow from outside.
            payee: The receiving agent, or None for an outflow to outside.
            amount_usd: A non-negative amount.
            kind: The flow kind, which also says whether equity moves.

        Returns:
            The amount moved.

        Raises:
            LedgerError: If the amount is negative or not finite, or the payer lacks the cash
                (limited liability: nobody pays more than it has).
        """
        if not amount_usd >= 0.0 or amount_usd == float("inf"):
            raise LedgerError(f"{kind}: amount must be finite and >= 0, got {amount_usd!r}")
        if amount_usd == 0.0:
            return 0.0
        if payer is not None and payer.cash_usd + self.tolerance_usd < amount_usd:
            raise LedgerError(
                f"{kind}: {payer.name} cannot pay {amount_usd:,.0f} USD "
                f"with {payer.cash_usd:,.0f} USD cash"
            )
        self._move(payer, payee, amount_usd, kind)
        return amount_usd

    def _move(self, payer: Firm | None, payee: Firm | None, amount_usd: float, kind: Flow) -> None:
        """Move cash and, for profit-and-loss kinds, equity; record the flow."""
        pnl = kind in INCOME_KINDS
        if payer is not None:
            payer.cash_usd -= amount_usd
            if pnl:
                payer.equity_usd -= amount_usd
        if payee is not None:
            payee.cash_usd += amount_usd
            if pnl:
                payee.equity_usd += amount_usd
        if payer is None and payee is not None:
            self.external[kind] += amount_usd
        elif payee is None and payer is not None:
            self.external[kind] -= amount_usd

    def transfer_batch(self, transfers: list[tuple[Firm | None, Firm | None, float, Flow]]) -> None:
        """Apply simultaneous transfers (a settlement round), checking only net positions.

        In a clearing round a payer pays out of what it receives in the same round, so the
        limited-liability check applies to each payer's cash after the whole batch.

        Args:
            transfers: ``(payer, payee, amount_usd, kind)`` tuples.

        Raises:
            LedgerError: If any payer would end with negative cash (beyond the tolerance).
        """
        net: dict[int, float] = defaultdict(float)
        firms: dict[int, Firm] = {}
        for payer, payee, amount, kind in transfers:
            if not amount >= 0.0:
                raise LedgerError(f"{kind}: amount must be >= 0, got {amount!r}")
            if payer is not None:
                net[payer.unique_id] -= amount
                firms[payer.unique_id] = payer
            if payee is not None:
                net[payee.unique_id] += amount
                firms[payee.unique_id] = payee
        for uid, delta in net.items():
            firm = firms[uid]
            if firm.cash_usd + delta < -self.tolerance_usd * (1.0 + 1e-9 * abs(firm.cash_usd)):
                raise LedgerError(
                    f"settlement: {firm.name} would end with {firm.cash_usd + delta:,.0f} USD"
                )
        for payer, payee, amount, kind in transfers:
            if amount > 0.0:
                self._move(payer, payee, amount, kind)

    def net_external_usd(self) -> float:
        """Net external inflow this step (positive = cash came into the economy)."""
        return float(sum(self.external.values()))
