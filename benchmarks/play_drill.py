"""The play drill: every preset played in real Chromium, looking for any traceback or console error.

For each preset (and each economy size), a fresh page plays for ``--seconds`` seconds in four
equal parts: the fastest speed and speed 1, each without and with pause-on-default. Whenever
play stops (a default, the horizon), the drill presses Play again (Reset first at the horizon);
while playing it clicks nodes now and then, so user renders overlap the frames. The page then
closes, and the drill waits until the server's process tree uses less than 5% of a core, for at
most 10 s.

Run: ``python -m benchmarks.play_drill [--seconds 60] [--sizes 22,1000] [--presets a,b]``.
The browser tests run a short version (``tests/test_browser.py``).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import time
from pathlib import Path
from urllib.parse import urlencode

from playwright.sync_api import TimeoutError as PlaywrightTimeout

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.browser import (
    BIG_ECONOMY,
    PAINT_PROBE,
    launch,
    open_explorer,
    page_errors,
    paints,
    serve,
    wait_idle,
)

MODES = ((True, False), (False, False), (True, True), (False, True))
"""(fastest speed, pause when an agent defaults) of the four parts of a drill."""
POLL_S = 0.25
CLICK_EVERY = 8  # polls between node clicks while playing


def _set_mode(page, fastest: bool, pause_on_default: bool) -> None:
    button = page.locator("button.play-button")
    if button.inner_text().strip().lower() == "pause":
        try:
            button.click(timeout=5_000)
        except PlaywrightTimeout:
            # the run reached the horizon between reading "Pause" and clicking: the button
            # now reads Play and is disabled, which is right; anything else is a hang
            if button.is_enabled() or button.inner_text().strip().lower() != "play":
                raise
        page.locator("button.play-button", has_text=re.compile("play", re.I)).wait_for()
    speed = page.locator(".speed-control [role=slider]")
    speed.focus()
    speed.press("End" if fastest else "Home")
    page.get_by_label("pause when an agent defaults").set_checked(pause_on_default)


def _week_and_horizon(page) -> tuple[int, int]:
    text = page.locator(".status").inner_text()
    found = re.search(r"week (\d[\d,]*) of (\d[\d,]*)", text)
    if not found:
        return 0, 1
    return int(found.group(1).replace(",", "")), int(found.group(2).replace(",", ""))


def drill_preset(
    page, base_url: str, scenario: str, seconds: float, extra: dict, pause_at_end: bool = True
) -> dict:
    """Play one preset for ``seconds`` in the four modes; what happened.

    With ``pause_at_end`` False the page is left playing, so that closing it next tests the
    server's cleanup of a loop that is still running.

    Returns:
        ``scenario``, ``weeks shown`` (painted updates), ``resumes``, ``resets``, ``clicks``
        and ``errors`` (console errors, uncaught exceptions, tracebacks on the page).
    """
    errors: list[str] = []

    def on_console(message) -> None:
        if message.type == "error":
            errors.append(message.text)

    def on_error(error) -> None:
        errors.append(f"pageerror: {error}")

    page.on("console", on_console)
    page.on("pageerror", on_error)
    open_explorer(page, base_url, urlencode({"scenario": scenario, **extra}))
    page.evaluate(PAINT_PROBE)
    stats = {"scenario": scenario, "resumes": 0, "resets": 0, "clicks": 0}
    polls = 0
    for fastest, pause_on_default in MODES:
        _set_mode(page, fastest, pause_on_default)
        end = time.monotonic() + seconds / len(MODES)
        while time.monotonic() < end and not errors:
            shown = page_errors(page)
            if shown:
                errors += shown
                break
            button = page.locator("button.play-button")
            if button.inner_text().strip().lower() == "play":
                week, horizon = _week_and_horizon(page)
                # Play is disabled exactly when the run stands at the horizon; the sidebar may
                # repaint before the status line does, so the button is the one to trust.
                if week >= horizon or not button.is_enabled():
                    page.get_by_role("button", name="Reset").click()
                    stats["resets"] += 1
                button.click()
                stats["resumes"] += 1
            elif polls % CLICK_EVERY == 0:
                nodes = page.locator("svg.credit-network circle.node")
                count = nodes.count()
                if count:
                    nodes.nth(polls % count).click(force=True, timeout=5_000)
                    stats["clicks"] += 1
            polls += 1
            time.sleep(POLL_S)
    button = page.locator("button.play-button")
    playing = button.inner_text().strip().lower() == "pause"
    if playing == pause_at_end:  # pause it, or play it again to leave it playing
        button.click()
    errors += page_errors(page)
    stats["weeks shown"] = len(paints(page))
    stats["errors"] = errors
    page.remove_listener("console", on_console)
    page.remove_listener("pageerror", on_error)
    return stats


def main(argv: list[str] | None = None) -> int:
    """Run the drill; print one line per preset and a JSON summary. Exit 1 on any failure."""
    from playwright.sync_api import sync_playwright

    from viz.catalog import preset_names

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60.0, help="play time per preset")
    parser.add_argument("--sizes", default="22,1000", help="economies: 22 (default), 1000")
    parser.add_argument("--presets", default=",".join(preset_names()))
    args = parser.parse_args(argv)
    results, failed = [], False
    started = time.perf_counter()
    with serve() as (base_url, pid), sync_playwright() as p:
        browser = launch(p)
        for size in args.sizes.split(","):
            extra = BIG_ECONOMY if size.strip() == "1000" else {}
            for scenario in args.presets.split(","):
                context = browser.new_context(viewport={"width": 1280, "height": 900})
                page = context.new_page()
                t0 = time.perf_counter()
                try:
                    stats = drill_preset(page, base_url, scenario, args.seconds, extra)
                except Exception as err:  # a stuck page is a failure of the drill, not a crash
                    stats = {"scenario": scenario, "errors": [f"drill: {err!r}"]}
                context.close()
                stats["agents"] = size
                stats["seconds"] = round(time.perf_counter() - t0, 1)
                stats["idle after close, s"] = wait_idle(pid, limit_s=10.0)
                stats["load average"] = round(os.getloadavg()[0], 2)
                failed |= bool(stats["errors"]) or stats["idle after close, s"] is None
                results.append(stats)
                print(json.dumps(stats), flush=True)
        browser.close()
    print(
        json.dumps(
            {
                "runs": len(results),
                "failed": failed,
                "minutes": (time.perf_counter() - started) / 60,
            }
        )
    )
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
