"""The ledger: the only place where cash moves, so money is neither created nor destroyed.

The ledger keeps every agent's cash and book equity (one row per agent). Every change of cash
goes through :meth:`Ledger.transfer` or :meth:`Ledger.transfer_batch`. A transfer between two
agents conserves the economy's cash; a transfer from or to the outside world (``None`` or row
−1) is an *external flow*, recorded by kind. Stock-flow consistency is then checkable: over any
step, the change in the sum of all agents' cash equals the sum of that step's external flows.

Each flow kind is also classified for the balance sheets: income/expense kinds move equity (they
are profit and loss), balance-sheet kinds swap one asset or liability for cash (loan principal,
hardware purchases at market value, prepayments, lender funding). Non-cash gains and losses
(revaluations, write-offs) are posted to equity with :meth:`Ledger.post_pnl`.

The ledger also keeps this week's *dues to outside creditors* (power and operating bills,
payments to outside holders), which settlement ranks pari passu with network obligations.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import StrEnum
from typing import ClassVar

import numpy as np
from numba import njit

from bubblesim.columns import Table, seq_sum


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
    VENDOR_MARGIN = "vendor_margin"  # a modelled GPU vendor's gross profit on GPUs sold
    FUNDING_INTEREST = "funding_interest"  # lenders pay depositors, noteholders, facilities
    RESERVE_INCOME = "reserve_income"  # lenders' cash earns the base rate (reserves, bills)
    PAYOUT = "payout"  # lenders' dividends and fund distributions
    REDEMPTION = "redemption"  # fund and pool investors redeem their units
    CAPITAL_RAISED = "capital_raised"  # new investors buy a fund's or pool's units
    OUTSIDE_LOSS = "outside_loss"  # a stand-in borrower's outside assets are lost (a shock)
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
        Flow.VENDOR_MARGIN,
        Flow.CONTRACT_PAYMENT,
        Flow.LEASE_PAYMENT,
        Flow.SPOT_PAYMENT,
        Flow.INTEREST,
        Flow.GUARANTEE_PAYMENT,
        Flow.EQUITY_RAISED,
        Flow.FUNDING_INTEREST,
        Flow.RESERVE_INCOME,
        Flow.PAYOUT,
        Flow.REDEMPTION,
        Flow.CAPITAL_RAISED,
        Flow.OUTSIDE_LOSS,
    }
)
"""Kinds that change the payer's and payee's equity (equity raised and fund capital add to
paid-in capital; payouts and redemptions return it)."""

FLOWS: tuple[Flow, ...] = tuple(Flow)
FLOW_CODE: dict[Flow, int] = {kind: code for code, kind in enumerate(FLOWS)}
_PNL = np.array([kind in INCOME_KINDS for kind in FLOWS])

#: What can be owed to outside creditors in a week (the columns of the dues).
DUE_KINDS: tuple[Flow, ...] = (
    Flow.POWER_BILL,
    Flow.OPERATING_COST,
    Flow.LEASE_PAYMENT,
    Flow.CONTRACT_PAYMENT,
    Flow.INTEREST,
    Flow.PRINCIPAL,
)
DUE_INDEX: dict[Flow, int] = {kind: i for i, kind in enumerate(DUE_KINDS)}
DUE_FLOW_CODES = np.array([FLOW_CODE[kind] for kind in DUE_KINDS])
_DUE_PNL = np.array([kind in INCOME_KINDS for kind in DUE_KINDS])
OUTSIDE = -1
"""The row standing for the outside world in batch transfers."""


class LedgerError(RuntimeError):
    """A transfer would break limited liability or was malformed."""


class Ledger(Table):
    """Cash and book equity of every agent; transfers, external flows and outside dues.

    Columns: ``cash_usd`` and ``equity_usd`` (one row per agent; equity is tracked by profit
    and loss, revaluations and write-offs).

    Args:
        name_of: The display name of an agent row (for error messages).
        tolerance_usd: Rounding slack allowed before a transfer counts as overdrawing.
    """

    FIELDS: ClassVar[dict[str, tuple]] = {
        "cash_usd": (np.float64, 0.0),
        "equity_usd": (np.float64, 0.0),
    }

    def __init__(self, name_of: Callable[[int], str] = str, tolerance_usd: float = 1.0):
        super().__init__()
        self.name_of = name_of
        self.tolerance_usd = tolerance_usd
        self._external = np.zeros(len(FLOWS))
        self._due = np.zeros((16, len(DUE_KINDS)))

    # -- accounts --------------------------------------------------------------------------------
    def open_account(self, cash_usd: float = 0.0) -> int:
        """Open an agent's account with its opening cash; returns its row."""
        row = self._append(cash_usd=cash_usd)
        if row >= self._due.shape[0]:
            self._due = np.vstack([self._due, np.zeros_like(self._due)])
        return row

    def adjust_opening_cash(self, row: int, amount_usd: float) -> None:
        """Change opening cash before the books open (a pre-existing loan's proceeds spent)."""
        self._cols["cash_usd"][row] += amount_usd

    def open_equity(self, row: int, equity_usd: float) -> None:
        """Set an agent's opening equity (assets minus liabilities)."""
        self._cols["equity_usd"][row] = equity_usd

    def close_books(self, row: int) -> None:
        """A liquidated agent's debts are extinguished: its equity closes at zero."""
        self._cols["equity_usd"][row] -= self._cols["equity_usd"][row]

    # -- flows -----------------------------------------------------------------------------------
    def reset_step(self) -> None:
        """Start a new step's flow accounts."""
        self._external[:] = 0.0

    @property
    def external(self) -> dict[Flow, float]:
        """This step's net external flows by kind (inflows positive; kinds that moved)."""
        return {FLOWS[k]: float(v) for k, v in enumerate(self._external.tolist()) if v != 0.0}

    def net_external_usd(self) -> float:
        """Net external inflow this step (positive = cash came into the economy)."""
        return seq_sum(self._external)

    def transfer(
        self, payer: int | None, payee: int | None, amount_usd: float, kind: Flow
    ) -> float:
        """Move cash from ``payer`` to ``payee`` (agent rows); ``None`` stands for the outside.

        Args:
            payer: The paying agent's row, or None for an inflow from outside.
            payee: The receiving agent's row, or None for an outflow to outside.
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
        cash = self._cols["cash_usd"]
        if payer is not None and cash[payer] + self.tolerance_usd < amount_usd:
            raise LedgerError(
                f"{kind}: {self.name_of(payer)} cannot pay {amount_usd:,.0f} USD "
                f"with {cash[payer]:,.0f} USD cash"
            )
        code = FLOW_CODE[kind]
        equity = self._cols["equity_usd"]
        pnl = _PNL[code]
        if payer is not None:
            cash[payer] -= amount_usd
            if pnl:
                equity[payer] -= amount_usd
        if payee is not None:
            cash[payee] += amount_usd
            if pnl:
                equity[payee] += amount_usd
        if payer is None and payee is not None:
            self._external[code] += amount_usd
        elif payee is None and payer is not None:
            self._external[code] -= amount_usd
        return amount_usd

    def transfer_sequence(
        self,
        payers: np.ndarray,
        payees: np.ndarray,
        amounts_usd: np.ndarray,
        kinds: np.ndarray,
        capped: np.ndarray | None = None,
    ) -> np.ndarray:
        """Transfers one after another, exactly as the same calls of :meth:`transfer` would be.

        Transfer ``i`` moves ``amounts_usd[i]`` of flow ``kinds[i]`` (codes) from ``payers[i]``
        to ``payees[i]`` (rows; −1 for the outside). Where ``capped[i]``, the payer pays
        ``min(amount, max(0, cash))`` with the cash it holds at that point of the sequence (what
        it can pay). One compiled pass instead of a Python call per transfer.

        Returns:
            The amount each transfer moved.

        Raises:
            LedgerError: As :meth:`transfer` would, at the first transfer that fails (the ones
                before it have been made).
        """
        if capped is None:
            capped = np.zeros(len(amounts_usd), dtype=np.bool_)
        failed, moved = _transfer_sequence(
            self.cash_usd,
            self.equity_usd,
            self._external,
            _PNL,
            payers,
            payees,
            amounts_usd,
            kinds,
            capped,
            self.tolerance_usd,
        )
        if failed >= 0:
            payer, payee = int(payers[failed]), int(payees[failed])
            self.transfer(
                None if payer < 0 else payer,
                None if payee < 0 else payee,
                float(moved[failed]),
                FLOWS[int(kinds[failed])],
            )
            raise LedgerError(f"transfer {failed} of a sequence failed")  # pragma: no cover
        return moved

    def receive(self, rows: np.ndarray, amounts_usd: np.ndarray, kind: Flow) -> None:
        """Payments from outside the economy to distinct agents (revenue, income)."""
        if len(amounts_usd) and not 0.0 <= amounts_usd.min() <= amounts_usd.max() < np.inf:
            raise LedgerError(f"{kind}: amounts must be finite and >= 0")
        code = FLOW_CODE[kind]
        self.cash_usd[rows] += amounts_usd
        if _PNL[code]:
            self.equity_usd[rows] += amounts_usd
        self._external[code] += seq_sum(amounts_usd)

    def receive_many(self, rows: np.ndarray, amounts_usd: np.ndarray, kinds: np.ndarray) -> None:
        """Payments from outside the economy (revenue and income).

        ``amounts_usd[i]`` of flow ``kinds[i]`` (codes) goes to ``rows[i]``.
        """
        if len(amounts_usd) and not 0.0 <= amounts_usd.min() <= amounts_usd.max() < np.inf:
            raise LedgerError("receipts from outside must be finite and >= 0")
        _receive(self.cash_usd, self.equity_usd, self._external, _PNL, rows, amounts_usd, kinds)

    def transfer_batch(
        self, payers: np.ndarray, payees: np.ndarray, amounts_usd: np.ndarray, kinds: np.ndarray
    ) -> None:
        """Apply simultaneous transfers (a settlement round), checking only net positions.

        In a clearing round a payer pays out of what it receives in the same round, so the
        limited-liability check applies to each payer's cash after the whole batch.

        Args:
            payers: Paying rows (−1: the outside world).
            payees: Receiving rows (−1: the outside world).
            amounts_usd: Non-negative amounts.
            kinds: Flow codes (:data:`FLOW_CODE`).

        Raises:
            LedgerError: If an amount is negative or any payer would end with negative cash
                (beyond the tolerance).
        """
        if len(amounts_usd) == 0:
            return
        if not amounts_usd.min() >= 0.0:
            raise LedgerError(f"batch: amounts must be >= 0, got {amounts_usd.min()!r}")
        n = self.n
        paying, receiving = payers != OUTSIDE, payees != OUTSIDE
        out_rows, out_amounts = payers[paying], amounts_usd[paying]
        in_rows, in_amounts = payees[receiving], amounts_usd[receiving]
        delta = np.bincount(in_rows, in_amounts, n) - np.bincount(out_rows, out_amounts, n)
        cash = self.cash_usd
        after = cash + delta
        short = after < -self.tolerance_usd * (1.0 + 1e-9 * np.abs(cash))
        if short.any():
            row = int(np.flatnonzero(short)[0])
            raise LedgerError(
                f"settlement: {self.name_of(row)} would end with {after[row]:,.0f} USD"
            )
        cash += delta
        pnl = _PNL[kinds]
        if pnl.any():
            self.equity_usd[:] += np.bincount(
                in_rows, in_amounts * pnl[receiving], n
            ) - np.bincount(out_rows, out_amounts * pnl[paying], n)
        external = paying != receiving
        if external.any():
            signed = np.where(receiving, amounts_usd, -amounts_usd)[external]
            self._external += np.bincount(kinds[external], signed, len(FLOWS))

    def settle(
        self,
        rows: np.ndarray,
        payers: np.ndarray,
        payees: np.ndarray,
        amounts_usd: np.ndarray,
        pnl: np.ndarray,
        dues_paid_usd: np.ndarray,
    ) -> None:
        """Apply a settlement round at once: network payments and payments of outside dues.

        Args:
            rows: The settling agents' rows.
            payers: Each payment's payer, as a position in ``rows``.
            payees: Each payment's payee, as a position in ``rows``.
            amounts_usd: What each payment pays.
            pnl: Whether each payment moves equity (rent and interest do; principal does not).
            dues_paid_usd: ``(len(rows), len(DUE_KINDS))``: what each agent pays its outside
                creditors, by kind.

        Raises:
            LedgerError: If any agent would end with negative cash (beyond the tolerance).
        """
        external = np.zeros(len(FLOWS))
        short = _settle(
            rows,
            payers,
            payees,
            amounts_usd,
            pnl,
            dues_paid_usd,
            _DUE_PNL,
            DUE_FLOW_CODES,
            self.cash_usd,
            self.equity_usd,
            external,
            self.tolerance_usd,
        )
        if short >= 0:
            row = int(rows[short])
            raise LedgerError(f"settlement: {self.name_of(row)} would be left short of cash")
        self._external += external

    def post_transfers_of_value(
        self, losers: np.ndarray, gainers: np.ndarray, amounts_usd: np.ndarray
    ) -> None:
        """Non-cash value passing from ``losers`` to ``gainers`` (rows; −1: nobody inside)."""
        _post_pairs(self.equity_usd, losers, gainers, amounts_usd)

    def post_pnl(self, rows, amounts_usd) -> None:
        """Post non-cash gains (positive) or losses (negative) to equity, in order."""
        equity = self._cols["equity_usd"]
        if (
            type(rows) is np.ndarray
            and type(amounts_usd) is np.ndarray
            and rows.dtype == np.int64
            and amounts_usd.dtype == np.float64
            and rows.ndim == amounts_usd.ndim == 1
            and rows.size == amounts_usd.size
        ):
            _add_at(equity, rows, amounts_usd)  # what np.add.at does, without its overhead
        else:
            np.add.at(equity, rows, amounts_usd)

    # -- dues to outside creditors ---------------------------------------------------------------
    def reset_dues(self) -> None:
        """Start a new week's dues."""
        self._due[:] = 0.0

    def owe(self, rows, kind: Flow, amounts_usd) -> None:
        """Add to agents' dues to outside creditors this week (positive amounts only)."""
        rows = np.asarray(rows, dtype=np.int64)
        amounts_usd = np.asarray(amounts_usd, dtype=np.float64)
        keep = amounts_usd > 0
        if keep.ndim == 0:
            rows, amounts_usd = rows[keep], np.full(rows[keep].shape, float(amounts_usd))
        else:
            rows, amounts_usd = rows[keep], amounts_usd[keep]
        if rows.ndim == 1 and amounts_usd.shape == rows.shape:
            _add_at_column(self._due, rows, DUE_INDEX[kind], amounts_usd)
        else:
            np.add.at(self._due[:, DUE_INDEX[kind]], rows, amounts_usd)

    def owe_many(self, rows: np.ndarray, due_kinds: np.ndarray, amounts_usd: np.ndarray) -> None:
        """Add dues entry by entry (``due_kinds`` index :data:`DUE_KINDS`); ignores amounts ≤ 0."""
        keep = amounts_usd > 0
        _add_at_2d(
            self._due,
            rows[keep].astype(np.int64),
            due_kinds[keep].astype(np.int64),
            amounts_usd[keep].astype(np.float64),
        )

    def dues(self, rows: np.ndarray) -> np.ndarray:
        """Agents' dues by kind: a ``(len(rows), len(DUE_KINDS))`` array (USD)."""
        return self._due[rows]

    def dues_of(self, kind: Flow, n: int) -> np.ndarray:
        """The first ``n`` agents' dues of one kind this week (a view: do not modify)."""
        return self._due[:n, DUE_INDEX[kind]]

    def dues_total(self, rows: np.ndarray) -> np.ndarray:
        """Each agent's total dues to outside creditors this week."""
        return self._due[rows].sum(axis=1)

    def due(self, row: int) -> dict[Flow, float]:
        """One agent's dues by kind (non-zero only)."""
        return {
            kind: float(a)
            for kind, a in zip(DUE_KINDS, self._due[row].tolist(), strict=True)
            if a > 0
        }


