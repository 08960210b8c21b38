"""The contract store: every hosting lease and GPU cloud contract as a row of columns.

Parties are agent rows. Weekly payments, prepayment offsets and remaining values are array
operations over the rows asked for (usually the live ones, :meth:`ContractStore.live`). The
store's methods are the only writers of its columns: contracts start, expire, terminate, pass
to a guarantor or to an outside party, and amortise their prepayments only through them.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import ClassVar, NamedTuple

import numpy as np
from numba import njit

from bubblesim.accounts.instruments import KIND_CODE, Code, ContractKind, Status
from bubblesim.columns import RowSet, Table
from bubblesim.units import WEEKS_PER_YEAR

NONE = -1
"""Row of no agent (no guarantor, no break week)."""


class ContractStore(Table):
    """Hosting leases (host → provider) and GPU cloud contracts (provider → lab).

    Columns: ``id``, ``kind`` (code), ``seller``, ``buyer``, ``guarantor`` (agent rows, −1 for
    none), ``mw`` (MW-IT), ``price_usd_per_mw_year``, ``start_week``, ``end_week`` (week after
    the last payment), ``take_or_pay_share``, ``break_week`` (−1: none),
    ``backstop_remaining_usd`` (what the guarantor still covers), ``prepaid_usd``
    (unamortised prepayment: the buyer's asset, the seller's deferred revenue),
    ``prepay_offset_usd_per_week``, ``status`` (code), ``usage_share`` (share of capacity the
    buyer uses), ``outside_buyer`` / ``outside_seller`` (an outside party holds that side),
    ``backstop_active`` (the guarantor pays the rent), ``efficiency`` (compute per MW of the
    GPUs behind a GPU cloud contract, relative to week-0 frontier chips: the contract sells
    ``mw × efficiency`` compute units).

    Args:
        ids: The id counter shared with the loan store.
    """

    EXACT = False  # read through row selections only
    FIELDS: ClassVar[dict[str, tuple]] = {
        "id": (np.int64, -1),
        "kind": (np.int8, 0),
        "seller": (np.int64, NONE),
        "buyer": (np.int64, NONE),
        "guarantor": (np.int64, NONE),
        "mw": (np.float64, 0.0),
        "price_usd_per_mw_year": (np.float64, 0.0),
        "start_week": (np.int64, 0),
        "end_week": (np.int64, 0),
        "take_or_pay_share": (np.float64, 1.0),
        "break_week": (np.int64, NONE),
        "backstop_remaining_usd": (np.float64, 0.0),
        "prepaid_usd": (np.float64, 0.0),
        "prepay_offset_usd_per_week": (np.float64, 0.0),
        "status": (np.int8, Code.PENDING),
        "usage_share": (np.float64, 1.0),
        "outside_buyer": (np.bool_, False),
        "outside_seller": (np.bool_, False),
        "backstop_active": (np.bool_, False),
        "efficiency": (np.float64, 1.0),
    }

    def __init__(self, ids: Iterator[int]) -> None:
        super().__init__()
        self._ids = ids
        self._live_set = RowSet()
        self._selections: dict[tuple[int, bool], np.ndarray] = {}
        self._totals: tuple[tuple[int, int], ContractTotals] | None = None
        self.structure = 0  # signed, started, ended, changed hands, re-priced or cut
        self.version = 0  # changes with any change of a live contract

    # -- creation --------------------------------------------------------------------------------
    def add(
        self,
        *,
        kind: ContractKind,
        seller: int,
        buyer: int,
        mw: float,
        price_usd_per_mw_year: float,
        start_week: int,
        end_week: int,
        take_or_pay_share: float = 1.0,
        break_week: int | None = None,
        guarantor: int | None = None,
        backstop_remaining_usd: float = 0.0,
        prepaid_usd: float = 0.0,
        prepay_offset_usd_per_week: float = 0.0,
        status: Status = Status.PENDING,
        efficiency: float = 1.0,
    ) -> int:
        """Register a contract between two agent rows and return its row."""
        row = self._append(
            id=next(self._ids),
            kind=KIND_CODE[kind],
            seller=seller,
            buyer=buyer,
            guarantor=NONE if guarantor is None else guarantor,
            mw=mw,
            price_usd_per_mw_year=price_usd_per_mw_year,
            start_week=start_week,
            end_week=end_week,
            take_or_pay_share=take_or_pay_share,
            break_week=NONE if break_week is None else break_week,
            backstop_remaining_usd=backstop_remaining_usd,
            prepaid_usd=prepaid_usd,
            prepay_offset_usd_per_week=prepay_offset_usd_per_week,
            status=Code.ACTIVE if status is Status.ACTIVE else Code.PENDING,
            efficiency=efficiency,
        )
        self._live_set.append(row)
        self._changed()
        return row

    def _changed(self) -> None:
        self._selections.clear()
        self.structure += 1
        self.version += 1

    # -- selections ------------------------------------------------------------------------------
    @property
    def _live(self) -> np.ndarray:
        return self._live_set.rows

    def live(self) -> np.ndarray:
        """Rows of pending and active contracts, in row order (do not modify)."""
        return self._live

    def active(self) -> np.ndarray:
        """Rows of active contracts, in row order (do not modify)."""
        return self.select(-1, True)

    def select(self, kind: int, active_only: bool = False) -> np.ndarray:
        """Rows of live (or only active) contracts of one kind code (−1: any), in row order.

        Selections are kept until a contract is signed, starts or ends.
        """
        key = (kind, active_only)
        rows = self._selections.get(key)
        if rows is None:
            rows = self._live
            if active_only:
                rows = rows[self.status[rows] == Code.ACTIVE]
            if kind >= 0:
                rows = rows[self.kind[rows] == kind]
            self._selections[key] = rows
        return rows

    # -- weekly amounts --------------------------------------------------------------------------
    def _weekly(self, rows):
        rows = np.asarray(rows, dtype=np.int64).reshape(-1)
        return _weekly_payments(
            rows,
            self.mw,
            self.price_usd_per_mw_year,
            self.usage_share,
            self.take_or_pay_share,
            self.prepaid_usd,
            self.prepay_offset_usd_per_week,
        )

    def gross_payment_usd(self, rows) -> np.ndarray:
        """This week's payment before the prepayment offset: ``mw × price / 52 × billed share``.

        The billed share is the larger of usage and take-or-pay.
        """
        return self._weekly(rows)[0]

    def prepay_offset_usd(self, rows) -> np.ndarray:
        """Prepayment consumed this week: never more than what is left or the gross payment."""
        return self._weekly(rows)[1]

    def cash_due_usd(self, rows) -> np.ndarray:
        """This week's cash payment: gross payment less the prepayment amortised this week."""
        return self._weekly(rows)[2]

    def remaining_value_usd(self, rows, week: int) -> np.ndarray:
        """Nominal value of the remaining payments at full billing."""
        weeks_left = np.maximum(0, self.end_week[rows] - np.maximum(week, self.start_week[rows]))
        return self.mw[rows] * self.price_usd_per_mw_year[rows] / WEEKS_PER_YEAR * weeks_left

    def totals(self, n: int) -> ContractTotals:
        """Per-agent totals over the live contracts (kept until a contract changes)."""
        key = (self.version, n)
        if self._totals is None or self._totals[0] != key:
            out = _agent_totals(
                self._live,
                self.kind,
                self.status,
                self.seller,
                self.buyer,
                self.mw,
                self.price_usd_per_mw_year,
                self.usage_share,
                self.take_or_pay_share,
                self.prepaid_usd,
                self.prepay_offset_usd_per_week,
                self.efficiency,
                n,
            )
            self._totals = (key, ContractTotals(*out))  # rows of one array
        return self._totals[1]

    # -- transitions (the only writers of status) ----------------------------------------------
    def turn_of_week(self, week: int) -> tuple[np.ndarray, np.ndarray]:
        """Start the contracts whose first week has come; mature those past their last week.

        Matured contracts leave the live set. A prepayment not used up by the end is forfeited,
        as unused commitments are (the rule of :meth:`terminate`): the buyer writes its prepaid
        asset off and the seller recognises its deferred revenue; no cash moves.

        Returns:
            ``(parties, amounts)`` of the forfeited prepayments, as in :meth:`amortise_week`.
        """
        changed, parties, amounts = _turn_of_week(
            self._live,
            self.status,
            self.start_week,
            self.end_week,
            self.prepaid_usd,
            self.buyer,
            self.seller,
            self.outside_buyer,
            self.outside_seller,
            week,
        )
        if changed:
            self._live_set.keep(self.status[self._live] <= Code.ACTIVE)
            self._changed()
        return parties, amounts

    def terminate(self, row: int) -> float:
        """End a contract early (break clause, counterparty default, backstop used up).

        The unamortised prepayment is forfeited: the buyer loses it, the seller keeps it.

        Returns:
            The forfeited prepayment, for the parties' books.
        """
        prepaid = float(self._cols["prepaid_usd"][row])
        self._cols["prepaid_usd"][row] = 0.0
        self.version += 1
        self._cols["backstop_active"][row] = False
        self._end(np.array([row]), Code.TERMINATED)
        return prepaid

    def _end(self, rows: np.ndarray, code: Code) -> None:
        if len(rows) == 0:
            return
        self._cols["status"][rows] = code
        self._live_set.keep(self.status[self._live] <= Code.ACTIVE)
        self._changed()

    def assume_by_guarantor(self, row: int) -> None:
        """The guarantor takes the buyer's side and pays the rent until its backstop is used."""
        cols = self._cols
        cols["buyer"][row] = cols["guarantor"][row]
        cols["backstop_active"][row] = True
        self._changed()

    def pass_buyer_outside(self, row: int) -> None:
        """An outside party assumes the buyer's side (counterparty channel off)."""
        self._cols["outside_buyer"][row] = True
        self._changed()

    def pass_seller_outside(self, row: int) -> None:
        """An outside owner takes over the seller's side (a hall sold with its lease)."""
        self._cols["outside_seller"][row] = True
        self._changed()

    def drop_guarantor(self, rows: np.ndarray) -> None:
        """A defaulted guarantor's backstops are void."""
        self._cols["guarantor"][rows] = NONE
        self._cols["backstop_remaining_usd"][rows] = 0.0
        self.version += 1

    def draw_backstop(self, rows: np.ndarray, amounts_usd: np.ndarray) -> None:
        """The guarantor's cover shrinks by the rent it pays."""
        self._cols["backstop_remaining_usd"][rows] -= amounts_usd
        self.version += 1

    def use_capacity(self, wanted_mw: np.ndarray) -> None:
        """Buyers use their GPU cloud capacity as far as they want it this week.

        A buyer wanting ``D`` compute units of its contracted ``C = Σ mw × efficiency`` uses the
        share ``min(1, D / C)`` of every live GPU cloud contract it holds (all of it without
        contracts). Buyers with NaN keep their usage.

        Args:
            wanted_mw: Compute each agent wants, compute units (MW-IT of week-0 frontier
                chips; NaN: not deciding).
        """
        if _use_capacity(
            self._live, self.kind, self.buyer, self.mw, self.efficiency, self.usage_share, wanted_mw
        ):
            self.version += 1  # an unchanged usage keeps the totals (most weeks)

    def renew(
        self, row: int, end_week: int, price_usd_per_mw_year: float, mw: float | None = None
    ) -> None:
        """Extend a contract to a new end at a new price (a renewal re-priced at market).

        Args:
            row: The contract.
            end_week: Its new end (the week after its last payment).
            price_usd_per_mw_year: The new price.
            mw: The capacity renewed (default: all of it).
        """
        cols = self._cols
        cols["end_week"][row] = end_week
        cols["price_usd_per_mw_year"][row] = price_usd_per_mw_year
        if mw is not None:
            cols["mw"][row] = mw
        self._changed()

    def cut_capacity(self, row: int, mw: float) -> None:
        """The seller delivers only ``mw`` of a contract (it could not equip the rest)."""
        self._cols["mw"][row] = mw
        self._changed()

    def fund_prepayment(self, row: int, amount_usd: float) -> None:
        """Record the prepayment the buyer paid at signing."""
        self._cols["prepaid_usd"][row] = amount_usd
        self.version += 1

    def amortise_week(self) -> tuple[np.ndarray, np.ndarray]:
        """Consume this week's prepayments (delivered compute against rent paid in advance).

        Returns:
            ``(parties, amounts)``: for each prepayment consumed, the buyer whose prepaid asset
            shrinks and the seller whose deferred revenue becomes revenue (a ``(2, m)`` array
            of agent rows, −1 where an outside party holds that side), and the amount.
        """
        parties, amounts = _amortise(
            self.active(),
            self.mw,
            self.price_usd_per_mw_year,
            self.usage_share,
            self.take_or_pay_share,
            self.prepaid_usd,
            self.prepay_offset_usd_per_week,
            self.buyer,
            self.seller,
            self.outside_buyer,
            self.outside_seller,
        )
        if amounts.size:
            self.version += 1
        return parties, amounts


