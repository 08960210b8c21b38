"""Phase 3: contracting and lending.

In order: defaulted labs' businesses re-emerge as recapitalised successors; labs raise equity if
their window is open; labs sign GPU cloud contracts with providers that have (or can finance)
GPUs and space; providers revisit capex and re-let empty halls or lease new ones from miners,
who finance conversions with project loans (with a DSCR covenant); halls empty for too long
go back to mining; maturing loans are rolled over (in full, in part, or not), refinanced, or
fall due; borrowers short of cash draw secured credit against their hardware. Every request
for credit goes through the credit desk, which records what is asked and granted. Matching
order comes from the model's seeded generator.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from bubblesim.accounts.events import EventKind
from bubblesim.accounts.instruments import (
    ASIC,
    COLLATERAL_OF_CODE,
    GPU,
    GPU_CLOUD,
    Code,
    Collateral,
    ContractKind,
    Status,
)
from bubblesim.accounts.ledger import Flow
from bubblesim.agents.base import TYPE_CODE, AgentType, HealthCode
from bubblesim.agents.lab import Lab, equity_need_usd
from bubblesim.agents.miner import mining_mw
from bubblesim.agents.provider import capex_share
from bubblesim.agents.vendor import finance_gpu_sale, rolls_vendor_note
from bubblesim.columns import seq_sum
from bubblesim.economics import power_cost_usd_per_week
from bubblesim.markets.credit import REVOLVER
from bubblesim.units import WEEKS_PER_YEAR

if TYPE_CHECKING:
    from bubblesim.world import World

MIN_DEAL_MW = 1.0
"""The smallest contract, lease or build worth signing, MW-IT."""
MIN_DRAW_USD = 1e6
"""The smallest draw on a secured credit line worth asking for."""
QUARTER_WEEKS = 13
"""Covenants are tested quarterly."""
COUNTERPARTY_MEMORY_WEEKS = 52
"""A refusal within a year of losing a tenant or client is traced to that loss."""
_LENDER = TYPE_CODE[AgentType.LENDER]


def run(world: World) -> None:
    """Run the week's primary markets: equity, compute contracts, capex, loans."""
    world.desk.open_market()
    reorganise_labs(world)
    raise_lab_equity(world)
    raise_miner_equity(world)
    renew_maturing_contracts(world)
    equip_committed_capacity(world)
    sign_compute_contracts(world)
    plan_capex_and_leases(world)
    return_idle_halls_to_mining(world)
    roll_over_maturing_loans(world)
    draw_liquidity_lines(world)
    draw_revolving_lines(world)


# -- equity ----------------------------------------------------------------------------------------
def reorganise_labs(world: World) -> None:
    """A defaulted lab's business re-emerges after a reorganisation, if investors fund it.

    Its users and models outlive its balance sheet: from ``lab_reorganisation_weeks`` after
    its default, a successor with the same share of adoption enters once investors fund it at
    the current valuation (:meth:`bubblesim.markets.equity.EquityMarket.successor_round_usd`):
    it seeks a year of the business's revenue and gets what the valuation allows, with no
    contracts. While the equity window is shut nobody funds it, and it waits. Successors are
    new agents; the defaulted one stays defaulted in the record.
    """
    b = world.config.behaviour
    labs, table, week = world.agents.labs, world.agents.table, world.clock.week
    waiting = table.is_defaulted(labs.row) & (labs.successor < 0)
    if not waiting.any():
        return
    adoption = world.drivers.state.ai_end_revenue_usd_per_year
    for index in np.flatnonzero(waiting).tolist():
        row = int(labs.row[index])
        if week - int(table.default_week[row]) < b.lab_reorganisation_weeks:
            continue
        need = b.lab_equity_raise_weeks * float(labs.revenue_share[index]) * adoption / 52
        raise_usd = world.equity.successor_round_usd(index, need)
        if raise_usd <= 0:
            continue
        name = world.agents.firms[row].name
        successor = world.agents.add(
            Lab,
            AgentType.LAB,
            _successor_name(world, name),
            0.0,
            revenue_share=float(labs.revenue_share[index]),
        )
        labs.succeed(index, successor.index)
        world.ledger.transfer(None, successor.row, raise_usd, Flow.EQUITY_RAISED)
        world.events.record(
            EventKind.EQUITY_RAISED,
            successor.row,
            amount_usd=raise_usd,
            trigger=int(table.default_event[row]),
            detail=f"successor of {name} enters",
        )


def _successor_name(world: World, name: str) -> str:
    """``"Lab 12 (reorganised 2027)"``; a second successor of that lab in that year gets ``#2``."""
    base = f"{name.split(' (')[0]} (reorganised {world.clock.week // 52 + 2026})"
    n = 1
    while (candidate := base if n == 1 else f"{base[:-1]}, #{n})") in world.agents.by_name:
        n += 1
    return candidate


def raise_lab_equity(world: World) -> None:
    """Labs short of cash raise equity at their valuation if the window is open.

    A round raises the lab's need up to what its valuation allows
    (:meth:`bubblesim.markets.equity.EquityMarket.raise_lab_round`); a shut window, or a
    valuation that allows nothing, is logged as a refusal.
    """
    b = world.config.behaviour
    labs = world.agents.labs
    alive = world.agents.active_members(labs)
    rows = labs.row[alive]
    need = equity_need_usd(
        _weekly_bills(world)[rows],
        labs.revenue_usd_per_year[alive],
        world.ledger.cash_usd[rows],
        b.lab_cash_buffer_weeks,
        b.lab_equity_raise_weeks,
    )
    if not need.any():
        return
    for index, row, amount in zip(alive.tolist(), rows.tolist(), need.tolist(), strict=True):
        if amount <= 0:
            continue
        raised = world.equity.raise_lab_round(index, amount)
        if raised > 0:
            world.events.record(EventKind.EQUITY_RAISED, row, amount_usd=raised)
            labs.raised_equity(index)
        elif labs.equity_refused_event[index] < 0:
            shut = world.desk.equity_window <= 0
            event = world.events.record(
                EventKind.EQUITY_REFUSED,
                row,
                amount_usd=amount,
                trigger=world.agents.latest_shock_of(row),
                detail="equity window closed" if shut else "no valuation to raise on",
            )
            labs.refuse_equity(index, event)


def _weekly_bills(world: World) -> np.ndarray:
    """Cash each agent owes this week on the contracts it buys (pending ones included)."""
    return world.book.contracts.totals(world.n_agents).bills_usd


