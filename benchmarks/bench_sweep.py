"""Throughput and peak memory: ``bubblesim sweep`` against ``mesa.batch_run``, side by side.

Every tool runs the identical set of short runs of the real model (a grid of slowdown depth ×
miner leverage × seeds, ``--steps`` weeks each). Each tool runs in a fresh child process; a
sampler thread in this process sums the memory of the child and all its descendants every
20 ms, so "peak memory" is the whole tree's peak. The tools:

* ``sweep``: ``bubblesim.sweep.run_sweep`` with ``--workers`` local processes, storing every
  run as the CLI does;
* ``batch_run``: ``mesa.batch_run(..., number_processes=--workers, data_collection_period=-1)``;
* ``batch_run_1``: ``mesa.batch_run`` with its default ``number_processes=1``;
* ``bare``: a plain ``ProcessPoolExecutor.map`` of ``run_simulation`` over the runs with
  ``--workers`` processes, keeping the scalars in memory and storing nothing: the ceiling that
  any runner on these workers can reach, since it does nothing but run the model.

Usage::

    python -m benchmarks.bench_sweep                          # 200 and 800 runs of 52 weeks
    python -m benchmarks.bench_sweep --sizes 400 --steps 1,13,52 --tools sweep,batch_run,bare

Prints a table and writes the numbers as JSON (``--json``). Numbers, not pass/fail.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

DEPTHS = [0.0, 0.25, 0.5, 0.75, 1.0]
LEVERAGE = [0.5, 1.0, 1.5, 2.0]
TOOLS = ("sweep", "batch_run", "batch_run_1", "bare")


def seeds_for(runs: int) -> list[int]:
    """Seeds so that points × seeds = ``runs`` (rounded up to a multiple of the 20 points)."""
    return list(range(-(-runs // (len(DEPTHS) * len(LEVERAGE)))))


def child_sweep(runs: int, steps: int, workers: int, tmp: Path) -> dict:
    """Run the grid with ``bubblesim.sweep`` and return timing and counts."""
    from bubblesim.sweep import load_results, run_sweep

    seeds = seeds_for(runs)
    exp = tmp / "bench.toml"
    exp.write_text(
        f'name = "bench"\nsteps = {steps}\nseeds = {{ start = 0, count = {len(seeds)} }}\n'
        f"[parameters]\ndemand_slowdown_depth = {DEPTHS}\n"
        f"population_miner_leverage_scale = {LEVERAGE}\n"
        '[design]\nkind = "grid"\n'
    )
    start = time.perf_counter()
    summary = run_sweep(exp, tmp / "out", workers=workers, progress=False)
    elapsed = time.perf_counter() - start
    frame = load_results(tmp / "out")
    return {"runs": len(frame), "failed": summary.failed, "elapsed_s": elapsed}


def child_batch_run(runs: int, steps: int, workers: int) -> dict:
    """Run the same grid with ``mesa.batch_run`` and return timing and counts."""
    import mesa

    from bubblesim.model import BubbleModel

    start = time.perf_counter()
    rows = mesa.batch_run(
        BubbleModel,
        parameters={
            "demand_slowdown_depth": DEPTHS,
            "population_miner_leverage_scale": LEVERAGE,
        },
        rng=seeds_for(runs),
        max_steps=steps,
        number_processes=workers,
        data_collection_period=-1,
        display_progress=False,
    )
    elapsed = time.perf_counter() - start
    return {"runs": len(rows), "failed": 0, "elapsed_s": elapsed}


def _bare_run(args: tuple[float, float, int, int]) -> float:
    from bubblesim.simulate import run_simulation

    depth, leverage, seed, steps = args
    overrides = {"demand_slowdown_depth": depth, "population_miner_leverage_scale": leverage}
    return run_simulation(overrides=overrides, seed=seed, steps=steps).scalars["cascade"]


def child_bare(runs: int, steps: int, workers: int) -> dict:
    """Run the same grid as a plain process-pool map of ``run_simulation`` (nothing stored)."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    import bubblesim.simulate  # noqa: F401  (imported before the fork, like the sweep's workers)

    grid = [(d, v, s, steps) for d in DEPTHS for v in LEVERAGE for s in seeds_for(runs)]
    start = time.perf_counter()
    context = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(workers, mp_context=context) as pool:
        out = list(pool.map(_bare_run, grid, chunksize=16))
    elapsed = time.perf_counter() - start
    return {"runs": len(out), "failed": 0, "elapsed_s": elapsed}


def tree_sample(pid: int, cpu: dict[int, float]) -> tuple[int, int]:
    """Memory of a process and all its descendants: summed RSS and summed PSS, in bytes.

    RSS counts pages shared between processes (copy-on-write after fork) once per process; PSS
    (proportional set size, Linux) splits them among the sharers, so its sum is the tree's real
    footprint. Also records each process's CPU seconds (user + system) so far in ``cpu``.
    """
    try:
        import psutil
    except ImportError:  # pragma: no cover - psutil comes with dask.distributed
        rss = _proc_tree_rss(pid)
        return rss, rss
    try:
        proc = psutil.Process(pid)
        procs = [proc, *proc.children(recursive=True)]
    except psutil.NoSuchProcess:
        return 0, 0
    rss = pss = 0
    for p in procs:
        try:
            with p.oneshot():
                full = p.memory_full_info()
                rss, pss = rss + full.rss, pss + getattr(full, "pss", full.rss)
                times = p.cpu_times()
                cpu[p.pid] = times.user + times.system
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            continue
    return rss, pss


