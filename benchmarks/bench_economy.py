"""Benchmark: wall time and peak memory of 10 simulated years (520 weeks).

Cases: the default economy, and synthetic economies of 100, 1,000 and 10,000 agents. Each case
runs in its own process so peak resident memory (``ru_maxrss``) is that case's alone.

Run: ``python -m benchmarks.bench_economy [--weeks 520] [--sizes 100 1000 10000]``.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import resource
import time


def _case(kind: str, n_agents: int, weeks: int, queue) -> None:
    from bubblesim.model import BubbleModel

    t0 = time.perf_counter()
    if kind == "default":
        model = BubbleModel(rng=0)
    else:
        model = BubbleModel(rng=0, population_kind="synthetic", population_n_agents=n_agents)
    built = time.perf_counter() - t0
    for _ in range(weeks):
        model.step()
    wall = time.perf_counter() - t0
    queue.put(
        {
            "case": kind if kind == "default" else f"synthetic-{n_agents}",
            "agents": len(model.firms),
            "weeks": weeks,
            "build_s": round(built, 3),
            "wall_s": round(wall, 2),
            "ms_per_week": round(1e3 * wall / max(weeks, 1), 2),
            "peak_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
            "defaults": len(model.events.defaults()),
        }
    )


def main(argv: list[str] | None = None) -> list[dict]:
    """Run the cases and print one JSON line each."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--weeks", type=int, default=520)
    parser.add_argument("--sizes", type=int, nargs="*", default=[100, 1_000, 10_000])
    args = parser.parse_args(argv)
    ctx = mp.get_context("spawn")
    results = []
    for kind, n in [("default", 0)] + [("synthetic", n) for n in args.sizes]:
        queue = ctx.Queue()
        proc = ctx.Process(target=_case, args=(kind, n, args.weeks, queue))
        proc.start()
        result = queue.get()
        proc.join()
        print(json.dumps(result), flush=True)
        results.append(result)
    return results


if __name__ == "__main__":
    main()
