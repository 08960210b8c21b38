"""Phase 3: contracting and lending.

In order: defaulted labs' businesses re-emerge as recapitalised successors; labs raise equity if
their window is open; labs sign GPU cloud contracts with providers that have (or can finance)
GPUs and space; providers revisit capex and lease halls from miners, who finance conversions
with project loans; maturing loans are rolled over or refinanced, or fall due. Matching order
comes from the model's seeded generator.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from bubblesim.accounts.events import EventKind
from bubblesim.accounts.instruments import COLLATERAL_OF_CODE, Collateral, ContractKind, Status
from bubblesim.accounts.ledger import Flow
from bubblesim.agents.base import AgentType
from bubblesim.agents.lab import Lab, equity_need_usd
from bubblesim.agents.provider import free_space_mw, spare_gpu_mw
from bubblesim.columns import seq_sum
from bubblesim.units import WEEKS_PER_YEAR

if TYPE_CHECKING:
    from bubblesim.world import World

MIN_DEAL_MW = 1.0
"""The smallest contract, lease or build worth signing, MW-IT."""


def run(world: World) -> None:
    """Run the week's primary markets: equity, compute contracts, capex, loans."""
    world.desk.open_market()
    reorganise_labs(world)
    raise_lab_equity(world)
    sign_compute_contracts(world)
    plan_capex_and_leases(world)
    roll_over_maturing_loans(world)


# -- equity ----------------------------------------------------------------------------------------
def reorganise_labs(world: World) -> None:
    """A defaulted lab's business re-emerges, recapitalised, after a reorganisation.

    Its users and models outlive its balance sheet: after ``lab_reorganisation_weeks`` a
    successor with the same revenue share enters with fresh equity from strategic investors
    (a year of its revenue, whatever the market's sentiment) and no contracts. Successors are
    new agents; the defaulted one stays defaulted in the record.
    """
    b = world.config.behaviour
    labs, table, week = world.agents.labs, world.agents.table, world.clock.week
    waiting = table.is_defaulted(labs.row) & (labs.successor < 0)
    if not waiting.any():
        return
    for index in np.flatnonzero(waiting).tolist():
        row = int(labs.row[index])
        if week - int(table.default_week[row]) < b.lab_reorganisation_weeks:
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
        revenue = float(labs.revenue_usd_per_year[index])
        raise_usd = b.lab_equity_raise_weeks * revenue / WEEKS_PER_YEAR
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
    """Labs short of cash raise equity if the window is open; otherwise the refusal is logged."""
    b = world.config.behaviour
    width = world.desk.equity_window
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
        if width > 0:
            world.ledger.transfer(None, row, amount * width, Flow.EQUITY_RAISED)
            world.events.record(EventKind.EQUITY_RAISED, row, amount_usd=amount * width)
            labs.raised_equity(index)
        elif labs.equity_refused_event[index] < 0:
            event = world.events.record(
                EventKind.EQUITY_REFUSED,
                row,
                amount_usd=amount,
                trigger=world.agents.latest_shock_of(row),
                detail="equity window closed",
            )
            labs.refuse_equity(index, event)


def _weekly_bills(world: World) -> np.ndarray:
    """Cash each agent owes this week on the contracts it buys (pending ones included)."""
    return world.book.contracts.totals(world.n_agents).bills_usd


# -- GPU cloud contracts ---------------------------------------------------------------------------
class _Offers:
    """Providers' capacity on offer while the week's contracts are signed.

    Capacity on offer is spare GPUs plus free space the provider could fill with new GPUs;
    GPUs bought and contracts sold during the week update it. Quantities are per alive
    provider ``j``.
    """

    def __init__(self, world: World):
        totals = world.book.contracts.totals(world.n_agents)
        providers = world.agents.providers
        self.table = world.agents.table
        self.alive = world.agents.active_members(providers)
        self.rows = providers.row[self.alive]
        self.big_tech = providers.big_tech[self.alive].tolist()
        sold = totals.cloud_sold_mw[self.rows]
        bought = totals.cloud_bought_active_mw[self.rows]
        space = providers.own_space_mw[self.alive] + totals.hosting_leased_active_mw[self.rows]
        gpu = self.table.gpu_mw[self.rows]
        self.offers = (spare_gpu_mw(gpu, bought, sold) + free_space_mw(space, 0.0, gpu)).tolist()
        self.sold, self.bought, self.space = sold.tolist(), bought.tolist(), space.tolist()

    def spare(self, j: int) -> float:
        """Provider ``j``'s GPUs not committed to contracts, MW-IT."""
        gpu = float(self.table.gpu_mw[self.rows[j]])
        return max(0.0, gpu + self.bought[j] - self.sold[j])

    def update(self, j: int, sold_mw: float) -> None:
        """Provider ``j`` has sold ``sold_mw`` more (and may have bought GPUs)."""
        self.sold[j] += sold_mw
        gpu = float(self.table.gpu_mw[self.rows[j]])
        self.offers[j] = self.spare(j) + max(0.0, self.space[j] - gpu)