class ContractTotals(NamedTuple):
    """Per-agent totals over the live contracts (arrays over agent rows).

    Attributes:
        cloud_sold_mw: GPU cloud capacity sold (live), by seller.
        cloud_contracted_mw: GPU cloud capacity bought (live), by buyer.
        cloud_bought_active_mw: GPU cloud capacity bought (active), by buyer.
        cloud_used_mw: Active GPU cloud capacity in use (``mw × usage``), by seller.
        cloud_unused_mw: Active GPU cloud capacity not in use, by seller.
        hosting_leased_mw: Hosting capacity leased (live), by buyer.
        hosting_leased_active_mw: Hosting capacity leased (active), by buyer.
        hosting_rent_usd: This week's gross rent of active leases, by seller (the host).
        bills_usd: This week's cash due on every live contract, by buyer.
        cloud_sold_cu: GPU cloud compute sold (live), compute units, by seller.
        cloud_contracted_cu: GPU cloud compute bought (live), compute units, by buyer.
        cloud_bought_active_cu: GPU cloud compute bought (active), compute units, by buyer.
        cloud_revenue_usd: This week's gross payments of active GPU cloud contracts, by seller.
    """

    cloud_sold_mw: np.ndarray
    cloud_contracted_mw: np.ndarray
    cloud_bought_active_mw: np.ndarray
    cloud_used_mw: np.ndarray
    cloud_unused_mw: np.ndarray
    hosting_leased_mw: np.ndarray
    hosting_leased_active_mw: np.ndarray
    hosting_rent_usd: np.ndarray
    bills_usd: np.ndarray
    cloud_sold_cu: np.ndarray
    cloud_contracted_cu: np.ndarray
    cloud_bought_active_cu: np.ndarray
    cloud_revenue_usd: np.ndarray


