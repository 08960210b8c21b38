"""Render ``docs/calibration.md`` from the code, so the tables always cover every parameter.

Run ``python docs/gen_calibration.py`` (or ``python -m docs.gen_calibration``) after changing a
parameter, a preset or the calibration results; ``--check`` exits 1 if the file is stale.

The parameter table comes from :func:`bubblesim.config.parameters` (value, unit, bounds, source,
judgment flag). The preset tables come from the shipped scenario files. The 2022 check's results
come from ``experiments/calibration_2022/results/calibration.md`` (the committed full run).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bubblesim.config import ParameterInfo, parameters  # noqa: E402
from bubblesim.scenarios import list_scenarios  # noqa: E402

OUT = ROOT / "docs" / "calibration.md"
RESULTS = ROOT / "experiments" / "calibration_2022" / "results" / "calibration.md"
REAL = ROOT / "docs" / "calibration_real.md"  # the real economy's calibration (hand-written)

#: Why, for the judgment calls whose source field is the bare word.
WHY: dict[str, str] = {
    "btc_jump_std": "jumps are off by default (intensity 0); 10% is a typical crypto jump day",
    "population_n_agents": "large enough for a heavy-tailed size distribution, fast to run",
    "population_links_per_borrower": "most borrowers in the sources have one or two lenders",
    "population_lender_capital_scale": "a stress knob: 1 = the calibrated capital",
    "credit_tightening_sensitivity": "LTV limits reach zero at half the target capital ratio, "
    "when rollovers also stop",
    "lab_contract_share": "labs lock in most compute on term deals (calib. §1–2 contract sizes)",
    "lab_cash_buffer_weeks": "about half a year of burn, as lab rounds are spaced in §2",
    "provider_forecast_horizon_weeks": "capex plans look about a year ahead",
    "sentiment_equity_threshold": "the window closes once revenue is ~30% below what investors "
    "expect (sentiment = ratio²)",
    "settlement_beta": "interbank claims lose less in default than real assets (Rogers–Veraart)",
    "verdict_credit_contraction_share": "2022 lenders 'failed or pulled back' (calib. §5): a "
    "fifth of credit supply gone counts",
}

#: Why each 2022 target has the tolerance it has (values in ``experiments.calibration_2022``).
TOLERANCE_WHY: dict[str, str] = {
    "miner_default_share": 'the count is a lower bound ("≥5") of a small population: one firm '
    "is 0.04, and the model's defaults stand for defaults *and* restructurings "
    "(https://prismnews.net/debt-ridden-bitcoin-mining-companies-struggle-to-stay-afloat-in-"
    "bear-market/)",
    "rig_loan_recovery": "the three cases are derived from rig prices of $15.7–23/TH, a ±20% "
    "range on collateral value",
    "lag_weeks": "lender events are dated to the day, miner distress by filing or "
    "announcement, which trails the economic default by weeks (calib. §5 timeline)",
    "asic_price_fall": "the model has one ASIC tier priced in proportion to hashprice; ±0.08 "
    "covers the spread between tiers and the timing of the quotes (https://www.fxstreet.com/"
    "cryptocurrencies/news/bitcoin-asic-miner-prices-hovering-at-lows-not-seen-in-years-"
    "202212270711)",
    "hashprice_fall": "the model's hashprice follows a random bitcoin path around the crash "
    "ramp; ±0.08 is the fall's shift for a ±25% error on the trough price "
    "(https://investing.com/news/cryptocurrency-news/hashrate-index-releases-2022-bitcoin-"
    "mining-year-in-review-2980525)",
}

#: Sources of the ``2022-redux`` overrides (calibration facts §4–5 with their URLs).
REDUX_SOURCES: dict[str, str] = {
    "population_kind": "the 2022 rig-loan mining economy, `bubblesim/population/miners_2022.py`",
    "btc_initial_price_usd": "judgment: BTC near $47k in the first week of 2022; with the 2022 "
    "hashprice high and the hashprice identity it gives 172 EH/s, close to the 2022 network",
    "btc_path": "the deterministic crash ramp (calib. §5)",
    "btc_crash_start_week": "the crash runs from the start of 2022",
    "btc_crash_depth": "derived: 1 − 15,787/47,000 = 0.664, the sourced trough of $15,787 "
    "(calib. §5, https://www.marketscreener.com/news/latest/Bitcoin-Lost-15-63-to-15787-53-at-"
    "5-p-m-ET-Data-Talk--42261307/)",
    "btc_crash_duration_weeks": "Jan 3 → Nov 9 2022 (the trough date of the same source)",
    "btc_block_reward_btc": "6.25 BTC until the Apr 2024 halving (calib. §4, "
    "https://www.theblock.co/post/291420/bitcoin-mining-hash-price-all-time-low-halving)",
    "btc_next_halving_week": "Apr 2024 = week 120 from 2022-01-03",
    "btc_initial_hashrate_eh_per_s": "derived: hashprice identity at $47k, 6.275 BTC/block and "
    "the 2022 high of $246.86/PH/day (calib. §5, https://investing.com/news/cryptocurrency-news/"
    "hashrate-index-releases-2022-bitcoin-mining-year-in-review-2980525)",
    "btc_hashcost_usd_per_ph_day": "derived: 32 J/TH × 24 h × $70/MWh = $54/PH/day",
    "btc_hashrate_growth_per_year": "judgment: calibrated so that on the noise-free BTC path "
    "hashprice falls 78% by week 45 (2022: −77%, calib. §5); hashrate then grows 172 → 265 EH/s",
    "power_price_usd_per_mwh": "judgment: between Riot's 3.8¢ and the 7–8¢ many miners paid in "
    "2022 (calib. §4, https://extracrypto.net/bitcoin-mining-difficulty-drops-the-most-since-"
    "july-2021-as-crypto-winter-cuts-profitability/)",
    "market_asic_efficiency_j_per_th": "judgment: 2022 fleets 30–38 J/TH; the top tier was "
    "< 38 J/TH (calib. §5, https://www.fxstreet.com/cryptocurrencies/news/bitcoin-asic-miner-"
    "prices-hovering-at-lows-not-seen-in-years-202212270711)",
    "rate_base_per_year": "judgment: policy rates near zero in January 2022",
    "rate_shock_week": "judgment: first Fed hike, mid-March 2022",
    "rate_shock_bp": "judgment: ≈425 bp of Fed hikes in 2022",
    "rate_shock_ramp_weeks": "judgment: hikes spread over March–December 2022",
}

INTRO = """# Calibration

