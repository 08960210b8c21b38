"""Time per explorer frame: one model step plus the re-render of every view.

A frame is what the play loop does at speed 1: ``Explorer.step(1)`` advances the model one
week and bumps the version, which re-renders the status line, the network, the verdict, the
charts, the cascade timeline and the balance-sheet table (``viz.app.ExplorerViews``, rendered
in-process with ``solara.render``, as solara-server does before sending widget updates). The
JSON encoding of the widget state that changes each frame (network traits, chart SVG, timeline
and table) is timed on top, as an estimate of what the server spends sending the frame.

Economies: the default one (22 agents, ``demand-slowdown``) and a 1,000-agent synthetic one
(``population_kind="synthetic", population_n_agents=1000``). Each frame is split into the model
step and the render, each timed on its own, with the explorer paused (every view recomputes
each frame) and playing (a large economy refreshes network, table and timeline every 4 weeks).

Run: ``python -m benchmarks.bench_frame [--frames N]``. Numbers, not a pass/fail test.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

import numpy as np
import solara

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from viz.app import ExplorerViews
from viz.network_view import NetworkWidget
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


def _walk(widget):
    yield widget
    for child in getattr(widget, "children", None) or []:
        if not isinstance(child, str):
            yield from _walk(child)


def encode_ms(root) -> float:
    """Milliseconds to JSON-encode the state of the widgets that change every frame."""
    start = time.perf_counter()
    for w in _walk(root):
        if isinstance(w, NetworkWidget):
            json.dumps({k: getattr(w, k) for k in ("nodes", "edges", "title", "ring")})
        elif getattr(w, "unsafe_innerHTML", None) or getattr(w, "template", None):
            json.dumps({"html": getattr(w, "unsafe_innerHTML", "") or str(w.template)})
        elif hasattr(w, "items") and isinstance(getattr(w, "items", None), list):
            json.dumps(w.items, default=str)
    return (time.perf_counter() - start) * 1e3


def measure(scenario: str, overrides: dict, frames: int, playing: bool) -> dict[str, np.ndarray]:
    """Step, render and encode times (ms) over ``frames`` frames from week 0.

    ``playing`` marks the explorer as playing, which lets a large economy refresh its heavy
    views every few weeks only (``viz.state.Explorer.refresh_key``); paused, every frame
    recomputes everything.
    """
    explorer = Explorer(scenario)
    for name, value in overrides.items():
        if not explorer.set_param(name, value):
            raise RuntimeError(explorer.error.value)
    _, rc = solara.render(ExplorerViews(explorer=explorer), handle_error=False)
    explorer.playing.value = playing  # only the flag: no play loop runs here
    out = {k: np.zeros(frames) for k in ("step", "render", "encode")}
    for i in range(frames):
        start = time.perf_counter()
        explorer.model.step()
        out["step"][i] = (time.perf_counter() - start) * 1e3
        start = time.perf_counter()
        explorer.version.value += 1  # what Explorer.step does after stepping
        out["render"][i] = (time.perf_counter() - start) * 1e3
        out["encode"][i] = encode_ms(rc.find().widget)
    out["frame"] = out["step"] + out["render"] + out["encode"]
    rc.close()
    return out


def summary(label: str, values: np.ndarray) -> str:
    """Median, 90th percentile and maximum of a series of milliseconds."""
    p50, p90 = np.percentile(values, [50, 90])
    return f"  {label:<28} median {p50:7.1f} ms   p90 {p90:7.1f} ms   max {values.max():7.1f} ms"


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
        for playing in (False, True):
            times = measure(scenario, overrides, n, playing)
            mode = "playing" if playing else "stepping (every view recomputed)"
            print(f"{label}, {mode}: {n} frames from week 0")
            print(summary("model step", times["step"]))
            print(summary("render of all views", times["render"]))
            print(summary("JSON encoding (estimate)", times["encode"]))
            print(summary("frame (sum)", times["frame"]))
            share = float(np.mean(times["frame"] < TARGET_MS))
            print(f"  frames under {TARGET_MS:.0f} ms: {share:.1%}")


if __name__ == "__main__":
    main(sys.argv[1:])
