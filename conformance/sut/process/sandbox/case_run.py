"""kyso's side of one sandboxed case: the supervisor process, its pipes, and the stop order.

:class:`CaseRun` starts the supervisor (:mod:`.supervisor`) in its own session, writes the
order, feeds stdin and reads stdout, stderr and the status pipe in one ``selectors`` loop
(keeping the head of stdout and the tail of stderr), orders a stop at the timeout or on an
output flood, and, if the supervisor is lost, kills what is left of its session (the
backstop). It then turns the status lines into a :class:`~.result.SandboxResult`.
"""

from __future__ import annotations

import contextlib
import os
import selectors
import signal
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from conformance.sut.process.sandbox.limits import MEBIBYTE, SandboxLimits
from conformance.sut.process.sandbox.result import LeftoverProcess, SandboxResult

TRACE_CAP_BYTES = 8 * MEBIBYTE  # strace's lines kept; beyond, the rest are counted only
_BACKSTOP_SECONDS = 5.0  # extra time given to the supervisor after a stop, before kyso kills it
SUPERVISOR_SOURCE = Path(__file__).with_name("supervisor.py").read_text(encoding="utf-8")
"""The supervisor program, run as ``python -I -S -c SUPERVISOR_SOURCE CONTROL_FD STATUS_FD``."""


