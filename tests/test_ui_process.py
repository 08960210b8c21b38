"""``bubblesim ui`` stops its server when it is stopped: signals are forwarded, no orphan left."""

import os
import signal
import socket
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="POSIX signals")

CHILD = textwrap.dedent("""\
    import os, signal, sys, time
    from pathlib import Path

    Path(sys.argv[1]).write_text(str(os.getpid()))
    if sys.argv[2] == "ignore":
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        signal.signal(signal.SIGINT, signal.SIG_IGN)
    else:
        def stop(signum, frame):
            Path(sys.argv[1] + ".got").write_text(signal.Signals(signum).name)
            sys.exit(0)
        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
    while True:
        time.sleep(0.1)
    """)


def start_parent(tmp_path, mode="handle", grace_s=10.0):
    pidfile = tmp_path / "child.pid"
    code = (
        "import sys\nfrom bubblesim.cli import serve\n"
        f"sys.exit(serve([sys.executable, '-c', {CHILD!r}, {str(pidfile)!r}, {mode!r}],"
        f" grace_s={grace_s}))\n"
    )
    parent = subprocess.Popen([sys.executable, "-c", code], cwd=ROOT)
    deadline = time.monotonic() + 30
    while not (pidfile.exists() and pidfile.read_text()) and time.monotonic() < deadline:
        time.sleep(0.05)
    return parent, int(pidfile.read_text()), pidfile


def gone(pid, within_s=10.0):
    deadline = time.monotonic() + within_s
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
            with open(f"/proc/{pid}/stat") as f:
                if f.read().split()[2] == "Z":
                    return True
        except (ProcessLookupError, FileNotFoundError):
            return True
        time.sleep(0.05)
    return False


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_a_signal_to_bubblesim_ui_is_forwarded_to_its_server(tmp_path, sig):
    parent, child, pidfile = start_parent(tmp_path)
    parent.send_signal(sig)
    assert parent.wait(timeout=20) == 0
    assert gone(child)
    assert Path(str(pidfile) + ".got").read_text() == sig.name  # the server stopped itself


def test_a_server_that_ignores_the_signal_is_killed_after_the_grace_period(tmp_path):
    parent, child, _ = start_parent(tmp_path, mode="ignore", grace_s=0.5)
    parent.send_signal(signal.SIGTERM)
    assert parent.wait(timeout=20) == 0
    assert gone(child)


def test_the_server_dies_with_a_killed_bubblesim_ui(tmp_path):
    parent, child, _ = start_parent(tmp_path)
    parent.kill()
    parent.wait(timeout=10)
    assert gone(child)


def _free_port():
    with socket.socket() as s:
        s.bind(("localhost", 0))
        return s.getsockname()[1]


def test_bubblesim_ui_stops_the_solara_server_on_sigterm():
    pytest.importorskip("solara")
    port = _free_port()
    ui = subprocess.Popen(
        [sys.executable, "-m", "bubblesim.cli", "ui", "--port", str(port), "--production"],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("localhost", port), timeout=1).close()
            break
        except OSError:
            time.sleep(0.5)
    else:
        ui.kill()
        pytest.fail("the explorer did not start")
    ps = subprocess.run(["ps", "-eo", "pid=,ppid="], capture_output=True, text=True).stdout
    servers = [int(p) for p, pp in (line.split() for line in ps.splitlines()) if int(pp) == ui.pid]
    assert len(servers) == 1
    ui.send_signal(signal.SIGTERM)
    assert ui.wait(timeout=30) == 0
    assert gone(servers[0])
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("localhost", port), timeout=1).close()
