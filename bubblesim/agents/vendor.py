"""GPU vendors (Nvidia-like): they sell the GPUs and backstop neocloud capacity.

The vendor earns its gross margin on every GPU system the economy buys
(:meth:`bubblesim.markets.hardware.HardwareMarket.buy_gpus`): the buyer pays the list price
to the outside world (the supply chain) and the vendor's share of it, times its gross margin,
comes back to the vendor (``Flow.VENDOR_MARGIN``), so no money is created. It guarantees
neocloud capacity (Nvidia's $6.3B CoreWeave backstop, calib. §2): as a guarantor it takes the
buyer's side of a contract whose buyer defaults and pays the rent out of its own cash through
the weekly clearing, so it can fail. It puts money into labs' equity rounds (circular
financing: Nvidia's investment in OpenAI, calib. §2) and holds the stakes as an asset marked at
the lab's valuation, lost when the lab defaults (:func:`invest_in_lab_round`,
:func:`mark_stakes`). Its health sets the GPU list price (:func:`vendor_price_factor`).
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np

from bubblesim.agents.base import AgentType, Firm, HealthCode
from bubblesim.columns import Table, Trailing
from bubblesim.units import WEEKS_PER_YEAR


class VendorTable(Table):
    """The vendors' own state, one row per vendor.

    Columns: ``row`` (firm row), ``hardware_share`` (its share of a GPU system's list price),
    ``gross_margin`` (its margin on that share), ``operating_cost_usd_per_year`` (its
    operating costs this year: R&D and overhead, :func:`operating_cost_usd_per_year`),
    ``opening_operating_cost_usd_per_year`` (its normal cost base, ``C₀``: what it opens the
    first year with, and the base its cash cover is sized to), ``first_year_sales_usd`` (GPU
    systems sold in the first year, weeks 1–52, once known, else −1), ``sales_usd`` (GPU
    systems sold, cumulative).
    """

    FIELDS: ClassVar[dict[str, tuple]] = {
        "row": (np.int64, -1),
        "hardware_share": (np.float64, 0.0),
        "gross_margin": (np.float64, 0.0),
        "operating_cost_usd_per_year": (np.float64, 0.0),
        "opening_operating_cost_usd_per_year": (np.float64, 0.0),
        "first_year_sales_usd": (np.float64, -1.0),
        "sales_usd": (np.float64, 0.0),
    }

    def add(
        self,
        row: int,
        hardware_share: float,
        gross_margin: float,
        operating_cost_usd_per_year: float = 0.0,
    ) -> int:
        """Register a vendor and return its index."""
        return self._append(
            row=row,
            hardware_share=hardware_share,
            gross_margin=gross_margin,
            operating_cost_usd_per_year=operating_cost_usd_per_year,
            opening_operating_cost_usd_per_year=operating_cost_usd_per_year,
        )

    def __init__(self) -> None:
        super().__init__()
        self._sales_year = Trailing(WEEKS_PER_YEAR)  # trailing year of sales
        self.stakes: dict[int, dict[int, float]] = {}  # vendor → {lab row: share owned}
        self.invested_usd: dict[int, float] = {}  # vendor → cash put into lab rounds

    def buy_stake(self, index: int, lab_row: int, share: float, usd: float) -> None:
        """A share of a lab bought in one of its rounds, for ``usd``."""
        owned = self.stakes.setdefault(index, {})
        owned[lab_row] = owned.get(lab_row, 0.0) + share
        self.invested_usd[index] = self.invested_usd.get(index, 0.0) + usd

    def drop_stakes(self, index: int) -> None:
        """The vendor's stakes leave its books (it is liquidated)."""
        self.stakes.pop(index, None)

    def sold(self, index: int, usd: float) -> None:
        """GPU systems sold at list price (its revenue base)."""
        self._cols["sales_usd"][index] += usd

    def set_operating_costs(self, week: int, floor_share: float) -> None:
        """This week's cost base from the trailing year of sales (call once a week).

        :func:`operating_cost_usd_per_year` for every vendor. The first week that runs is week
        1 (the clock ticks before the phases) and this is called after that week's sales, so
        at week 52 the cumulative sales are the first year's; until then costs are ``C₀``.
        """
        cols = self._cols
        trailing = self._sales_year.change(week, self.sales_usd)
        if week == WEEKS_PER_YEAR:
            cols["first_year_sales_usd"][: self.n] = self.sales_usd
        if week <= WEEKS_PER_YEAR:
            cols["operating_cost_usd_per_year"][: self.n] = self.opening_operating_cost_usd_per_year
            return
        for i in range(self.n):
            cols["operating_cost_usd_per_year"][i] = operating_cost_usd_per_year(
                float(cols["opening_operating_cost_usd_per_year"][i]),
                float(trailing[i]),
                float(cols["first_year_sales_usd"][i]),
                floor_share,
            )


def operating_cost_usd_per_year(
    opening_usd_per_year: float,
    trailing_year_sales_usd: float,
    first_year_sales_usd: float,
    floor_share: float,
) -> float:
    """A vendor's operating costs: ``C = C₀ × clip(S / S₁, f, 1)``: cut when its sales fall.

    ``C₀`` is the cost base it carries through its first year, whose sales are ``S₁``; after
    it, costs follow the trailing year's sales ``S`` down when they fall below the first
    year's, never below a share ``f`` of ``C₀``, and do not rise above ``C₀`` (operating
    leverage: a chip vendor's R&D and overhead grow far more slowly than its sales, Nvidia's
    fell from about 41% of revenue in its fiscal 2023 to about 13% in fiscal 2025; judgment,
    not in the calibration facts). The model's vendor is the part of a chip vendor's business
    that serves this economy, so when that part's sales go, the costs charged to it shrink;
    the floor is what stays (judgment: costs are sticky, and Nvidia's own operating expenses
    did not fall in its 2022 downturn, which argues for ``f`` near 1; ``f`` is screened in
    the Morris study). Before the first full year (``S₁ < 0``), or with no first-year sales
    to scale on (``S₁ = 0``): ``C₀``. Example: ``C₀`` $10B, ``S₁`` $64B, ``S`` $16B,
    ``f = 0.5`` → $10B × clip(0.25, 0.5, 1) = $5B; ``S`` $128B → $10B.
    """
    if first_year_sales_usd <= 0:
        return opening_usd_per_year
    share = trailing_year_sales_usd / first_year_sales_usd
    return opening_usd_per_year * min(1.0, max(floor_share, share))


def vendor_margin_usd(list_price_usd: float, hardware_share: float, gross_margin: float) -> float:
    """The vendor's gross profit on a GPU sale: ``list price × hardware share × margin``."""
    return list_price_usd * hardware_share * gross_margin


class Vendor(Firm):
    """A GPU vendor (a view of its rows in the firm and vendor tables).

    Attributes:
        hardware_share: Its share of a GPU system's list price.
        gross_margin: Its gross margin on that share.
        sales_usd: GPU systems sold so far.
    """

    TYPES = (AgentType.VENDOR,)
    exposures = ("demand", "chips")

    def _vendor(self, column: str):
        return getattr(self.world.agents.vendors, column)[self.index]

    hardware_share = property(lambda self: float(self._vendor("hardware_share")))
    gross_margin = property(lambda self: float(self._vendor("gross_margin")))
    sales_usd = property(lambda self: float(self._vendor("sales_usd")))


def pay_vendor_margin(world, list_price_usd: float) -> None:
    """A GPU sale at list price: the first live vendor earns its margin (no vendor: nobody).

    The buyer has paid the list price to the supply chain (outside); the vendor's gross profit,
    :func:`vendor_margin_usd`, comes back from it. A defaulted vendor earns nothing (its
    customers buy from the rest of the supply chain).
    """
    from bubblesim.accounts.ledger import Flow

    vendors = world.agents.vendors
    if len(vendors) == 0:
        return
    alive = world.agents.active_members(vendors)
    if alive.size == 0:
        return
    v = int(alive[0])
    margin = vendor_margin_usd(
        list_price_usd, float(vendors.hardware_share[v]), float(vendors.gross_margin[v])
    )
    world.ledger.transfer(None, int(vendors.row[v]), margin, Flow.VENDOR_MARGIN)
    vendors.sold(v, list_price_usd)


# -- circular financing: stakes in labs (issue 13, second pass) -----------------------------------
def invest_in_lab_round(world, lab_row: int, round_usd: float, post_money_usd: float) -> float:
    """The first live vendor takes its share of a lab's round; returns what it paid.

    It pays ``min(round share × round, commitment left, cash beyond a year of costs C₀)``
    into the lab (``Flow.EQUITY_RAISED``, a lab's new shares) and books the stake at cost, so its
    equity does not move; the share owned is ``paid / post-money valuation``. The rest of the
    round comes from outside investors.
    """
    from bubblesim.accounts.ledger import Flow

    vendors, g = world.agents.vendors, world.config.guarantors
    if len(vendors) == 0 or round_usd <= 0 or post_money_usd <= 0:
        return 0.0
    alive = world.agents.active_members(vendors)
    if alive.size == 0:
        return 0.0
    v = int(alive[0])
    row = int(vendors.row[v])
    free = float(world.ledger.cash_usd[row]) - float(vendors.opening_operating_cost_usd_per_year[v])
    left = g.vendor_lab_commitment_usd - vendors.invested_usd.get(v, 0.0)
    paid = max(0.0, min(g.vendor_lab_round_share * round_usd, left, free))
    if paid <= 0:
        return 0.0
    world.ledger.transfer(row, lab_row, paid, Flow.EQUITY_RAISED)
    world.ledger.post_pnl(row, paid)  # the stake, at cost
    world.agents.table.mark_stakes(row, float(world.agents.table.stakes_usd[row]) + paid)
    vendors.buy_stake(v, lab_row, paid / post_money_usd, paid)
    return paid


def stake_value_usd(shares: dict[int, float], valuation_of) -> float:
    """``Σ share_i × V_i``: stakes marked at the labs' valuations (a defaulted lab is worth 0)."""
    return float(sum(share * valuation_of(lab) for lab, share in sorted(shares.items())))


def mark_stakes(world) -> None:
    """Weekly: every vendor's lab stakes marked to the labs' valuations; the change is P&L."""
    vendors = world.agents.vendors
    if len(vendors) == 0:
        return
    labs, table = world.agents.labs, world.agents.table
    index_of = {int(r): i for i, r in enumerate(labs.row.tolist())}
    health = table.health
    lab_value = world.equity.lab_value_usd

    def valuation(lab_row: int) -> float:
        if health[lab_row] == HealthCode.DEFAULTED:
            return 0.0
        return lab_value(index_of[lab_row])

    for v in range(len(vendors)):
        row = int(vendors.row[v])
        if health[row] == HealthCode.DEFAULTED:
            continue
        value = stake_value_usd(vendors.stakes.get(v, {}), valuation)
        world.ledger.post_pnl(row, value - float(table.stakes_usd[row]))
        table.mark_stakes(row, value)


def write_off_stakes(world, row: int) -> None:
    """A liquidated firm's stakes in labs are written off (private shares: no buyer in a crisis)."""
    table = world.agents.table
    value = float(table.stakes_usd[row])
    if value != 0.0:
        world.ledger.post_pnl(row, -value)
        table.mark_stakes(row, 0.0)
    vendors = world.agents.vendors
    for v in np.flatnonzero(vendors.row == row).tolist():
        vendors.drop_stakes(int(v))


# -- the vendor's health sets the GPU price (issue 13, second pass) ------------------------------
def price_factor(
    cash_usd: float, cost_base_usd_per_year: float, cover_years: float, max_discount: float
) -> float:
    """GPU list price multiple: ``f = 1 − d × clip(1 − cash / (L* × C₀), 0, 1)``.

    A vendor with a year (``L*``) of its normal cost base ``C₀`` in cash prices at list; as its
    cash runs down it cuts prices to sell (up to ``d`` off at no cash), the way a stressed
    supplier clears inventory. Example: cash $5B, ``C₀`` $10B/yr, L* = 1, d = 0.3 →
    1 − 0.3 × 0.5 = 0.85.
    """
    if cost_base_usd_per_year <= 0 or cover_years <= 0:
        return 1.0
    stress = min(1.0, max(0.0, 1.0 - cash_usd / (cover_years * cost_base_usd_per_year)))
    return 1.0 - max_discount * stress


def vendor_price_factor(world) -> float:
    """:func:`price_factor` of the first live vendor (no vendor, or all failed: 1)."""
    vendors = world.agents.vendors
    if vendors.n == 0:
        return 1.0
    alive = world.agents.active_members(vendors)
    if alive.size == 0:
        return 1.0
    v = alive[0]
    g = world.config.guarantors
    return price_factor(
        float(world.ledger.cash_usd[vendors.row[v]]),
        float(vendors.opening_operating_cost_usd_per_year[v]),
        g.vendor_price_cover_years,
        g.vendor_price_max_discount,
    )


# -- vendor financing: the vendor lends against the GPUs it sells (issue 13, third pass) ---------
VENDOR_NOTE = "vendor note"
"""The label of a vendor-financed GPU loan."""


def lending_vendor(world) -> tuple[int, float]:
    """The first live vendor that finances sales, and how much more it will lend.

    ``room = min(limit − vendor notes outstanding, cash − L* × C₀)``: the vendor lends
    up to its book limit, and only out of cash beyond the reserve below which it starts to cut
    prices (:func:`price_factor`), so a vendor under stress stops financing its customers.

    Returns:
        ``(vendor firm row, room in USD)``, or ``(-1, 0.0)`` when no vendor lends.
    """
    vendors, g = world.agents.vendors, world.config.guarantors
    if vendors.n == 0 or g.vendor_financing_limit_usd <= 0:
        return -1, 0.0
    alive = world.agents.active_members(vendors)
    if alive.size == 0:
        return -1, 0.0
    v = int(alive[0])
    row = int(vendors.row[v])
    room = min(
        g.vendor_financing_limit_usd - world.book.receivable_usd(row),
        float(world.ledger.cash_usd[row]) - _reserve_usd(world, v),
    )
    return row, max(0.0, room)


def _reserve_usd(world, index: int) -> float:
    """The cash a vendor keeps before it lends or rolls: ``L* × C₀``, its normal cost base."""
    cover = world.config.guarantors.vendor_price_cover_years
    return cover * float(world.agents.vendors.opening_operating_cost_usd_per_year[index])


def finance_gpu_sale(world, borrower: int, amount_usd: float) -> float:
    """The vendor lends ``amount_usd`` (or what its room allows) against GPUs it sells.

    Vendor financing as Nortel and Lucent ran it in 1998–2001 (calib. §6: Nortel financed $23B
    over 5 years): the buyer no lender will finance borrows from the vendor at the neocloud
    spread over the base rate, secured on the GPUs, amortising over the standard term, with the
    standard maintenance covenant. The cash goes round: the vendor lends, the buyer pays the
    list price, the vendor earns its margin. The note is an asset of the vendor, and a loss on
    it is the vendor's.

    Returns:
        The principal lent (0 if the vendor has no room for the whole amount).
    """
    from bubblesim.accounts.events import EventKind
    from bubblesim.accounts.instruments import Collateral
    from bubblesim.accounts.ledger import Flow
    from bubblesim.markets.credit import is_investment_grade

    row, room = lending_vendor(world)
    if row < 0 or room < amount_usd or amount_usd <= 0:
        return 0.0
    cr, week = world.config.credit, world.clock.week
    world.book.loans.add(
        lender=row,
        borrower=borrower,
        principal_usd=amount_usd,
        spread_per_year=cr.credit_spread_neocloud_per_year,
        floating=True,
        maturity_week=week + cr.credit_loan_term_weeks,
        amortisation_usd_per_week=amount_usd / cr.credit_loan_term_weeks,
        collateral=Collateral.GPU,
        covenant_ltv=cr.credit_covenant_ltv,
        instrument=VENDOR_NOTE,
        start_week=week,
        investment_grade=is_investment_grade(world, borrower),
    )
    world.ledger.transfer(row, borrower, amount_usd, Flow.LOAN_DISBURSEMENT)
    world.events.record(
        EventKind.LOAN_MADE, row, counterparty=borrower, amount_usd=amount_usd, detail=VENDOR_NOTE
    )
    return amount_usd


def rolls_vendor_note(world, loan: int) -> bool:
    """Whether the vendor rolls a maturing note: alive and holding cash beyond its reserve.

    Rolling needs no new cash, so the vendor rolls while it is not under stress (cash above
    ``L* × C₀``, the same reserve as :func:`lending_vendor`); under stress it wants
    its money back.
    """
    row = int(world.book.loans.lender[loan])
    vendors = world.agents.vendors
    index = np.flatnonzero(vendors.row == row)
    if index.size == 0 or world.agents.table.is_defaulted(row):
        return False
    return float(world.ledger.cash_usd[row]) > _reserve_usd(world, int(index[0]))