# -- GPU cloud contracts ---------------------------------------------------------------------------
class _Offers:
    """Providers' compute on offer while the week's contracts are signed, in compute units.

    Compute on offer is spare GPUs (at the fleet's efficiency) plus free space the provider
    could fill with new frontier GPUs; GPUs bought and contracts sold during the week update
    it. Quantities are per alive provider ``j``.
    """

    def __init__(self, world: World):
        totals = world.book.contracts.totals(world.n_agents)
        providers = world.agents.providers
        self.table = world.agents.table
        self.frontier = world.drivers.state.frontier_efficiency
        self.alive = world.agents.active_members(providers)
        self.rows = providers.row[self.alive]
        self.big_tech = providers.big_tech[self.alive].tolist()
        sold = totals.cloud_sold_cu[self.rows]
        bought = totals.cloud_bought_active_cu[self.rows]
        space = providers.own_space_mw[self.alive] + totals.hosting_leased_active_mw[self.rows]
        self.sold, self.bought, self.space = sold.tolist(), bought.tolist(), space.tolist()
        self.offers = [self._offer(j) for j in range(len(self.rows))]

    def spare(self, j: int) -> float:
        """Provider ``j``'s compute not committed to contracts, compute units."""
        row = self.rows[j]
        own = float(self.table.gpu_mw[row] * self.table.gpu_efficiency[row])
        return max(0.0, own + self.bought[j] - self.sold[j])

    def efficiency(self, j: int) -> float:
        """Compute per MW of provider ``j``'s fleet (the frontier's if it has no GPUs)."""
        row = self.rows[j]
        return (
            float(self.table.gpu_efficiency[row]) if self.table.gpu_mw[row] > 0 else self.frontier
        )

    def _offer(self, j: int) -> float:
        free_mw = max(0.0, self.space[j] - float(self.table.gpu_mw[self.rows[j]]))
        return self.spare(j) + free_mw * self.frontier

    def update(self, j: int, sold_cu: float) -> None:
        """Provider ``j`` has sold ``sold_cu`` more (and may have bought GPUs)."""
        self.sold[j] += sold_cu
        self.offers[j] = self._offer(j)


def sign_compute_contracts(world: World) -> None:
    """Labs fill the gap between wanted and contracted compute with providers' capacity.

    Quantities are compute units; each contract is priced at the market rent of the GPUs
    behind it (:meth:`bubblesim.markets.spot.SpotMarket.rent_usd_per_mw_year`).
    """
    share = world.config.behaviour.lab_contract_share
    labs, rng = world.agents.labs, world.match_rng
    contracted = world.book.contracts.totals(world.n_agents).cloud_contracted_cu[labs.row]
    gaps = labs.desired_cu * share - contracted
    gaps[world.agents.table.is_defaulted(labs.row)] = 0.0
    order = rng.permutation(len(labs))
    if not (gaps >= MIN_DEAL_MW).any():
        return  # nobody needs compute: no offers to gather, no draws to make
    offers = _Offers(world)
    bills = _weekly_bills(world).copy()
    open_ = [j for j, offer in enumerate(offers.offers) if offer >= MIN_DEAL_MW]
    for i in order.tolist():
        row = int(labs.row[i])
        gap = float(gaps[i])
        if gap < MIN_DEAL_MW or not open_:
            continue
        for j in [open_[k] for k in rng.permutation(len(open_)).tolist()]:
            if offers.offers[j] < MIN_DEAL_MW:
                continue
            provider = int(offers.rows[j])
            cu = _equip(world, offers, j, min(gap, offers.offers[j]))
            sold = 0.0
            if cu >= MIN_DEAL_MW:
                bills[row] += _sign_gpu_cloud(
                    world, provider, row, cu, offers.efficiency(j), float(bills[row])
                )
                sold = cu
                gap -= cu
            offers.update(j, sold)
            if gap < MIN_DEAL_MW:
                break
        open_ = [j for j in open_ if offers.offers[j] >= MIN_DEAL_MW]


def _equip(world: World, offers: _Offers, j: int, cu: float) -> float:
    """Make sure ``cu`` compute units are free for a new contract, buying (financing) the rest.

    Spare compute goes first; the rest is new frontier GPUs. Big tech pays cash; a neocloud
    borrows the origination LTV against the new GPUs and pays the rest from cash; when no lender
    will lend, the GPU vendor may finance the sale itself (:func:`finance_gpu_sale`). Returns
    the compute units it can actually offer.
    """
    spare = offers.spare(j)
    frontier = offers.frontier
    to_buy = max(0.0, cu - spare) / frontier
    if to_buy <= 0:
        return cu
    row = int(offers.rows[j])
    cash = float(world.ledger.cash_usd[row])
    price = world.hardware.list_price_usd_per_mw
    if offers.big_tech[j]:
        to_buy = max(0.0, min(to_buy, cash / price))
        world.hardware.buy_gpus(row, to_buy)
        return spare + to_buy * frontier
    return spare + _buy_financed_gpus(world, row, to_buy, "a GPU purchase") * frontier


def _buy_financed_gpus(
    world: World, row: int, to_buy: float, detail: str, reserve_usd: float = 0.0
) -> float:
    """Buy up to ``to_buy`` MW of frontier GPUs on credit; returns the MW bought.

    The buyer asks only for what its cash beyond ``reserve_usd`` can carry at the origination
    LTV, borrows the LTV (at the lender's scale) against the new GPUs, or from the vendor when
    no lender will (:func:`finance_gpu_sale`), and pays the rest from that cash; it buys
    nothing it cannot pay for.
    """
    cash = float(world.ledger.cash_usd[row]) - reserve_usd
    price = world.hardware.list_price_usd_per_mw
    ltv = world.config.credit.credit_gpu_ltv_max
    if ltv < 1.0:  # it asks only for what its cash can carry at standard terms
        to_buy = min(to_buy, max(0.0, cash) / ((1.0 - ltv) * price))
    if to_buy < MIN_DEAL_MW:
        return 0.0
    cost = to_buy * price
    lender = world.desk.request(row, ltv * cost, detail)
    if lender is None:  # no lender will: the vendor may finance its own sale
        if finance_gpu_sale(world, row, ltv * cost) <= 0:
            return 0.0
        world.hardware.buy_gpus(row, to_buy)
        return to_buy
    scale = float(world.agents.lenders.ltv_scale[lender])
    loan_usd = ltv * scale * cost
    own_usd = cost - loan_usd
    if own_usd > cash:
        to_buy *= max(0.0, cash) / own_usd if own_usd > 0 else 0.0
        cost, loan_usd = to_buy * price, ltv * scale * to_buy * price
    if to_buy < MIN_DEAL_MW:
        return 0.0
    world.desk.make_loan(lender, row, loan_usd, Collateral.GPU, "GPU loan")
    world.hardware.buy_gpus(row, to_buy)
    return to_buy


