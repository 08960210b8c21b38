"""Package-level contracts: layout and the headless library."""

import subprocess
import sys


def test_library_never_imports_solara():
    """Importing every bubblesim module must not pull in solara (the UI lives in viz/)."""
    code = (
        "import importlib, pkgutil, sys, bubblesim\n"
        "for m in pkgutil.walk_packages(bubblesim.__path__, 'bubblesim.'):\n"
        "    importlib.import_module(m.name)\n"
        "bad = sorted(k for k in sys.modules if k == 'solara' or k.startswith('solara.'))\n"
        "print(','.join(bad))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_week_conventions():
    from bubblesim.units import per_week, rate_per_week, weeks

    assert per_week(52.0) == 1.0
    assert rate_per_week(0.0775) * 52 == 0.0775
    assert weeks(10) == 520
