"""Shared test configuration: Hypothesis profiles and the browser-test fixtures.

Under ``CI=true`` Hypothesis runs derandomised (the same examples on every machine and every
run, no example database), so CI is reproducible; locally it explores new examples each run.

Playwright cannot download its own browsers here, so the launch points at /usr/bin/chromium;
tests marked ``browser`` are skipped (with the reason) only where that binary is missing.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import settings

from benchmarks.browser import CHROMIUM as BROWSER_PATH
from benchmarks.browser import CHROMIUM_ARGS

settings.register_profile("ci", derandomize=True, database=None, print_blob=True)
if os.environ.get("CI", "").lower() == "true":
    settings.load_profile("ci")

CHROMIUM = Path(BROWSER_PATH)


def pytest_configure(config):
    """No usage telemetry from the in-process solara-server of the browser tests."""
    try:
        from solara.server import settings as solara_settings
    except ImportError:  # solara is an optional extra
        return
    solara_settings.telemetry.mixpanel_enable = False


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    """pytest-playwright's launch options, pointed at Debian's chromium."""
    return {
        **browser_type_launch_args,
        "executable_path": str(CHROMIUM),
        "args": CHROMIUM_ARGS,
        "headless": True,
    }


def pytest_collection_modifyitems(config, items):
    """Skip the real-browser tests where Debian's chromium is not installed."""
    if CHROMIUM.exists():
        return
    skip = pytest.mark.skip(reason=f"no {CHROMIUM}: install it with `make chromium`")
    for item in items:
        if "browser" in item.keywords:
            item.add_marker(skip)
