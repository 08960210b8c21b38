"""``BubbleModel``: the AI-infrastructure credit economy as a Mesa model.

One step is one week (week 0 = 2026-01-05). ``step()`` is the schedule of named phases described
in ``docs/ODD.md``; each phase is a function of its own module, and agents act on one another only
through contracts, loans, markets and settlement.
"""

from __future__ import annotations

from typing import Any

import mesa
import networkx as nx
import pandas as pd

from bubblesim import contracting, credit, decisions, lifecycle, production, resolution
from bubblesim import settlement as settle
from bubblesim.agents import Firm, Lab, Lender, Miner, Provider
from bubblesim.book import InstrumentBook
from bubblesim.config import ModelConfig
from bubblesim.drivers.exogenous import ExogenousDrivers
from bubblesim.events import Cause, EventKind, EventLog
from bubblesim.ledger import Ledger
from bubblesim.markets import Markets
from bubblesim.metrics import MODEL_REPORTERS
from bubblesim.network import credit_network
from bubblesim.population import EconomySpec, build, make_economy
from bubblesim.scenarios import scenario_config
from bubblesim.verdict import CascadeVerdict, cascade_verdict


class BubbleModel(mesa.Model):
    """Hyperscalers, neoclouds, miners, lenders and labs trading compute over a credit network.

    Args:
        scenario: Name of a preset (``bubblesim scenarios`` lists them) or a path to a TOML file.
        config: A ready configuration; if given, ``scenario`` and ``overrides`` are ignored.
        rng: Seed (int) or numpy Generator; the only source of randomness.
        economy: An explicit economy (agents and instruments) instead of the configured one.
        **overrides: Flat parameter overrides, e.g. ``demand_slowdown_depth=0.6`` (every name,
            unit, default and source is listed by ``bubblesim scenarios show baseline``).

    Attributes:
        config: The validated configuration.
        week: The current week (0 before the first step).
        ledger: The cash ledger (external flows of the current step).
        book: Every contract and loan.
        events: The event log.
        markets: Spot compute and hardware resale markets.
        drivers: The exogenous processes; ``drivers.state`` is this week's state.
        datacollector: Model-level series, one row per week.
    """

    def __init__(
        self,
        *,
        scenario: str = "baseline",
        config: ModelConfig | None = None,
        rng: Any = None,
        economy: EconomySpec | None = None,
        **overrides: Any,
    ):
        super().__init__(rng=rng)
        self.config = config if config is not None else scenario_config(scenario, overrides)
        driver_rng, population_rng, self.match_rng = self.rng.spawn(3)
        self.week = 0
        self.ledger = Ledger()
        self.book = InstrumentBook()
        self.events = EventLog()
        self.drivers = ExogenousDrivers(self.config.drivers, driver_rng)
        self.markets = Markets(self.config, self.drivers.state)
        if economy is None:
            economy = make_economy(self.config, population_rng)
        self.firms: dict[str, Firm] = build(self, economy)
        self.labs = [f for f in self.firms.values() if isinstance(f, Lab)]
        self.providers = [f for f in self.firms.values() if isinstance(f, Provider)]
        self.miners = [f for f in self.firms.values() if isinstance(f, Miner)]
        self.lenders = [f for f in self.firms.values() if isinstance(f, Lender)]
        self.resolution_queue: list[Firm] = []
        self.leveraged_miner_mw = sum(m.power_mw for m in self.miners if m.initial_debt_usd > 0)
        self.initial_lender_capital_usd = sum(x.initial_capital_usd for x in self.lenders)
        self.last_shock_event = -1
        self.shock_events: dict[str, int] = {}  # driver -> its latest shock event
        self.last_price_event = -1
        self.windows = {"equity": 1.0, "convertible": 1.0}
        self.open_lenders: list[Lender] = []
        self.lender_capacity_cache: float | None = None
        self.credit_refusals = 0
        self.new_lending_usd = 0.0
        self.spot_traded_mw = 0.0
        self.datacollector = mesa.DataCollector(model_reporters=MODEL_REPORTERS)
        self.datacollector.collect(self)

    # -- the schedule ----------------------------------------------------------------------------
    def step(self) -> None:
        """One week, as a schedule of named phases (see ``docs/ODD.md``)."""
        self.week += 1
        self.advance_exogenous_drivers()
        self.form_expectations_and_decide()
        self.contract_and_lend()
        self.produce_and_clear_spot_market()
        self.settle_obligations()
        self.resolve_defaults_and_fire_sales()
        self.update_lender_capital_and_credit_policy()
        self.collect_data()

    def advance_exogenous_drivers(self) -> None:
        """Drivers move; instruments start and end; hardware is marked to the new prices."""
        lifecycle.advance_world(self)

    def form_expectations_and_decide(self) -> None:
        """Labs update revenue expectations and compute needs; miners decide to hash or not."""
        decisions.decide(self)

    def contract_and_lend(self) -> None:
        """Equity rounds, GPU cloud contracts, capex and hosting leases, loans and rollovers."""
        contracting.contract_and_lend(self)

    def produce_and_clear_spot_market(self) -> None:
        """External revenue and costs accrue; idle capacity meets spot demand."""
        production.produce(self)

    def settle_obligations(self) -> None:
        """This week's obligations are cleared on the payment network (Eisenberg–Noe/RV)."""
        settle.settle(self)

    def resolve_defaults_and_fire_sales(self) -> None:
        """Defaults, seizures, fire sales and margin calls, iterated to a fixed point."""
        resolution.resolve(self)

    def update_lender_capital_and_credit_policy(self) -> None:
        """Funding runs, lender insolvency, and next week's credit policy."""
        credit.update_lenders(self)
        resolution.resolve(self)
        lifecycle.update_health(self)

    def collect_data(self) -> None:
        """Record the model-level series."""
        self.datacollector.collect(self)

    def add_firm(self, firm: Firm) -> None:
        """Register an agent that enters during the run (its books open at zero)."""
        if firm.name in self.firms:
            raise ValueError(f"duplicate agent name {firm.name!r}")
        self.firms[firm.name] = firm
        {Lab: self.labs, Provider: self.providers, Miner: self.miners, Lender: self.lenders}[
            type(firm)
        ].append(firm)
        firm.open_books()

    # -- views -----------------------------------------------------------------------------------
    def active_firms(self) -> list[Firm]:
        """Agents that have not defaulted."""
        return [f for f in self.firms.values() if not f.defaulted]

    def series(self) -> pd.DataFrame:
        """The model-level series, one row per week, indexed by ``week``."""
        frame = self.datacollector.get_model_vars_dataframe().reset_index(drop=True)
        return frame.set_index("week")

    def series_columns(self) -> dict[str, list[float]]:
        """The model-level series as plain lists by name (``week`` included), one value per week.

        A snapshot: later steps do not extend it. Much cheaper than :meth:`series` where only a
        few columns or final values are needed (the verdict, sweep outcomes).
        """
        return {name: list(values) for name, values in self.datacollector.model_vars.items()}

    def event_frame(self) -> pd.DataFrame:
        """The event log as a DataFrame."""
        return self.events.to_frame()

    def credit_network(self) -> nx.DiGraph:
        """The credit network now: who is exposed to whom, by instrument, in USD."""
        return credit_network(self)

    def verdict(self) -> CascadeVerdict:
        """The cascade verdict as it stands (over the weeks run so far)."""
        return cascade_verdict(
            self.datacollector.model_vars,
            self.events,
            self.config.verdict,
            leveraged_miner_mw=self.leveraged_miner_mw,
            initial_lender_capital_usd=self.initial_lender_capital_usd,
        )

    def impose_default(self, firm: Firm, detail: str = "imposed") -> int:
        """Make ``firm`` default now, from outside (tests and scenario shocks).

        Args:
            firm: The agent to default.
            detail: Text for the event log.

        Returns:
            The id of the shock event that triggered it.
        """
        shock = self.events.record(self.week, EventKind.SHOCK, firm, detail=detail)
        resolution.declare_default(self, firm, Cause.EXOGENOUS, shock)
        resolution.resolve(self)
        return shock


def _parameter_docs() -> str:
    """Every keyword parameter with its unit, default and source, for ``help(BubbleModel)``."""
    from bubblesim.config import parameters

    lines = ["", "    Parameters (flat keyword overrides; unit, default, source):", ""]
    for name, info in parameters().items():
        lines.append(f"        {name} [{info.unit}] = {info.default!r}: {info.description}.")
        lines.append(f"            Source: {info.source}")
    return "\n".join(lines) + "\n"


BubbleModel.__doc__ = (BubbleModel.__doc__ or "") + _parameter_docs()
