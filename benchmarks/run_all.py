"""Run every benchmark in turn (numbers, not pass/fail)."""

import importlib
import sys

BENCHMARKS = ("bench_economy", "bench_clearing", "bench_sweep", "bench_frame")


def main() -> int:
    """Import each benchmark module and call its ``main()``."""
    for name in BENCHMARKS:
        print(f"== benchmarks.{name}", flush=True)
        module = importlib.import_module(f"benchmarks.{name}")
        module.main()
    return 0


if __name__ == "__main__":
    sys.exit(main())
