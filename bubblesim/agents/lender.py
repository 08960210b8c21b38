"""Lenders: banks, private credit, bond and convertible pools and crypto lenders.

Every lender has capital (``E``: a bank's or crypto lender's shareholders' equity, or the
investors' capital, the NAV, of a fund or pool) and funding (``F``: deposits and notes, customer
deposits, or the credit facilities, repo and prime-brokerage lines that lever a fund), a book of
loans (net of provisions) and cash: ``cash + loans = F + E``. Funding costs the base rate plus
the spread of its kind and leaves in a run; a fund's or pool's investors also redeem, within its
gate, and add capital when it performs. What each kind is and costs is in
:class:`bubblesim.economy_params.LenderParams`.
"""

from __future__ import annotations

from enum import StrEnum
from typing import ClassVar

import numpy as np
from numba import njit

from bubblesim.agents.base import AgentType, Firm
from bubblesim.columns import Table
from bubblesim.economics import CreditPolicy, credit_terms, loss_stress, rollover_share


class LenderKind(StrEnum):
    """What kind of lender, which sets its capital target, its funding and who can leave."""

    BANK = "bank"  # deposits and notes; dividends above target; deposit runs
    PRIVATE_CREDIT = "private_credit"  # fund capital (gated redemptions) and credit facilities
    BOND_FUND = "bond_fund"  # a pool of high-yield investors, levered by repo
    CONVERTIBLE_FUND = "convertible_fund"  # a pool of convertible investors, levered by brokers
    CRYPTO_LENDER = "crypto_lender"  # customer deposits; runs


LENDER_KINDS: tuple[LenderKind, ...] = tuple(LenderKind)
LENDER_KIND_CODE: dict[LenderKind, int] = {kind: code for code, kind in enumerate(LENDER_KINDS)}
FUND_KINDS: frozenset[LenderKind] = frozenset(
    {LenderKind.PRIVATE_CREDIT, LenderKind.BOND_FUND, LenderKind.CONVERTIBLE_FUND}
)
"""Kinds whose capital belongs to investors who redeem and distribute (funds and pools)."""
PARAM_SUFFIX: dict[LenderKind, str] = {
    LenderKind.BANK: "bank",
    LenderKind.PRIVATE_CREDIT: "private_credit",
    LenderKind.BOND_FUND: "bond_fund",
    LenderKind.CONVERTIBLE_FUND: "convertible_fund",
    LenderKind.CRYPTO_LENDER: "crypto",
}
"""The suffix of each kind's parameters (``lender_capital_target_<suffix>``, ...)."""


def kind_terms(params, kind: LenderKind) -> tuple[float, float]:
    """A kind's capital target and funding spread from :class:`LenderParams`."""
    suffix = PARAM_SUFFIX[kind]
    return (
        float(getattr(params, f"lender_capital_target_{suffix}")),
        float(getattr(params, f"lender_funding_spread_{suffix}_per_year")),
    )


