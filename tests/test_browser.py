"""The explorer in a real browser (Debian's chromium via Playwright and pytest-ipywidgets).

The app runs in solara-server inside the test process (``solara_app`` / ``solara_server``
fixtures); screenshots go to ``test-artifacts/``. With ``BUBBLESIM_UPDATE_DOC_IMAGES=1`` the
documentation's figure ``docs/img/explorer.png`` is refreshed too.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from tests.test_viz import FIRST_DEFAULT_WITHIN_WEEKS, first_defaulting_seed

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parent.parent
APP = ROOT / "viz" / "app.py"
ARTIFACTS = ROOT / "test-artifacts"
DOC_IMAGE = ROOT / "docs" / "img" / "explorer.png"
VIEWPORT = {"width": 1600, "height": 1000}
LOAD_MS = 60_000


@pytest.fixture(scope="module")
def offline_assets():
    """The solara front end, served from the local CDN cache (see ``viz.assets``)."""
    from viz.assets import install, missing

    if missing():
        install()


@pytest.fixture
def explorer(offline_assets, solara_app, solara_server, page_session):
    """The explorer loaded in a fresh page."""
    with solara_app(str(APP)):
        page_session.set_viewport_size(VIEWPORT)
        page_session.goto(solara_server.base_url + "/")
        page_session.locator("svg.credit-network").wait_for(timeout=LOAD_MS)
        yield page_session


def week_of(page) -> int:
    return int(page.locator(".week-counter").first.inner_text())


def wait_for_week(page, week: int) -> None:
    page.locator(".week-counter", has_text=re.compile(rf"^{week}$")).wait_for(timeout=LOAD_MS)


def pick_scenario(page, name: str) -> None:
    page.get_by_role("combobox").filter(has_text="baseline").first.click()
    page.get_by_role("option", name=name, exact=True).click()
    page.get_by_text(f"{name}, seed 0: week").wait_for(timeout=LOAD_MS)


def test_a_default_lights_up_the_network_and_the_event_log(explorer):
    page = explorer
    seed = first_defaulting_seed("demand-slowdown")
    pick_scenario(page, "demand-slowdown")
    if seed != 0:
        seed_field = page.get_by_label("seed")
        seed_field.fill(str(seed))
        seed_field.press("Enter")
        page.get_by_text(f"demand-slowdown, seed {seed}: week").wait_for(timeout=LOAD_MS)
    page.get_by_label("pause when an agent defaults").check()
    speed = page.locator(".speed-control [role=slider]")
    speed.focus()
    speed.press("End")  # the fastest speed: the play loop still stops at the first default
    page.get_by_text("speed, weeks per frame: 52").wait_for(timeout=LOAD_MS)
    page.get_by_role("button", name="Play").click()
    timeline = page.locator(".cascade-timeline")
    timeline.get_by_text(re.compile(r"Defaults so far: [1-9]")).wait_for(timeout=120_000)
    page.get_by_role("button", name="Play").wait_for(timeout=LOAD_MS)  # paused on the default
    assert week_of(page) <= FIRST_DEFAULT_WITHIN_WEEKS

    defaulted = page.locator("svg.credit-network circle.node-defaulted")
    assert defaulted.count() >= 1
    name = defaulted.first.get_attribute("data-name")
    assert timeline.locator("td", has_text=re.compile(rf"^{re.escape(name)}$")).count() >= 1

    defaulted.first.click()  # selecting the node opens its books
    page.locator("h3", has_text=name).wait_for(timeout=LOAD_MS)
    page.locator("svg.credit-network .selected-ring").wait_for(timeout=LOAD_MS)

    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "explorer-first-default.png"))
    page.get_by_label("pause when an agent defaults").uncheck()
    week = week_of(page)
    for year in (1, 2, 3):  # three more years, for a picture of the cascade as it spreads
        page.get_by_role("button", name="+52 weeks").click()
        wait_for_week(page, week + 52 * year)
    page.screenshot(path=str(ARTIFACTS / "explorer-later.png"))
    if os.environ.get("BUBBLESIM_UPDATE_DOC_IMAGES") == "1":
        page.screenshot(path=str(DOC_IMAGE))
    page.screenshot(path=str(ARTIFACTS / "explorer-full.png"), full_page=True)


def test_two_sessions_do_not_share_a_model(explorer, browser, solara_server):
    first = explorer
    first.get_by_role("button", name="+52 weeks").click()
    wait_for_week(first, 52)
    context = browser.new_context(viewport=VIEWPORT)
    try:
        second = context.new_page()
        second.goto(solara_server.base_url + "/")
        second.locator("svg.credit-network").wait_for(timeout=LOAD_MS)
        assert week_of(second) == 0
        second.get_by_role("button", name="Step").click()
        wait_for_week(second, 1)
        assert week_of(first) == 52
        second.screenshot(path=str(ARTIFACTS / "explorer-second-session.png"))
    finally:
        context.close()


def test_an_invalid_value_shows_a_message_not_a_traceback(explorer):
    page = explorer
    page.get_by_label("show all parameters").check()
    field = page.get_by_label(re.compile(r"^demand_initial_revenue_usd_per_year"))
    field.fill("-5")
    field.press("Enter")
    alert = page.locator(".explorer-error").first
    alert.wait_for(timeout=LOAD_MS)
    assert "demand_initial_revenue_usd_per_year" in alert.inner_text()
    assert "Traceback" not in page.locator("body").inner_text()
    page.get_by_role("button", name="Step").click()  # the server and the old model still work
    wait_for_week(page, 1)
