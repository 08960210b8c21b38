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

from bubblesim import phases
from bubblesim.accounts.events import Cause, EventKind
from bubblesim.agents import Firm, Lab, Lender, Miner, Provider
from bubblesim.config import ModelConfig
from bubblesim.insolvency import declare_default
from bubblesim.population import EconomySpec, build, make_economy
from bubblesim.reporting.metrics import SeriesCollector
from bubblesim.reporting.network import credit_network
from bubblesim.reporting.snapshot import StateArrays, state_arrays
from bubblesim.reporting.verdict import CascadeVerdict, attribution, cascade_verdict, leg_paths
from bubblesim.scenarios import scenario_config
from bubblesim.world import World


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
        world: The state of the run, by owner (:class:`bubblesim.world.World`).
        firms: The agents by name.
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
        self.world = World(self, self.config, self.rng)
        if economy is None:
            economy = make_economy(self.config, self.world.population_rng)
        build(self.world, economy)
        self.firms: dict[str, Firm] = self.world.agents.by_name
        table = self.world.agents.table
        miners = self.world.agents.miners
        leveraged = table.initial_debt_usd[miners.row] > 0
        self.leveraged_miner_mw = float(sum(miners.power_mw[leveraged].tolist()))
        lenders = self.world.agents.lenders
        self.initial_lender_capital_usd = float(  # of the leveraged credit network
            sum(lenders.initial_capital_usd[~lenders.investment_grade_book].tolist())
        )
        self.datacollector = SeriesCollector(self.world)
        self.datacollector.collect(self)

    # -- the schedule ----------------------------------------------------------------------------
    def step(self) -> None:
        """One week, as a schedule of named phases (see ``docs/ODD.md``)."""
        self.world.clock.tick()
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
        phases.advance.run(self.world)

    def form_expectations_and_decide(self) -> None:
        """Labs update revenue expectations and compute needs; miners decide to hash or not."""
        phases.decide.run(self.world)

    def contract_and_lend(self) -> None:
        """Equity rounds, GPU cloud contracts, capex and hosting leases, loans and rollovers."""
        phases.contract.run(self.world)

    def produce_and_clear_spot_market(self) -> None:
        """External revenue and costs accrue; idle capacity meets spot demand."""
        phases.produce.run(self.world)

    def settle_obligations(self) -> None:
        """This week's obligations are cleared on the payment network (Eisenberg–Noe/RV)."""
        phases.settle.run(self.world)

    def resolve_defaults_and_fire_sales(self) -> None:
        """Defaults, seizures, fire sales and margin calls, iterated to a fixed point."""
        phases.resolve.run(self.world)

    def update_lender_capital_and_credit_policy(self) -> None:
        """Funding runs and used-up backstops, the defaults they cause, then health."""
        phases.fund.run(self.world)
        phases.resolve.run(self.world)
        phases.close.run(self.world)

    def collect_data(self) -> None:
        """Record the model-level series."""
        self.datacollector.collect(self)

    # -- views -----------------------------------------------------------------------------------
    @property
    def week(self) -> int:
        """The current week (0 before the first step)."""
        return self.world.clock.week

    @property
    def ledger(self):
        """The ledger: cash, equity, this step's external flows."""
        return self.world.ledger

    @property
    def book(self):
        """Every contract and loan."""
        return self.world.book

    @property
    def events(self):
        """The event log."""
        return self.world.events

    @property
    def drivers(self):
        """The exogenous processes; ``drivers.state`` is this week's state."""
        return self.world.drivers

    @property
    def labs(self) -> list[Lab]:
        """The labs, in order of entry."""
        return self.world.agents.members(Lab)

    @property
    def providers(self) -> list[Provider]:
        """The hyperscalers and neoclouds."""
        return self.world.agents.members(Provider)

    @property
    def miners(self) -> list[Miner]:
        """The miners."""
        return self.world.agents.members(Miner)

    @property
    def lenders(self) -> list[Lender]:
        """The lenders."""
        return self.world.agents.members(Lender)

    def active_firms(self) -> list[Firm]:
        """Agents that have not defaulted."""
        firms = self.world.agents.firms
        return [firms[row] for row in self.world.agents.table.active().tolist()]

    def balance_sheets(self) -> pd.DataFrame:
        """Every agent's balance sheet now, one row per agent (USD), indexed by name."""
        sheets = self.world.balance_sheets()
        names = [f.name for f in self.world.agents.firms]
        return pd.DataFrame(sheets, index=pd.Index(names, name="agent"))

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
        return self.world.events.to_frame()

    def credit_network(self) -> nx.DiGraph:
        """The credit network now: who is exposed to whom, by instrument, in USD."""
        return credit_network(self.world)

    def state_arrays(self, contracts_after_id: int = -1, loans_after_id: int = -1) -> StateArrays:
        """The state now as arrays: sheets, health, credit edges, live instruments, new terms.

        See :func:`bubblesim.reporting.snapshot.state_arrays`.
        """
        return state_arrays(self.world, contracts_after_id, loans_after_id)

    def verdict(self) -> CascadeVerdict:
        """The cascade verdict as it stands (over the weeks run so far)."""
        return cascade_verdict(
            self.datacollector.model_vars,
            self.world.events,
            self.config.verdict,
            leveraged_miner_mw=self.leveraged_miner_mw,
            initial_lender_capital_usd=self.initial_lender_capital_usd,
        )

    def verdict_legs(self) -> dict:
        """Each verdict leg's magnitude week by week (``verdict.leg_paths``)."""
        return leg_paths(
            self.datacollector.model_vars,
            self.config.verdict,
            leveraged_miner_mw=self.leveraged_miner_mw,
            initial_lender_capital_usd=self.initial_lender_capital_usd,
        )

    def verdict_attribution(self, top: int = 5) -> dict:
        """Which shocks and defaults drove each verdict leg (from the trigger chains)."""
        return attribution(self.world.events, top)

    def impose_default(self, firm: Firm, detail: str = "imposed") -> int:
        """Make ``firm`` default now, from outside (tests and scenario shocks).

        Args:
            firm: The agent to default.
            detail: Text for the event log.

        Returns:
            The id of the shock event that triggered it.
        """
        shock = self.world.events.record(EventKind.SHOCK, firm.row, detail=detail)
        declare_default(self.world, firm.row, Cause.EXOGENOUS, shock)
        phases.resolve.run(self.world)
        return shock


def warm_up(weeks: int = 3) -> None:
    """Load the engine's compiled kernels now, by running a tiny default-economy model.

    numba loads (or, the first time on a machine, compiles) each kernel at its first call; a
    process that forks workers calls this first, so they inherit the loaded code.
    """
    model = BubbleModel(rng=0)
    for _ in range(weeks):
        model.step()


def _parameter_docs() -> str:
    """Every keyword parameter with its unit, default and source, for ``help(BubbleModel)``."""
    from bubblesim.config import parameters

    lines = ["", "    Parameters (flat keyword overrides; unit, default, source):", ""]
    for name, info in parameters().items():
        lines.append(f"        {name} [{info.unit}] = {info.default!r}: {info.description}.")
        lines.append(f"            Source: {info.source}")
    return "\n".join(lines) + "\n"


BubbleModel.__doc__ = (BubbleModel.__doc__ or "") + _parameter_docs()