@njit(cache=True)
def _transfer_sequence(
    cash, equity, external, pnl_of, payers, payees, amounts, kinds, capped, tolerance
):  # pragma: no cover
    """:meth:`Ledger.transfer_sequence` (compiled loop).

    Returns the first transfer that :meth:`Ledger.transfer` would refuse (−1: none) and the
    amounts moved (for a refused one, what it tried to move).
    """
    moved = np.zeros(amounts.size)
    for i in range(amounts.size):
        payer, payee, code = payers[i], payees[i], kinds[i]
        amount = amounts[i]
        if capped[i]:
            held = cash[payer]
            can = held if held > 0.0 else 0.0  # max(0.0, cash)
            amount = can if can < amount else amount  # min(amount, can)
        moved[i] = amount
        if not amount >= 0.0 or amount == np.inf:
            return i, moved
        if amount == 0.0:
            continue
        if payer >= 0 and cash[payer] + tolerance < amount:
            return i, moved
        pnl = pnl_of[code]
        if payer >= 0:
            cash[payer] -= amount
            if pnl:
                equity[payer] -= amount
        if payee >= 0:
            cash[payee] += amount
            if pnl:
                equity[payee] += amount
        if payer < 0 and payee >= 0:
            external[code] += amount
        elif payee < 0 and payer >= 0:
            external[code] -= amount
    return -1, moved


