"""The ``bubblesim`` command line: run, scenarios, sweep, analyze, ui.

Every subcommand returns an exit code; invalid input prints one clear line on stderr and exits 2.
"""

from __future__ import annotations

import argparse
import json
import math
import signal
import subprocess
import sys
import time
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
    from bubblesim import run_output
    from bubblesim.reporting.plots import save_overview
    from bubblesim.scenarios import scenario_config
    from bubblesim.simulate import check_overrides, check_seed, check_steps, run_simulation

    overrides = check_overrides(parse_overrides(args.set))
    seed, steps = check_seed(args.seed), check_steps(args.steps)
    scenario_config(args.scenario, overrides)  # every input is checked before anything runs
    out = Path(args.out)
    started = datetime.now(UTC).isoformat(timespec="seconds")
    try:
        with run_output.staged(out) as staging:  # a kill leaves the old run or the new one
            result = run_simulation(
                scenario=args.scenario,
                overrides=overrides,
                seed=seed,
                steps=steps,
                progress=not args.quiet,
            )
            result.series.to_parquet(staging / "series.parquet", compression="zstd")
            result.events.to_parquet(staging / "events.parquet", compression="zstd")
            if not args.no_plot:
                title = f"{args.scenario} (seed {seed})"
                save_overview(result.series, staging / "overview.png", title)
            meta = {
                "bubblesim_version": __version__,
                "scenario": args.scenario,
                "overrides": overrides,
                "seed": seed,
                "steps": result.steps,
                "started_utc": started,
                "config": result.config.model_dump(mode="json"),
                "verdict": result.scalars,
            }
            text = json.dumps(meta, indent=2, default=str)
            (staging / "run.json").write_text(text, encoding="utf-8")  # last: the run is complete
    except OSError as err:
        print(f"bubblesim: error: cannot write the run to {out}: {err}", file=sys.stderr)
        return 1
    _print_summary(result, out, plot=not args.no_plot)
    return 0


def _print_summary(result, out: Path, *, plot: bool) -> None:
    from bubblesim.agents.base import AGENT_TYPES

    v = result.verdict
    first = "none" if math.isnan(v.first_default_week) else f"week {int(v.first_default_week)}"
    lines = [
        f"scenario {result.config.scenario!r}, seed {result.seed}, {result.steps} weeks",
        f"cascade: {'YES' if v.cascade else 'no'}  ({', '.join(k for k, ok in v.criteria.items() if ok) or 'no criterion met'})",  # noqa: E501
        f"  leveraged-miner capacity defaulted (max in window): {v.miner_capacity_defaulted_share:.1%}",  # noqa: E501
        f"  lender losses / initial capital:                  {v.lender_loss_to_capital:.1%}",
        f"  credit crunch (peak share of credit refused):     {v.credit_contraction:.1%}",
        f"  severity score (legs met {v.legs_met}):                     {v.severity_score:.2f}",
        f"  GPU resale price peak to trough:                  {v.gpu_price_peak_to_trough:.1%}",
        f"  defaults: {v.n_defaults} (first: {first}); "
        + ", ".join(f"{k} {int(result.scalars[f'n_defaults_{k}'])}" for k in AGENT_TYPES),
        f"wrote {out}/series.parquet, events.parquet, run.json"
        + (", overview.png" if plot else ""),
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
    return serve(cmd, env=env)


STOP_GRACE_S = 10.0
"""Seconds a server has to stop after a forwarded signal before it is killed."""


def serve(
    cmd: list[str], *, grace_s: float = STOP_GRACE_S, env: dict[str, str] | None = None
) -> int:
    """Run a server as a child process that stops when this process is told to stop.

    SIGINT (Ctrl-C), SIGTERM and SIGHUP are forwarded to the child, which runs in its own
    process group (so a Ctrl-C reaches it once, from here); a child still running ``grace_s``
    after a forwarded signal is killed. On Linux the child is also killed if this process dies
    without a chance to forward anything (SIGKILL).

    Args:
        cmd: The server's command line.
        grace_s: Seconds between a forwarded signal and SIGKILL.
        env: The child's environment (None: this process's).

    Returns:
        0 when the server stopped on a forwarded signal, else its exit code.
    """
    from bubblesim.processes import die_with_parent

    child = subprocess.Popen(cmd, process_group=0, preexec_fn=die_with_parent, env=env)
    asked: list[float] = []

    def forward(signum: int, frame: Any) -> None:
        asked.append(time.monotonic())
        if child.poll() is None:
            child.send_signal(signum)

    wanted = [signal.SIGINT, signal.SIGTERM] + (
        [signal.SIGHUP] if hasattr(signal, "SIGHUP") else []
    )
    previous = {s: signal.signal(s, forward) for s in wanted}
    try:
        while child.poll() is None:
            try:
                child.wait(timeout=0.2)
            except subprocess.TimeoutExpired:
                if asked and time.monotonic() - asked[0] > grace_s:
                    child.kill()
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)
        if child.poll() is None:  # an exception here: never leave the server behind
            child.kill()
            child.wait()
    return 0 if asked else child.returncode


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
    run.add_argument("--seed", type=int, default=0, help="0 to 2**63 - 1 (default 0)")
    run.add_argument(
        "--steps", type=int, default=None, help="weeks to simulate, at least 1 (default 520)"
    )
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
    except KeyboardInterrupt:
        print("\nbubblesim: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
