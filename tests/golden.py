"""The golden master: digests of whole runs that behaviour-preserving changes must keep.

Each case is a scenario, seed, length and set of overrides. Its digest is a SHA-256 over the
series (the columns of :data:`SERIES`, each value's exact float64 bytes) and over every field of
every event in the log, so a single bit changed anywhere in a run changes it. The digests live
in ``tests/golden/digests.json`` beside a few readable outcomes per case (defaults, first
default week, final credit), which say *how* a run changed when its digest does.

Record them again only in a commit that changes behaviour on purpose, saying why:
``python -m tests.golden --update``. ``python -m tests.golden`` compares without writing.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import struct
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bubblesim.model import BubbleModel

DIGESTS = Path(__file__).parent / "golden" / "digests.json"

#: The series the digest covers: every series of the model at the time the master was recorded
#: (new series may be added without touching the master; changing one of these changes it).
SERIES = (
    "week",
    "defaults_lab",
    "defaults_hyperscaler",
    "defaults_neocloud",
    "defaults_miner",
    "defaults_lender",
    "leveraged_miner_mw_defaulted",
    "lender_capital_usd",
    "lender_losses_usd",
    "credit_outstanding_usd",
    "credit_supply_usd",
    "new_lending_usd",
    "credit_refusals",
    "spot_price_usd_per_mw_year",
    "gpu_resale_usd_per_mw",
    "gpu_vintage0_usd_per_mw",
    "gpu_resale_index",
    "asic_price_usd_per_th",
    "utilisation",
    "btc_price_usd",
    "hashprice_usd_per_ph_day",
    "ai_end_revenue_usd_per_year",
    "ai_demand_mw",
    "contracted_mw",
    "delivered_mw",
    "ai_revenue_gap_usd_per_year",
    "base_rate_per_year",
    "power_price_usd_per_mwh",
    "frontier_efficiency",
    "cash_total_usd",
    "external_flows_usd",
)

EVENT_FIELDS = (
    "id",
    "week",
    "kind",
    "agent",
    "agent_name",
    "counterparty",
    "amount_usd",
    "cause",
    "trigger",
    "detail",
)


@dataclass(frozen=True)
class Case:
    """One recorded run."""

    name: str
    scenario: str
    seed: int
    weeks: int
    overrides: dict[str, Any] = field(default_factory=dict)


CASES = (
    *(
        Case(f"{scenario}-s{seed}", scenario, seed, 520)
        for scenario in ("baseline", "demand-slowdown", "new-chip-generation")
        for seed in (1, 2)
    ),
    Case("2022-redux-s1", "2022-redux", 1, 104),
    Case("2022-redux-s2", "2022-redux", 2, 104),
    Case(
        "synthetic-500-s1",
        "demand-slowdown",
        1,
        260,
        {"population_kind": "synthetic", "population_n_agents": 500},
    ),
)


def _value_bytes(value: Any) -> bytes:
    if isinstance(value, bool):
        return b"T" if value else b"F"
    if isinstance(value, int | float):
        number = float(value)
        if math.isnan(number):
            return b"nan"
        return struct.pack("<d", number)
    return str(value).encode()


def run_case(case: Case) -> BubbleModel:
    """Run one case to its end."""
    model = BubbleModel(scenario=case.scenario, rng=case.seed, **case.overrides)
    for _ in range(case.weeks):
        model.step()
    return model


def digest(model: BubbleModel) -> dict[str, Any]:
    """The digests of a run's series and event log, with a few readable outcomes."""
    columns = model.series_columns()
    series_hash = hashlib.sha256()
    for name in SERIES:
        series_hash.update(name.encode())
        for value in columns[name]:
            series_hash.update(_value_bytes(value))
    events_hash = hashlib.sha256()
    for event in model.events.events:
        for name in EVENT_FIELDS:
            events_hash.update(_value_bytes(getattr(event, name)))
            events_hash.update(b"|")
    defaults = model.events.defaults()
    return {
        "series": series_hash.hexdigest(),
        "events": events_hash.hexdigest(),
        "n_events": len(model.events.events),
        "n_defaults": len(defaults),
        "first_default_week": defaults[0].week if defaults else None,
        "final_credit_outstanding_usd": round(float(columns["credit_outstanding_usd"][-1]), 2),
        "final_lender_capital_usd": round(float(columns["lender_capital_usd"][-1]), 2),
    }


def record(cases=CASES) -> dict[str, dict[str, Any]]:
    """Digest every case."""
    return {case.name: digest(run_case(case)) for case in cases}


def main(argv: list[str] | None = None) -> int:
    """Compare the cases with the recorded master, or record it again with ``--update``."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--update", action="store_true", help="write the digests")
    args = parser.parse_args(argv)
    current = record()
    if args.update:
        DIGESTS.parent.mkdir(exist_ok=True)
        DIGESTS.write_text(json.dumps(current, indent=2, sort_keys=True) + "\n")
        print(f"recorded {len(current)} cases in {DIGESTS}")
        return 0
    master = json.loads(DIGESTS.read_text())
    changed = [name for name in current if current[name] != master.get(name)]
    for name in changed:
        print(f"{name}: recorded {master.get(name)}\n{' ' * len(name)}  now      {current[name]}")
    print(f"{len(current) - len(changed)} of {len(current)} cases unchanged")
    return 1 if changed else 0


if __name__ == "__main__":
    sys.exit(main())
