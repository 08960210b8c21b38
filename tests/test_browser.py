"""The explorer in a real browser (Debian's chromium via Playwright and pytest-ipywidgets).

Most tests run the app in solara-server inside the test process (``solara_app`` /
``solara_server`` fixtures); the play drill runs it as its own production-mode process
(``benchmarks.browser.serve``), so its CPU can be read after the page disconnects. Every test
fails on a console error or a traceback on the page. Screenshots go to ``test-artifacts/``;
with ``BUBBLESIM_UPDATE_DOC_IMAGES=1`` the documentation's figures in ``docs/img/`` are
refreshed too.
"""

from __future__ import annotations

import io
import os
import re
import threading
import time
import tomllib
from pathlib import Path
from urllib.parse import urlencode

import pandas as pd
import pytest

from benchmarks.browser import BIG_ECONOMY, page_errors, serve, wait_idle
from benchmarks.play_drill import drill_preset
from bubblesim.cli import main as cli_main
from bubblesim.config import flat_values
from bubblesim.scenarios import scenario_config
from tests.test_viz import FIRST_DEFAULT_WITHIN_WEEKS, first_defaulting_seed

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parent.parent
APP = ROOT / "viz" / "app.py"
ARTIFACTS = ROOT / "test-artifacts"
DOC_IMAGES = ROOT / "docs" / "img"
VIEWPORT = {"width": 1600, "height": 1000}
NARROW = {"width": 1280, "height": 900}
LOAD_MS = 60_000
UPDATE_DOCS = os.environ.get("BUBBLESIM_UPDATE_DOC_IMAGES") == "1"
CI_PLAY_S = 20.0  # per preset; two presets (issue 15: a 20-second play of two presets)


def shot(page, name: str, doc: str | None = None, full_page: bool = False) -> None:
    """A screenshot in test-artifacts/ (and in docs/img/ when asked)."""
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=full_page)
    if doc and UPDATE_DOCS:
        page.screenshot(path=str(DOC_IMAGES / doc), full_page=full_page)


@pytest.fixture(scope="module")
def offline_assets():
    """The solara front end, served from the local CDN cache (see ``viz.assets``)."""
    from viz.assets import install, missing

    if missing():
        install()


@pytest.fixture(scope="module")
def seed():
    return first_defaulting_seed("demand-slowdown")


class Console:
    """Console errors and uncaught exceptions of a page, from now until ``check``."""

    def __init__(self, page):
        self.errors: list[str] = []
        self.page = page
        page.on("console", self._console)
        page.on("pageerror", self._error)

    def _console(self, message) -> None:
        if message.type == "error":
            self.errors.append(message.text)

    def _error(self, error) -> None:
        self.errors.append(f"pageerror: {error}")

    def check(self, page) -> None:
        """Fail on a traceback on the page or any console error; stop listening."""
        page.remove_listener("console", self._console)
        page.remove_listener("pageerror", self._error)
        assert not page_errors(page), page_errors(page)
        assert not self.errors, self.errors


@pytest.fixture
def app(offline_assets, solara_app, solara_server):
    """The explorer app served in-process; yields a function that opens it in a page."""
    with solara_app(str(APP)):

        def open_page(page, query: str = "", viewport=VIEWPORT):
            page.set_viewport_size(viewport)
            page.goto("about:blank")  # the previous test's page unloads before we listen
            console = Console(page)
            page.goto(f"{solara_server.base_url}/{'?' + query if query else ''}")
            page.locator("svg.credit-network circle.node").first.wait_for(timeout=LOAD_MS)
            return console

        yield open_page


@pytest.fixture
def explorer(app, page_session):
    """The explorer loaded in a fresh page (baseline, seed 0)."""
    console = app(page_session)
    yield page_session
    console.check(page_session)


def week_of(page) -> int:
    return int(page.locator(".week-counter").first.inner_text())


def wait_for_week(page, week: int) -> None:
    page.locator(".week-counter", has_text=re.compile(rf"^{week}$")).wait_for(timeout=LOAD_MS)


def wait_for_week_at_least(page, week: int) -> None:
    page.wait_for_function(
        f"parseInt(document.querySelector('.week-counter').textContent) >= {week}",
        timeout=120_000,
    )


def tab(page, name: str) -> None:
    page.locator(".explorer-tabs").get_by_role("button", name=name).click()
    page.locator(f".tab-{name.lower().replace(' ', '-')}").wait_for(timeout=LOAD_MS)


