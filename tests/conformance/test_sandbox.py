"""The sandbox against a programmable misbehaving SUT (tests/fake_suts/fake_sut.py).

Every test ends by checking /proc: no live process carries the test's marker, so nothing the
fake started survived the case.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from conformance.sut.case_setup import minimal_env
from conformance.sut.isolation import current_isolation
from conformance.sut.process.sandbox import (
    IsolationSettings,
    SandboxError,
    SandboxLimits,
    SandboxResult,
    bubblewrap_problem,
    isolation_scope,
    run_sandboxed,
)


@pytest.fixture(autouse=True)
def _english(monkeypatch: pytest.MonkeyPatch) -> None:
    """These tests pin kyso's English wording (KYSO_LANG=en, English alone); the default
    rendering, Vietnamese first, is checked where it says so."""
    monkeypatch.setenv("KYSO_LANG", "en")


ROOT = Path(__file__).resolve().parent.parent.parent
FAKE_SUT = ROOT / "tests" / "fake_suts" / "fake_sut.py"
QUICK = SandboxLimits(timeout_seconds=1.0, kill_grace_seconds=0.5)
NOT_ISOLATED = IsolationSettings(enabled=False, reason_off="--no-isolation")
needs_bubblewrap = pytest.mark.skipif(bubblewrap_problem() is not None,
                                      reason=f"{bubblewrap_problem()}")


def _alive_with(marker: str) -> list[int]:
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            command_line = Path(f"/proc/{entry}/cmdline").read_bytes()
        except OSError:
            continue
        if marker.encode() in command_line:
            found.append(int(entry))
    return found


@pytest.fixture
def marker() -> Iterator[str]:
    marker = f"kyso-fake-sut-{uuid.uuid4().hex}"
    yield marker
    survivors = _alive_with(marker)
    for pid in survivors:  # never leak processes from a failing test into the session
        os.kill(pid, signal.SIGKILL)
    assert not survivors, f"processes of the fake SUT survived the case: {survivors}"


def _run(behaviour: str, marker: str, tmp_path: Path, limits: SandboxLimits = QUICK,
         **options: object) -> SandboxResult:
    workdir = tmp_path / "case"
    options.setdefault("watch_dirs", [tmp_path])
    return run_sandboxed([sys.executable, str(FAKE_SUT), behaviour, marker], workdir=workdir,
                         env=minimal_env(workdir), limits=limits, **options)  # type: ignore[arg-type]


def test_a_well_behaved_sut_answers_with_one_json_object(marker: str, tmp_path: Path) -> None:
    result = _run("echo-json", marker, tmp_path, stdin=b'{"case": "verifier::x::y"}')
    assert result.exit_code == 0 and result.signal is None
    assert json.loads(result.stdout) == {"version": 1, "answer": "ok", "received": ["case"]}
    assert result.describe() == "exit code 0, one JSON object on stdout"
    assert not result.leftover_processes and not result.files_outside
    assert result.workdir.stat().st_mode & 0o777 == 0o700


def test_the_environment_is_exactly_the_minimal_one(marker: str, tmp_path: Path) -> None:
    result = _run("print-env", marker, tmp_path)
    seen = json.loads(result.stdout)
    workdir = tmp_path / "case"
    assert seen["env"] == minimal_env(workdir)  # nothing of the test runner's environment
    assert seen["cwd"] == str(workdir)
    assert seen["umask"] == 0o077
    # stdin, stdout, stderr and listdir's own; no sandbox pipe but, when traced, the access
    # trace's (strace writes there; the SUT inherits it: it can add lines, not remove strace's)
    traced = current_isolation().enabled and current_isolation().trace
    assert len(seen["fds"]) == (5 if traced else 4)


def test_a_hang_is_a_timeout_and_the_group_is_killed(marker: str, tmp_path: Path) -> None:
    result = _run("sleep-forever", marker, tmp_path)  # it ignores SIGTERM
    assert result.timed_out and result.exit_code is None
    assert result.signal == "SIGKILL"
    assert result.describe() == "timeout after 1.0 s (process group killed with SIGKILL)"
    assert result.stderr_tail() == "sleeping\n"
    assert not result.supervisor_lost


@pytest.mark.parametrize(("behaviour", "signal_name"),
                         [("segfault", "SIGSEGV"), ("kill-9", "SIGKILL")])
def test_a_crash_names_the_signal(marker: str, tmp_path: Path, behaviour: str,
                                  signal_name: str) -> None:
    result = _run(behaviour, marker, tmp_path)
    assert result.exit_code is None and result.signal == signal_name
    assert not result.timed_out
    assert result.describe() == f"killed by {signal_name}"
    assert not any(path.name.startswith("core") for path in result.workdir.iterdir())


def test_huge_stdout_is_drained_but_only_the_cap_kept(marker: str, tmp_path: Path) -> None:
    limits = SandboxLimits(timeout_seconds=20, stdout_cap_bytes=65536)
    result = _run("huge-stdout", marker, tmp_path, limits=limits)
    assert result.exit_code == 0
    assert len(result.stdout) == 65536 and result.stdout_truncated
    assert result.stdout_total_bytes == 100 * 1024 * 1024
    assert "stdout exceeded the 65536-byte cap" in result.describe()


def test_an_output_flood_stops_the_case(marker: str, tmp_path: Path) -> None:
    limits = SandboxLimits(timeout_seconds=20, flood_kill_bytes=8 * 1024 * 1024)
    result = _run("huge-stdout", marker, tmp_path, limits=limits)
    assert result.flooded and not result.timed_out
    assert result.stdout_total_bytes < 100 * 1024 * 1024
    assert result.describe().startswith("output flood:")


def test_garbage_on_stdout_shows_the_first_bytes(marker: str, tmp_path: Path) -> None:
    result = _run("invalid-json", marker, tmp_path)
    assert result.exit_code == 0
    assert result.describe() == (
        "exit code 0, stdout not JSON: b'{\"version\": 1, \"indication\": TOTAL-PASSED\\n'")


def test_the_reason_is_vietnamese_first_by_default(marker: str, tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """One phrase per language: the Vietnamese reason whole, then the English one."""
    monkeypatch.delenv("KYSO_LANG")
    result = _run("invalid-json", marker, tmp_path)
    shown = "b'{\"version\": 1, \"indication\": TOTAL-PASSED\\n'"
    assert result.describe() == (f"mã thoát 0, stdout không phải JSON: {shown} / "
                                 f"exit code 0, stdout not JSON: {shown}")


def test_silence_is_reported_and_unread_stdin_does_not_block(marker: str,
                                                             tmp_path: Path) -> None:
    result = _run("silent-exit-0", marker, tmp_path, stdin=b"x" * (4 * 1024 * 1024))
    assert result.exit_code == 0 and not result.timed_out
    assert result.describe() == "exit code 0, no output on stdout"


def test_a_failing_exit_code_comes_with_the_stderr_tail(marker: str, tmp_path: Path) -> None:
    result = _run("stderr-spam-then-exit-3", marker, tmp_path,
                  limits=SandboxLimits(timeout_seconds=20, stderr_cap_bytes=4096))
    assert result.exit_code == 3
    assert result.stderr_truncated and len(result.stderr) == 4096
    assert result.stderr_tail().endswith("fatal: the last words\n")
    assert result.describe().startswith("exit code 3; stderr: ")
    assert "fatal: the last words" in result.describe()


def test_an_orphan_child_is_killed_and_reported(marker: str, tmp_path: Path) -> None:
    result = _run("orphan-child", marker, tmp_path)
    assert result.exit_code == 0 and result.stdout_json_problem() is None
    assert len(result.leftover_processes) == 1
    assert "1 leftover process(es) killed" in result.describe()


def test_a_grandchild_that_left_the_session_is_still_killed(marker: str,
                                                            tmp_path: Path) -> None:
    result = _run("orphan-setsid", marker, tmp_path)
    answer = json.loads(result.stdout)
    assert answer["grandchild_session"] != answer["session"]  # it really escaped the session
    assert answer["grandchild"] in {process.pid for process in result.leftover_processes}
    assert not result.timed_out  # its open stdout did not keep the case waiting


def test_without_isolation_a_sut_that_kills_its_supervisor_loses_its_session(
        marker: str, tmp_path: Path) -> None:
    with isolation_scope(NOT_ISOLATED):
        result = _run("kill-supervisor", marker, tmp_path)
    assert result.supervisor_lost and result.exit_code is None
    assert len(result.leftover_processes) >= 2  # the SUT itself and its sleeping child
    assert result.describe().startswith("the sandbox supervisor was killed")


@needs_bubblewrap
def test_isolated_the_supervisor_cannot_be_killed_by_the_sut(marker: str,
                                                             tmp_path: Path) -> None:
    """PID 1 of the case's namespace ignores the SUT's SIGKILL: the case runs to its timeout
    and is stopped (the marker fixture checks that its sleeping child is gone too)."""
    result = _run("kill-supervisor", marker, tmp_path)
    assert not result.supervisor_lost and result.timed_out
    assert result.describe().startswith("timeout after 1.0 s")


def test_without_isolation_writes_outside_the_directory_are_reported(
        marker: str, tmp_path: Path) -> None:
    in_tmp = Path("/tmp", f"kyso-fake-sut-{marker}.txt")
    try:
        with isolation_scope(NOT_ISOLATED):
            result = _run("write-outside", marker, tmp_path,
                          watch_dirs=[tmp_path, Path("/tmp")])
        assert {tmp_path / f"outside-{marker}.txt", in_tmp} <= set(result.files_outside)
        assert "written outside its directory" in result.describe()
    finally:
        in_tmp.unlink(missing_ok=True)


@needs_bubblewrap
def test_isolated_writes_outside_the_directory_land_nowhere_and_are_attempts(
        marker: str, tmp_path: Path) -> None:
    in_tmp = Path("/tmp", f"kyso-fake-sut-{marker}.txt")
    result = _run("write-outside", marker, tmp_path, watch_dirs=[tmp_path, Path("/tmp")])
    assert result.exit_code == 0
    assert not in_tmp.exists() and not (tmp_path / f"outside-{marker}.txt").exists()
    written = {attempt.path for attempt in result.access.attempts if attempt.kind == "outside"}
    assert {str(tmp_path / f"outside-{marker}.txt"), str(in_tmp)} <= written
    assert "2 write(s) outside its directory (contained by the sandbox)" in result.describe()


def test_writes_into_an_allowed_directory_are_not_reported(marker: str,
                                                           tmp_path: Path) -> None:
    in_tmp = Path("/tmp", f"kyso-fake-sut-{marker}.txt")
    try:
        result = _run("write-outside", marker, tmp_path, allowed_output_dirs=[tmp_path])
        assert result.files_outside == ()
        assert all(attempt.path != str(tmp_path / f"outside-{marker}.txt")
                   for attempt in result.access.attempts)
    finally:
        in_tmp.unlink(missing_ok=True)


def test_an_output_file_cannot_grow_past_the_cap(marker: str, tmp_path: Path) -> None:
    cap = 4 * 1024 * 1024
    result = _run("huge-output-file", marker, tmp_path,
                  limits=SandboxLimits(timeout_seconds=20, output_file_cap_bytes=cap))
    big = tmp_path / "case" / "big.bin"
    assert result.signal == "SIGXFSZ"
    assert result.oversized_outputs == (big,) and big.stat().st_size == cap
    assert result.describe().startswith(f"killed by SIGXFSZ: an output file reached the {cap}")


def test_a_program_ignoring_sigxfsz_meets_the_cap_as_an_error(marker: str,
                                                              tmp_path: Path) -> None:
    cap = 4 * 1024 * 1024
    result = _run("huge-output-file-python", marker, tmp_path,
                  limits=SandboxLimits(timeout_seconds=20, output_file_cap_bytes=cap))
    assert result.exit_code == 1 and "File too large" in result.stderr_tail()
    assert result.oversized_outputs == (tmp_path / "case" / "big.bin",)
    assert "output file(s) at the size cap: big.bin" in result.describe()


def test_a_missing_program_is_a_start_error(tmp_path: Path) -> None:
    workdir = tmp_path / "case"
    result = run_sandboxed(["no-such-signer"], workdir=workdir, env=minimal_env(workdir))
    assert result.start_error is not None and result.exit_code is None
    assert result.describe().startswith("could not start: 'no-such-signer' not found")


def test_each_case_needs_a_fresh_directory(tmp_path: Path) -> None:
    with pytest.raises(SandboxError, match="already exists"):
        run_sandboxed(["/bin/true"], workdir=tmp_path, env=minimal_env(tmp_path))


def _wait_until(condition: Callable[[], object], seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return False


def test_if_kyso_itself_dies_the_case_is_still_stopped(marker: str, tmp_path: Path) -> None:
    launcher = subprocess.Popen([sys.executable, "-c", (
        "import sys; from pathlib import Path\n"
        "from conformance.sut.case_setup import minimal_env\n"
        "from conformance.sut.process.sandbox import SandboxLimits, run_sandboxed\n"
        "workdir = Path(sys.argv[1])\n"
        "run_sandboxed([sys.executable, sys.argv[2], 'sleep-forever', sys.argv[3]],\n"
        "              workdir=workdir, env=minimal_env(workdir),\n"
        "              limits=SandboxLimits(timeout_seconds=600, kill_grace_seconds=0.2))\n"),
        str(tmp_path / "case"), str(FAKE_SUT), marker], cwd=ROOT)
    assert _wait_until(lambda: _alive_with(marker), 20)
    launcher.kill()  # the control pipe closes: the supervisor takes that as "stop"
    launcher.wait()
    assert _wait_until(lambda: not _alive_with(marker), 10)
