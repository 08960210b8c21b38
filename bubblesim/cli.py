"""The ``bubblesim`` command line: run, scenarios, sweep, analyze, ui.

Every subcommand returns an exit code; invalid input prints one clear line on stderr and exits 2.
"""

from __future__ import annotations

import argparse
import json
import math
import subprocess
import sys
import tomllib
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bubblesim import __version__
from bubblesim.config import ConfigError, parameters

EXIT_USAGE = 2


def _parse_value(text: str) -> Any:
    """Parse a ``--set`` value as a TOML literal (numbers, booleans, quoted strings), else text."""
    try:
        return tomllib.loads(f"v = {text}")["v"]
    except tomllib.TOMLDecodeError:
        return text


def parse_overrides(pairs: list[str]) -> dict[str, Any]:
    """Turn ``["name=value", ...]`` into a dict; raise ConfigError on a malformed pair."""
    out: dict[str, Any] = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name.strip():
            raise ConfigError(f"--set expects name=value, got {pair!r}")
        out[name.strip()] = _parse_value(value.strip())
    return out


# -- run -------------------------------------------------------------------------------------------
def _run(args: argparse.Namespace) -> int:
    from bubblesim.plots import save_overview
    from bubblesim.simulate import run_simulation

    overrides = parse_overrides(args.set)
    started = datetime.now(UTC).isoformat(timespec="seconds")
    result = run_simulation(
        scenario=args.scenario,
        overrides=overrides,
        seed=args.seed,
        steps=args.steps,
        progress=not args.quiet,
    )
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    result.series.to_parquet(out / "series.parquet", compression="zstd")
    result.events.to_parquet(out / "events.parquet", compression="zstd")
    meta = {
        "bubblesim_version": __version__,
        "scenario": args.scenario,
        "overrides": overrides,
        "seed": args.seed,
        "steps": result.steps,
        "started_utc": started,
        "config": result.config.model_dump(mode="json"),
        "verdict": result.scalars,
    }
    (out / "run.json").write_text(json.dumps(meta, indent=2, default=str), encoding="utf-8")
    if not args.no_plot:
        save_overview(result.series, out / "overview.png", f"{args.scenario} (seed {args.seed})")
    _print_summary(result, out)
    return 0


def _print_summary(result, out: Path) -> None:
    v = result.verdict
    first = "none" if math.isnan(v.first_default_week) else f"week {int(v.first_default_week)}"
    lines = [
        f"scenario {result.config.scenario!r}, seed {result.seed}, {result.steps} weeks",
        f"cascade: {'YES' if v.cascade else 'no'}  ({', '.join(k for k, ok in v.criteria.items() if ok) or 'no criterion met'})",  # noqa: E501
        f"  leveraged-miner capacity defaulted (max in window): {v.miner_capacity_defaulted_share:.1%}",  # noqa: E501
        f"  lender losses / initial capital:                  {v.lender_loss_to_capital:.1%}",
        f"  credit contraction from peak:                     {v.credit_contraction:.1%}",
        f"  GPU resale price peak to trough:                  {v.gpu_price_peak_to_trough:.1%}",
        f"  defaults: {v.n_defaults} (first: {first}); "
        + ", ".join(
            f"{k} {int(result.scalars[f'n_defaults_{k}'])}"
            for k in ("lab", "neocloud", "miner", "lender")
        ),
        f"wrote {out}/series.parquet, events.parquet, run.json"
        + ("" if not (out / "overview.png").exists() else ", overview.png"),
    ]
    print("\n".join(lines))


# -- scenarios -------------------------------------------------------------------------------------
def _scenarios(args: argparse.Namespace) -> int:
    from bubblesim.scenarios import list_scenarios, load_scenario, scenario_config

    if args.action is None:
        for s in list_scenarios():
            print(f"{s.name:22s} {s.description}")
        return 0
    if args.action != "show" or not args.name:
        raise ConfigError("usage: bubblesim scenarios [show NAME]")
    scenario = load_scenario(args.name)
    config = scenario_config(args.name)
    from bubblesim.config import flat_values

    values = flat_values(config)
    print(f"{scenario.name}: {scenario.description}")
    if scenario.details.strip():
        print(scenario.details.strip())
    print()
    print(f"{'parameter':42s} {'value':>14s}  {'unit':34s} source")
    for name, info in parameters().items():
        mark = "*" if name in scenario.overrides else " "
        value = values[name]
        shown = f"{value:.6g}" if isinstance(value, float) else str(value)
        source = info.source
        if name in scenario.overrides:
            source = scenario.sources.get(name, f"this scenario ({scenario.name}; see above)")
        print(f"{mark}{name:41s} {shown:>14s}  {info.unit:34s} {source}")
    print("\n* set by this scenario; every other value is the calibrated default")
    return 0


