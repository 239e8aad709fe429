"""The private runtime directory: private, removed on every exit a process can see (normal,
exception, SIGTERM, SIGINT), and a killed run's leftover removed at the next start while a
live run's is kept. Real processes and real signals, no mocks."""

from __future__ import annotations

import json
import os
import signal
import stat
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from testbed import RuntimeDirectoryError, runtime_directory, runtime_root
from testbed.runtime_dir import MARKER, process_start, remove_stale

HOLD_A_RUN = """
import signal, time
from testbed import runtime_directory
signal.signal(signal.SIGINT, signal.default_int_handler)  # even if started with it ignored
with runtime_directory() as run:
    (run / "secret.pin").write_text("12345678")
    print(run, flush=True)
    time.sleep(120)
"""


@pytest.fixture
def xdg(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A private XDG_RUNTIME_DIR of this test's own."""
    base = tmp_path / "xdg"
    base.mkdir(mode=0o700)
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(base))
    return base


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_a_run_directory_is_private_and_removed_at_the_end(xdg: Path) -> None:
    with runtime_directory() as run:
        assert run.parent == xdg / "kyso"
        assert _mode(run.parent) == 0o700 and _mode(run) == 0o700
        marker = json.loads((run / MARKER).read_text(encoding="utf-8"))
        assert marker == {"pid": os.getpid(), "started": process_start(os.getpid())}
        (run / "tokens").mkdir()
        (run / "tokens" / "a.pin").write_text("00000000", encoding="utf-8")
    assert not run.exists()
    assert list((xdg / "kyso").iterdir()) == []


def test_a_run_directory_is_removed_when_the_run_fails(xdg: Path) -> None:
    with pytest.raises(RuntimeError), runtime_directory() as run:
        (run / "key.pem").write_text("secret", encoding="utf-8")
        raise RuntimeError("a failing run")
    assert not run.exists()


def test_the_signal_handlers_are_given_back_and_an_ignored_signal_stays_ignored(
        xdg: Path) -> None:
    terminate, hang_up = signal.getsignal(signal.SIGTERM), signal.getsignal(signal.SIGHUP)
    signal.signal(signal.SIGHUP, signal.SIG_IGN)  # as under nohup
    try:
        with runtime_directory():
            assert signal.getsignal(signal.SIGTERM) not in (signal.SIG_DFL, terminate)
            assert signal.getsignal(signal.SIGHUP) == signal.SIG_IGN
        assert signal.getsignal(signal.SIGTERM) is terminate
    finally:
        signal.signal(signal.SIGHUP, hang_up)


@pytest.mark.parametrize(("signal_number", "exit_status"),
                         [(signal.SIGTERM, 128 + signal.SIGTERM), (signal.SIGINT, -signal.SIGINT)])
def test_a_signalled_run_removes_its_directory(xdg: Path, signal_number: int,
                                               exit_status: int) -> None:
    child = subprocess.Popen([sys.executable, "-c", HOLD_A_RUN], stdout=subprocess.PIPE,
                             stderr=subprocess.DEVNULL, text=True)
    try:
        assert child.stdout is not None
        run = Path(child.stdout.readline().strip())
        assert (run / "secret.pin").exists()
        child.send_signal(signal_number)
        assert child.wait(timeout=30) == exit_status
    finally:
        child.kill()
        child.wait()
    assert not run.exists()


def test_a_killed_runs_directory_goes_at_the_next_start_a_live_ones_stays(xdg: Path) -> None:
    root = runtime_root()
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()  # reaped: its pid names no process now
    stale = root / f"run-{dead.pid}-0dead"
    stale.mkdir(mode=0o700)
    (stale / MARKER).write_text(json.dumps({"pid": dead.pid, "started": 1}), encoding="utf-8")
    (stale / "secret.pin").write_text("87654321", encoding="utf-8")
    me, started = os.getpid(), process_start(os.getpid())
    live = root / f"run-{me}-11fe"
    live.mkdir(mode=0o700)
    (live / MARKER).write_text(json.dumps({"pid": me, "started": started}), encoding="utf-8")
    reused = root / f"run-{me}-0bad"  # a dead run whose pid this process got since
    reused.mkdir(mode=0o700)
    (reused / MARKER).write_text(json.dumps({"pid": me, "started": (started or 0) - 1}),
                                 encoding="utf-8")
    with runtime_directory() as run:
        assert not stale.exists() and not reused.exists()
        assert live.exists()
    assert not run.exists()
    assert remove_stale(root) == [] and live.exists()


def test_a_root_open_to_others_is_refused_in_one_line(tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("XDG_RUNTIME_DIR", raising=False)
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    root = tmp_path / f"kyso-runtime-{os.getuid()}"
    root.mkdir(mode=0o700)
    assert runtime_root() == root
    root.chmod(0o755)
    with pytest.raises(RuntimeDirectoryError, match="mode 0755 lets others in") as refused:
        runtime_root()
    assert "\n" not in str(refused.value)


@pytest.mark.skipif(os.getuid() != 0, reason="only root can make a folder someone else owns")
def test_a_root_owned_by_someone_else_is_refused(tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("XDG_RUNTIME_DIR", raising=False)
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    root = tmp_path / f"kyso-runtime-{os.getuid()}"
    root.mkdir(mode=0o700)
    os.chown(root, 4242, 4242)
    with pytest.raises(RuntimeDirectoryError, match="owned by uid 4242"):
        runtime_root()


def test_an_unusable_xdg_runtime_dir_falls_back_to_tmp(tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    shared = tmp_path / "shared"
    shared.mkdir(mode=0o777)
    shared.chmod(0o777)
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(shared))
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    assert runtime_root() == tmp_path / f"kyso-runtime-{os.getuid()}"
    assert not (shared / "kyso").exists()