PREPAYMENT_RESERVE_WEEKS = 13
"""A lab prepays only out of the cash it holds beyond a quarter of its contract bills."""


def _sign_gpu_cloud(
    world: World, provider: int, lab: int, cu: float, efficiency: float, bills_usd: float
) -> float:
    """Sign a GPU cloud contract for ``cu`` compute units on GPUs of ``efficiency``.

    Its capacity is ``cu / efficiency`` MW-IT at the market rent of that generation per MW.
    The lab prepays what it can spare: its cash beyond a quarter of its weekly contract bills
    (``bills_usd`` before this contract, plus this one's).

    Returns:
        The contract's gross weekly payment.
    """
    c = world.config.contracts
    week = world.clock.week
    mw = cu / efficiency
    price = float(world.spot.rent_usd_per_mw_year(efficiency))
    weekly = mw * price / WEEKS_PER_YEAR
    spare = float(world.ledger.cash_usd[lab]) - PREPAYMENT_RESERVE_WEEKS * (bills_usd + weekly)
    prepay = min(max(0.0, spare), c.contract_prepayment_share * mw * price)
    contracts = world.book.contracts
    contract = contracts.add(
        kind=ContractKind.GPU_CLOUD,
        seller=provider,
        buyer=lab,
        mw=mw,
        price_usd_per_mw_year=price,
        start_week=week,
        end_week=week + c.contract_gpu_cloud_term_weeks,
        take_or_pay_share=c.contract_take_or_pay_share,
        prepay_offset_usd_per_week=prepay / WEEKS_PER_YEAR,
        status=Status.ACTIVE,
        efficiency=efficiency,
    )
    if prepay > 0:
        world.ledger.transfer(lab, provider, prepay, Flow.PREPAYMENT)
        contracts.fund_prepayment(contract, prepay)
    world.events.record(
        EventKind.CONTRACT_SIGNED,
        provider,
        counterparty=lab,
        amount_usd=mw * price / WEEKS_PER_YEAR * c.contract_gpu_cloud_term_weeks,
        detail=f"GPU cloud {mw:,.0f} MW",
    )
    return weekly


def raise_miner_equity(world: World) -> None:
    """Miners short of cash sell shares at the market while the convertible window is open.

    A miner keeps ``miner_atm_buffer_weeks`` of its weekly power bill and interest; below that
    it sells up to the gap (:meth:`bubblesim.markets.equity.EquityMarket.raise_miner_atm`).
    """
    if not world.desk.convertible_window:
        return
    weeks = world.config.miner_finance.miner_atm_buffer_weeks
    if weeks <= 0:
        return
    miners, table = world.agents.miners, world.agents.table
    alive = world.agents.active_members(miners)
    if alive.size == 0:
        return
    rows = miners.row[alive]
    state = world.drivers.state
    power = power_cost_usd_per_week(
        mining_mw(table.asic_th[rows], table.asic_efficiency_j_per_th[rows]),
        state.power_price_usd_per_mwh,
    )
    power = np.where(miners.mining_on[alive], power, 0.0)
    loans = world.book.loans
    active = loans.active()
    interest = np.zeros(world.n_agents)
    np.add.at(
        interest,
        loans.borrower[active],
        loans.interest_due_usd(state.base_rate_per_year, active),
    )
    need = weeks * (power + interest[rows]) - world.ledger.cash_usd[rows]
    for index, amount in zip(alive.tolist(), need.tolist(), strict=True):
        if amount > 0:
            world.equity.raise_miner_atm(index, amount)


def renew_maturing_contracts(world: World) -> None:
    """GPU cloud contracts in their last week renew with the same provider, re-priced at market.

    A lab renews the part of a maturing contract it still wants on term (its desired compute
    times its contract share, less its other contracts); the renewed part runs a new term at
    the market rent of its GPUs' generation
    (:meth:`bubblesim.markets.spot.SpotMarket.rent_usd_per_mw_year`). The rest matures.
    Contracts with a defaulted party or an outside party on either side do not renew.
    """
    c = world.book.contracts
    week = world.clock.week
    live = world.book.live_of_kind(ContractKind.GPU_CLOUD, active_only=True)
    ending = live[(c.end_week[live] == week + 1) & ~c.outside_buyer[live] & ~c.outside_seller[live]]
    if ending.size == 0:
        return
    table, labs = world.agents.table, world.agents.labs
    lab_index = {int(r): i for i, r in enumerate(labs.row.tolist())}
    share = world.config.behaviour.lab_contract_share
    term = world.config.contracts.contract_gpu_cloud_term_weeks
    contracted = world.book.contracts.totals(world.n_agents).cloud_contracted_cu.copy()
    for k in ending.tolist():
        buyer, seller = int(c.buyer[k]), int(c.seller[k])
        index = lab_index.get(buyer)
        if index is None or table.is_defaulted(buyer) or table.is_defaulted(seller):
            continue
        cu = float(c.mw[k] * c.efficiency[k])
        wanted = float(labs.desired_cu[index]) * share - (float(contracted[buyer]) - cu)
        keep = min(1.0, max(0.0, wanted / cu)) if cu > 0 else 0.0
        if keep * cu < MIN_DEAL_MW:
            continue
        price = float(world.spot.rent_usd_per_mw_year(float(c.efficiency[k])))
        c.renew(k, week + 1 + term, price, float(c.mw[k]) * keep)
        contracted[buyer] -= cu * (1.0 - keep)
        world.events.record(
            EventKind.CONTRACT_SIGNED,
            seller,
            counterparty=buyer,
            amount_usd=float(c.mw[k]) * price / WEEKS_PER_YEAR * term,
            detail=f"GPU cloud {float(c.mw[k]):,.0f} MW renewed at market",
        )


