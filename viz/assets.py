"""Install the browser assets solara-server would otherwise fetch from a CDN at page load.

The solara page loads its front end (``@widgetti/solara-vuetify3-app``) and ``requirejs``
through the server's CDN proxy, which keeps a cache under
``<prefix>/share/solara/cdn/``. Machines without access to that CDN get a blank page. This
module fills the cache from the npm registry with the ordinary ``npm pack`` client, once, at
install time::

    python -m viz.assets          # idempotent; prints what it installed

Afterwards the explorer (and its browser tests) need no network.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

PACKAGES = (
    ("@widgetti/solara-vuetify3-app", "5.2.0", "dist/solara-vuetify-app8.js"),
    ("requirejs", "2.3.6", "require.js"),
)
"""(npm name, exact version solara 1.64 pins, a file that proves it is installed).

These are what the pages request (``benchmarks/bench_browser.py`` lists them). The explorer
does not use ``solara.Markdown``, which would also load mermaid and KaTeX, nor font-awesome
(``viz.app`` turns it off).
"""


def cache_dir() -> Path:
    """The CDN proxy cache of the running interpreter's solara-server."""
    from solara.server import settings

    return Path(settings.assets.proxy_cache_dir)


def missing(cache: Path | None = None) -> list[str]:
    """The ``name@version`` packages not yet in the cache."""
    cache = cache or cache_dir()
    return [f"{n}@{v}" for n, v, probe in PACKAGES if not (cache / f"{n}@{v}" / probe).is_file()]


def install(cache: Path | None = None, npm: str = "npm") -> list[str]:
    """Fetch the missing packages with ``npm pack`` and unpack them into the cache.

    Args:
        cache: Target folder (default: solara-server's CDN proxy cache).
        npm: The npm executable.

    Returns:
        The ``name@version`` packages installed now (empty if all were there).

    Raises:
        RuntimeError: If npm is missing or a package cannot be fetched.
    """
    cache = cache or cache_dir()
    todo = missing(cache)
    if not todo:
        return []
    if shutil.which(npm) is None:
        raise RuntimeError(f"{npm!r} not found: install npm, or fetch {todo} by hand into {cache}")
    with tempfile.TemporaryDirectory() as tmp:
        for spec in todo:
            done = subprocess.run(
                [npm, "pack", spec, "--silent"], cwd=tmp, capture_output=True, text=True
            )
            if done.returncode != 0:
                raise RuntimeError(f"npm pack {spec} failed: {done.stderr.strip()[-500:]}")
            tarball = Path(tmp) / done.stdout.strip().splitlines()[-1]
            _unpack(tarball, cache / spec)
    return todo


def _unpack(tarball: Path, target: Path) -> None:
    """Extract an npm tarball's ``package/`` folder into ``target``."""
    staging = target.with_name(target.name + ".partial")
    shutil.rmtree(staging, ignore_errors=True)
    with tarfile.open(tarball) as tar:
        tar.extractall(staging, filter="data")
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.rmtree(target, ignore_errors=True)
    (staging / "package").rename(target)
    shutil.rmtree(staging, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    """Command line: install the assets (``--check`` only reports what is missing)."""
    parser = argparse.ArgumentParser(prog="python -m viz.assets", description=__doc__)
    parser.add_argument("--check", action="store_true", help="only list missing packages")
    args = parser.parse_args(argv)
    if args.check:
        todo = missing()
        print("missing: " + ", ".join(todo) if todo else f"all assets in {cache_dir()}")
        return 1 if todo else 0
    try:
        done = install()
    except RuntimeError as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    print(f"installed {', '.join(done)} into {cache_dir()}" if done else "assets already there")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