@njit(cache=True)
def weekly_payment(mw, price, usage, take_or_pay, prepaid, offset_per_week):
    """One contract's payment this week: ``(gross, prepayment offset, cash due)``.

    ``gross = mw × price / 52 × max(usage, take-or-pay)``; the offset consumes the
    prepayment at its weekly rate, never more than is left or than the gross payment; the
    buyer pays the rest in cash.
    """
    gross = mw * price / 52.0 * max(usage, take_or_pay)
    offset = min(min(prepaid, offset_per_week), gross)
    return gross, offset, max(0.0, gross - offset)


@njit(cache=True)
def _weekly_payments(rows, mw, price, usage, take_or_pay, prepaid, offset):  # pragma: no cover
    """:func:`weekly_payment` of each row, as a ``(3, len(rows))`` array (compiled loop)."""
    out = np.empty((3, rows.size))  # one array: cheap to return
    for i in range(rows.size):
        k = rows[i]
        out[0, i], out[1, i], out[2, i] = weekly_payment(
            mw[k], price[k], usage[k], take_or_pay[k], prepaid[k], offset[k]
        )
    return out


@njit(cache=True)
def _amortise(
    active,
    mw,
    price,
    usage,
    take_or_pay,
    prepaid,
    offset,
    buyer,
    seller,
    outside_buyer,
    outside_seller,
):  # pragma: no cover
    """:meth:`ContractStore.amortise_week` (compiled loop)."""
    m = 0
    for i in range(active.size):
        if prepaid[active[i]] > 0:
            m += 1
    parties, amounts = np.empty((2, m), np.int64), np.empty(m)
    j = 0
    for i in range(active.size):
        k = active[i]
        if prepaid[k] <= 0:
            continue
        _, consumed, _ = weekly_payment(
            mw[k], price[k], usage[k], take_or_pay[k], prepaid[k], offset[k]
        )
        prepaid[k] -= consumed
        parties[0, j] = -1 if outside_buyer[k] else buyer[k]
        parties[1, j] = -1 if outside_seller[k] else seller[k]
        amounts[j] = consumed
        j += 1
    return parties, amounts


