"""Typed instruments: compute contracts and loans.

Agents act on each other only through these objects, the markets and settlement. An instrument
holds its terms and its own state (outstanding principal, unamortised prepayment, status); the
model's phases read them to build each week's obligations.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING

from bubblesim.units import WEEKS_PER_YEAR

if TYPE_CHECKING:
    from bubblesim.agents.base import Firm


class ContractKind(StrEnum):
    """What a compute contract sells."""

    HOSTING = "hosting"  # powered AI hall, per MW-IT-year (host -> provider)
    GPU_CLOUD = "gpu_cloud"  # GPUs and power, per MW-IT-year (provider -> lab)


class Status(StrEnum):
    """Life cycle of an instrument."""

    PENDING = "pending"  # signed, not yet started (e.g. a hall under construction)
    ACTIVE = "active"
    MATURED = "matured"
    TERMINATED = "terminated"  # break clause or counterparty default
    DEFAULTED = "defaulted"


class Collateral(StrEnum):
    """What secures a loan."""

    NONE = "none"
    GPU = "gpu"
    ASIC = "asic"
    PROJECT = "project"  # the hall and its lease (secured project finance)


@dataclass(eq=False, slots=True)
class ComputeContract:
    """A hosting lease or GPU cloud contract.

    Attributes:
        id: Unique id within the model.
        kind: Hosting lease or GPU cloud contract.
        seller: Who delivers capacity (host or provider).
        buyer: Who pays (provider or lab).
        mw: Contracted capacity in MW of IT load.
        price_usd_per_mw_year: Price per MW-IT per year.
        start_week: First week of delivery and payment.
        end_week: Week after the last payment.
        take_or_pay_share: Share of the capacity the buyer pays for even if it uses less.
        break_week: Week at which the buyer may walk away (None: no break option).
        guarantor: A third party that pays the buyer's rent if the buyer cannot (backstop).
        backstop_remaining_usd: What the guarantor still covers.
        prepaid_usd: Unamortised prepayment (the buyer's asset, the seller's deferred revenue).
        prepay_offset_usd_per_week: Prepayment netted off each weekly payment.
        status: Life-cycle state.
        usage_share: Share of the capacity the buyer currently uses (at least take-or-pay).
        outside_buyer: An outside party has assumed the buyer's side (counterparty channel off).
        outside_seller: An outside party has taken over the seller's side (e.g. a host's hall
            sold with its lease in bankruptcy).
        backstop_active: The guarantor has assumed the lease and pays until the backstop is
            used up.
    """

    id: int
    kind: ContractKind
    seller: Firm
    buyer: Firm
    mw: float
    price_usd_per_mw_year: float
    start_week: int
    end_week: int
    take_or_pay_share: float = 1.0
    break_week: int | None = None
    guarantor: Firm | None = None
    backstop_remaining_usd: float = 0.0
    prepaid_usd: float = 0.0
    prepay_offset_usd_per_week: float = 0.0
    status: Status = Status.PENDING
    usage_share: float = 1.0
    outside_buyer: bool = False
    outside_seller: bool = False
    backstop_active: bool = False

    def is_live(self) -> bool:
        """True while the contract is pending or active."""
        return self.status in (Status.PENDING, Status.ACTIVE)

    def gross_payment_usd(self) -> float:
        """This week's payment before the prepayment offset: ``mw × price / 52 × billed share``."""
        billed = max(self.usage_share, self.take_or_pay_share)
        return self.mw * self.price_usd_per_mw_year / WEEKS_PER_YEAR * billed

    def cash_due_usd(self) -> float:
        """This week's cash payment: gross payment less the prepayment amortised this week."""
        return max(0.0, self.gross_payment_usd() - self.prepay_offset_this_week_usd())

    def prepay_offset_this_week_usd(self) -> float:
        """Prepayment consumed this week, never more than what is left or the gross payment."""
        return min(self.prepaid_usd, self.prepay_offset_usd_per_week, self.gross_payment_usd())

    def remaining_value_usd(self, week: int) -> float:
        """Nominal value of the remaining payments at full billing."""
        weeks_left = max(0, self.end_week - max(week, self.start_week))
        return self.mw * self.price_usd_per_mw_year / WEEKS_PER_YEAR * weeks_left


@dataclass(eq=False, slots=True)
class Loan:
    """A loan or note: principal, rate, maturity, collateral, covenant.

    Attributes:
        id: Unique id within the model.
        lender: The creditor.
        borrower: The debtor.
        principal_usd: Outstanding principal.
        spread_per_year: Spread over the base rate (floating) or the fixed coupon.
        floating: True if the coupon is base rate + spread; False if ``spread`` is the coupon.
        maturity_week: Week the remaining principal falls due.
        amortisation_usd_per_week: Scheduled principal repayment per week.
        collateral: What secures the loan.
        covenant_ltv: Maintenance LTV (None: no covenant).
        instrument: Label such as ``"secured notes"`` or ``"convertible"``.
        start_week: Week the loan was made.
        status: Life-cycle state.
        written_off_usd: Losses booked by the lender on this loan.
        outside_lender: The claim has passed to an outside holder (the lender's estate).
        tags: Bookkeeping marks (e.g. the event id of a refused rollover).
    """

    id: int
    lender: Firm
    borrower: Firm
    principal_usd: float
    spread_per_year: float
    floating: bool
    maturity_week: int
    amortisation_usd_per_week: float = 0.0
    collateral: Collateral = Collateral.NONE
    covenant_ltv: float | None = None
    instrument: str = "loan"
    start_week: int = 0
    status: Status = Status.ACTIVE
    written_off_usd: float = 0.0
    outside_lender: bool = False
    tags: dict[str, float] = field(default_factory=dict)

    def coupon_per_year(self, base_rate_per_year: float) -> float:
        """Annual coupon: base + spread if floating, else the fixed coupon."""
        return (base_rate_per_year if self.floating else 0.0) + self.spread_per_year

    def interest_due_usd(self, base_rate_per_year: float) -> float:
        """Interest for one week: ``principal × coupon / 52``."""
        return self.principal_usd * self.coupon_per_year(base_rate_per_year) / WEEKS_PER_YEAR

    def principal_due_usd(self, week: int) -> float:
        """Scheduled principal this week: amortisation, or all of it at maturity."""
        if week >= self.maturity_week:
            return self.principal_usd
        return min(self.principal_usd, self.amortisation_usd_per_week)