# -- ui --------------------------------------------------------------------------------------------
def find_app() -> Path:
    """Locate the explorer app (``viz/app.py`` of the source tree)."""
    here = Path(__file__).resolve().parent.parent / "viz" / "app.py"
    if not here.is_file():
        raise ConfigError(
            f"the explorer app was not found at {here}: run `bubblesim ui` from a source "
            "checkout (`make explore`)"
        )
    return here


LOOPBACK_HOSTS = ("localhost", "127.0.0.1", "::1", "[::1]")


def is_loopback(host: str) -> bool:
    """True when ``host`` names this machine only (``localhost``, ``127.x.x.x``, ``::1``)."""
    import ipaddress

    if host in LOOPBACK_HOSTS:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _ui(args: argparse.Namespace) -> int:
    import os

    app = find_app()
    if not is_loopback(args.host):
        print(
            f"bubblesim: warning: serving the explorer on {args.host}, not only on this machine: "
            "anyone who can reach this address can run models on it (there is no login)",
            file=sys.stderr,
        )
    # nothing leaves the machine: no usage telemetry, no version check against PyPI
    env = {**os.environ, "SOLARA_TELEMETRY_MIXPANEL_ENABLE": "false"}
    if args.scenario_dir:
        env["BUBBLESIM_SCENARIO_DIR"] = str(Path(args.scenario_dir).expanduser().resolve())
    if args.results_root:
        env["BUBBLESIM_RESULTS_ROOT"] = str(Path(args.results_root).expanduser().resolve())
    cmd = [
        sys.executable,
        "-m",
        "solara",
        "run",
        str(app),
        "--host",
        args.host,
        "--port",
        str(args.port),
        "--no-check-version",
    ]
    if not args.dev:  # solara's own default is development mode (hot reload, debug pages)
        cmd.append("--production")
    print(f"bubblesim explorer on http://{args.host}:{args.port}  (Ctrl-C to stop)")
    try:
        return subprocess.call(cmd, env=env)
    except KeyboardInterrupt:
        return 0


# -- parser ----------------------------------------------------------------------------------------
def build_parser() -> argparse.ArgumentParser:
    """The argument parser of every subcommand."""
    parser = argparse.ArgumentParser(
        prog="bubblesim",
        description="Agent-based simulation of the AI-infrastructure credit bubble.",
    )
    parser.add_argument("--version", action="version", version=f"bubblesim {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)

    run = sub.add_parser("run", help="run one simulation and write its outputs")
    run.add_argument("--scenario", default="baseline", help="preset name or TOML path")
    run.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="override a parameter (repeatable), e.g. demand_slowdown_depth=0.6",
    )
    run.add_argument("--seed", type=int, default=0)
    run.add_argument("--steps", type=int, default=None, help="weeks to simulate (default 520)")
    run.add_argument("--out", default="runs/latest", help="output folder")
    run.add_argument("--no-plot", action="store_true", help="skip the overview PNG")
    run.add_argument("--quiet", action="store_true", help="no progress bar")
    run.set_defaults(func=_run)

    sc = sub.add_parser("scenarios", help="list presets, or show one with every value")
    sc.add_argument("action", nargs="?", choices=["show"])
    sc.add_argument("name", nargs="?")
    sc.set_defaults(func=_scenarios)

    ui = sub.add_parser("ui", help="start the browser explorer")
    ui.add_argument("--host", default="localhost", help="a non-loopback address prints a warning")
    ui.add_argument("--port", type=int, default=8765)
    ui.add_argument("--dev", action="store_true", help="development mode: reload on code changes")
    ui.add_argument(
        "--production", action="store_true", help="production mode (the default; kept for scripts)"
    )
    ui.add_argument(
        "--scenario-dir",
        default=None,
        help="folder of your own scenario files offered by the explorer (default ./scenarios)",
    )
    ui.add_argument(
        "--results-root",
        default=None,
        help="the sweep page reads result folders under this folder only (default .)",
    )
    ui.set_defaults(func=_ui)

    from bubblesim.sweep.cli import register

    register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``bubblesim`` command."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except ConfigError as err:
        print(f"bubblesim: error: {err}", file=sys.stderr)
        return EXIT_USAGE


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