class LenderTable(Table):
    """The lenders' own state and credit policy, one row per lender.

    Columns:

    * identity and targets: ``row`` (firm row), ``kind`` (code of :class:`LenderKind`),
      ``fund`` (its capital is redeemable fund capital), ``capital_target_ratio`` (``k*``,
      capital per dollar of loans), ``funding_spread_per_year`` (its funding's spread over
      base), ``cash_buffer_share`` (cash it keeps per dollar of loans), ``gate_share``
      (most of its NAV it repurchases in a quarter; 1 = no gate), ``investment_grade_book``
      (its book at week 0 was only investment-grade notes: it stands outside the leveraged
      credit network whose capital the verdict's lender leg measures);
    * capital: ``initial_capital_usd``, ``losses_usd`` (cumulative credit-loss expense:
      provisions charged net of releases, plus write-offs beyond their provisions),
      ``loss_stress`` (the stress of its losses, :func:`bubblesim.economics.loss_stress`, as
      of this week's policy),
      ``charge_offs_usd`` (principal written off), ``last_loss_event`` (its latest write-off,
      or −1), ``return_index`` (its capital's total return since opening: 1 at opening,
      compounding each quarter's net income over the capital it started with, so payouts,
      redemptions and new capital do not move it), ``peak_return_index``,
      ``quarter_start_equity_usd`` and ``quarter_capital_flows_usd`` (for the quarter's net
      income);
    * funding and flows (cumulative USD): ``funding_cost_usd``, ``reserve_income_usd``,
      ``payouts_usd``, ``redemptions_requested_usd``, ``redemptions_usd``, ``inflows_usd``;
      ``gated`` (a gate bound at the last quarter-end), ``running`` (funding leaving this
      week), ``funding_rate_per_year`` (this week's);
    * this week's policy (:class:`bubblesim.economics.CreditPolicy`): ``stress``,
      ``ltv_scale``, ``spread_add_per_year``, ``rolls_over``, ``rollover_share``,
      ``capacity_usd``.
    """

    FIELDS: ClassVar[dict[str, tuple]] = {
        "row": (np.int64, -1),
        "kind": (np.int8, 0),
        "fund": (np.bool_, False),
        "capital_target_ratio": (np.float64, 0.15),
        "funding_spread_per_year": (np.float64, 0.0),
        "cash_buffer_share": (np.float64, 0.1),
        "gate_share": (np.float64, 1.0),
        "investment_grade_book": (np.bool_, False),
        "initial_capital_usd": (np.float64, 0.0),
        "losses_usd": (np.float64, 0.0),
        "loss_stress": (np.float64, 0.0),
        "charge_offs_usd": (np.float64, 0.0),
        "last_loss_event": (np.int64, -1),
        "return_index": (np.float64, 1.0),
        "peak_return_index": (np.float64, 1.0),
        "quarter_start_equity_usd": (np.float64, 0.0),
        "quarter_capital_flows_usd": (np.float64, 0.0),
        "funding_cost_usd": (np.float64, 0.0),
        "reserve_income_usd": (np.float64, 0.0),
        "payouts_usd": (np.float64, 0.0),
        "redemptions_requested_usd": (np.float64, 0.0),
        "redemptions_usd": (np.float64, 0.0),
        "inflows_usd": (np.float64, 0.0),
        "gated": (np.bool_, False),
        "running": (np.bool_, False),
        "funding_rate_per_year": (np.float64, 0.0),
        "stress": (np.float64, 0.0),
        "ltv_scale": (np.float64, 1.0),
        "spread_add_per_year": (np.float64, 0.0),
        "rolls_over": (np.bool_, True),
        "rollover_share": (np.float64, 1.0),
        "capacity_usd": (np.float64, 0.0),
    }

    def add(
        self,
        row: int,
        lender_kind: LenderKind,
        capital_target_ratio: float,
        funding_spread_per_year: float = 0.0,
        cash_buffer_share: float = 0.1,
        gate_share: float = 1.0,
    ) -> int:
        """Register a lender and return its index."""
        return self._append(
            row=row,
            kind=LENDER_KIND_CODE[lender_kind],
            fund=lender_kind in FUND_KINDS,
            capital_target_ratio=capital_target_ratio,
            funding_spread_per_year=funding_spread_per_year,
            cash_buffer_share=cash_buffer_share,
            gate_share=gate_share,
        )

    def open_capital(
        self, index: int, capital_usd: float, investment_grade_book: bool = False
    ) -> None:
        """Remember its capital, and whether its book is only investment grade, at opening."""
        cols = self._cols
        cols["initial_capital_usd"][index] = capital_usd
        cols["investment_grade_book"][index] = investment_grade_book
        cols["quarter_start_equity_usd"][index] = capital_usd

    def set_policies(
        self,
        capital_usd: np.ndarray,
        loans_usd: np.ndarray,
        cash_usd: np.ndarray,
        defaulted: np.ndarray,
        sensitivity: float,
        stress_spread_per_year: float,
        responsive: bool,
        loss_onset_share: float,
        loss_full_share: float,
    ) -> None:
        """Set every lender's credit policy for the week from its capital and liquidity.

        With the funding channel on (``responsive``) terms follow
        :func:`bubblesim.economics.credit_terms`, with the stress of its losses
        (:meth:`loss_stresses`); off, lenders keep normal terms with the capacity their opening
        capital gives. A lender whose funding market is shut (a run
        on it, or a gate that bound) can lend only the cash it holds above its buffer. A
        failed lender lends nothing; it rolls loans over only with the channel off (a run-off
        estate).
        """
        capital_usd = np.asarray(capital_usd, dtype=np.float64)
        stresses = (
            self.loss_stresses(capital_usd, loss_onset_share, loss_full_share)
            if responsive
            else np.zeros(self.n)
        )
        self._cols["loss_stress"][: self.n] = stresses
        _set_policies(
            capital_usd,
            np.asarray(loans_usd, dtype=np.float64),
            np.asarray(cash_usd, dtype=np.float64),
            np.asarray(defaulted),
            self.capital_target_ratio,
            self.initial_capital_usd,
            self.cash_buffer_share,
            self.running | self.gated,
            self.loss_stress,
            sensitivity,
            stress_spread_per_year,
            responsive,
            self.stress,
            self.ltv_scale,
            self.spread_add_per_year,
            self.rolls_over,
            self.rollover_share,
            self.capacity_usd,
        )

    def use_capacity(self, index: int, amount_usd: float) -> None:
        """A new loan uses up lending capacity."""
        capacity = self._cols["capacity_usd"]
        capacity[index] = max(0.0, capacity[index] - amount_usd)

    def book_loss(self, index: int, loss_usd: float, event: int) -> None:
        """A write-off (event ``event``): its loss beyond the provision adds to credit losses.

        Args:
            index: The lender.
            loss_usd: The charge to equity (the principal lost less its provision).
            event: The write-off event.
        """
        self._cols["losses_usd"][index] += loss_usd
        self._cols["last_loss_event"][index] = event

    def book_charge_off(self, index: int, principal_usd: float) -> None:
        """Principal written off (gross, before its provision)."""
        self._cols["charge_offs_usd"][index] += principal_usd

    def book_provisions(self, indices: np.ndarray, expense_usd: np.ndarray) -> None:
        """Provisions charged (positive) or released (negative) this week."""
        np.add.at(self._cols["losses_usd"], indices, expense_usd)

    def book_holders_provisions(self, rows: np.ndarray, expense_usd: np.ndarray) -> None:
        """:meth:`book_provisions` for loans' holders, given as firm rows.

        A holder that is not a lender (a vendor's notes) keeps no lender's records: its
        provisions are in its P&L alone.
        """
        mine = np.isin(rows, self.row)
        self.book_provisions(self.indices_of(rows[mine]), expense_usd[mine])

    # -- funding and fund flows ------------------------------------------------------------------
    def set_funding_rates(self, rates_per_year: np.ndarray) -> None:
        """This week's funding rate of every lender."""
        self._cols["funding_rate_per_year"][: self.n] = rates_per_year

    def record_interest(self, indices, funding_cost_usd, reserve_income_usd) -> None:
        """Funding interest paid and reserve income earned this week."""
        np.add.at(self._cols["funding_cost_usd"], indices, funding_cost_usd)
        np.add.at(self._cols["reserve_income_usd"], indices, reserve_income_usd)

    def set_running(self, running: np.ndarray) -> None:
        """Which lenders' funders are leaving this week."""
        self._cols["running"][: self.n] = running

    def pay_out(self, index: int, amount_usd: float) -> None:
        """Dividends or distributions paid (they leave capital, not units)."""
        self._cols["payouts_usd"][index] += amount_usd
        self._cols["quarter_capital_flows_usd"][index] -= amount_usd

    def redeem(self, index: int, requested_usd: float, paid_usd: float) -> None:
        """Investors redeem ``paid_usd`` of the ``requested_usd`` they asked for."""
        cols = self._cols
        cols["redemptions_requested_usd"][index] += requested_usd
        cols["redemptions_usd"][index] += paid_usd
        cols["quarter_capital_flows_usd"][index] -= paid_usd
        cols["gated"][index] = paid_usd < requested_usd * (1.0 - 1e-9)

    def raise_capital(self, index: int, amount_usd: float) -> None:
        """New investors put in ``amount_usd``."""
        self._cols["inflows_usd"][index] += amount_usd
        self._cols["quarter_capital_flows_usd"][index] += amount_usd

    def close_quarter(self, equity_usd: np.ndarray) -> None:
        """Compound the quarter's return into the index, and start a new quarter."""
        cols = self._cols
        n = self.n
        index = self.return_index_now(equity_usd)
        cols["return_index"][:n] = index
        cols["peak_return_index"][:n] = np.maximum(cols["peak_return_index"][:n], index)
        cols["quarter_start_equity_usd"][:n] = equity_usd
        cols["quarter_capital_flows_usd"][:n] = 0.0

    # -- reading ---------------------------------------------------------------------------------
    def indices_of(self, rows) -> np.ndarray:
        """The lender-table indices of lenders' firm rows (lenders enter in row order)."""
        rows = np.asarray(rows, dtype=np.int64)
        index = np.searchsorted(self.row, rows)
        if rows.size and not np.array_equal(self.row[np.minimum(index, self.n - 1)], rows):
            raise KeyError(f"not lenders: {rows[self.row[np.minimum(index, self.n - 1)] != rows]}")
        return index

    def return_index_now(self, equity_usd: np.ndarray) -> np.ndarray:
        """The total-return index including this quarter so far: ``I (1 + income / E_start)``."""
        start = self.quarter_start_equity_usd
        growth = np.divide(
            self.quarter_income_usd(equity_usd), start, out=np.zeros(self.n), where=start > 0
        )
        return self.return_index * np.maximum(0.0, 1.0 + growth)

    def nav_drawdown(self, equity_usd: np.ndarray) -> np.ndarray:
        """Fall of the total-return index below its peak (what investors lost), in [0, 1]."""
        peak = self.peak_return_index
        index = self.return_index_now(equity_usd)
        return np.clip(1.0 - np.divide(index, peak, out=np.ones(self.n), where=peak > 0), 0, 1)

    def loss_stresses(
        self, equity_usd: np.ndarray, onset_share: float, full_share: float
    ) -> np.ndarray:
        """Each lender's stress from its losses, at capital ``equity_usd``.

        :func:`bubblesim.economics.loss_stress` of its :meth:`nav_drawdown`.
        """
        drawdown = self.nav_drawdown(np.asarray(equity_usd, dtype=np.float64))
        return _loss_stresses(drawdown, float(onset_share), float(full_share))

    def quarter_income_usd(self, equity_usd: np.ndarray) -> np.ndarray:
        """Net income since the quarter began: the change of capital not due to capital flows."""
        return equity_usd - self.quarter_start_equity_usd - self.quarter_capital_flows_usd

    def policy(self, index: int) -> CreditPolicy:
        """One lender's policy this week."""
        cols = self._cols
        return CreditPolicy(
            float(cols["stress"][index]),
            float(cols["ltv_scale"][index]),
            float(cols["spread_add_per_year"][index]),
            bool(cols["rolls_over"][index]),
            float(cols["capacity_usd"][index]),
        )