def sign_compute_contracts(world: World) -> None:
    """Labs fill the gap between wanted and contracted compute with providers' capacity."""
    share = world.config.behaviour.lab_contract_share
    labs, rng = world.agents.labs, world.match_rng
    contracted = world.book.contracts.totals(world.n_agents).cloud_contracted_mw[labs.row]
    gaps = labs.desired_mw * share - contracted
    gaps[world.agents.table.is_defaulted(labs.row)] = 0.0
    order = rng.permutation(len(labs))
    if not (gaps >= MIN_DEAL_MW).any():
        return  # nobody needs compute: no offers to gather, no draws to make
    offers = _Offers(world)
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
            mw = _equip(world, offers, j, min(gap, offers.offers[j]))
            sold = 0.0
            if mw >= MIN_DEAL_MW:
                _sign_gpu_cloud(world, provider, row, mw)
                sold = mw
                gap -= mw
            offers.update(j, sold)
            if gap < MIN_DEAL_MW:
                break
        open_ = [j for j in open_ if offers.offers[j] >= MIN_DEAL_MW]


def _equip(world: World, offers: _Offers, j: int, mw: float) -> float:
    """Make sure ``mw`` of GPUs are free for a new contract, buying (and financing) the rest.

    Big tech pays cash; a neocloud borrows the origination LTV against the new GPUs and pays
    the rest from cash. Returns the MW it can actually offer.
    """
    spare = offers.spare(j)
    to_buy = max(0.0, mw - spare)
    if to_buy <= 0:
        return mw
    row = int(offers.rows[j])
    cash = float(world.ledger.cash_usd[row])
    price = world.config.markets.market_gpu_price_usd_per_mw
    if offers.big_tech[j]:
        to_buy = max(0.0, min(to_buy, cash / price))
        world.hardware.buy_gpus(row, to_buy)
        return spare + to_buy
    ltv = world.config.credit.credit_gpu_ltv_max
    cost = to_buy * price
    lender = world.desk.find_lender(ltv * cost)
    if lender is None:
        return spare
    scale = float(world.agents.lenders.ltv_scale[lender])
    loan_usd = ltv * scale * cost
    own_usd = cost - loan_usd
    if own_usd > cash:
        to_buy *= cash / own_usd if own_usd > 0 else 0.0
        cost, loan_usd = to_buy * price, ltv * scale * to_buy * price
    if to_buy < MIN_DEAL_MW:
        return spare
    world.desk.make_loan(lender, row, loan_usd, Collateral.GPU, "GPU loan")
    world.hardware.buy_gpus(row, to_buy)
    return spare + to_buy


def _sign_gpu_cloud(world: World, provider: int, lab: int, mw: float) -> None:
    """Sign a GPU cloud contract; the lab pays the prepayment if it can."""
    c = world.config.contracts
    week = world.clock.week
    price = c.contract_gpu_cloud_price_usd_per_mw_year
    prepay = min(float(world.ledger.cash_usd[lab]), c.contract_prepayment_share * mw * price)
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
    cash = world.ledger.cash_usd[miners.row[alive]]
    free = miners.convertible_it_mw(alive, b.miner_convertible_share, m.market_pue)
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
    free_mw = miners.convertible_it_mw(np.asarray(hosts, dtype=np.int64), share, pue).tolist()
    for i in world.match_rng.permutation(len(hosts)).tolist():
        miner = hosts[i]
        mw = min(gap_mw - leased, free_mw[i])
        if mw < MIN_DEAL_MW:
            continue
        if not _finance_conversion(world, miner, mw):
            continue
        _sign_lease(world, miner, provider, mw)
        leased += mw
        if gap_mw - leased < MIN_DEAL_MW:
            break
    return leased


def _finance_conversion(world: World, miner: int, mw: float) -> bool:
    """Fund a hall conversion: a project loan at loan-to-cost, the rest from cash.

    A miner commits only if its cash covers its equity share of the capex plus the loan's
    interest over the build (no rent comes in before the hall is finished).
    """
    cfg = world.config
    row = int(world.agents.miners.row[miner])
    cash = float(world.ledger.cash_usd[row])
    cost = mw * cfg.markets.market_colo_build_cost_usd_per_mw
    ltc = cfg.credit.credit_project_loan_to_cost
    rate = world.drivers.state.base_rate_per_year + cfg.credit.credit_spread_miner_per_year
    build_years = cfg.markets.market_conversion_lag_weeks / WEEKS_PER_YEAR
    if cost * (1.0 - ltc) + ltc * cost * rate * build_years > cash:
        return False  # cannot carry even the best terms: no need to ask a lender
    lender = world.desk.find_lender(ltc * cost)
    scale = 0.0 if lender is None else float(world.agents.lenders.ltv_scale[lender])
    loan_usd = 0.0 if lender is None else ltc * scale * cost
    if cost - loan_usd + loan_usd * rate * build_years > cash:
        return False
    if loan_usd > 0:
        world.desk.make_loan(lender, row, loan_usd, Collateral.PROJECT, "project loan")
    world.ledger.transfer(row, None, cost, Flow.CONSTRUCTION)
    world.agents.table.start_hall(row, cost)
    return True