class CaseRun:
    """The kyso side of one case: the supervisor process, its pipes, what was read."""

    def __init__(self, command: tuple[str, ...], workdir: Path, limits: SandboxLimits) -> None:
        self.command, self.workdir, self.limits = command, workdir, limits
        self.stdout, self.stderr, self.status = bytearray(), bytearray(), bytearray()
        self.trace = bytearray()
        self.stdout_total = self.stderr_total = 0
        self.timed_out = self.flooded = self.supervisor_lost = False
        self.start_error: str | None = None
        self.leftovers: list[LeftoverProcess] = []

    def supervise(self, spec: bytes, stdin: bytes | None, started: float, *,
                  prefix: Sequence[str] = (), trace_pipe: tuple[int, int] | None = None
                  ) -> None:
        """Run the supervisor (behind ``prefix``: bubblewrap's command line, when isolated)
        with ``spec``; ``trace_pipe`` (read, write): the access trace's pipe, whose write end
        the supervisor hands to the SUT's side."""
        control_read, control_write = os.pipe()
        status_read, status_write = os.pipe()
        trace_read, trace_write = trace_pipe or (-1, -1)
        theirs = tuple(fd for fd in (control_read, status_write, trace_write) if fd >= 0)
        try:
            supervisor = subprocess.Popen(
                [*prefix, sys.executable, "-I", "-S", "-X", "utf8", "-c", SUPERVISOR_SOURCE,
                 str(control_read), str(status_write), str(trace_write)],
                stdin=subprocess.DEVNULL if stdin is None else subprocess.PIPE,
                stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=self.workdir, env={},
                start_new_session=True, pass_fds=theirs)
        except OSError as error:
            self.start_error = f"sandbox supervisor did not start: {error}"
            for fd in (control_read, control_write, status_read, status_write, trace_read,
                       trace_write):
                if fd >= 0:
                    os.close(fd)
            return
        for fd in theirs:
            os.close(fd)
        try:
            os.write(control_write, f"{len(spec)}\n".encode() + spec)
            self._pump(supervisor, control_write, status_read, stdin, started, trace_read)
        except BrokenPipeError:
            self.supervisor_lost = True
        finally:
            os.close(control_write)
            os.close(status_read)
            if trace_read >= 0:
                os.close(trace_read)
            for stream in (supervisor.stdin, supervisor.stdout, supervisor.stderr):
                if stream is not None:
                    stream.close()
            if self.supervisor_lost:
                _kill_group(supervisor.pid)
            try:
                supervisor.wait(timeout=_BACKSTOP_SECONDS)
            except subprocess.TimeoutExpired:
                _kill_group(supervisor.pid)
                supervisor.wait()
                self.supervisor_lost = True
            if self.supervisor_lost or b"subreaper 1" not in self.status:
                self._kill_session(supervisor.pid)

    def _pump(self, supervisor: subprocess.Popen[bytes], control: int, status: int,
              stdin: bytes | None, started: float, trace: int = -1) -> None:
        """Feed stdin, read stdout/stderr/status (and the trace) until all close; stop the
        case when due."""
        assert supervisor.stdout is not None and supervisor.stderr is not None
        selector = selectors.DefaultSelector()
        readers = {supervisor.stdout.fileno(): "stdout", supervisor.stderr.fileno(): "stderr",
                   status: "status"}
        if trace >= 0:
            readers[trace] = "trace"
        for fd in readers:
            os.set_blocking(fd, False)
            selector.register(fd, selectors.EVENT_READ)
        pending = memoryview(stdin or b"")
        if supervisor.stdin is not None:
            if pending:
                os.set_blocking(supervisor.stdin.fileno(), False)
                selector.register(supervisor.stdin.fileno(), selectors.EVENT_WRITE)
            else:
                supervisor.stdin.close()
        deadline = started + self.limits.timeout_seconds
        give_up_at: float | None = None  # set once the case is stopped or the supervisor gone
        while readers:
            now = time.monotonic()
            if give_up_at is None and (now >= deadline or self.flooded):
                self.timed_out = not self.flooded
                with contextlib.suppress(BrokenPipeError):  # then the status pipe says why
                    os.write(control, b"stop\n")
                give_up_at = now + self.limits.kill_grace_seconds + _BACKSTOP_SECONDS
            if give_up_at is not None and now >= give_up_at:
                # The supervisor is stuck (lost), or it finished and something it could not
                # reach still holds stdout/stderr: stop reading either way.
                self.supervisor_lost = self.supervisor_lost or status in readers
                break
            wait = (give_up_at if give_up_at is not None else deadline) - now
            for key, _ in selector.select(timeout=max(wait, 0.0)):
                fd = int(key.fd)
                if fd not in readers:
                    pending = self._feed(selector, fd, pending, supervisor)
                    continue
                chunk = os.read(fd, 1 << 20)
                if not chunk:
                    selector.unregister(fd)
                    name = readers.pop(fd)
                    if name == "status":
                        if not self.status.endswith(b"done\n"):
                            self.supervisor_lost = True  # nobody watches the SUT any more
                            self._kill_session(supervisor.pid)
                        give_up_at = min(give_up_at or deadline, time.monotonic() + 1.0)
                    continue
                self._keep(readers[fd], chunk)
        selector.close()

    def _feed(self, selector: selectors.BaseSelector, fd: int, pending: memoryview,
              supervisor: subprocess.Popen[bytes]) -> memoryview:
        try:
            pending = pending[os.write(fd, pending[:1 << 16]):]
        except BrokenPipeError:
            pending = pending[:0]  # the SUT stopped reading: its answer will tell
        if not pending:
            selector.unregister(fd)
            assert supervisor.stdin is not None
            supervisor.stdin.close()
        return pending

    def _keep(self, stream: str, chunk: bytes) -> None:
        if stream == "status":
            self.status += chunk[:MEBIBYTE]
        elif stream == "trace":
            self.trace += chunk[:max(TRACE_CAP_BYTES - len(self.trace), 0)]
            return  # strace's own lines: not the SUT's output, no flood
        elif stream == "stdout":
            self.stdout_total += len(chunk)
            self.stdout += chunk[:max(self.limits.stdout_cap_bytes - len(self.stdout), 0)]
        else:
            self.stderr_total += len(chunk)
            self.stderr += chunk
            if len(self.stderr) > 2 * self.limits.stderr_cap_bytes:
                del self.stderr[:-self.limits.stderr_cap_bytes]
        if self.stdout_total + self.stderr_total > self.limits.flood_kill_bytes:
            self.flooded = True

    def _kill_session(self, session: int) -> None:
        """Backstop: SIGKILL every process still in the supervisor's session, and record it."""
        victims = []
        for pid, name, state, process_session in _processes():
            if process_session == session and state not in "ZX":
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    continue
                victims.append(pid)
                if all(left.pid != pid for left in self.leftovers):
                    self.leftovers.append(LeftoverProcess(pid, name))
        deadline = time.monotonic() + 1.0
        while victims and time.monotonic() < deadline:
            alive = {pid for pid, _, state, _ in _processes() if state not in "ZX"}
            victims = [pid for pid in victims if pid in alive]
            time.sleep(0.005)

    def result(self, duration: float, outside: list[Path], outside_complete: bool,
               oversized: list[Path]) -> SandboxResult:
        exit_code: int | None = None
        signal_name: str | None = None
        sweep_complete = True
        for line in self.status.decode("utf-8", "replace").splitlines():
            word, _, rest = line.partition(" ")
            if word == "exit":
                code = int(rest)
                exit_code, signal_name = (code, None) if code >= 0 else (None, _signal_name(-code))
            elif word == "start-error":
                self.start_error = rest
            elif word == "leftover":
                pid, _, name = rest.partition(" ")
                self.leftovers.append(LeftoverProcess(int(pid), name))
            elif word == "sweep-incomplete":
                sweep_complete = False
        if self.start_error is not None:
            exit_code = None
        if self.supervisor_lost:
            exit_code = signal_name = None
        return SandboxResult(
            command=self.command, workdir=self.workdir, exit_code=exit_code, signal=signal_name,
            timed_out=self.timed_out, flooded=self.flooded, duration_seconds=duration,
            stdout=bytes(self.stdout), stderr=bytes(self.stderr[-self.limits.stderr_cap_bytes:]),
            stdout_truncated=self.stdout_total > len(self.stdout),
            stderr_truncated=self.stderr_total > self.limits.stderr_cap_bytes,
            stdout_total_bytes=self.stdout_total, stderr_total_bytes=self.stderr_total,
            limits=self.limits,
            leftover_processes=tuple(sorted(set(self.leftovers), key=lambda p: p.pid)),
            files_outside=tuple(outside), outside_scan_complete=outside_complete,
            oversized_outputs=tuple(oversized), start_error=self.start_error,
            supervisor_lost=self.supervisor_lost, sweep_complete=sweep_complete)


def _kill_group(group: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(group, signal.SIGKILL)


def _signal_name(number: int) -> str:
    try:
        return signal.Signals(number).name
    except ValueError:
        return f"signal {number}"


def _processes() -> list[tuple[int, str, str, int]]:
    """(pid, name, state, session id) of every process visible in /proc."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", encoding="utf-8", errors="replace") as stat:
                text = stat.read()
        except OSError:
            continue
        name = text[text.index("(") + 1:text.rindex(")")]
        fields = text[text.rindex(")") + 2:].split()
        found.append((int(entry), name, fields[0], int(fields[3])))
    return found


__all__ = ["SUPERVISOR_SOURCE", "CaseRun"]
