"""The engine against a reference checkout, side by side: wall time of ten-year runs.

Each measurement runs in a fresh process with the code of one checkout (``PYTHONPATH``), the
reference and the current code alternating, so both see the same machine load; the table keeps
each case's fastest repeat and reports current / reference ratios. In each process:

* *import*: ``import bubblesim.model`` (Mesa, pandas, numba);
* *first run*: build and run the model (for the current code this includes loading the compiled
  kernels from numba's cache, a fixed cost a process pays once);
* *next run*: a second model of the same case in the same process (what a sweep worker pays
  per run); its weekly step times give the cost per week in year 1 and in year 10.

Cases: the default economy and synthetic economies of the given sizes, 520 weeks.

Run: ``python -m benchmarks.bench_engine --reference ../ref [--sizes 1000 10000]
[--repeats 3] [--json out.json]``. Numbers, not pass/fail.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

CHILD = r"""
import json, resource, sys, time
t0 = time.perf_counter()
from bubblesim.model import BubbleModel
imported = time.perf_counter() - t0
kind, n_agents, weeks, both = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4] == "1"
synthetic = {"population_kind": "synthetic", "population_n_agents": n_agents}
extra = {} if kind == "default" else synthetic

def run():
    start = time.perf_counter()
    model = BubbleModel(rng=0, **extra)
    built = time.perf_counter() - start
    weeks_s = []
    for _ in range(weeks):
        a = time.perf_counter()
        model.step()
        weeks_s.append(time.perf_counter() - a)
    return time.perf_counter() - start, built, weeks_s, len(model.firms)

first, first_build, first_weeks, agents = run()
out = {"import_s": imported, "first_run_s": first, "first_build_s": first_build, "agents": agents}
weeks_s = first_weeks
if both:
    out["next_run_s"], out["next_build_s"], weeks_s, _ = run()
year = min(52, len(weeks_s))
out["year1_ms_per_week"] = 1e3 * sum(weeks_s[:year]) / year
out["year10_ms_per_week"] = 1e3 * sum(weeks_s[-year:]) / year
out["peak_rss_mib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps(out))
"""


def measure(code: Path, kind: str, n_agents: int, weeks: int, both: bool) -> dict:
    """One fresh process of ``code`` running one case."""
    env = {**os.environ, "PYTHONPATH": str(code)}
    done = subprocess.run(
        [sys.executable, "-c", CHILD, kind, str(n_agents), str(weeks), "1" if both else "0"],
        cwd=code,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> list[dict]:
    """Measure every case for both checkouts and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reference", type=Path, required=True)
    parser.add_argument("--current", type=Path, default=Path(__file__).resolve().parents[1])
    parser.add_argument("--weeks", type=int, default=520)
    parser.add_argument("--sizes", type=int, nargs="*", default=[1_000])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--reference-repeats", type=int, default=None, help="fewer for big cases")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    cases = [("default", 0)] + [("synthetic", n) for n in args.sizes]
    rows = []
    for kind, n in cases:
        best: dict[str, dict] = {}
        for repeat in range(args.repeats):
            for label, code in (("reference", args.reference), ("current", args.current)):
                limit = args.reference_repeats if label == "reference" else None
                if limit is not None and repeat >= limit:
                    continue
                result = measure(code.resolve(), kind, n, args.weeks, both=label == "current")
                key = "next_run_s" if "next_run_s" in result else "first_run_s"
                if label not in best or result[key] < best[label][key]:
                    best[label] = result
        ref, cur = best["reference"], best["current"]
        row = {
            "case": kind if kind == "default" else f"synthetic-{n}",
            "agents": cur["agents"],
            "reference_run_s": ref["first_run_s"],
            "current_first_run_s": cur["first_run_s"],
            "current_next_run_s": cur["next_run_s"],
            "speedup_first_run": ref["first_run_s"] / cur["first_run_s"],
            "speedup_next_run": ref["first_run_s"] / cur["next_run_s"],
            "reference_import_s": ref["import_s"],
            "current_import_s": cur["import_s"],
            "reference_ms_per_week_year1_year10": [
                ref["year1_ms_per_week"],
                ref["year10_ms_per_week"],
            ],
            "current_ms_per_week_year1_year10": [
                cur["year1_ms_per_week"],
                cur["year10_ms_per_week"],
            ],
            "current_year10_over_year1": cur["year10_ms_per_week"] / cur["year1_ms_per_week"],
            "reference_peak_rss_mib": ref["peak_rss_mib"],
            "current_peak_rss_mib": cur["peak_rss_mib"],
        }
        print(json.dumps(row), flush=True)
        rows.append(row)
    load = os.getloadavg()
    print(f"load average at the end: {load[0]:.2f}, {load[1]:.2f}, {load[2]:.2f}")
    if args.json:
        args.json.write_text(json.dumps({"rows": rows, "load_average": load}, indent=2))
    return rows


if __name__ == "__main__":
    main()
