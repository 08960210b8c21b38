"""Frame times measured in the browser: from a click, or a play tick, to the paint.

The explorer runs in production mode in its own process (``benchmarks.browser.serve``);
Debian's chromium loads it through Playwright. In the page, a probe stamps every button click
and every paint that shows a new week (``benchmarks.browser.PAINT_PROBE``). For each economy:

- **new session**: from ``goto`` until the network is drawn and Play is enabled;
- **step**: click Step, time to the paint of the next week (``--steps`` clicks);
- **play at speed 1**: painted updates per second over ``--play-s`` seconds, the interval
  between painted updates, and weeks skipped between them (at speed 1 there should be none);
- **pause** (1,000 agents): click Pause while playing, time until the button reads Play again
  and until the last new week is painted.

Targets (default economy): step < 150 ms median; ≥ 10 painted updates a second at speed 1 with
no skipped weeks. 1,000 agents: p90 < 250 ms per painted update; Pause acknowledged within 1 s.
A new session is usable in < 5 s.

Both economies open with the longest horizon (5,200 weeks), so no measured play stops at the
horizon. ``--root`` serves another checkout (a worktree of an older commit) with these same
measurements, for before/after comparisons in one session.

Run: ``python -m benchmarks.bench_browser [--repeats 3] [--root ../old]``. Numbers, not a
pass/fail test.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import sys
import time
from pathlib import Path
from urllib.parse import urlencode

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.browser import (
    BIG_ECONOMY,
    PAINT_PROBE,
    ROOT,
    clicks,
    launch,
    open_explorer,
    paints,
    serve,
    week_of,
)

HORIZON = 5200  # the longest allowed: no play stops at the horizon while it is measured
ECONOMIES = (
    (
        "default economy (22 agents), demand-slowdown",
        {"scenario": "demand-slowdown", "horizon": HORIZON},
    ),
    (
        "synthetic economy, 1,000 agents",
        {"scenario": "baseline", "horizon": HORIZON, **BIG_ECONOMY},
    ),
)


def _stats(values) -> dict[str, float]:
    v = np.asarray(values, dtype=float)
    v = v[np.isfinite(v)]
    if v.size == 0:
        return {"n": 0}
    p50, p90 = np.percentile(v, [50, 90])
    return {"n": int(v.size), "median": round(float(p50), 1), "p90": round(float(p90), 1)}


def measure_steps(page, n: int) -> list[float]:
    """Click-to-paint times of ``n`` Step clicks, ms."""
    out = []
    step = page.get_by_role("button", name="Step")
    for _ in range(n):
        week = week_of(page)
        before = len(paints(page))
        step.click()
        page.wait_for_function(
            f"window.__probe.paints.length > {before} && "
            f"window.__probe.paints[window.__probe.paints.length - 1][1] === {week + 1}",
            timeout=30_000,
        )
        click = [c for c in clicks(page) if c[1] == "STEP" or c[1] == "Step"][-1][0]
        paint = paints(page)[-1][0]
        out.append(paint - click)
        time.sleep(0.15)
    return out


def measure_play(page, seconds: float) -> dict[str, object]:
    """Play at speed 1 for ``seconds``; painted updates, intervals, skipped weeks."""
    start_index = len(paints(page))
    page.get_by_role("button", name="Play").click()
    time.sleep(seconds)
    page.get_by_role("button", name="Pause").click()
    page.get_by_role("button", name="Play").wait_for(timeout=30_000)
    shown = paints(page)[start_index:]
    times = np.array([p[0] for p in shown])
    weeks = [p[1] for p in shown]
    server = [p[2] for p in shown]
    intervals = np.diff(times)
    skipped = sum(max(0, b - a - 1) for a, b in itertools.pairwise(weeks))
    rate = (len(shown) - 1) / ((times[-1] - times[0]) / 1e3) if len(shown) > 1 else 0.0
    return {
        "painted updates": len(shown),
        "updates per second": round(rate, 1),
        "interval ms": _stats(intervals),
        "server ms per frame": _stats(server),
        "weeks skipped": int(skipped),
    }


def measure_pause(page, trials: int, play_s: float = 3.0) -> list[dict[str, float]]:
    """Pause while playing: ms until the button says Play, and until the last new paint."""
    out = []
    for _ in range(trials):
        page.get_by_role("button", name="Play").click()
        time.sleep(play_s)
        page.get_by_role("button", name="Pause").click()
        t_click = clicks(page)[-1][0]
        page.get_by_role("button", name="Play").wait_for(timeout=30_000)
        t_ack = page.evaluate("performance.now()")
        time.sleep(2.0)
        last_paint = paints(page)[-1][0]
        out.append(
            {
                "button back, ms": round(t_ack - t_click, 1),
                "last paint after click, ms": round(max(0.0, last_paint - t_click), 1),
            }
        )
    return out


def run_economy(browser, base_url: str, query: dict, args) -> dict[str, object]:
    """Every measurement on one economy (fresh pages)."""
    q = urlencode(query)
    result: dict[str, object] = {}
    loads = []
    for _ in range(args.repeats):
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        page = context.new_page()
        loads.append(open_explorer(page, base_url, q))
        context.close()
    result["new session usable, s"] = _stats(loads)
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    open_explorer(page, base_url, q)
    page.evaluate(PAINT_PROBE)
    result["assets loaded"] = sorted(
        {u.split("/_solara/cdn/")[1].split("/")[0] for u in requests if "/_solara/cdn/" in u}
    )
    result["step click to paint, ms"] = _stats(measure_steps(page, args.steps))
    plays = [measure_play(page, args.play_s) for _ in range(args.repeats)]
    result["play at speed 1"] = plays
    if query.get("population_n_agents"):
        result["pause"] = measure_pause(page, args.repeats)
    context.close()
    return result


def main(argv: list[str] | None = None) -> None:
    """Print the browser frame times of both economies (text, then JSON)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3, help="sessions, plays and pauses")
    parser.add_argument("--steps", type=int, default=30, help="Step clicks per economy")
    parser.add_argument("--play-s", type=float, default=15.0, help="seconds per play")
    parser.add_argument("--only", choices=["default", "big"], default=None)
    parser.add_argument(
        "--root",
        type=Path,
        default=ROOT,
        help="the checkout to serve (another worktree: measure an older version the same way)",
    )
    args = parser.parse_args(argv)
    from playwright.sync_api import sync_playwright

    report = {
        "root": str(args.root),
        "cores": os.cpu_count(),
        "load average at start": os.getloadavg(),
    }
    with serve(root=args.root) as (base_url, _pid), sync_playwright() as p:
        browser = launch(p)
        for (label, query), key in zip(ECONOMIES, ("default", "big"), strict=True):
            if args.only and args.only != key:
                continue
            started = time.perf_counter()
            report[label] = run_economy(browser, base_url, query, args)
            report[label]["load average after"] = os.getloadavg()
            report[label]["seconds"] = round(time.perf_counter() - started, 1)
            print(label, json.dumps(report[label], indent=1), flush=True)
        browser.close()
    print(json.dumps(report, indent=1))


if __name__ == "__main__":
    main(sys.argv[1:])
