"""Phase 3: contracting and lending.

In order: labs raise equity if their window is open; labs sign GPU cloud contracts with
providers that have (or can finance) GPUs and space; providers revisit capex and lease halls
from miners, who finance conversions with project loans; maturing loans are rolled over or
refinanced, or fall due. Matching order comes from the model's seeded generator.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from bubblesim.agents import Firm, Lab, Lender, Miner, Provider
from bubblesim.events import EventKind
from bubblesim.instruments import Collateral, ContractKind, Loan, Status
from bubblesim.ledger import Flow
from bubblesim.lifecycle import relevant_shock
from bubblesim.units import WEEKS_PER_YEAR

if TYPE_CHECKING:
    from bubblesim.model import BubbleModel

MIN_DEAL_MW = 1.0


def contract_and_lend(model: BubbleModel) -> None:
    """Run the week's primary markets: equity, compute contracts, capex, loans."""
    model.open_lenders = [x for x in model.lenders if not x.defaulted and x.policy.ltv_scale > 0]
    model.lender_capacity_cache = None
    reorganise_labs(model)
    raise_lab_equity(model)
    sign_compute_contracts(model)
    plan_capex_and_leases(model)
    roll_over_maturing_loans(model)


# -- equity ----------------------------------------------------------------------------------------
def raise_lab_equity(model: BubbleModel) -> None:
    """Labs short of cash raise equity if the window is open; otherwise the refusal is logged."""
    b = model.config.behaviour
    width = model.windows["equity"]
    for lab in model.labs:
        if lab.defaulted:
            continue
        need = lab.equity_need_usd(b.lab_cash_buffer_weeks, b.lab_equity_raise_weeks)
        if need <= 0:
            continue
        if width > 0:
            model.ledger.transfer(None, lab, need * width, Flow.EQUITY_RAISED)
            model.events.record(model.week, EventKind.EQUITY_RAISED, lab, amount_usd=need * width)
            lab.equity_refused_event = -1
        elif lab.equity_refused_event < 0:
            lab.equity_refused_event = model.events.record(
                model.week,
                EventKind.EQUITY_REFUSED,
                lab,
                amount_usd=need,
                trigger=relevant_shock(model, lab),
                detail="equity window closed",
            )


def reorganise_labs(model: BubbleModel) -> None:
    """A defaulted lab's business re-emerges, recapitalised, after a reorganisation.

    Its users and models outlive its balance sheet: after ``lab_reorganisation_weeks`` a
    successor with the same revenue share enters with fresh equity from strategic investors
    (a year of its revenue, whatever the market's sentiment) and no contracts. Successors are
    new agents; the defaulted one stays defaulted in the record.
    """
    b = model.config.behaviour
    for lab in list(model.labs):
        if not lab.defaulted or lab.successor is not None:
            continue
        if model.week - lab.default_week < b.lab_reorganisation_weeks:
            continue
        successor = Lab(
            model,
            name=_successor_name(model, lab),
            cash_usd=0.0,
            revenue_share=lab.revenue_share,
        )
        successor.revenue_usd_per_year = lab.revenue_usd_per_year
        successor.expected_growth_per_year = lab.expected_growth_per_year
        lab.successor = successor
        model.add_firm(successor)
        raise_usd = b.lab_equity_raise_weeks * lab.revenue_usd_per_year / WEEKS_PER_YEAR
        model.ledger.transfer(None, successor, raise_usd, Flow.EQUITY_RAISED)
        model.events.record(
            model.week,
            EventKind.EQUITY_RAISED,
            successor,
            amount_usd=raise_usd,
            trigger=lab.default_event,
            detail=f"successor of {lab.name} enters",
        )


def _successor_name(model: BubbleModel, lab: Lab) -> str:
    """``"Lab 12 (reorganised 2027)"``; a second successor of that lab in that year gets ``#2``."""
    name = f"{lab.name.split(' (')[0]} (reorganised {model.week // 52 + 2026})"
    n = 1
    while (candidate := name if n == 1 else f"{name[:-1]}, #{n})") in model.firms:
        n += 1
    return candidate