# -- capex and hosting leases ----------------------------------------------------------------------
def plan_capex_and_leases(world: World) -> None:
    """Providers revisit space on their capex cycle: lease halls from miners, or build."""
    b, _m = world.config.behaviour, world.config.markets
    providers, table = world.agents.providers, world.agents.table
    week = world.clock.week
    alive = world.agents.active_members(providers)
    due = alive[(week + table.uid[providers.row[alive]]) % b.provider_capex_interval_weeks == 0]
    if due.size == 0:
        return
    growth = _expected_growth(world)
    horizon_years = b.provider_forecast_horizon_weeks / WEEKS_PER_YEAR
    totals = world.book.contracts.totals(world.n_agents)
    sold, leased = totals.cloud_sold_mw.copy(), totals.hosting_leased_mw.copy()
    hosts = None  # miners with power to convert, found once per week if anyone needs space
    for index in due.tolist():
        row = int(providers.row[index])
        forecast = float(sold[row]) * (1.0 + max(0.0, growth) * horizon_years)
        planned = (
            float(providers.own_space_mw[index]) + float(leased[row]) + providers.building_mw(index)
        )
        gap = max(0.0, forecast - planned)
        if providers.big_tech[index]:
            gap *= capex_share(world, index)  # its own cash flow and cost of capital (issue 13)
        if gap < MIN_DEAL_MW:
            continue
        gap -= relet_empty_halls(world, index, gap)
        if gap < MIN_DEAL_MW:
            continue
        if hosts is None:
            hosts = _hosts(world)
        gap -= _lease_from_miners(world, index, gap, hosts)
        if gap >= MIN_DEAL_MW and providers.big_tech[index]:
            _self_build(world, index, gap)


def _hosts(world: World) -> list[int]:
    """Miners (indices) with the cash for a minimum hall's equity and power to convert."""
    b, m = world.config.behaviour, world.config.markets
    miners = world.agents.miners
    alive = world.agents.active_members(miners)
    equity_min = (
        MIN_DEAL_MW
        * m.market_colo_build_cost_usd_per_mw
        * (1.0 - world.config.credit.credit_project_loan_to_cost)
    )
    rows = miners.row[alive]
    cash = world.ledger.cash_usd[rows]
    gpu = world.agents.table.gpu_mw[rows]
    free = miners.convertible_it_mw(alive, b.miner_convertible_share, m.market_pue, gpu)
    return alive[(cash >= equity_min) & (free >= MIN_DEAL_MW)].tolist()


def _expected_growth(world: World) -> float:
    """Revenue-weighted mean of labs' expected growth (what providers read from their clients)."""
    labs = world.agents.labs
    alive = world.agents.active_members(labs)
    revenue = labs.revenue_usd_per_year[alive]
    total = seq_sum(revenue)
    if total <= 0:
        return 0.0
    return seq_sum(labs.expected_growth_per_year[alive] * revenue) / total


def _lease_from_miners(world: World, provider: int, gap_mw: float, hosts: list[int]) -> float:
    """Lease halls from the given miners (seeded random order); returns MW-IT leased."""
    m, b = world.config.markets, world.config.behaviour
    miners = world.agents.miners
    leased = 0.0
    share, pue = b.miner_convertible_share, m.market_pue
    chosen = np.asarray(hosts, dtype=np.int64)
    gpu = world.agents.table.gpu_mw[miners.row[chosen]]
    free_mw = miners.convertible_it_mw(chosen, share, pue, gpu).tolist()
    capacity = None  # the convertible funds' capacity, read again after any financing
    for i in world.match_rng.permutation(len(hosts)).tolist():
        miner = hosts[i]
        mw = min(gap_mw - leased, free_mw[i])
        if mw < MIN_DEAL_MW:
            continue
        if capacity is None:
            capacity = world.desk.convertible_capacity_usd()
        convertible_room = _convertible_room(world, miner, capacity)
        if not _can_carry(world, miner, mw, _atm_room(world, miner) + convertible_room):
            continue  # nothing has changed: the capacity read still holds
        capacity = None
        if not _finance_conversion(world, miner, mw, convertible_room):
            continue
        _sign_lease(world, miner, provider, mw)
        leased += mw
        if gap_mw - leased < MIN_DEAL_MW:
            break
    return leased


def _can_carry(world: World, miner: int, mw: float, room_usd: float) -> bool:
    """Whether a miner could carry a conversion of ``mw`` even on the best terms.

    Its cash plus ``room_usd`` (what it can issue in new convertibles and sell at the market
    this week) must cover its equity share of the capex plus the loan's interest over the
    build (no rent comes in before the hall is finished). Reads only: if not, no lender is
    asked.
    """
    cfg = world.config
    cash = float(world.ledger.cash_usd[int(world.agents.miners.row[miner])])
    cost = mw * cfg.markets.market_colo_build_cost_usd_per_mw
    ltc = cfg.credit.credit_project_loan_to_cost
    rate = world.drivers.state.base_rate_per_year + cfg.credit.credit_spread_miner_per_year
    build_years = cfg.markets.market_conversion_lag_weeks / WEEKS_PER_YEAR
    return not cost * (1.0 - ltc) + ltc * cost * rate * build_years > cash + room_usd


def _finance_conversion(world: World, miner: int, mw: float, convertible_room: float) -> bool:
    """Fund a hall conversion: a project loan at loan-to-cost, the rest from cash and shares.

    Called for a miner that could carry it (:func:`_can_carry`), with its room for new
    convertibles (:func:`_convertible_room`). The shortfall is raised first in convertible
    notes (cheaper than shares: a 0–1% coupon, dilution only on conversion), the rest at the
    market, with dilution; both only while the convertible window is open. The loan carries a
    DSCR covenant, tested from the first quarter after the hall is finished.
    """
    cfg = world.config
    row = int(world.agents.miners.row[miner])
    cash = float(world.ledger.cash_usd[row])
    cost = mw * cfg.markets.market_colo_build_cost_usd_per_mw
    ltc = cfg.credit.credit_project_loan_to_cost
    rate = world.drivers.state.base_rate_per_year + cfg.credit.credit_spread_miner_per_year
    build_years = cfg.markets.market_conversion_lag_weeks / WEEKS_PER_YEAR
    lender = world.desk.request(row, ltc * cost, "a hall conversion")
    scale = 0.0 if lender is None else float(world.agents.lenders.ltv_scale[lender])
    loan_usd = 0.0 if lender is None else ltc * scale * cost
    short = cost - loan_usd + loan_usd * rate * build_years - cash
    notes = world.desk.convertible_offer_usd(short, convertible_room)
    if short > notes + world.equity.miner_atm_offer_usd(miner, short - notes):
        return False  # what it can actually raise this week falls short
    if notes > 0:  # the equity share: convertible notes first, then shares at the market
        short -= world.desk.issue_convertible(row, short, convertible_room)
    if short > 0:
        world.equity.raise_miner_atm(miner, short, f" for a {mw:,.0f} MW hall")
    if loan_usd > 0:
        first_test = world.clock.week + cfg.markets.market_conversion_lag_weeks + QUARTER_WEEKS
        world.desk.make_loan(
            lender,
            row,
            loan_usd,
            Collateral.PROJECT,
            "project loan",
            covenant_dscr=cfg.credit.credit_project_dscr_covenant,
            covenant_from_week=first_test,
        )
    world.ledger.transfer(row, None, cost, Flow.CONSTRUCTION)
    world.capex.record_datacentre(cost)
    world.agents.table.start_hall(row, cost)
    return True