Generated by `docs/gen_calibration.py` from the code (do not edit by hand): every parameter of
the model with its default value, unit, bounds and source, the scenario presets, and the 2022
calibration check. "calib. §n" refers to the sections of the project's calibration facts, whose
figures each carry the URL of a stored public source; the URLs used for the 2022 check are
repeated below. A value marked **J** is a judgment call: no source gives the number, and the
source column (or the *why* note) says what the choice rests on.
"""

ECONOMY_2022 = """## The 2022 economy and the `2022-redux` preset

The question for the check is whether the model produces a 2022-like cascade when given
2022-like shocks. Today's default economy is not 2022's: its miners are half-converted to AI
hosting, with leases that Google backstops, so a bitcoin crash alone hits them far less (see
`docs/findings.md`). The check therefore runs a historical economy,
`population_kind = "miners-2022"` (`bubblesim/population/miners_2022.py`), and the
`2022-redux` preset is that economy with 2022's shocks together: the bitcoin crash, the
hashprice collapse that follows, 2022's rate hikes, and losses of the crypto lenders outside
mining (Terra/Three Arrows in June, FTX in November). Running the same preset with
`--set population_kind=default` puts today's economy in 2022's conditions. (The alternative,
keeping `2022-redux` on today's economy and shipping a separate historical preset, would have
made the calibration experiment run something other than `2022-redux`; the forward-looking
combinations of shocks on today's economy remain one `--set` away, and the single shocks have
their own presets.)

The 2022 economy (week 0 = 2022-01-03):

* 25 miners, all hashing, no AI leases: 24 public miners and one pooled private borrower
  (Compute North-like, which filed on 2022-09-22, calib. §5). Power sizes and cash are judgment,
  heavy-tailed; fleets are set by power at 32 J/TH.