# -- GPU cloud contracts ---------------------------------------------------------------------------
def sign_compute_contracts(model: BubbleModel) -> None:
    """Labs fill the gap between wanted and contracted compute with providers' capacity."""
    share = model.config.behaviour.lab_contract_share
    providers = [p for p in model.providers if not p.defaulted]
    offers = [_capacity_on_offer(p) for p in providers]  # kept current as deals are signed
    open_ = [j for j, offer in enumerate(offers) if offer >= MIN_DEAL_MW]
    for i in model.match_rng.permutation(len(model.labs)):
        lab = model.labs[i]
        if lab.defaulted:
            continue
        gap = lab.desired_mw * share - lab.contracted_mw()
        if gap < MIN_DEAL_MW or not open_:
            continue
        for j in [open_[k] for k in model.match_rng.permutation(len(open_))]:
            if offers[j] < MIN_DEAL_MW:
                continue
            provider = providers[j]
            mw = _equip(model, provider, min(gap, offers[j]))
            if mw >= MIN_DEAL_MW:
                _sign_gpu_cloud(model, provider, lab, mw)
                gap -= mw
            offers[j] = _capacity_on_offer(provider)
            if gap < MIN_DEAL_MW:
                break
        open_ = [j for j in open_ if offers[j] >= MIN_DEAL_MW]


def _capacity_on_offer(provider: Provider) -> float:
    """Spare GPUs plus free space it could fill with new GPUs, MW-IT."""
    return provider.spare_gpu_mw() + provider.free_space_mw()


def _equip(model: BubbleModel, provider: Provider, mw: float) -> float:
    """Make sure ``mw`` of GPUs are free for a new contract, buying (and financing) the rest.

    Big tech pays cash; a neocloud borrows the origination LTV against the new GPUs and pays
    the rest from cash. Returns the MW it can actually offer.
    """
    spare = provider.spare_gpu_mw()
    to_buy = max(0.0, mw - spare)
    if to_buy <= 0:
        return mw
    price = model.config.markets.market_gpu_price_usd_per_mw
    if provider.big_tech:
        to_buy = max(0.0, min(to_buy, provider.cash_usd / price))
        model.markets.buy_gpus(model.ledger, provider, to_buy)
        return spare + to_buy
    ltv = model.config.credit.credit_gpu_ltv_max
    cost = to_buy * price
    lender = _find_lender(model, provider, ltv * cost)
    if lender is None:
        return spare
    scale = lender.policy.ltv_scale
    loan_usd = ltv * scale * cost
    own_usd = cost - loan_usd
    if own_usd > provider.cash_usd:
        to_buy *= provider.cash_usd / own_usd if own_usd > 0 else 0.0
        cost, loan_usd = to_buy * price, ltv * scale * to_buy * price
    if to_buy < MIN_DEAL_MW:
        return spare
    make_loan(model, lender, provider, loan_usd, Collateral.GPU, "GPU loan")
    model.markets.buy_gpus(model.ledger, provider, to_buy)
    return spare + to_buy


def _sign_gpu_cloud(model: BubbleModel, provider: Provider, lab, mw: float) -> None:
    """Sign a GPU cloud contract; the lab pays the prepayment if it can."""
    c = model.config.contracts
    price = c.contract_gpu_cloud_price_usd_per_mw_year
    prepay = min(lab.cash_usd, c.contract_prepayment_share * mw * price)
    contract = model.book.add_contract(
        kind=ContractKind.GPU_CLOUD,
        seller=provider,
        buyer=lab,
        mw=mw,
        price_usd_per_mw_year=price,
        start_week=model.week,
        end_week=model.week + c.contract_gpu_cloud_term_weeks,
        take_or_pay_share=c.contract_take_or_pay_share,
        prepay_offset_usd_per_week=prepay / WEEKS_PER_YEAR,
        status=Status.ACTIVE,
    )
    if prepay > 0:
        model.ledger.transfer(lab, provider, prepay, Flow.PREPAYMENT)
        contract.prepaid_usd = prepay
    model.events.record(
        model.week,
        EventKind.CONTRACT_SIGNED,
        provider,
        counterparty=lab,
        amount_usd=contract.remaining_value_usd(model.week),
        detail=f"GPU cloud {mw:,.0f} MW",
    )