def _convertible_room(world: World, miner: int, capacity_usd: float | None = None) -> float:
    """New convertibles a miner could issue: its cap on them less what it has outstanding.

    ``miner_convertible_max_share_of_cap`` × market value − convertible notes owed, at most
    what one convertible fund can take (``capacity_usd``, read from the desk if not given); 0
    with the window shut or no convertible fund able to lend.
    """
    desk = world.desk
    if not desk.convertible_window:
        return 0.0
    f = world.config.miner_finance
    row = int(world.agents.miners.row[miner])
    loans = world.book.loans
    owed = world.book.owed_rows(row)
    outstanding = seq_sum(loans.principal_usd[owed[loans.convertible[owed]]])
    cap = f.miner_convertible_max_share_of_cap * world.equity.miner_market_cap_usd(miner)
    if capacity_usd is None:
        capacity_usd = desk.convertible_capacity_usd()
    return max(0.0, min(cap - outstanding, capacity_usd))


def _atm_room(world: World, miner: int) -> float:
    """What a miner could raise at the market this week (0 with the convertible window shut)."""
    if not world.desk.convertible_window:
        return 0.0
    share = world.config.miner_finance.miner_atm_max_share_of_cap_per_week
    return share * world.equity.miner_market_cap_usd(miner)


def _sign_lease(world: World, miner: int, provider: int, mw: float) -> None:
    """Sign a hosting lease starting when the hall is built; neoclouds get a big-tech backstop."""
    c, m = world.config.contracts, world.config.markets
    providers, miners = world.agents.providers, world.agents.miners
    week = world.clock.week
    start = week + m.market_conversion_lag_weeks
    big_tech = bool(providers.big_tech[provider])
    value = mw * c.contract_hosting_price_usd_per_mw_year * c.contract_hosting_term_weeks
    guarantor, backstop = _guarantee(world, provider, value / WEEKS_PER_YEAR)
    miner_row, provider_row = int(miners.row[miner]), int(providers.row[provider])
    contracts = world.book.contracts
    contract = contracts.add(
        kind=ContractKind.HOSTING,
        seller=miner_row,
        buyer=provider_row,
        mw=mw,
        price_usd_per_mw_year=c.contract_hosting_price_usd_per_mw_year,
        start_week=start,
        end_week=start + c.contract_hosting_term_weeks,
        take_or_pay_share=1.0,
        break_week=start + c.contract_hosting_break_week if big_tech else None,
        guarantor=guarantor,
        backstop_remaining_usd=backstop,
        status=Status.PENDING,
    )
    cost = mw * m.market_colo_build_cost_usd_per_mw
    miners.commit_hall(miner, start, contract, cost, mw, m.market_pue)
    _retire_displaced_asics(world, miner)
    world.events.record(
        EventKind.CONTRACT_SIGNED,
        miner_row,
        counterparty=provider_row,
        amount_usd=float(contracts.remaining_value_usd(contract, week)),
        detail=f"hosting lease {mw:,.0f} MW from week {start}",
    )


def _retire_displaced_asics(world: World, miner: int) -> None:
    """The ASICs on the power a new hall takes are retired (sold) when the hall is committed.

    One power constraint per site: ASICs, halls (built and being built) and the miner's own
    GPUs share its power (:meth:`bubblesim.agents.miner.MinerTable.excess_asic_th`).
    """
    miners, table = world.agents.miners, world.agents.table
    row = int(miners.row[miner])
    th = miners.excess_asic_th(
        miner,
        float(table.asic_th[row]),
        float(table.asic_efficiency_j_per_th[row]),
        float(table.gpu_mw[row]),
        world.config.markets.market_pue,
    )
    if th > 0:
        world.hardware.sell_asics(row, th)


def _guarantee(world: World, provider: int, value_usd: float) -> tuple[int | None, float]:
    """A neocloud's lease gets a big-tech guarantor (seeded choice) covering a share of it."""
    c = world.config.contracts
    providers = world.agents.providers
    if providers.big_tech[provider] or c.contract_backstop_share <= 0:
        return None, 0.0
    alive = world.agents.active_members(providers)
    guarantors = alive[providers.big_tech[alive]]
    if guarantors.size == 0:
        return None, 0.0
    pick = guarantors[int(world.match_rng.integers(len(guarantors)))]
    return int(providers.row[pick]), c.contract_backstop_share * value_usd


def _self_build(world: World, provider: int, mw: float) -> None:
    """Big tech builds its own space (twice the conversion lag), paying cash.

    It spends only the cash beyond its liquidity buffer (``credit_liquidity_buffer_weeks`` of
    obligations): its capex follows its own cash flow (judgment).
    """
    m = world.config.markets
    row = int(world.agents.providers.row[provider])
    buffer = world.config.credit.credit_liquidity_buffer_weeks * _weekly_obligations(world)[row]
    spare = float(world.ledger.cash_usd[row] - buffer)
    mw = min(mw, spare / m.market_colo_build_cost_usd_per_mw)
    if mw < MIN_DEAL_MW:
        return
    cost = mw * m.market_colo_build_cost_usd_per_mw
    world.ledger.transfer(row, None, cost, Flow.CONSTRUCTION)
    world.capex.record_datacentre(cost)
    world.agents.table.add_hall(row, cost)
    world.agents.providers.start_building(
        provider, world.clock.week + 2 * m.market_conversion_lag_weeks, mw
    )


# -- empty halls ----------------------------------------------------------------------------------
def relet_empty_halls(world: World, provider: int, gap_mw: float) -> float:
    """A provider looking for space first takes halls that stand empty, at market rent.

    A hall can be re-let once it has been empty for ``hall_relet_search_weeks`` (the search
    and the new tenant's fit-out); the lease starts at once, at the rent the market pays now
    (:meth:`bubblesim.markets.halls.HallMarket.market_rent_usd_per_mw_year`), with the terms
    of a new lease (a break for big tech, a big-tech backstop for a neocloud). Miners are
    visited in a seeded random order.

    Returns:
        MW-IT re-let.
    """
    halls, miners = world.halls, world.agents.miners
    search = world.config.halls.hall_relet_search_weeks
    empty_weeks = halls.empty_weeks()
    if not (empty_weeks >= search).any():
        return 0.0
    alive = world.agents.active_members(miners)
    vacant = halls.vacant_it_mw()
    ready = alive[(vacant[alive] >= MIN_DEAL_MW) & (empty_weeks[alive] >= search)]
    leased = 0.0
    for i in world.match_rng.permutation(len(ready)).tolist():
        miner = int(ready[i])
        mw = min(gap_mw - leased, float(vacant[miner]))
        if mw < MIN_DEAL_MW:
            continue
        _sign_relet(world, miner, provider, mw)
        leased += mw
        if gap_mw - leased < MIN_DEAL_MW:
            break
    return leased