def set_speed(page, fastest: bool) -> None:
    speed = page.locator(".speed-control [role=slider]")
    speed.focus()
    speed.press("End" if fastest else "Home")
    page.get_by_text(f"speed, weeks per frame: {52 if fastest else 1}").wait_for(timeout=LOAD_MS)


def play_to_first_default(page) -> None:
    page.get_by_label("pause when an agent defaults").check()
    set_speed(page, fastest=True)
    page.get_by_role("button", name="Play").click()
    timeline = page.locator(".default-count", has_text=re.compile(r"^[1-9]"))
    timeline.wait_for(timeout=120_000)
    page.get_by_role("button", name="Play").wait_for(timeout=LOAD_MS)  # paused on the default


# -- play ----------------------------------------------------------------------------------------
def test_a_default_lights_up_the_network_the_tree_and_the_books(app, page_session, seed):
    page = page_session
    console = app(page, f"scenario=demand-slowdown&seed={seed}")
    play_to_first_default(page)
    assert week_of(page) <= FIRST_DEFAULT_WITHIN_WEEKS
    assert "defaulted" in page.locator(".explorer-notice").first.inner_text()
    defaulted = page.locator("svg.credit-network circle.node-defaulted")
    assert defaulted.count() >= 1
    name = defaulted.first.get_attribute("data-name")
    tab(page, "Cascade")
    row = page.locator(".timeline-table td", has_text=re.compile(rf"^{re.escape(name)}$"))
    row.first.wait_for(timeout=LOAD_MS)
    table = page.locator(".timeline-table").first.inner_text()
    assert "exposed to" in table or "triggered by" in table  # each default's honest relation
    rule = page.locator(".verdict-rule").first.inner_text()
    assert rule.startswith("Rule:")
    assert "within one 52-week window" in rule
    assert "credit asked of them" in rule
    page.locator(f".cascade-tree .tree-default[data-name='{name}']").wait_for(timeout=LOAD_MS)
    shot(page, "explorer-first-default")

    defaulted.first.click()  # selecting the node opens its books, as they stood at default
    page.locator("h3.agent-title", has_text=name).wait_for(timeout=LOAD_MS)
    page.locator("svg.credit-network .selected-ring").wait_for(timeout=LOAD_MS)
    assert "Defaulted in week" in page.locator(".agent-head").inner_text()
    assert "as they stood at default" in page.locator(".agent-books").inner_text()
    page.get_by_label("pause when an agent defaults").uncheck()
    week = week_of(page)
    for year in (1, 2, 3):  # three more years, for a picture of the cascade as it spreads
        page.get_by_role("button", name="+52 weeks").click()
        wait_for_week(page, week + 52 * year)
    tab(page, "Charts")
    shot(page, "explorer-later", "explorer.png")
    shot(page, "explorer-full", full_page=True)
    console.check(page)


def _ci_play(browser, base_url: str, pid: int, presets: tuple[str, ...], query: dict) -> None:
    context = browser.new_context(viewport=NARROW)
    page = context.new_page()
    try:
        for k, scenario in enumerate(presets):  # the last page closes while still playing
            last = k == len(presets) - 1
            stats = drill_preset(page, base_url, scenario, CI_PLAY_S, query, pause_at_end=not last)
            assert not stats["errors"], stats
            assert stats["weeks shown"] > 0, stats
    finally:
        context.close()
    idle = wait_idle(pid, limit_s=10.0)
    assert idle is not None, "the server was still busy 10 s after the page disconnected"


def test_playing_two_presets_never_breaks_the_page(browser):
    with serve() as (base_url, pid):
        _ci_play(browser, base_url, pid, ("demand-slowdown", "2022-redux"), {})


def test_the_loop_stops_when_the_page_closes(app, browser):
    context = browser.new_context(viewport=VIEWPORT)
    page = context.new_page()
    app(page)
    page.get_by_role("button", name="Play").click()
    page.locator(".week-counter", has_text=re.compile(r"^[1-9]")).wait_for(timeout=LOAD_MS)
    assert [t for t in threading.enumerate() if t.name == "bubblesim-play"]
    context.close()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if not [t for t in threading.enumerate() if t.name == "bubblesim-play"]:
            break
        time.sleep(0.2)
    assert not [t for t in threading.enumerate() if t.name == "bubblesim-play"]


def test_a_many_seeds_job_stops_when_its_page_closes(app, browser):
    from viz.engine import DISCONNECT_GRACE_S

    def running() -> list:
        return [t for t in threading.enumerate() if t.name == "bubblesim-seeds"]

    context = browser.new_context(viewport=VIEWPORT)
    page = context.new_page()
    app(page, "scenario=demand-slowdown")
    tab(page, "Many seeds")
    n = page.get_by_label("N seeds")
    n.fill("200")
    n.press("Enter")
    page.get_by_role("button", name="Run N seeds").click()
    page.locator(".seeds-summary", has_text="status: running").wait_for(timeout=LOAD_MS)
    assert running()
    context.close()
    deadline = time.monotonic() + DISCONNECT_GRACE_S + 10
    while running() and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not running()