def _sign_lease(world: World, miner: int, provider: int, mw: float) -> None:
    """Sign a hosting lease starting when the hall is built; neoclouds get a big-tech backstop."""
    c, m = world.config.contracts, world.config.markets
    providers, miners = world.agents.providers, world.agents.miners
    week = world.clock.week
    start = week + m.market_conversion_lag_weeks
    big_tech = bool(providers.big_tech[provider])
    guarantor, backstop = None, 0.0
    if not big_tech and c.contract_backstop_share > 0:
        alive = world.agents.active_members(providers)
        guarantors = alive[providers.big_tech[alive]]
        if guarantors.size:
            pick = guarantors[int(world.match_rng.integers(len(guarantors)))]
            guarantor = int(providers.row[pick])
            value = mw * c.contract_hosting_price_usd_per_mw_year * c.contract_hosting_term_weeks
            backstop = c.contract_backstop_share * value / WEEKS_PER_YEAR
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
    world.events.record(
        EventKind.CONTRACT_SIGNED,
        miner_row,
        counterparty=provider_row,
        amount_usd=float(contracts.remaining_value_usd(contract, week)),
        detail=f"hosting lease {mw:,.0f} MW from week {start}",
    )


def _self_build(world: World, provider: int, mw: float) -> None:
    """Big tech builds its own space (twice the conversion lag), paying cash."""
    m = world.config.markets
    row = int(world.agents.providers.row[provider])
    mw = min(mw, float(world.ledger.cash_usd[row]) / m.market_colo_build_cost_usd_per_mw)
    if mw < MIN_DEAL_MW:
        return
    cost = mw * m.market_colo_build_cost_usd_per_mw
    world.ledger.transfer(row, None, cost, Flow.CONSTRUCTION)
    world.agents.table.add_hall(row, cost)
    world.agents.providers.start_building(
        provider, world.clock.week + 2 * m.market_conversion_lag_weeks, mw
    )


# -- rollovers -------------------------------------------------------------------------------------
def roll_over_maturing_loans(world: World) -> None:
    """Loans maturing this week are extended by their lender, refinanced elsewhere, or fall due.

    A lender rolls over when its policy allows; a collateral loan must also be within the
    (scaled) origination LTV. Otherwise another lender may refinance; convertibles need the
    convertible window. A refusal is logged, and a default at settlement is then attributed
    to it.
    """
    cr = world.config.credit
    loans, lenders, week = world.book.loans, world.agents.lenders, world.clock.week
    active = loans.active()
    maturing = active[loans.maturity_week[active] == week]
    if maturing.size == 0:
        return
    maturing = maturing[~world.agents.table.is_defaulted(loans.borrower[maturing])]
    index_of = {int(r): i for i, r in enumerate(lenders.row.tolist())}
    for loan in maturing.tolist():
        lender = index_of[int(loans.lender[loan])]
        if _rolls(world, lender, loan):
            loans.roll_over(
                loan, week + cr.credit_loan_term_weeks, float(lenders.spread_add_per_year[lender])
            )
            continue
        refused = world.events.record(
            EventKind.LOAN_REFUSED,
            int(loans.borrower[loan]),
            counterparty=int(loans.lender[loan]),
            amount_usd=float(loans.principal_usd[loan]),
            trigger=int(lenders.last_loss_event[lender]),
            detail=f"rollover refused ({loans.label(loan)})",
        )
        loans.refuse_rollover(loan, refused)
        _refinance_elsewhere(world, loan, lender)


def _rolls(world: World, lender: int, loan: int) -> bool:
    lenders = world.agents.lenders
    failed = bool(world.agents.table.is_defaulted(lenders.row[lender]))
    if failed and not world.config.channels.channel_funding:
        return True  # a run-off estate keeps rolling when the funding channel is off
    if not lenders.rolls_over[lender] or failed:
        return False
    if world.book.loans.convertible[loan] and not world.desk.convertible_window:
        return False
    return world.desk.collateral_ok(loan, float(lenders.ltv_scale[lender]))


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
        )
        loans.refinanced(loan)
        return