def _sign_relet(world: World, miner: int, provider: int, mw: float) -> None:
    """Sign a lease of an empty hall: it starts now, at market rent."""
    c = world.config.contracts
    providers, miners = world.agents.providers, world.agents.miners
    week = world.clock.week
    rent = world.halls.market_rent_usd_per_mw_year()
    guarantor, backstop = _guarantee(
        world, provider, mw * rent * c.contract_hosting_term_weeks / WEEKS_PER_YEAR
    )
    miner_row, provider_row = int(miners.row[miner]), int(providers.row[provider])
    big_tech = bool(providers.big_tech[provider])
    contract = world.book.contracts.add(
        kind=ContractKind.HOSTING,
        seller=miner_row,
        buyer=provider_row,
        mw=mw,
        price_usd_per_mw_year=rent,
        start_week=week,
        end_week=week + c.contract_hosting_term_weeks,
        take_or_pay_share=1.0,
        break_week=week + c.contract_hosting_break_week if big_tech else None,
        guarantor=guarantor,
        backstop_remaining_usd=backstop,
        status=Status.ACTIVE,
    )
    world.events.record(
        EventKind.HALL_RELET,
        miner_row,
        counterparty=provider_row,
        amount_usd=float(world.book.contracts.remaining_value_usd(contract, week)),
        detail=f"empty hall re-let: {mw:,.0f} MW at ${rent / 1e6:.2f}M/MW-year",
    )


def return_idle_halls_to_mining(world: World) -> None:
    """Halls empty for ``hall_return_to_mining_weeks`` give their power back to ASICs.

    The hall's AI fit-out is written off (the model carries mining sites at no value); its
    site power (MW-IT × PUE) goes back to mining, filled with ASICs at the market's price and
    efficiency as far as the miner's cash allows (the rest stays idle).
    """
    halls, miners, table = world.halls, world.agents.miners, world.agents.table
    limit = world.config.halls.hall_return_to_mining_weeks
    empty_weeks = halls.empty_weeks()
    if not (empty_weeks >= limit).any():
        return
    m = world.config.markets
    alive = world.agents.active_members(miners)
    vacant = halls.vacant_it_mw()
    for miner in alive[(empty_weeks[alive] >= limit) & (vacant[alive] > 0)].tolist():
        row = int(miners.row[miner])
        mw = float(vacant[miner])
        cost = mw * m.market_colo_build_cost_usd_per_mw
        table.remove_halls(row, cost)
        world.ledger.post_pnl(row, -cost)
        miners.release_hall_power(miner, mw, m.market_pue)
        efficiency = m.market_asic_efficiency_j_per_th
        th = mw * m.market_pue * 1e6 / efficiency
        price = world.hardware.asic_value_per_th()
        if price > 0:
            th = min(th, max(0.0, float(world.ledger.cash_usd[row])) / price)
        world.hardware.buy_asics(row, th, efficiency)
        world.events.record(
            EventKind.HALL_TO_MINING,
            row,
            amount_usd=cost,
            trigger=world.agents.latest_shock_of(row),
            detail=f"{mw:,.0f} MW empty for {int(empty_weeks[miner])} weeks back to mining",
        )


# -- rollovers -------------------------------------------------------------------------------------
def roll_over_maturing_loans(world: World) -> None:
    """Loans maturing this week are extended by their lender, refinanced elsewhere, or fall due.

    Every maturing loan is a request for credit. The lender refuses to roll it when it has
    failed, when the borrower is distressed or (project loans) in breach of its coverage
    covenant, when a convertible's window is shut, or when hardware collateral is beyond the
    (scaled) origination LTV; otherwise it rolls the share its capital allows
    (:func:`bubblesim.economics.rollover_share`: all of it at or above its target, none below
    half of it). What it does not roll stands due; another lender may refinance it (not for
    a distressed borrower or a shut window). A refusal is logged with what caused it, and a
    default at settlement is then attributed to it.
    """
    cr = world.config.credit
    loans, lenders, week = world.book.loans, world.agents.lenders, world.clock.week
    active = loans.active()
    maturing = active[loans.maturity_week[active] == week]
    if maturing.size == 0:
        return
    maturing = maturing[~world.agents.table.is_defaulted(loans.borrower[maturing])]
    desk = world.desk
    is_lender = world.agents.table.kind[loans.lender[maturing]] == _LENDER
    for loan, held_by_lender in zip(maturing.tolist(), is_lender.tolist(), strict=True):
        principal = float(loans.principal_usd[loan])
        if principal <= 0:
            continue
        borrower = int(loans.borrower[loan])
        if not held_by_lender:
            _roll_over_vendor_note(world, loan, principal, borrower)
            continue
        lender = int(lenders.indices_of([loans.lender[loan]])[0])
        refusal, trigger = _refusal(world, lender, loan)
        desk.request_rollover(principal, borrower, counts=refusal not in ("distressed", "coverage"))
        share = 0.0 if refusal else float(lenders.rollover_share[lender])
        new_maturity = week + cr.credit_loan_term_weeks
        spread = float(lenders.spread_add_per_year[lender])
        if share >= 1.0:
            loans.roll_over(loan, new_maturity, spread)
            desk.grant_rollover(principal, borrower)
            continue
        due = loan
        if share > 0:
            due = loans.split(loan, (1.0 - share) * principal)
            loans.roll_over(loan, new_maturity, spread)
            desk.grant_rollover(share * principal, borrower)
            refusal, trigger = "partial", int(lenders.last_loss_event[lender])
        desk.refuse()
        refused = world.events.record(
            EventKind.LOAN_REFUSED,
            int(loans.borrower[loan]),
            counterparty=int(loans.lender[loan]),
            amount_usd=float(loans.principal_usd[due]),
            trigger=trigger,
            detail=f"rollover refused ({loans.label(loan)}): {_REASONS[refusal]}",
        )
        loans.refuse_rollover(due, refused)
        if refusal not in ("distressed", "window", "coverage"):
            _refinance_elsewhere(world, due, lender)


