"""Server time per explorer frame, in-process: model step and snapshot, and the render of a frame.

While playing, the worker thread steps the model and captures a snapshot of the week
(``viz.engine.Run.step``); a frame is drawn when the browser asks for one (``Explorer.tick``),
which shows the next week from the snapshots and re-renders every visible view
(``viz.app.ExplorerViews`` and the sidebar's ``Controls``, rendered here with
``solara.render`` as solara-server does before sending widget updates). The two costs are timed
apart: they run in different threads in the server. Paused, a Step click does both in turn.
``benchmarks/bench_browser.py`` measures the same frames in a real browser, from click or tick
to paint.

Economies: the default one (22 agents, ``demand-slowdown``) and a 1,000-agent synthetic one
(``population_kind="synthetic", population_n_agents=1000``), from week 0.

Run: ``python -m benchmarks.bench_frame [--frames N]``. Numbers, not a pass/fail test.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import sys
import time
from pathlib import Path

import numpy as np
import solara

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from viz.app import ExplorerViews  # viz first: it selects the fast renderer
from viz.controls import Controls
from viz.state import Explorer

TARGET_MS = 150.0
ECONOMIES = (
    ("default economy (22 agents), demand-slowdown", "demand-slowdown", {}, 200),
    (
        "synthetic economy, 1,000 agents",
        "baseline",
        {"population_kind": "synthetic", "population_n_agents": 1000},
        30,
    ),
)


def measure(scenario: str, overrides: dict, frames: int) -> dict[str, np.ndarray]:
    """Step + snapshot time and frame render time (ms) over ``frames`` weeks from week 0."""
    explorer = Explorer(scenario, overrides=overrides)
    _, views = solara.render(ExplorerViews(explorer=explorer), handle_error=False)
    _, sidebar = solara.render(Controls(explorer=explorer), handle_error=False)
    out = {k: np.zeros(frames) for k in ("step", "render")}
    for i in range(frames):
        start = time.perf_counter()
        explorer.run.step()
        out["step"][i] = (time.perf_counter() - start) * 1e3
        start = time.perf_counter()
        view = explorer.view.value
        explorer.view.value = dataclasses.replace(view, week=view.week + 1, frame=view.frame + 1)
        out["render"][i] = (time.perf_counter() - start) * 1e3
    out["frame"] = out["step"] + out["render"]
    views.close()
    sidebar.close()
    return out


def summary(label: str, values: np.ndarray) -> str:
    """Median, 90th percentile and maximum of a series of milliseconds."""
    p50, p90 = np.percentile(values, [50, 90])
    return f"  {label:<34} median {p50:7.1f} ms   p90 {p90:7.1f} ms   max {values.max():7.1f} ms"


def main(argv: list[str] | None = None) -> None:
    """Print the frame times of both economies."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=None, help="frames per economy")
    args = parser.parse_args(argv)
    print(
        f"cores: {os.cpu_count()}, load average: {os.getloadavg()[0]:.2f}; "
        f"target {TARGET_MS:.0f} ms per frame"
    )
    for label, scenario, overrides, frames in ECONOMIES:
        n = args.frames or frames
        times = measure(scenario, overrides, n)
        print(f"{label}: {n} frames from week 0")
        print(summary("model step + snapshot (worker)", times["step"]))
        print(summary("render of a frame (page)", times["render"]))
        print(summary("both (a Step click)", times["frame"]))
        share = float(np.mean(times["frame"] < TARGET_MS))
        print(f"  Step clicks under {TARGET_MS:.0f} ms (server side): {share:.1%}")


if __name__ == "__main__":
    main(sys.argv[1:])
