"""Helpers for driving the explorer in real Chromium: a server process, probes, CPU readings.

Used by ``benchmarks/bench_browser.py`` (frame times from click or tick to paint),
``benchmarks/play_drill.py`` (long plays of every preset) and the browser tests.

- :func:`serve` starts ``solara run viz/app.py --production`` as its own process (as
  ``bubblesim ui`` does, without telemetry or a version check), so the numbers include nothing
  of the measuring process.
- :data:`PAINT_PROBE` records, in the page, the time of every paint that shows a new week
  (a ``MutationObserver`` on the week counter, stamped in the next animation frame, which
  runs just before the paint) and the time of every click on a button.
- :func:`tree_cpu_s` reads the CPU time of a process and its children from ``/proc``.
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
APP = ROOT / "viz" / "app.py"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
LOAD_MS = 60_000
BIG_ECONOMY = {"population_kind": "synthetic", "population_n_agents": 1000}

PAINT_PROBE = """() => {
  if (window.__probe) { return; }
  const probe = window.__probe = { paints: [], clicks: [] };
  let last = null;
  const look = () => {
    const el = document.querySelector('.week-counter');
    if (!el) { return; }
    const week = parseInt(el.textContent);
    if (week === last) { return; }
    last = week;
    const clock = document.querySelector('.frame-clock');
    const serverMs = clock ? parseFloat(clock.dataset.serverMs || 'NaN') : NaN;
    requestAnimationFrame((t) => probe.paints.push([t, week, serverMs]));
  };
  new MutationObserver(look).observe(document.body,
    { subtree: true, childList: true, characterData: true });
  document.addEventListener('click', (e) => {
    const button = e.target.closest('button');
    if (button) { probe.clicks.push([performance.now(), button.innerText.trim()]); }
  }, true);
  look();
}"""

ERROR_PROBE = """() => document.body.innerText"""


def free_port() -> int:
    """A free TCP port on the loopback interface."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def serve(
    port: int | None = None, env: dict[str, str] | None = None, root: Path = ROOT
) -> Iterator[tuple[str, int]]:
    """Run the explorer in production mode in its own process; yield (base URL, pid).

    ``root`` is the checkout whose ``viz/app.py`` (and packages) run: another worktree serves
    an older version for a before/after comparison with the same measurements.
    """
    port = port or free_port()
    app = Path(root) / APP.relative_to(ROOT)
    cmd = [sys.executable, "-m", "solara", "run", str(app), "--production", "--no-check-version"]
    cmd += ["--host", "127.0.0.1", "--port", str(port)]
    proc = subprocess.Popen(
        cmd,
        cwd=root,
        env={**os.environ, "SOLARA_TELEMETRY_MIXPANEL_ENABLE": "false", **(env or {})},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.5):
                break
            if proc.poll() is not None:
                raise RuntimeError(f"the server stopped: {proc.stderr.read()[-2000:]}")
            time.sleep(0.2)
        yield f"http://127.0.0.1:{port}", proc.pid
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()


def launch(playwright):
    """Debian's chromium, headless, with nothing that downloads."""
    return playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)


def _children(pid: int) -> list[int]:
    out = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", encoding="ascii") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            out.append(int(entry))
    return out


def tree_cpu_s(pid: int) -> float:
    """CPU seconds (user + system) used so far by a process and its living descendants."""
    total, todo = 0.0, [pid]
    tick = os.sysconf("SC_CLK_TCK")
    while todo:
        p = todo.pop()
        try:
            with open(f"/proc/{p}/stat", encoding="ascii") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / tick
        todo += _children(p)
    return total


def cpu_share(pid: int, seconds: float = 1.0) -> float:
    """Cores used by a process tree over the next ``seconds`` (0.5 = half a core)."""
    before, t0 = tree_cpu_s(pid), time.monotonic()
    time.sleep(seconds)
    return (tree_cpu_s(pid) - before) / (time.monotonic() - t0)


def wait_idle(pid: int, *, limit_s: float = 10.0, below: float = 0.05) -> float | None:
    """Seconds until the process tree uses less than ``below`` of a core over one second.

    Returns:
        The seconds waited, or None if it was still busy after ``limit_s``.
    """
    start = time.monotonic()
    while time.monotonic() - start < limit_s:
        if cpu_share(pid, 1.0) < below:
            return time.monotonic() - start
    return None


def open_explorer(page, base_url: str, query: str = "", timeout_ms: int = LOAD_MS) -> float:
    """Load the explorer and wait until it is usable; return the seconds that took."""
    start = time.perf_counter()
    page.goto(f"{base_url}/{'?' + query if query else ''}")
    page.locator("svg.credit-network circle.node").first.wait_for(timeout=timeout_ms)
    page.locator("button.play-button:not([disabled])").wait_for(timeout=timeout_ms)
    return time.perf_counter() - start


def week_of(page) -> int:
    """The week on screen."""
    return int(page.locator(".week-counter").first.inner_text())


def paints(page) -> list[tuple[float, int, float]]:
    """(time ms, week, server ms of the previous frame) of every paint of a new week so far."""
    return [tuple(p) for p in page.evaluate("window.__probe.paints")]


def clicks(page) -> list[tuple[float, str]]:
    """(time ms, button text) of every button click so far."""
    return [tuple(c) for c in page.evaluate("window.__probe.clicks")]


def page_errors(page) -> list[str]:
    """Tracebacks or render-loop errors shown on the page."""
    text = page.evaluate(ERROR_PROBE)
    return [m for m in ("Traceback", "Too many renders", "RuntimeError") if m in text]