# -- capex and hosting leases ----------------------------------------------------------------------
def plan_capex_and_leases(model: BubbleModel) -> None:
    """Providers revisit space on their capex cycle: lease halls from miners, or build."""
    b, m = model.config.behaviour, model.config.markets
    growth = _expected_growth(model)
    horizon_years = b.provider_forecast_horizon_weeks / WEEKS_PER_YEAR
    hosts = None  # miners with power to convert, found once per week if anyone needs space
    for provider in model.providers:
        if (
            provider.defaulted
            or (model.week + provider.unique_id) % b.provider_capex_interval_weeks
        ):
            continue
        forecast = provider.sold_mw() * (1.0 + max(0.0, growth) * horizon_years)
        gap = provider.space_gap_mw(forecast)
        if gap < MIN_DEAL_MW:
            continue
        if hosts is None:
            equity_min = (
                MIN_DEAL_MW
                * m.market_colo_build_cost_usd_per_mw
                * (1.0 - model.config.credit.credit_project_loan_to_cost)
            )
            hosts = [
                x
                for x in model.miners
                if not x.defaulted
                and x.cash_usd >= equity_min
                and x.convertible_it_mw(b.miner_convertible_share, m.market_pue) >= MIN_DEAL_MW
            ]
        gap -= _lease_from_miners(model, provider, gap, hosts)
        if gap >= MIN_DEAL_MW and provider.big_tech:
            _self_build(model, provider, gap)


def _expected_growth(model: BubbleModel) -> float:
    """Revenue-weighted mean of labs' expected growth (what providers read from their clients)."""
    labs = [lab for lab in model.labs if not lab.defaulted]
    total = sum(lab.revenue_usd_per_year for lab in labs)
    if total <= 0:
        return 0.0
    return sum(lab.expected_growth_per_year * lab.revenue_usd_per_year for lab in labs) / total


def _lease_from_miners(
    model: BubbleModel, provider: Provider, gap_mw: float, miners: list[Miner]
) -> float:
    """Lease halls from the given miners (seeded random order); returns MW-IT leased."""
    m, b = model.config.markets, model.config.behaviour
    leased = 0.0
    for i in model.match_rng.permutation(len(miners)):
        miner = miners[i]
        mw = min(gap_mw - leased, miner.convertible_it_mw(b.miner_convertible_share, m.market_pue))
        if mw < MIN_DEAL_MW:
            continue
        if not _finance_conversion(model, miner, mw):
            continue
        _sign_lease(model, miner, provider, mw)
        leased += mw
        if gap_mw - leased < MIN_DEAL_MW:
            break
    return leased


def _finance_conversion(model: BubbleModel, miner: Miner, mw: float) -> bool:
    """Fund a hall conversion: a project loan at loan-to-cost, the rest from cash.

    A miner commits only if its cash covers its equity share of the capex plus the loan's
    interest over the build (no rent comes in before the hall is finished).
    """
    cost = mw * model.config.markets.market_colo_build_cost_usd_per_mw
    ltc = model.config.credit.credit_project_loan_to_cost
    rate = model.drivers.state.base_rate_per_year + model.config.credit.credit_spread_miner_per_year
    build_years = model.config.markets.market_conversion_lag_weeks / WEEKS_PER_YEAR
    if cost * (1.0 - ltc) + ltc * cost * rate * build_years > miner.cash_usd:
        return False  # cannot carry even the best terms: no need to ask a lender
    lender = _find_lender(model, miner, ltc * cost)
    loan_usd = 0.0 if lender is None else ltc * lender.policy.ltv_scale * cost
    if cost - loan_usd + loan_usd * rate * build_years > miner.cash_usd:
        return False
    if loan_usd > 0:
        make_loan(model, lender, miner, loan_usd, Collateral.PROJECT, "project loan")
    model.ledger.transfer(miner, None, cost, Flow.CONSTRUCTION)
    miner.construction_usd += cost
    return True