def _proc_tree_rss(pid: int) -> int:
    parents: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    page = os.sysconf("SC_PAGE_SIZE")
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()
            statm = Path(f"/proc/{entry}/statm").read_text().split()
        except OSError:
            continue
        parents.setdefault(int(stat[1]), []).append(int(entry))
        rss[int(entry)] = int(statm[1]) * page
    total, stack = 0, [pid]
    while stack:
        p = stack.pop()
        total += rss.get(p, 0)
        stack.extend(parents.get(p, []))
    return total


def measure(tool: str, runs: int, steps: int, workers: int) -> dict:
    """Run one tool in a child process; return its result with the tree's peak RSS."""
    cmd = [
        sys.executable,
        "-m",
        "benchmarks.bench_sweep",
        "--child",
        tool,
        "--sizes",
        str(runs),
        "--steps",
        str(steps),
        "--workers",
        str(workers),
    ]
    root = Path(__file__).resolve().parents[1]
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=root, stdout=subprocess.PIPE, text=True)
    peak_rss = peak_pss = 0
    cpu: dict[int, float] = {}
    stop = threading.Event()

    def sample() -> None:
        nonlocal peak_rss, peak_pss
        while not stop.is_set():
            rss, pss = tree_sample(proc.pid, cpu)
            peak_rss, peak_pss = max(peak_rss, rss), max(peak_pss, pss)
            time.sleep(0.02)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    out, _ = proc.communicate()
    wall = time.perf_counter() - started
    stop.set()
    sampler.join()
    if proc.returncode:
        raise RuntimeError(f"{tool} child failed with exit code {proc.returncode}")
    result = json.loads(out.strip().splitlines()[-1])
    result |= {
        "tool": tool,
        "peak_rss_mib": peak_rss / 2**20,
        "peak_pss_mib": peak_pss / 2**20,
        "process_s": wall,
        "cpu_s": sum(cpu.values()),
        "runs_per_s": result["runs"] / wall,
        "runs_per_s_call": result["runs"] / result["elapsed_s"],
    }
    return result


def summarise(results: list[dict], runs: int, steps: int) -> str:
    """Medians per tool and each tool's throughput relative to batch_run, at one size."""

    def med(tool: str, key: str) -> float:
        return statistics.median(r[key] for r in results if r["tool"] == tool)

    tools = [t for t in TOOLS if any(r["tool"] == t for r in results)]
    lines = [f"  {runs} runs of {steps} weeks, medians:"]
    for tool in tools:
        line = (
            f"    {tool:<11} {med(tool, 'runs_per_s'):7.1f} runs/s, "
            f"{1000 * med(tool, 'cpu_s') / runs:5.0f} CPU ms/run, "
            f"peak RSS {med(tool, 'peak_rss_mib'):4.0f} MiB / "
            f"PSS {med(tool, 'peak_pss_mib'):4.0f} MiB"
        )
        if "batch_run" in tools and tool != "batch_run":
            ratio = med(tool, "runs_per_s") / med("batch_run", "runs_per_s")
            line += f"; {ratio:.2f}x batch_run"
        lines.append(line)
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Run the comparison (or, with ``--child``, one side of it)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="200,800", help="run counts, comma-separated")
    parser.add_argument("--steps", default="52", help="weeks per run, comma-separated")
    parser.add_argument("--workers", type=int, default=2, help="worker processes for the tools")
    parser.add_argument("--repeat", type=int, default=1, help="repetitions (tool order rotates)")
    parser.add_argument(
        "--tools", default="sweep,batch_run", help=f"comma-separated, from {', '.join(TOOLS)}"
    )
    parser.add_argument("--json", help="also write the results to this file")
    parser.add_argument("--child", choices=TOOLS, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",")]
    steps_list = [int(s) for s in args.steps.split(",")]
    tools = [t.strip() for t in args.tools.split(",")]
    unknown = sorted(set(tools) - set(TOOLS))
    if unknown:
        parser.error(f"unknown tools {unknown}; choose from {', '.join(TOOLS)}")
    if args.child:
        runs, steps = sizes[0], steps_list[0]
        if args.child == "sweep":
            with tempfile.TemporaryDirectory() as tmp:
                result = child_sweep(runs, steps, args.workers, Path(tmp))
        elif args.child == "batch_run":
            result = child_batch_run(runs, steps, args.workers)
        elif args.child == "batch_run_1":
            result = child_batch_run(runs, steps, 1)
        else:
            result = child_bare(runs, steps, args.workers)
        print(json.dumps(result))
        return 0
    results = []
    header = f"{'tool':<11} {'runs':>5} {'weeks':>5} {'process s':>9} {'runs/s':>7} {'call s':>7}"
    print(f"{header} {'CPU ms/run':>10} {'RSS MiB':>8} {'PSS MiB':>8}")
    for steps in steps_list:
        for runs in sizes:
            for rep in range(args.repeat):
                order = tools[rep % len(tools) :] + tools[: rep % len(tools)]
                for tool in order:
                    r = measure(tool, runs, steps, args.workers)
                    results.append(r | {"size": runs, "steps": steps})
                    print(
                        f"{tool:<11} {r['runs']:>5} {steps:>5} {r['process_s']:>9.2f} "
                        f"{r['runs_per_s']:>7.1f} {r['elapsed_s']:>7.2f} "
                        f"{1000 * r['cpu_s'] / r['runs']:>10.0f} "
                        f"{r['peak_rss_mib']:>8.0f} {r['peak_pss_mib']:>8.0f}",
                        flush=True,
                    )
            here = [r for r in results if r["size"] == runs and r["steps"] == steps]
            print(summarise(here, runs, steps), flush=True)
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