@njit(cache=True)
def _receive(cash, equity, external, pnl, rows, amounts, kinds):  # pragma: no cover
    """:meth:`Ledger.receive_many` (compiled loop)."""
    for i in range(rows.size):
        r, a, k = rows[i], amounts[i], kinds[i]
        cash[r] += a
        if pnl[k]:
            equity[r] += a
        external[k] += a


@njit(cache=True)
def _add_at(target, rows, amounts):  # pragma: no cover
    """``np.add.at(target, rows, amounts)``: each amount added in order (compiled loop)."""
    for i in range(rows.size):
        target[rows[i]] += amounts[i]


@njit(cache=True)
def _add_at_column(target, rows, column, amounts):  # pragma: no cover
    """``np.add.at(target[:, column], rows, amounts)``, in order (compiled loop)."""
    for i in range(rows.size):
        target[rows[i], column] += amounts[i]


@njit(cache=True)
def _add_at_2d(target, rows, columns, amounts):  # pragma: no cover
    """``np.add.at(target, (rows, columns), amounts)``, in order (compiled loop)."""
    for i in range(rows.size):
        target[rows[i], columns[i]] += amounts[i]


@njit(cache=True)
def _post_pairs(equity, losers, gainers, amounts):  # pragma: no cover
    """Equity moves from each loser to its gainer (compiled loop)."""
    for t in range(amounts.size):
        if losers[t] >= 0:
            equity[losers[t]] -= amounts[t]
        if gainers[t] >= 0:
            equity[gainers[t]] += amounts[t]


@njit(cache=True)
def _settle(
    rows, payers, payees, amounts, pnl, dues_paid, due_pnl, due_codes, cash, equity, external, tol
):  # pragma: no cover
    """:meth:`Ledger.settle` (compiled loop). Returns the first short position, or −1.

    Nothing is written when an agent would be left short.
    """
    m = rows.size
    net, income = np.zeros(m), np.zeros(m)
    for t in range(amounts.size):
        a = amounts[t]
        net[payees[t]] += a
        net[payers[t]] -= a
        if pnl[t]:
            income[payees[t]] += a
            income[payers[t]] -= a
    for k in range(m):
        for d in range(dues_paid.shape[1]):
            x = dues_paid[k, d]
            net[k] -= x
            external[due_codes[d]] -= x
            if due_pnl[d]:
                income[k] -= x
    for k in range(m):
        before = cash[rows[k]]
        if before + net[k] < -tol * (1.0 + 1e-9 * abs(before)):
            return k
    for k in range(m):
        cash[rows[k]] += net[k]
        equity[rows[k]] += income[k]
    return -1
