"""Instrument vocabulary and typed views: compute contracts and loans.

Contracts and loans are rows of the columnar stores (:mod:`bubblesim.accounts.contracts`,
:mod:`bubblesim.accounts.loans`). Code that reads one instrument gets a view: a
:class:`ContractView` or :class:`LoanView` whose attributes read the store, with parties as
agents. Views are read-only; state changes go through the stores' transition methods.
"""

from __future__ import annotations

from enum import IntEnum, StrEnum
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bubblesim.accounts.book import InstrumentBook


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


class Code(IntEnum):
    """Integer codes of the enums in the stores' columns."""

    PENDING = 0
    ACTIVE = 1
    MATURED = 2
    TERMINATED = 3
    DEFAULTED = 4


STATUS_OF_CODE: tuple[Status, ...] = tuple(Status)
KIND_OF_CODE: tuple[ContractKind, ...] = tuple(ContractKind)
COLLATERAL_OF_CODE: tuple[Collateral, ...] = tuple(Collateral)
KIND_CODE = {kind: code for code, kind in enumerate(KIND_OF_CODE)}
COLLATERAL_CODE = {c: code for code, c in enumerate(COLLATERAL_OF_CODE)}
HOSTING, GPU_CLOUD = KIND_CODE[ContractKind.HOSTING], KIND_CODE[ContractKind.GPU_CLOUD]
NO_COLLATERAL, GPU, ASIC, PROJECT = (COLLATERAL_CODE[c] for c in Collateral)
#: Collateral classes marked to market, with a maintenance covenant and amortisation.
HARDWARE = (GPU, ASIC)


class ContractView:
    """One hosting lease or GPU cloud contract, read from the contract store.

    Attributes mirror the store's columns: ``id``, ``kind``, ``seller``, ``buyer`` and
    ``guarantor`` (agents), ``mw``, ``price_usd_per_mw_year``, ``start_week``, ``end_week``,
    ``take_or_pay_share``, ``break_week`` (None: no break option), ``backstop_remaining_usd``,
    ``prepaid_usd``, ``prepay_offset_usd_per_week``, ``status``, ``usage_share``,
    ``outside_buyer``, ``outside_seller``, ``backstop_active``.
    """

    __slots__ = ("_book", "row")

    def __init__(self, book: InstrumentBook, row: int):
        self._book = book
        self.row = row

    def _get(self, name: str):
        return getattr(self._book.contracts, name)[self.row]

    id = property(lambda self: int(self._get("id")))
    kind = property(lambda self: KIND_OF_CODE[self._get("kind")])
    seller = property(lambda self: self._book.firm(self._get("seller")))
    buyer = property(lambda self: self._book.firm(self._get("buyer")))
    guarantor = property(lambda self: self._book.firm(self._get("guarantor")))
    mw = property(lambda self: float(self._get("mw")))
    price_usd_per_mw_year = property(lambda self: float(self._get("price_usd_per_mw_year")))
    start_week = property(lambda self: int(self._get("start_week")))
    end_week = property(lambda self: int(self._get("end_week")))
    take_or_pay_share = property(lambda self: float(self._get("take_or_pay_share")))
    break_week = property(
        lambda self: None if self._get("break_week") < 0 else int(self._get("break_week"))
    )
    backstop_remaining_usd = property(lambda self: float(self._get("backstop_remaining_usd")))
    prepaid_usd = property(lambda self: float(self._get("prepaid_usd")))
    prepay_offset_usd_per_week = property(
        lambda self: float(self._get("prepay_offset_usd_per_week"))
    )
    status = property(lambda self: STATUS_OF_CODE[self._get("status")])
    usage_share = property(lambda self: float(self._get("usage_share")))
    outside_buyer = property(lambda self: bool(self._get("outside_buyer")))
    outside_seller = property(lambda self: bool(self._get("outside_seller")))
    backstop_active = property(lambda self: bool(self._get("backstop_active")))

    def is_live(self) -> bool:
        """True while the contract is pending or active."""
        return self._get("status") <= Code.ACTIVE

    def gross_payment_usd(self) -> float:
        """This week's payment before the prepayment offset."""
        return float(self._book.contracts.gross_payment_usd(self.row))

    def cash_due_usd(self) -> float:
        """This week's cash payment: gross payment less the prepayment amortised this week."""
        return float(self._book.contracts.cash_due_usd(self.row))

    def remaining_value_usd(self, week: int) -> float:
        """Nominal value of the remaining payments at full billing."""
        return float(self._book.contracts.remaining_value_usd(self.row, week))

    def __repr__(self) -> str:
        return f"ContractView({self.id}, {self.kind}, {self.mw:,.0f} MW, {self.status})"


class LoanView:
    """One loan or note, read from the loan store.

    Attributes mirror the store's columns: ``id``, ``lender`` and ``borrower`` (agents),
    ``principal_usd``, ``spread_per_year``, ``floating``, ``maturity_week``,
    ``amortisation_usd_per_week``, ``collateral``, ``covenant_ltv`` (None: no covenant),
    ``instrument`` (label), ``convertible``, ``start_week``, ``status``, ``written_off_usd``,
    ``outside_lender``.
    """

    __slots__ = ("_book", "row")

    def __init__(self, book: InstrumentBook, row: int):
        self._book = book
        self.row = row

    def _get(self, name: str):
        return getattr(self._book.loans, name)[self.row]

    id = property(lambda self: int(self._get("id")))
    lender = property(lambda self: self._book.firm(self._get("lender")))
    borrower = property(lambda self: self._book.firm(self._get("borrower")))
    principal_usd = property(lambda self: float(self._get("principal_usd")))
    spread_per_year = property(lambda self: float(self._get("spread_per_year")))
    floating = property(lambda self: bool(self._get("floating")))
    maturity_week = property(lambda self: int(self._get("maturity_week")))
    amortisation_usd_per_week = property(lambda self: float(self._get("amortisation_usd_per_week")))
    collateral = property(lambda self: COLLATERAL_OF_CODE[self._get("collateral")])
    covenant_ltv = property(
        lambda self: (
            None
            if self._get("covenant_ltv") != self._get("covenant_ltv")
            else float(self._get("covenant_ltv"))
        )
    )
    instrument = property(lambda self: self._book.loans.label(self.row))
    convertible = property(lambda self: bool(self._get("convertible")))
    start_week = property(lambda self: int(self._get("start_week")))
    status = property(lambda self: STATUS_OF_CODE[self._get("status")])
    written_off_usd = property(lambda self: float(self._get("written_off_usd")))
    outside_lender = property(lambda self: bool(self._get("outside_lender")))

    def interest_due_usd(self, base_rate_per_year: float) -> float:
        """Interest for one week: ``principal × coupon / 52``."""
        return float(self._book.loans.interest_due_usd(base_rate_per_year, self.row))

    def __repr__(self) -> str:
        return (
            f"LoanView({self.id}, {self.instrument}, {self.principal_usd:,.0f} USD, {self.status})"
        )


__all__ = [
    "ASIC",
    "GPU",
    "GPU_CLOUD",
    "HARDWARE",
    "HOSTING",
    "NO_COLLATERAL",
    "PROJECT",
    "Code",
    "Collateral",
    "ContractKind",
    "ContractView",
    "LoanView",
    "Status",
]