# -- scrub ---------------------------------------------------------------------------------------
def test_the_week_slider_replays_a_past_week(explorer):
    page = explorer
    page.get_by_role("button", name="+52 weeks").click()
    wait_for_week(page, 52)
    slider = page.locator(".week-scrubber [role=slider]")
    slider.focus()
    for _ in range(12):
        slider.press("ArrowLeft")
    wait_for_week(page, 40)
    assert "replay: the run is at week 52" in page.locator(".status").inner_text()
    page.locator(".network-title", has_text="week 40:").wait_for(timeout=LOAD_MS)
    page.get_by_role("button", name="Step").click()  # replays the next stored week
    wait_for_week(page, 41)
    slider.focus()
    slider.press("End")
    wait_for_week(page, 52)
    assert "replay" not in page.locator(".status").inner_text()


# -- compare -------------------------------------------------------------------------------------
def test_compare_a_pinned_run_with_another_seed(explorer):
    page = explorer
    page.get_by_role("button", name="+52 weeks").click()
    wait_for_week(page, 52)
    seed_field = page.get_by_label("seed")
    seed_field.fill("5")
    seed_field.press("Enter")
    page.locator(".pending-change").wait_for(timeout=LOAD_MS)  # mid-run: it asks first
    page.get_by_role("button", name="Pin this run, then restart").click()
    page.get_by_text("baseline, seed 5: week").wait_for(timeout=LOAD_MS)
    page.get_by_role("button", name="+52 weeks").click()
    wait_for_week(page, 52)
    tab(page, "Compare")
    diff = page.locator("table.param-diff")
    diff.wait_for(timeout=LOAD_MS)
    assert re.search(r"seed\s+0\s+5", diff.inner_text())
    page.locator("svg.pinned-network").wait_for(timeout=LOAD_MS)
    page.locator("svg.live-network").wait_for(timeout=LOAD_MS)
    assert "pinned (week 52)" in page.locator(".tab-compare .verdict-legs").inner_text()
    assert page.locator(".tab-compare svg.charts polyline[stroke-dasharray]").count() >= 9
    shot(page, "explorer-compare", "explorer-compare.png", full_page=True)


# -- tree click and drill-down -------------------------------------------------------------------
def test_clicking_the_cascade_tree_opens_the_agents_drill_down(app, page_session, seed):
    page = page_session
    console = app(page, f"scenario=demand-slowdown&seed={seed}")
    play_to_first_default(page)
    page.get_by_label("pause when an agent defaults").uncheck()
    page.get_by_role("button", name="+52 weeks").click()
    page.get_by_role("button", name="Play").wait_for(timeout=LOAD_MS)
    tab(page, "Cascade")
    node = page.locator(".cascade-tree .tree-default").first
    name = node.get_attribute("data-name")
    shot(page, "explorer-cascade-tree", "explorer-cascade-tree.png", full_page=True)
    node.click()
    page.locator(".tab-agents h3.agent-title", has_text=name).wait_for(timeout=LOAD_MS)
    assert page.locator(".agent-history svg polyline").count() >= 3
    books = page.locator(".agent-books").inner_text()
    assert "Contracts (" in books
    assert "Loans (" in books
    assert "Exposed to (" in page.locator(".agent-exposures").inner_text()
    console.check(page)


def test_the_agent_picker_opens_books_with_counterparties(explorer):
    page = explorer
    page.get_by_role("button", name="Step").click()
    wait_for_week(page, 1)
    page.get_by_label("selected agent").click(force=True)
    page.get_by_role("option", name="CoreWeave", exact=True).click()
    page.locator("h3.agent-title", has_text="CoreWeave").wait_for(timeout=LOAD_MS)
    contracts = page.locator("table.agent-contracts")
    assert contracts.count() == 1
    text = contracts.inner_text()
    assert "counterparty" in text
    assert "Microsoft" in text or "OpenAI" in text
    assert page.locator("table.agent-loans").count() == 1
    shot(page, "explorer-agent", "explorer-agent.png", full_page=True)


