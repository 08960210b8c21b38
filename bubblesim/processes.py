"""Process lifetime helpers: children that die with their parent, liveness checks."""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import sys

_PR_SET_PDEATHSIG = 1

PARENT_ONLY_FDS: set[int] = set()
"""File descriptors a forked child must close at once (e.g. a lock that must die with its owner)."""


def close_parent_only_fds() -> None:
    """Close, in a forked child, the descriptors listed in :data:`PARENT_ONLY_FDS`."""
    for fd in list(PARENT_ONLY_FDS):
        with contextlib.suppress(OSError):
            os.close(fd)
    PARENT_ONLY_FDS.clear()


def die_with_parent(signum: int = signal.SIGKILL) -> bool:
    """Ask the kernel to send this process ``signum`` when its parent dies (Linux only).

    Safe to call in a child between fork and exec (``preexec_fn``). Returns False where it is
    not available.
    """
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return libc.prctl(_PR_SET_PDEATHSIG, int(signum), 0, 0, 0) == 0
    except (OSError, AttributeError):  # pragma: no cover - no prctl
        return False


def alive(pid: int) -> bool:
    """True when a process with this id exists (it may belong to another user)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