def _sign_lease(model: BubbleModel, miner: Miner, provider: Provider, mw: float) -> None:
    """Sign a hosting lease starting when the hall is built; neoclouds get a big-tech backstop."""
    c, m = model.config.contracts, model.config.markets
    start = model.week + m.market_conversion_lag_weeks
    guarantor = None
    backstop = 0.0
    if not provider.big_tech and c.contract_backstop_share > 0:
        guarantors = [p for p in model.providers if p.big_tech and not p.defaulted]
        if guarantors:
            guarantor = guarantors[int(model.match_rng.integers(len(guarantors)))]
            value = mw * c.contract_hosting_price_usd_per_mw_year * c.contract_hosting_term_weeks
            backstop = c.contract_backstop_share * value / WEEKS_PER_YEAR
    contract = model.book.add_contract(
        kind=ContractKind.HOSTING,
        seller=miner,
        buyer=provider,
        mw=mw,
        price_usd_per_mw_year=c.contract_hosting_price_usd_per_mw_year,
        start_week=start,
        end_week=start + c.contract_hosting_term_weeks,
        take_or_pay_share=1.0,
        break_week=start + c.contract_hosting_break_week if provider.big_tech else None,
        guarantor=guarantor,
        backstop_remaining_usd=backstop,
        status=Status.PENDING,
    )
    cost = mw * m.market_colo_build_cost_usd_per_mw
    miner.conversions.append((start, contract.id, cost))
    miner.hall_gross_mw += mw * m.market_pue
    model.events.record(
        model.week,
        EventKind.CONTRACT_SIGNED,
        miner,
        counterparty=provider,
        amount_usd=contract.remaining_value_usd(model.week),
        detail=f"hosting lease {mw:,.0f} MW from week {start}",
    )


def _self_build(model: BubbleModel, provider: Provider, mw: float) -> None:
    """Big tech builds its own space (twice the conversion lag), paying cash."""
    m = model.config.markets
    mw = min(mw, provider.cash_usd / m.market_colo_build_cost_usd_per_mw)
    if mw < MIN_DEAL_MW:
        return
    cost = mw * m.market_colo_build_cost_usd_per_mw
    model.ledger.transfer(provider, None, cost, Flow.CONSTRUCTION)
    provider.halls_usd += cost
    provider.building.append((model.week + 2 * m.market_conversion_lag_weeks, mw))


# -- loans -----------------------------------------------------------------------------------------
def _find_lender(model: BubbleModel, borrower: Firm, amount_usd: float) -> Lender | None:
    """A lender (seeded random choice) with capacity for ``amount_usd`` and an open policy.

    A request no lender can take is counted (``credit_refusals`` series); refused rollovers,
    which can end in default, are logged as events by :func:`roll_over_maturing_loans`.
    """
    lenders = model.open_lenders
    if model.lender_capacity_cache is None:
        model.lender_capacity_cache = max((x.policy.capacity_usd for x in lenders), default=0.0)
    if amount_usd <= model.lender_capacity_cache:
        able = [x for x in lenders if x.policy.capacity_usd >= amount_usd]
        return able[int(model.match_rng.integers(len(able)))]
    model.credit_refusals += 1
    return None