# -- many seeds ----------------------------------------------------------------------------------
def test_many_seeds_fill_in_and_cancel(app, page_session):
    page = page_session
    console = app(page, "scenario=demand-slowdown&horizon=40")
    tab(page, "Many seeds")
    n = page.get_by_label("N seeds")
    n.fill("4")
    n.press("Enter")
    page.get_by_role("button", name="Run N seeds").click()
    summary = page.locator(".seeds-summary")
    summary.get_by_text(re.compile(r"4 of 4 runs done")).wait_for(timeout=180_000)
    text = summary.inner_text()
    assert "status: done" in text
    assert "95% Wilson interval" in text
    assert page.locator("svg.seed-legs g.histogram").count() == 6  # 4 legs + severity, legs met
    shot(page, "explorer-many-seeds", "explorer-many-seeds.png", full_page=True)
    n.fill("200")
    n.press("Enter")
    page.get_by_role("button", name="Run N seeds").click()
    page.locator(".seeds-summary", has_text="status: running").wait_for(timeout=LOAD_MS)
    filling = page.locator(".seeds-summary", has_text=re.compile(r"\b[1-9]\d* of 200 runs done"))
    filling.wait_for(timeout=LOAD_MS)  # the interval fills in while the job runs
    text = summary.inner_text()
    assert "status: running" in text
    assert "95% Wilson interval" in text
    page.get_by_role("button", name="Cancel").click()
    page.locator(".seeds-summary", has_text="status: cancelled").wait_for(timeout=LOAD_MS)
    console.check(page)


# -- export and links ----------------------------------------------------------------------------
def _download(page, key: str) -> bytes:
    with page.expect_download(timeout=LOAD_MS) as info:
        page.locator(f".download-{key}").get_by_role("button").click()
    return Path(info.value.path()).read_bytes()


def test_exports_hold_the_run_on_screen(app, page_session, tmp_path):
    page = page_session
    console = app(page, "scenario=btc-crash&seed=2&btc_crash_depth=0.6")
    page.get_by_role("button", name="+52 weeks").click()
    wait_for_week(page, 52)
    tab(page, "Export")
    series = pd.read_csv(io.BytesIO(_download(page, "series-csv")), index_col="week")
    assert series.index.tolist() == list(range(53))
    assert "btc_price_usd" in series
    events = pd.read_parquet(io.BytesIO(_download(page, "events-parquet")))
    assert (events["week"] <= 52).all()
    assert len(events) > 0
    text = _download(page, "scenario-toml").decode("utf-8")
    assert tomllib.loads(text)["overrides"]["btc_crash_depth"] == 0.6
    path = tmp_path / "exported.toml"
    path.write_text(text, encoding="utf-8")
    expected = flat_values(scenario_config("btc-crash", {"btc_crash_depth": 0.6}))
    assert flat_values(scenario_config(str(path))) == expected
    for key in ("charts-png", "network-png"):
        assert _download(page, key)[:8] == b"\x89PNG\r\n\x1a\n"
    as_parquet = pd.read_parquet(io.BytesIO(_download(page, "series-parquet")))
    assert as_parquet["btc_price_usd"].tolist() == pytest.approx(series["btc_price_usd"].tolist())
    as_csv = pd.read_csv(io.BytesIO(_download(page, "events-csv")))
    assert as_csv["week"].tolist() == events["week"].tolist()
    out = tmp_path / "run"  # the exported scenario runs from the command line as it is
    assert (
        cli_main(
            [
                "run",
                "--scenario",
                str(path),
                "--steps",
                "2",
                "--out",
                str(out),
                "--quiet",
                "--no-plot",
            ]
        )
        == 0
    )
    console.check(page)


def test_a_link_reopens_the_same_run(app, page_session, browser):
    page = page_session
    console = app(page, "scenario=btc-crash&seed=3&horizon=100")
    slider = page.locator(".param-slider", has_text="rate_shock_bp").locator("[role=slider]")
    slider.focus()
    for _ in range(5):
        slider.press("ArrowRight")
    page.wait_for_url(re.compile(r"rate_shock_bp="), timeout=LOAD_MS)
    url = page.url
    assert "scenario=btc-crash" in url
    assert "seed=3" in url
    assert "horizon=100" in url
    bp = re.search(r"rate_shock_bp=([0-9.]+)", url).group(1)
    page.get_by_role("button", name="+52 weeks").click()
    wait_for_week(page, 52)
    title = page.locator(".network-title").text_content()
    context = browser.new_context(viewport=VIEWPORT)
    try:
        other = context.new_page()
        Console(other)
        other.goto(url)
        other.locator("svg.credit-network circle.node").first.wait_for(timeout=LOAD_MS)
        assert other.get_by_text("btc-crash, seed 3: week").count() == 1
        assert "of 100" in other.locator(".status").inner_text()
        label = other.locator(".param-slider", has_text="rate_shock_bp").inner_text()
        assert f"{float(bp):,.4g}" in label
        other.get_by_role("button", name="+52 weeks").click()
        wait_for_week(other, 52)
        assert other.locator(".network-title").text_content() == title  # the same run
    finally:
        context.close()
    console.check(page)