* Rig-backed (ASIC-collateralised) loans of $3.1B from five crypto lenders named after the §5
  list (NYDIG, Celsius, BlockFi, Galaxy, Foundry; calib. §5 "up to ≈$4B",
  https://law.com/dailybusinessreview/2022/11/30/crypto-lenders-woes-worsen-as-bitcoin-miners-struggle-to-repay-debt),
  two-year amortising, 10% fixed (judgment), no LTV maintenance covenant (judgment: the §5
  cases were payment defaults and negotiated hand-backs, not margin calls). Three borrowers
  carry the §5 restructurings' own loan and collateral: Iris $107.8M on 3.6 EH/s
  (https://cryptoprotege.com/2022/11/iris-energy-unplugs-hardware-collateralizing-100-million-loan-crypto-news),
  Stronghold $67.4M on 2.5 EH/s
  (https://www.coindesk.com/business/2022/11/01/bitcoin-miner-stronghold-digital-completes-debt-restructuring),
  Greenidge $74.4M on 2.8 EH/s
  (https://forkast.news/bitcoin-miner-greenidge-strikes-deal-with-nydig-to-restructure-debt/amp).
* Convertible notes: Core Scientific-like ≈$0.5B at 10% and Marathon-like $0.75B at 1%
  (judgment).
* Lenders hold 11–25% capital on their books (judgment: thin crypto-lender capital; the
  Celsius-like and BlockFi-like lenders are thinnest, at 11%: at 8% the provisions they book as
  rig marks fall ran them in week 3, months before 2022's first failure) and fund the rest with
  runnable funding. Their losses outside mining enter as two stand-in borrowers with no
  revenue, holding their outside assets as cash until their date (so they look sound), whose
  bullet loans
  fall due on the §5 timeline dates: $0.6B to the Celsius-like lender on 2022-06-12 (week 23,
  Celsius freezes withdrawals after Terra and Three Arrows,
  https://www.livemint.com/market/cryptocurrency/crypto-crisis-a-timeline-of-key-events-11675563652079.html)
  and $0.4B to the BlockFi-like lender on 2022-11-11 (week 45, FTX files;
  https://chainbulletin.com/blockfi-files-for-bankruptcy-following-ftx-collapse). The model has
  no generic borrower type, so each stand-in is a lab with zero revenue share.
"""

TOLERANCES = """## The 2022 check: targets, tolerances and results

`python -m experiments.calibration_2022` runs `2022-redux` for 104 weeks over 200 seeds and
measures each run (definitions in `experiments/calibration_2022/__init__.py`). A metric passes
when the simulated 10–90% range across seeds overlaps the target widened by its tolerance;
`tests/test_calibration.py` asserts the same on 12 seeds. The tolerances:

{tolerance_table}

The bitcoin fall itself is an input (the crash ramp) and is reported, not tested.

### Results of the committed full run

"""

CAVEATS = """
What the check shows, and what it does not:

* The model reproduces the 2022 order of events: the Celsius-like lender fails at week 23
  on its outside losses, its loans pass to its estate and cannot be rolled, while hashprice and
  rig prices fall; miners' defaults follow months later (in a minority of runs one miner's
  default comes first and itself pushes a thin lender into a funding run:
  `miner_defaults_at_or_before_lender_distress` in `runs.csv`), and the defaults are payment
  defaults of the most indebted miners, with recoveries on their rig loans near the 2022 range.
* The lender distress date is an input (the stand-in borrowers), not an outcome: the model has
  no exposure of lenders to the rest of crypto, so the Terra/Three Arrows and FTX losses enter
  as scheduled defaults. The check tests what follows from them.
* The distribution of defaults depends on the 2022 economy's leverage and cash, which are
  judgment calls (no source gives per-miner balance sheets in the calibration facts).
* ASIC prices are hashprice times a fixed $/TH per hashprice, times a fire-sale index that
  recovers; the fall of ASIC prices beyond hashprice's in 2022 (the ratio went from ≈0.40 to
  ≈0.28, calib. §5) is produced only by fire sales in the model. Miners are homogeneous in
  efficiency and power price, so at the trough they all curtail at once; there are no BTC
  treasuries to sell and no capex on new rigs. Miners' share sales and new convertibles
  exist, but the convertible window shuts them once bitcoin's drawdown passes
  `sentiment_btc_drawdown_limit` (from week 25 of the 2022-redux run). These are the missing
  mechanisms where the check misses.
"""


def _fmt(value: object) -> str:
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, float):
        return f"{value:.6g}"
    return str(value)


def _bounds(info: ParameterInfo) -> str:
    """Interval notation: ``[``/``]`` for an inclusive bound, ``(``/``)`` for an exclusive one."""
    lo, hi = info.lower, info.upper
    if lo is None and hi is None:
        return ""
    left = "(" if info.gt is not None else "["
    right = ")" if info.lt is not None else "]"
    return f"{left}{'' if lo is None else _fmt(lo)}, {'' if hi is None else _fmt(hi)}{right}"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def parameter_table() -> str:
    """Every parameter of :class:`bubblesim.config.ModelConfig`, grouped by section."""
    lines = []
    section = None
    for name, info in parameters().items():
        here = ".".join(info.path[:-1])
        if here != section:
            section = here
            lines += [
                "",
                f"### `{section}`",
                "",
                "| parameter | default | unit | bounds | J | source | description |",
                "|---|---|---|---|---|---|---|",
            ]
        source = info.source
        if name in WHY:
            source = f"{source} — why: {WHY[name]}"
        lines.append(
            f"| `{name}` | {_cell(_fmt(info.default))} | {_cell(info.unit)} | "
            f"{_bounds(info)} | {'**J**' if info.judgment else ''} | "
            f"{_cell(source)} | {_cell(info.description)} |"
        )
    return "\n".join(lines)


def preset_table() -> str:
    """Every shipped preset with its overrides."""
    lines = ["| preset | description | overrides |", "|---|---|---|"]
    for s in list_scenarios():
        values = ", ".join(f"`{k} = {_fmt(v)}`" for k, v in s.overrides.items()) or "(none)"
        lines.append(f"| `{s.name}` | {_cell(s.description)} | {values} |")
    return "\n".join(lines)


def redux_table() -> str:
    """The ``2022-redux`` overrides with their sources."""
    scenario = next(s for s in list_scenarios() if s.name == "2022-redux")
    lines = ["| parameter | value | source |", "|---|---|---|"]
    for k, v in scenario.overrides.items():
        lines.append(f"| `{k}` | {_fmt(v)} | {_cell(REDUX_SOURCES.get(k, 'see preset'))} |")
    return "\n".join(lines)


def tolerance_table() -> str:
    """The 2022 targets with their tolerances and why."""
    from experiments.calibration_2022 import TARGETS

    lines = [
        "| metric | 2022 target | unit | tolerance | source | why this tolerance |",
        "|---|---|---|---|---|---|",
    ]
    for t in TARGETS:
        target = f"{t.low:g}" if t.low == t.high else f"{t.low:g}–{t.high:g}"
        lines.append(
            f"| `{t.metric}` | {target} | {t.unit} | ±{t.tolerance:g} | {_cell(t.source)} | "
            f"{_cell(TOLERANCE_WHY.get(t.metric, ''))} |"
        )
    return "\n".join(lines)


def render() -> str:
    """The whole document."""
    results = RESULTS.read_text(encoding="utf-8") if RESULTS.is_file() else "(not run yet)\n"
    parts = [
        INTRO,
        "## Scenario presets\n\n`bubblesim scenarios` lists them; `bubblesim scenarios show NAME`"
        " prints every value with unit and source.\n",
        preset_table(),
        "",
        ECONOMY_2022,
        "The `2022-redux` overrides:\n",
        redux_table(),
        "",
        TOLERANCES.format(tolerance_table=tolerance_table()) + results + CAVEATS,
        REAL.read_text(encoding="utf-8") if REAL.is_file() else "",
        "## Every parameter\n\n"
        f"{len(parameters())} parameters; flat names are unique and accepted as overrides "
        "(`--set name=value`, scenario files, sweeps).",
        parameter_table(),
        "",
    ]
    return "\n".join(parts)


def main(argv: list[str] | None = None) -> int:
    """Write ``docs/calibration.md`` (or, with ``--check``, exit 1 if it is stale)."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--check", action="store_true", help="fail if the file is stale")
    args = parser.parse_args(argv)
    text = render()
    if args.check:
        stale = not OUT.is_file() or OUT.read_text(encoding="utf-8") != text
        print(f"{OUT} is {'stale' if stale else 'up to date'}")
        return 1 if stale else 0
    OUT.write_text(text, encoding="utf-8")
    print(f"wrote {OUT}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