def make_loan(
    model: BubbleModel,
    lender: Lender,
    borrower: Firm,
    amount_usd: float,
    collateral: Collateral,
    instrument: str,
) -> Loan:
    """Originate a loan at the lender's current terms and disburse it."""
    cr = model.config.credit
    spread = (
        cr.credit_spread_miner_per_year
        if isinstance(borrower, Miner)
        else (cr.credit_spread_neocloud_per_year)
    )
    loan = model.book.add_loan(
        lender=lender,
        borrower=borrower,
        principal_usd=amount_usd,
        spread_per_year=spread + lender.policy.spread_add_per_year,
        floating=True,
        maturity_week=model.week + cr.credit_loan_term_weeks,
        collateral=collateral,
        covenant_ltv=cr.credit_covenant_ltv
        if collateral in (Collateral.GPU, Collateral.ASIC)
        else None,
        instrument=instrument,
        start_week=model.week,
        amortisation_usd_per_week=amount_usd / cr.credit_loan_term_weeks
        if collateral in (Collateral.GPU, Collateral.ASIC)
        else 0.0,
    )
    lender.policy = replace(
        lender.policy, capacity_usd=max(0.0, lender.policy.capacity_usd - amount_usd)
    )
    model.lender_capacity_cache = None
    shortfall = amount_usd - lender.cash_usd
    if shortfall > 0:  # new loans are funded by new deposits / fund inflows
        model.ledger.transfer(None, lender, shortfall, Flow.FUNDING_IN)
        lender.funding_usd += shortfall
    model.ledger.transfer(lender, borrower, amount_usd, Flow.LOAN_DISBURSEMENT)
    model.new_lending_usd += amount_usd
    model.events.record(
        model.week,
        EventKind.LOAN_MADE,
        lender,
        counterparty=borrower,
        amount_usd=amount_usd,
        detail=instrument,
    )
    return loan


def roll_over_maturing_loans(model: BubbleModel) -> None:
    """Loans maturing this week are extended by their lender, refinanced elsewhere, or fall due.

    A lender rolls over when its policy allows and the borrower is not distressed; a collateral
    loan must also be within the (scaled) origination LTV. Otherwise another lender may
    refinance; convertibles need the convertible window. A refusal is logged, and a default at
    settlement is then attributed to it.
    """
    cr = model.config.credit
    for loan in list(model.book.active_loans()):
        if loan.maturity_week != model.week or loan.borrower.defaulted:
            continue
        lender = loan.lender
        if _rolls(model, lender, loan):
            loan.maturity_week = model.week + cr.credit_loan_term_weeks
            loan.spread_per_year += lender.policy.spread_add_per_year
            continue
        refused = model.events.record(
            model.week,
            EventKind.LOAN_REFUSED,
            loan.borrower,
            counterparty=lender,
            amount_usd=loan.principal_usd,
            trigger=lender.last_loss_event,
            detail=f"rollover refused ({loan.instrument})",
        )
        loan.tags["refused_event"] = refused
        _refinance_elsewhere(model, loan)


def _rolls(model: BubbleModel, lender: Lender, loan: Loan) -> bool:
    if lender.defaulted and not model.config.channels.channel_funding:
        return True  # a run-off estate keeps rolling when the funding channel is off
    if not lender.policy.rolls_over or lender.defaulted:
        return False
    if loan.instrument.startswith("convertible") and not model.windows["convertible"]:
        return False
    return _collateral_ok(model, loan, lender.policy.ltv_scale)


def _collateral_ok(model: BubbleModel, loan: Loan, ltv_scale: float) -> bool:
    if loan.collateral is Collateral.GPU:
        value = model.markets.gpu_value(loan.borrower)
        limit = model.config.credit.credit_gpu_ltv_max
    elif loan.collateral is Collateral.ASIC:
        value = model.markets.asic_value(loan.borrower)
        limit = model.config.credit.credit_gpu_ltv_max
    else:
        return True
    secured = sum(
        x.principal_usd
        for x in model.book.loans_of(loan.borrower)
        if x.collateral is loan.collateral
    )
    return secured <= limit * ltv_scale * value


def _refinance_elsewhere(model: BubbleModel, loan: Loan) -> None:
    """Another lender with capacity refinances; the old principal is repaid at settlement."""
    if loan.instrument.startswith("convertible") and not model.windows["convertible"]:
        return
    for i in model.match_rng.permutation(len(model.lenders)):
        other = model.lenders[i]
        if other is loan.lender or other.defaulted or not other.policy.rolls_over:
            continue
        if other.policy.capacity_usd < loan.principal_usd:
            continue
        if not _collateral_ok(model, loan, other.policy.ltv_scale):
            return
        make_loan(model, other, loan.borrower, loan.principal_usd, loan.collateral, loan.instrument)
        loan.tags.pop("refused_event", None)
        return