# -- layout, sessions, errors --------------------------------------------------------------------
def test_the_page_fits_1280_pixels(app, page_session, seed):
    page = page_session
    console = app(page, f"scenario=demand-slowdown&seed={seed}", viewport=NARROW)
    page.get_by_role("button", name="+52 weeks").click()
    wait_for_week(page, 52)
    for name in ("Charts", "Cascade", "Agents", "Compare", "Many seeds", "Export"):
        tab(page, name)
        overflow = page.evaluate(
            "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 0, f"{name}: {overflow} px wider than the window"
        for selector in (".status", "svg.credit-network", ".verdict-card", ".explorer-tabs"):
            box = page.locator(selector).first.bounding_box()
            assert box is not None, selector
            assert box["x"] + box["width"] <= NARROW["width"] + 1, selector
    tab(page, "Charts")
    shot(page, "explorer-1280", "explorer-1280.png")
    console.check(page)


def test_two_sessions_do_not_share_a_model(explorer, browser, solara_server):
    first = explorer
    first.get_by_role("button", name="+52 weeks").click()
    wait_for_week(first, 52)
    context = browser.new_context(viewport=VIEWPORT)
    try:
        second = context.new_page()
        second.goto(solara_server.base_url + "/")
        second.locator("svg.credit-network circle.node").first.wait_for(timeout=LOAD_MS)
        assert week_of(second) == 0
        second.get_by_role("button", name="Step").click()
        wait_for_week(second, 1)
        assert week_of(first) == 52
        second.screenshot(path=str(ARTIFACTS / "explorer-second-session.png"))
    finally:
        context.close()


def test_an_invalid_value_shows_a_message_that_clears(explorer):
    page = explorer
    page.get_by_label("search parameters (name, unit, description)").fill("initial revenue")
    field = page.get_by_label(re.compile(r"^demand_initial_revenue_usd_per_year"))
    field.fill("-5")
    field.press("Enter")
    alert = page.locator(".explorer-error").first
    alert.wait_for(timeout=LOAD_MS)
    assert "demand_initial_revenue_usd_per_year" in alert.inner_text()
    assert "Traceback" not in page.locator("body").inner_text()
    page.get_by_role("button", name="Step").click()  # the server and the old model still work
    wait_for_week(page, 1)
    page.locator(".explorer-error").first.wait_for(state="detached", timeout=LOAD_MS)


def test_a_1000_agent_economy_plays(app, page_session):
    page = page_session
    console = app(page, urlencode({"scenario": "demand-slowdown", **BIG_ECONOMY}))
    page.get_by_role("button", name="Play").click()
    wait_for_week_at_least(page, 8)
    page.get_by_role("button", name="Pause").click()
    page.get_by_role("button", name="Play").wait_for(timeout=LOAD_MS)
    assert page.locator("svg.credit-network circle.node").count() >= 1000
    shot(page, "explorer-1000-agents", "explorer-1000-agents.png")
    console.check(page)


def test_the_sweep_page_reads_folders_under_the_results_root(
    offline_assets, solara_app, solara_server, page_session, tmp_path, monkeypatch
):
    from bubblesim.sweep import run_sweep
    from tests.test_viz import GRID

    (tmp_path / "grid.toml").write_text(GRID, encoding="utf-8")
    run_sweep(tmp_path / "grid.toml", tmp_path / "grid", workers=1, progress=False)
    monkeypatch.setenv("BUBBLESIM_RESULTS_ROOT", str(tmp_path))
    page = page_session
    with solara_app(str(APP)):
        page.set_viewport_size(VIEWPORT)
        page.goto("about:blank")
        console = Console(page)
        page.goto(solara_server.base_url + "/sweep")
        field = page.get_by_label(re.compile(r"^sweep folder"))
        field.fill("/etc")
        field.press("Enter")
        page.get_by_text("outside the results root").wait_for(timeout=LOAD_MS)
        field.fill("grid")
        field.press("Enter")
        page.get_by_text("tiny_grid: grid design, 8 finished runs").wait_for(timeout=LOAD_MS)
        page.locator("img").first.wait_for(timeout=LOAD_MS)
        shot(page, "sweep-page", "sweep-page.png")
        console.check(page)