class Lender(Firm):
    """A lender with capital, a loan book and funding that can run.

    Attributes:
        kind: What kind of lender (:class:`LenderKind`).
        capital_target_ratio: Capital per dollar of loans below which it tightens.
        initial_capital_usd: Capital at week 0.
        losses_usd: Cumulative credit-loss expense (provisions and write-offs).
        policy: The credit policy set this week.
    """

    TYPE = AgentType.LENDER
    exposures = ("rates", "bitcoin", "demand")

    def _lender(self, column: str):
        return getattr(self.world.agents.lenders, column)[self.index]

    kind_of_lender = property(lambda self: LENDER_KINDS[int(self._lender("kind"))])
    capital_target_ratio = property(lambda self: float(self._lender("capital_target_ratio")))
    initial_capital_usd = property(lambda self: float(self._lender("initial_capital_usd")))
    losses_usd = property(lambda self: float(self._lender("losses_usd")))
    last_loss_event = property(lambda self: int(self._lender("last_loss_event")))
    policy = property(lambda self: self.world.agents.lenders.policy(self.index))

    def capital_ratio(self) -> float:
        """Capital per dollar of loans (net of provisions)."""
        loans = self.loans_receivable_usd()
        return float("inf") if loans <= 0 else self.equity_usd / loans


