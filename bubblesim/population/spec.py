"""Declarative economy specifications and the builder that turns one into agents and instruments.

An economy is data: lists of agent records and instrument records naming agents by name. The
default calibrated economy (:mod:`bubblesim.population.default`) and generated synthetic ones
(:mod:`bubblesim.population.synthetic`) both produce an :class:`EconomySpec`; :func:`build` is
the only code that creates agents, so both paths share every rule.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from bubblesim.accounts.instruments import Collateral, ContractKind, Status
from bubblesim.agents import AgentType, Firm, Lab, Lender, Miner, Provider
from bubblesim.agents.lender import LenderKind, kind_terms
from bubblesim.agents.vendor import Vendor
from bubblesim.markets.credit import is_investment_grade
from bubblesim.units import WEEKS_PER_YEAR

if TYPE_CHECKING:
    from bubblesim.world import World


@dataclass(frozen=True)
class LabSpec:
    """An AI lab: name, opening cash, share of AI end revenue.

    ``outside_loss_week``: for a stand-in borrower, the week its outside assets (its cash)
    are lost, an exogenous shock (None for a real lab).
    """

    name: str
    cash_usd: float
    revenue_share: float
    outside_loss_week: int | None = None


@dataclass(frozen=True)
class ProviderSpec:
    """A hyperscaler (``big_tech``) or neocloud; GPUs and own space in MW-IT."""

    name: str
    cash_usd: float
    big_tech: bool
    gpu_mw: float
    own_space_mw: float
    other_income_usd_per_year: float = 0.0


@dataclass(frozen=True)
class MinerSpec:
    """A bitcoin miner: opening cash, gross power MW, GPUs it owns (MW-IT)."""

    name: str
    cash_usd: float
    power_mw: float
    gpu_mw: float = 0.0


@dataclass(frozen=True)
class LenderSpec:
    """A lender: its kind, its capital ratio on its book (None: its kind's target) and cash.

    Its capital is ``capital_ratio`` × its loans; the rest of the book and a cash buffer of
    ``cash_buffer_share`` × loans are funded by its kind of funding.
    """

    name: str
    capital_ratio: float | None = None
    cash_buffer_share: float = 0.1
    kind: LenderKind = LenderKind.BANK


@dataclass(frozen=True)
class VendorSpec:
    """A GPU vendor: its share of a GPU system's list price, its margin, its fixed costs."""

    name: str
    cash_usd: float
    hardware_share: float
    gross_margin: float
    operating_cost_usd_per_year: float = 0.0


@dataclass(frozen=True)
class ContractSpec:
    """An existing hosting lease or GPU cloud contract (weeks from week 0)."""

    kind: ContractKind
    seller: str
    buyer: str
    mw: float
    price_usd_per_mw_year: float
    start_week: int
    term_weeks: int
    break_week: int | None = None
    guarantor: str | None = None
    backstop_usd: float = 0.0
    prepaid_usd: float = 0.0
    forward: bool = False  # a forward commitment (MW × guarantors.forward_commitment_scale)


@dataclass(frozen=True)
class LoanSpec:
    """An existing loan or note."""

    lender: str
    borrower: str
    principal_usd: float
    coupon_per_year: float
    floating: bool
    maturity_week: int
    collateral: Collateral = Collateral.NONE
    covenant_ltv: float | None = None
    instrument: str = "loan"
    covenant_dscr: float | None = None
    covenant_from_week: int = 0


@dataclass
class EconomySpec:
    """A whole economy as data."""

    labs: list[LabSpec] = field(default_factory=list)
    providers: list[ProviderSpec] = field(default_factory=list)
    miners: list[MinerSpec] = field(default_factory=list)
    lenders: list[LenderSpec] = field(default_factory=list)
    contracts: list[ContractSpec] = field(default_factory=list)
    loans: list[LoanSpec] = field(default_factory=list)
    vendors: list[VendorSpec] = field(default_factory=list)


def build(world: World, spec: EconomySpec) -> dict[str, Firm]:
    """Create the agents and instruments of ``spec`` in ``world`` and open their books.

    Lenders' cash is sized from their books: capital = ``capital_ratio`` (or their kind's
    target) × loans, scaled by the population's lender-capital scale; funding = loans − capital
    + a cash buffer. Day-one provisions for expected losses are booked against the loans, with
    capital sized to cover them (so capital is ``capital_ratio`` × loans after provisions).

    Args:
        world: The world (its config, book and markets must exist).
        spec: The economy.

    Returns:
        The agents by name.

    Raises:
        ValueError: On duplicate names or instruments naming unknown agents.
    """
    cfg = world.config
    pop = cfg.population
    roster, table, ledger = world.agents, world.agents.table, world.ledger
    firms: dict[str, Firm] = {}

    def add(firm: Firm) -> Firm:
        firms[firm.name] = firm
        return firm

    state = world.drivers.state
    for s in spec.labs:
        lab = add(roster.add(Lab, AgentType.LAB, s.name, s.cash_usd, revenue_share=s.revenue_share))
        world.agents.labs.open(
            lab.index,
            s.revenue_share * state.ai_end_revenue_usd_per_year,
            state.ai_demand_growth_per_year,
        )
        if s.outside_loss_week is not None:
            world.scheduled_losses.setdefault(s.outside_loss_week, []).append(lab.row)
    for s in spec.providers:
        kind = AgentType.HYPERSCALER if s.big_tech else AgentType.NEOCLOUD
        p = add(
            roster.add(
                Provider,
                kind,
                s.name,
                s.cash_usd,
                big_tech=s.big_tech,
                own_space_mw=s.own_space_mw,
                other_income_usd_per_year=s.other_income_usd_per_year
                * cfg.guarantors.big_tech_income_scale,
            )
        )
        table.set_gpus(p.row, s.gpu_mw)
    for s in spec.vendors:
        add(
            roster.add(
                Vendor,
                AgentType.VENDOR,
                s.name,
                s.cash_usd,
                hardware_share=s.hardware_share,
                gross_margin=s.gross_margin,
                operating_cost_usd_per_year=s.operating_cost_usd_per_year,
            )
        )
    for s in spec.miners:
        m = add(roster.add(Miner, AgentType.MINER, s.name, s.cash_usd, power_mw=s.power_mw))
        table.set_gpus(m.row, s.gpu_mw)

    def scale_of(borrower: Firm) -> float:
        if isinstance(borrower, Miner):
            return pop.population_miner_leverage_scale
        if isinstance(borrower, Provider):
            if borrower.big_tech:
                return pop.population_big_tech_leverage_scale
            return pop.population_neocloud_leverage_scale
        return 1.0

    book_usd: dict[str, float] = {s.name: 0.0 for s in spec.lenders}
    for s in spec.loans:
        if s.lender not in book_usd or s.borrower not in firms:
            raise ValueError(f"loan names unknown party: {s.lender!r} -> {s.borrower!r}")
        book_usd[s.lender] += s.principal_usd * scale_of(firms[s.borrower])
    for s in spec.lenders:
        loans = book_usd[s.name]
        target, spread = kind_terms(cfg.lenders, s.kind)
        ratio = target if s.capital_ratio is None else s.capital_ratio
        capital = ratio * loans * pop.population_lender_capital_scale
        buffer = s.cash_buffer_share * loans
        funding = max(0.0, loans - capital) + buffer
        gate = (
            cfg.lenders.lender_redemption_gate_per_quarter
            if s.kind is LenderKind.PRIVATE_CREDIT
            else 1.0
        )
        lender = add(
            roster.add(
                Lender,
                AgentType.LENDER,
                s.name,
                capital + funding,
                lender_kind=s.kind,
                capital_target_ratio=target,
                funding_spread_per_year=spread,
                cash_buffer_share=s.cash_buffer_share,
                gate_share=gate,
            )
        )
        table.change_funding(lender.row, funding)

    for s in spec.loans:
        lender, borrower = firms[s.lender], firms[s.borrower]
        principal = s.principal_usd * scale_of(borrower)
        if principal <= 0:
            continue
        # the loan's proceeds were spent before week 0 (on hardware, halls, capex): the lender's
        # cash became the loan; the borrower's spend is in its opening assets
        ledger.adjust_opening_cash(lender.row, -principal)
        hardware = s.collateral in (Collateral.GPU, Collateral.ASIC)
        world.book.loans.add(
            lender=lender.row,
            borrower=borrower.row,
            principal_usd=principal,
            spread_per_year=s.coupon_per_year,
            floating=s.floating,
            maturity_week=s.maturity_week,
            collateral=s.collateral,
            covenant_ltv=s.covenant_ltv,
            instrument=s.instrument,
            convertible=s.instrument.startswith("convertible"),
            start_week=-1,
            amortisation_usd_per_week=principal / max(1, s.maturity_week) if hardware else 0.0,
            covenant_dscr=s.covenant_dscr,
            covenant_from_week=s.covenant_from_week,
            investment_grade=is_investment_grade(world, borrower.row),
        )

    miners = world.agents.miners
    for s in spec.contracts:
        if s.seller not in firms or s.buyer not in firms:
            raise ValueError(f"contract names unknown party: {s.seller!r} -> {s.buyer!r}")
        seller, buyer = firms[s.seller], firms[s.buyer]
        guarantor = firms.get(s.guarantor) if s.guarantor else None
        active = s.start_week <= 0
        mw = s.mw * cfg.guarantors.forward_commitment_scale if s.forward else s.mw
        if mw <= 0:
            continue  # forward commitments switched off
        world.book.contracts.add(
            kind=s.kind,
            seller=seller.row,
            buyer=buyer.row,
            mw=mw,
            price_usd_per_mw_year=s.price_usd_per_mw_year,
            start_week=s.start_week,
            end_week=s.start_week + s.term_weeks,
            take_or_pay_share=cfg.contracts.contract_take_or_pay_share,
            break_week=None if s.break_week is None else s.start_week + s.break_week,
            guarantor=None if guarantor is None else guarantor.row,
            backstop_remaining_usd=s.backstop_usd,
            prepaid_usd=s.prepaid_usd,
            prepay_offset_usd_per_week=s.prepaid_usd / WEEKS_PER_YEAR,
            status=Status.ACTIVE if active else Status.PENDING,
        )
        if s.kind is ContractKind.HOSTING and isinstance(seller, Miner):
            hall_cost = s.mw * cfg.markets.market_colo_build_cost_usd_per_mw
            if active:
                miners.reserve_hall_power(seller.index, s.mw, cfg.markets.market_pue)
                table.add_hall(seller.row, hall_cost)
            else:  # power already off ASICs
                miners.commit_hall(
                    seller.index, s.start_week, -1, hall_cost, s.mw, cfg.markets.market_pue
                )
                table.start_hall(seller.row, hall_cost)

    efficiency = cfg.markets.market_asic_efficiency_j_per_th
    pue = cfg.markets.market_pue
    for index, row in enumerate(miners.row.tolist()):
        # the site's power not given to AI halls (built or being built) or to the miner's own
        # GPUs hashes: one power constraint per site
        gross = float(miners.power_mw[index] - miners.hall_gross_mw[index])
        gross -= float(table.gpu_mw[row]) * pue
        if gross < -1e-6 * float(miners.power_mw[index]):
            from bubblesim.config import ConfigError

            raise ConfigError(
                f"market_pue={pue:g} puts {world.agents.name_of(row)}'s AI halls and GPUs at "
                f"{miners.power_mw[index] - gross:,.0f} MW on its {miners.power_mw[index]:,.0f} MW "
                "site: lower the PUE or the site's contracted MW"
            )
        table.set_asics(row, max(0.0, gross * 1e6 / efficiency), efficiency)
    world.hardware.mark(np.arange(world.n_agents))
    _open_capex(world)
    world.halls.observe()
    _book_opening_provisions(world)
    _open_books(world)
    return firms


def _open_capex(world: World) -> None:
    """The opening installed base: GPUs at list price, data centres at build cost."""
    table, providers = world.agents.table, world.agents.providers
    cost = world.config.markets.market_colo_build_cost_usd_per_mw
    gpu = float(table.gpu_mw.sum()) * world.hardware.list_price_usd_per_mw
    halls = float(table.halls_usd.sum() + table.construction_usd.sum())
    world.capex.open(gpu, float(providers.own_space_mw.sum()) * cost + halls)


def _book_opening_provisions(world: World) -> None:
    """Day-one provisions (expected losses) on every loan; lenders' capital covers them."""
    loans = world.book.loans
    rows, expected = world.desk.expected_losses_usd()
    loans.set_allowances(rows, expected)
    for lender, amount in zip(loans.lender[rows].tolist(), expected.tolist(), strict=True):
        world.ledger.adjust_opening_cash(lender, amount)


def _open_books(world: World) -> None:
    """Set opening equity to assets minus liabilities, once the population exists."""
    sheets = world.balance_sheets()
    equity = sheets["assets_usd"] - sheets["liabilities_usd"]
    for row in range(world.n_agents):
        world.ledger.open_equity(row, float(equity[row]))
        world.agents.table.open_debt(row, float(sheets["debt_usd"][row]))
    lenders, loans = world.agents.lenders, world.book.loans
    rows = loans.active()
    for index, row in enumerate(lenders.row.tolist()):
        held = rows[loans.lender[rows] == row]
        only_ig = held.size > 0 and bool(loans.investment_grade[held].all())
        lenders.open_capital(index, float(equity[row]), only_ig)