def _roll_over_vendor_note(world: World, loan: int, principal: float, borrower: int) -> None:
    """A vendor note matures: the vendor rolls it unless it or the borrower is under stress.

    Vendor financing sits outside the lenders' credit supply, so it enters neither the desk's
    tallies nor the crunch index; a refused note stands due, and a lender may refinance it.
    """
    loans = world.book.loans
    if world.agents.table.health[borrower] == HealthCode.DISTRESSED:
        refusal, trigger = "distressed", _borrower_trouble(world, borrower)
    elif not world.desk.collateral_ok(loan, 1.0):
        refusal, trigger = "collateral", world.events.last_price_event
    elif not rolls_vendor_note(world, loan):
        refusal, trigger = "vendor", world.agents.latest_shock_of(int(loans.lender[loan]))
    else:
        loans.roll_over(loan, world.clock.week + world.config.credit.credit_loan_term_weeks, 0.0)
        return
    refused = world.events.record(
        EventKind.LOAN_REFUSED,
        borrower,
        counterparty=int(loans.lender[loan]),
        amount_usd=principal,
        trigger=trigger,
        detail=f"rollover refused ({loans.label(loan)}): {_REASONS[refusal]}",
    )
    loans.refuse_rollover(loan, refused)
    if refusal != "distressed":
        _refinance_elsewhere(world, loan, -1)


_REASONS = {
    "vendor": "the vendor is short of cash",
    "failed": "its lender has failed",
    "distressed": "the borrower is distressed",
    "coverage": "the borrower breaches its coverage covenant",
    "window": "the convertible window is shut",
    "capital": "its lender is short of capital",
    "collateral": "the collateral no longer covers it",
    "partial": "its lender rolls only part",
}


def _refusal(world: World, lender: int, loan: int) -> tuple[str | None, int]:
    """Why the lender will not roll a loan, and the event behind it; ``(None, -1)`` if it will."""
    lenders, loans, table = world.agents.lenders, world.book.loans, world.agents.table
    lender_row = int(lenders.row[lender])
    borrower = int(loans.borrower[loan])
    if table.is_defaulted(lender_row):
        if not world.config.channels.channel_funding:
            return None, -1  # a run-off estate keeps rolling when the funding channel is off
        return "failed", int(table.default_event[lender_row])
    if table.health[borrower] == HealthCode.DISTRESSED:
        return "distressed", _borrower_trouble(world, borrower)
    if loans.dscr_breaches[loan] > 0:
        return "coverage", _borrower_trouble(world, borrower)
    if loans.convertible[loan] and not world.desk.convertible_window:
        return "window", world.agents.latest_shock_of(borrower)
    if not lenders.rolls_over[lender]:
        return "capital", int(lenders.last_loss_event[lender])
    if not world.desk.collateral_ok(loan, float(lenders.ltv_scale[lender])):
        price = world.events.last_price_event
        return "collateral", price if price >= 0 else world.agents.latest_shock_of(borrower)
    return None, -1


def _borrower_trouble(world: World, borrower: int) -> int:
    """What a borrower's distress is traced to: a contract lost within a year, else a shock."""
    lost = int(world.agents.table.last_counterparty_event[borrower])
    if lost >= 0 and world.clock.week - world.events.events[lost].week <= COUNTERPARTY_MEMORY_WEEKS:
        return lost
    return world.agents.latest_shock_of(borrower)


def _refinance_elsewhere(world: World, loan: int, lender: int) -> None:
    """Another lender with capacity refinances; the old principal is repaid at settlement."""
    loans, lenders = world.book.loans, world.agents.lenders
    convertible = bool(loans.convertible[loan])
    if convertible and not world.desk.convertible_window:
        return
    defaulted = world.agents.table.is_defaulted(lenders.row)
    principal = float(loans.principal_usd[loan])
    for other in world.match_rng.permutation(len(lenders)).tolist():
        if other == lender or defaulted[other] or not lenders.rolls_over[other]:
            continue
        if lenders.capacity_usd[other] < principal:
            continue
        if not world.desk.collateral_ok(loan, float(lenders.ltv_scale[other])):
            return
        world.desk.make_loan(
            other,
            int(loans.borrower[loan]),
            principal,
            COLLATERAL_OF_CODE[loans.collateral[loan]],
            loans.label(loan),
            convertible,
            covenant_dscr=None
            if np.isnan(loans.covenant_dscr[loan])
            else float(loans.covenant_dscr[loan]),
            covenant_from_week=int(loans.covenant_from_week[loan]),
        )
        loans.refinanced(loan)
        return


# -- liquidity -------------------------------------------------------------------------------------
def draw_liquidity_lines(world: World) -> None:
    """Miners and neoclouds short of cash ask for secured credit against their hardware.

    A borrower whose cash has fallen below half of ``credit_liquidity_buffer_weeks`` of its
    obligations (contract bills, interest and scheduled principal, last week's power and
    operating bills) asks for what restores the buffer, up to what its GPUs or ASICs would
    secure at the standard origination LTV. The lender lends at its own (scaled) LTV, so a
    tightening lender grants less than was asked. Borrowers are visited in a seeded order.
    """
    weeks = world.config.credit.credit_liquidity_buffer_weeks
    if weeks <= 0:
        return
    agents, ledger, desk = world.agents, world.ledger, world.desk
    miners, providers = agents.miners, agents.providers
    neoclouds = agents.active_members(providers)
    neoclouds = neoclouds[~providers.big_tech[neoclouds]]
    rows = np.concatenate(
        [miners.row[agents.active_members(miners)], providers.row[neoclouds]]
    ).astype(np.int64)
    if rows.size == 0:
        return
    needed = weeks * _weekly_obligations(world)[rows]
    cash = ledger.cash_usd[rows]
    short = rows[(cash < needed / 2) & (needed - cash >= MIN_DRAW_USD)]
    if short.size == 0:
        return
    table = agents.table
    for row in world.match_rng.permutation(short).tolist():
        need = weeks * float(_weekly_obligations(world)[row]) - float(ledger.cash_usd[row])
        for collateral, kind in ((Collateral.GPU, GPU), (Collateral.ASIC, ASIC)):
            if need < MIN_DRAW_USD:
                break
            if (table.gpu_mw[row] if kind == GPU else table.asic_th[row]) <= 0:
                continue
            asked = min(need, desk.secured_headroom_usd(row, kind, 1.0))
            if asked < MIN_DRAW_USD:
                continue
            lender = desk.request(row, asked, f"a {collateral} credit line")
            if lender is None:
                continue
            scale = float(agents.lenders.ltv_scale[lender])
            amount = min(asked, desk.secured_headroom_usd(row, kind, scale))
            if amount < MIN_DRAW_USD:
                continue
            desk.make_loan(lender, row, amount, collateral, "credit line")
            need -= amount