@njit(cache=True)
def _set_policies(
    capital,
    loans,
    cash,
    defaulted,
    target,
    initial_capital,
    buffer_share,
    shut,
    loss_stresses,
    sensitivity,
    stress_spread,
    responsive,
    stress,
    ltv_scale,
    spread_add,
    rolls_over,
    rolled_share,
    capacity,
):  # pragma: no cover
    """:meth:`LenderTable.set_policies`, lender by lender (compiled loop)."""
    for i in range(capital.size):
        if defaulted[i]:
            s, scale, spread, rolls, room = 1.0, 0.0, 0.0, not responsive, 0.0
        elif responsive:
            s, scale, spread, rolls, room = credit_terms(
                capital[i], loans[i], target[i], sensitivity, stress_spread, loss_stresses[i]
            )
        else:
            s, scale, spread, rolls = 0.0, 1.0, 0.0, True
            room = max(0.0, initial_capital[i] / target[i] - loans[i])
        if shut[i] and not defaulted[i]:
            room = min(room, max(0.0, cash[i] - buffer_share[i] * loans[i]))
        share = rollover_share(s) if responsive else 1.0
        if defaulted[i]:
            share = 0.0 if responsive else 1.0
        stress[i], ltv_scale[i], spread_add[i], rolls_over[i], capacity[i] = (
            s,
            scale,
            spread,
            rolls,
            room,
        )
        rolled_share[i] = share


@njit(cache=True)
def _loss_stresses(drawdown, onset_share, full_share):  # pragma: no cover
    """:func:`bubblesim.economics.loss_stress` of every lender's drawdown."""
    out = np.empty(drawdown.size)
    for i in range(drawdown.size):
        out[i] = loss_stress(drawdown[i], onset_share, full_share)
    return out