@njit(cache=True)
def _turn_of_week(
    live, status, start, end, prepaid, buyer, seller, outside_buyer, outside_seller, week
):  # pragma: no cover
    """:meth:`ContractStore.turn_of_week` (compiled loop).

    Returns whether any contract changed, and the forfeited prepayments.
    """
    changed = False
    forfeits = 0
    for i in range(live.size):
        k = live[i]
        if status[k] == 1 and week >= end[k] and prepaid[k] > 0:
            forfeits += 1
    parties, amounts = np.empty((2, forfeits), np.int64), np.empty(forfeits)
    j = 0
    for i in range(live.size):
        k = live[i]
        if status[k] == 0 and start[k] <= week:
            status[k] = 1
            changed = True
        elif status[k] == 1 and week >= end[k]:
            status[k] = 2
            changed = True
            if prepaid[k] > 0:
                parties[0, j] = -1 if outside_buyer[k] else buyer[k]
                parties[1, j] = -1 if outside_seller[k] else seller[k]
                amounts[j] = prepaid[k]
                prepaid[k] = 0.0
                j += 1
    return changed, parties, amounts


@njit(cache=True)
def _use_capacity(live, kind, buyer, mw, efficiency, usage, wanted):  # pragma: no cover
    """:meth:`ContractStore.use_capacity` (compiled loop); returns whether any usage changed.

    A change is any change of bits (a sign of zero included; a NaN counts as changed).
    """
    contracted = np.zeros(wanted.size)
    for i in range(live.size):
        k = live[i]
        if kind[k] == 1:
            contracted[buyer[k]] += mw[k] * efficiency[k]
    changed = False
    for i in range(live.size):
        k = live[i]
        b = buyer[k]
        if kind[k] == 1 and wanted[b] == wanted[b]:
            old = usage[k]
            new = 1.0 if contracted[b] <= 0 else min(1.0, wanted[b] / contracted[b])
            usage[k] = new
            if not (new == old and math.copysign(1.0, new) == math.copysign(1.0, old)):
                changed = True
    return changed


@njit(cache=True)
def _agent_totals(
    live, kind, status, seller, buyer, mw, price, usage, take_or_pay, prepaid, offset, efficiency, n
):  # pragma: no cover
    """The :class:`ContractTotals` in one pass over the live contracts (compiled loop)."""
    out = np.zeros((13, n))
    for i in range(live.size):
        k = live[i]
        s, b, q = seller[k], buyer[k], mw[k]
        active = status[k] == 1
        g, _, cash = weekly_payment(q, price[k], usage[k], take_or_pay[k], prepaid[k], offset[k])
        out[8, b] += cash
        if kind[k] == 1:  # GPU cloud
            cu = q * efficiency[k]
            out[0, s] += q
            out[1, b] += q
            out[9, s] += cu
            out[10, b] += cu
            if active:
                out[2, b] += q
                out[3, s] += q * usage[k]
                out[4, s] += q * (1.0 - usage[k])
                out[11, b] += cu
                out[12, s] += g
        else:  # hosting
            out[5, b] += q
            if active:
                out[6, b] += q
                out[7, s] += g
    return out