def _weekly_obligations(world: World) -> np.ndarray:
    """Per agent: what it must pay in a week.

    This week's contract bills, interest and scheduled principal, and last week's power and
    operating bills.
    """
    n = world.n_agents
    ledger = world.ledger
    service = world.book.loans.service_by_borrower(world.drivers.state.base_rate_per_year, n)
    bills = ledger.dues_of(Flow.POWER_BILL, n) + ledger.dues_of(Flow.OPERATING_COST, n)
    return world.book.contracts.totals(n).bills_usd + service + bills


# -- big tech: committed capacity and revolving lines (issue 13, third pass) --------------------
EQUIP_LEAD_WEEKS = QUARTER_WEEKS
"""A hyperscaler buys the GPUs for a committed contract within a quarter of its start."""
_COMMITTED = "GPUs for a committed contract"


def equip_committed_capacity(world: World) -> None:
    """Hyperscalers buy the GPUs for GPU cloud contracts that start within a quarter.

    A forward commitment (the Oracle–OpenAI deal, calib. §2) is sold before the capacity behind
    it exists. Within ``EQUIP_LEAD_WEEKS`` of its start the seller buys frontier GPUs for
    ``sold − own`` compute (live contracts, pending ones included, less its fleet and what it
    rents) as a neocloud does (:func:`_buy_financed_gpus`): the origination LTV on credit, the
    rest from cash, nothing it cannot pay for. Unlike a neocloud it keeps its liquidity buffer
    (``credit_liquidity_buffer_weeks`` of obligations) out of the purchase: its capex follows
    its own cash flow, and a capex it cannot fund cuts the contract rather than its liquidity
    (judgment). A
    contract that starts next week with compute still missing is cut to what the seller can
    deliver: nobody pays for capacity that does not exist.
    """
    contracts, providers, table = world.book.contracts, world.agents.providers, world.agents.table
    week = world.clock.week
    pending = contracts.select(GPU_CLOUD)
    pending = pending[
        (contracts.status[pending] == Code.PENDING)
        & (contracts.start_week[pending] <= week + EQUIP_LEAD_WEEKS)
    ]
    if pending.size == 0:
        return
    alive = world.agents.active_members(providers)
    big = alive[providers.big_tech[alive]]
    frontier = world.drivers.state.frontier_efficiency
    buffer_weeks = world.config.credit.credit_liquidity_buffer_weeks
    for index in big[np.isin(providers.row[big], contracts.seller[pending])].tolist():
        row = int(providers.row[index])
        totals = contracts.totals(world.n_agents)
        own = float(table.gpu_mw[row] * table.gpu_efficiency[row])
        gap_cu = float(totals.cloud_sold_cu[row] - totals.cloud_bought_active_cu[row]) - own
        if gap_cu / frontier >= MIN_DEAL_MW:
            reserve = buffer_weeks * float(_weekly_obligations(world)[row])
            bought = _buy_financed_gpus(world, row, gap_cu / frontier, _COMMITTED, reserve)
            gap_cu -= bought * frontier
        starting = pending[
            (contracts.seller[pending] == row) & (contracts.start_week[pending] <= week + 1)
        ]
        for k in starting.tolist():
            if gap_cu <= 0:
                break
            held_cu = float(contracts.mw[k] * contracts.efficiency[k])
            cut_cu = min(gap_cu, held_cu)
            contracts.cut_capacity(k, (held_cu - cut_cu) / float(contracts.efficiency[k]))
            gap_cu -= cut_cu


def draw_revolving_lines(world: World) -> None:
    """Hyperscalers that would miss a payment draw their committed revolving lines.

    A hyperscaler whose cash is below this week's obligations plus any principal that stands
    due this week (a refused rollover: the refinancing wall) draws what restores a buffer of
    ``credit_liquidity_buffer_weeks`` of obligations; cash beyond that buffer repays the line.
    """
    weeks = world.config.credit.credit_liquidity_buffer_weeks
    if weeks <= 0 or world.config.guarantors.big_tech_revolver_usd <= 0:
        return
    providers, loans, ledger = world.agents.providers, world.book.loans, world.ledger
    alive = world.agents.active_members(providers)
    rows = providers.row[alive[providers.big_tech[alive]]].astype(np.int64)
    if rows.size == 0:
        return
    # principal due this week beyond the amortisation already in the weekly obligations
    standing = loans.standing_by_borrower(world.clock.week, world.n_agents)[rows]
    weekly = _weekly_obligations(world)[rows]
    short = ledger.cash_usd[rows] < weekly + standing  # it would miss a payment this week
    need = weeks * weekly + standing - ledger.cash_usd[rows]
    for row, amount in zip(rows[short].tolist(), need[short].tolist(), strict=True):
        draw_revolving_line(world, row, amount)
    flush = ~short & (need < 0)  # cash beyond the buffer repays what is drawn
    if not flush.any():
        return
    active = loans.active()
    drawing = np.zeros(world.n_agents, dtype=bool)  # owes an active draw: something to repay
    drawing[loans.borrower[active[loans.labelled(active, REVOLVER)]]] = True
    flush &= drawing[rows]
    for row, spare in zip(rows[flush].tolist(), (-need[flush]).tolist(), strict=True):
        _repay_revolving_line(world, row, spare)


def _repay_revolving_line(world: World, row: int, spare_usd: float) -> None:
    """Cash beyond the buffer repays the drawn line, oldest draw first."""
    loans = world.book.loans
    owed = world.book.owed_rows(row)
    for loan in owed[loans.labelled(owed, REVOLVER)].tolist():
        amount = min(spare_usd, float(loans.principal_usd[loan]))
        if amount <= 0:
            return
        payee = None if loans.outside_lender[loan] else int(loans.lender[loan])
        world.ledger.transfer(row, payee, amount, Flow.PRINCIPAL)
        loans.pay_down(loan, amount)
        spare_usd -= amount


def draw_revolving_line(world: World, row: int, amount_usd: float) -> float:
    """Draw up to ``amount_usd`` of a hyperscaler's undrawn committed line; returns the draw."""
    drawn = world.desk.drawn_committed_usd(row)
    amount = min(amount_usd, world.config.guarantors.big_tech_revolver_usd - drawn)
    if amount < MIN_DRAW_USD:
        return 0.0
    return world.desk.draw_committed_line(row, amount, REVOLVER)
