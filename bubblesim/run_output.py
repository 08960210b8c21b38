"""Atomic output folders of ``bubblesim run``: a kill leaves the old run or the new one.

A run's files are written into a staging folder next to the output folder (``.NAME.tmp-PID-*``),
``run.json`` last, and the staging folder then replaces the output folder in one step: a rename
when there is none yet, otherwise an atomic exchange of the two folders (``renameat2`` with
``RENAME_EXCHANGE`` on Linux; elsewhere two renames, with the old folder kept aside until the
new one is in place). The old folder is removed afterwards. Every check that can fail (the path
is a folder of run outputs, it can be written) is done by :func:`prepare` before the simulation
starts.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

from bubblesim.config import ConfigError

RUN_FILES = frozenset({"series.parquet", "events.parquet", "run.json", "overview.png"})
"""The files ``bubblesim run`` writes; a folder holding anything else is not replaced."""

_AT_FDCWD = -100
_RENAME_EXCHANGE = 2


def prepare(out: str | Path) -> Path:
    """Check that ``out`` can receive a run's outputs and create its staging folder.

    Args:
        out: The output folder (it may not exist yet; its parents are created).

    Returns:
        The staging folder, a new empty sibling of ``out``.

    Raises:
        ConfigError: If ``out`` is a file, holds files that are not a run's outputs, or cannot
            be written. Nothing is created then.
    """
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise ConfigError(f"--out {out} exists and is not a folder")
    if out.is_dir():
        foreign = sorted(p.name for p in out.iterdir() if p.name not in RUN_FILES)
        if foreign:
            shown = ", ".join(foreign[:3]) + (", ..." if len(foreign) > 3 else "")
            raise ConfigError(
                f"--out {out} holds files that are not a run's outputs ({shown}); "
                "choose another folder"
            )
        if not os.access(out, os.W_OK | os.X_OK):
            raise ConfigError(f"cannot write to --out {out}: permission denied")
    parent = out.absolute().parent
    try:
        parent.mkdir(parents=True, exist_ok=True)
        _remove_abandoned(parent, out.name)
        staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.tmp-{os.getpid()}-", dir=parent))
        os.chmod(staging, 0o777 & ~_umask())  # a folder's usual mode, not mkdtemp's 0700
        return staging
    except (FileExistsError, NotADirectoryError):
        raise ConfigError(f"cannot write to --out {out}: a part of its path is a file") from None
    except OSError as exc:
        raise ConfigError(f"cannot write to --out {out}: {exc.strerror or exc}") from None


def commit(staging: Path, out: str | Path) -> None:
    """Put the staging folder in the place of ``out`` in one step, then remove the old folder.

    Args:
        staging: The folder from :func:`prepare`, with every file written.
        out: The output folder.
    """
    out = Path(out)
    try:
        os.rename(staging, out)  # no output folder yet (or an empty one)
        return
    except OSError as exc:
        if exc.errno not in (errno.EEXIST, errno.ENOTEMPTY):
            raise
    if _exchange(staging, out):
        shutil.rmtree(staging, ignore_errors=True)  # it now holds the previous run
        return
    aside = Path(tempfile.mkdtemp(prefix=f".{out.name}.old-{os.getpid()}-", dir=staging.parent))
    os.rename(out, aside / out.name)
    os.rename(staging, out)
    shutil.rmtree(aside, ignore_errors=True)


@contextlib.contextmanager
def staged(out: str | Path) -> Iterator[Path]:
    """Prepare a staging folder, yield it, and commit it if the block finishes.

    On any exception (Ctrl-C included) the staging folder is removed and ``out`` is untouched.
    """
    staging = prepare(out)
    try:
        yield staging
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    commit(staging, out)


def _exchange(a: Path, b: Path) -> bool:
    """Swap two paths atomically (Linux ``renameat2``); False where that is not available."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    renameat2.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p]
    renameat2.argtypes += [ctypes.c_uint]
    status = renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE)
    if status == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.ENOSYS, errno.EINVAL, errno.ENOTSUP):
        return False
    raise OSError(code, os.strerror(code), str(b))


def _remove_abandoned(parent: Path, name: str) -> None:
    """Remove staging folders of ``name`` whose process is gone (a killed ``bubblesim run``)."""
    for path in parent.glob(f".{name}.*-*-*"):
        kind, _, rest = path.name.removeprefix(f".{name}.").partition("-")
        pid = rest.partition("-")[0]
        if kind not in ("tmp", "old") or not pid.isdigit() or _alive(int(pid)):
            continue
        shutil.rmtree(path, ignore_errors=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask
