"""What was observed about one sandboxed run, and the one-line reason an ERROR verdict shows.

:class:`SandboxResult` keeps the facts (exit status or signal, timeout, flood, the kept head of
stdout and tail of stderr, leftover processes, files changed outside); its ``describe()`` puts
the process-level problem first, so a verdict's reason reads like a diagnosis.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from conformance.sut.process.sandbox.access_trace import AccessReport
from conformance.sut.process.sandbox.limits import SandboxLimits


@dataclass(frozen=True)
class LeftoverProcess:
    """A process of the SUT's tree still alive after its main process ended; it was killed.

    After a timeout or flood the SUT's group is killed first, so members still dying at the
    sweep may be listed too; processes that left the group (setsid) always are.
    """

    pid: int
    name: str
    """The kernel's short command name (``/proc/<pid>/stat``), e.g. ``python3`` or ``sleep``."""


@dataclass(frozen=True)
class SandboxResult:
    """Everything observed about one sandboxed run; :meth:`describe` turns it into a reason."""

    command: tuple[str, ...]
    workdir: Path
    exit_code: int | None
    """Exit status if the process exited; None if a signal ended it or it never ran."""
    signal: str | None
    """Name of the signal that ended the main process (``SIGKILL``, ``SIGSEGV``...)."""
    timed_out: bool
    flooded: bool
    """Stopped because stdout + stderr exceeded ``flood_kill_bytes``."""
    duration_seconds: float
    stdout: bytes
    stderr: bytes
    stdout_truncated: bool
    stderr_truncated: bool
    stdout_total_bytes: int
    stderr_total_bytes: int
    limits: SandboxLimits
    leftover_processes: tuple[LeftoverProcess, ...] = ()
    files_outside: tuple[Path, ...] = ()
    """Files in the watched directories, outside the allowed ones, changed during the run."""
    outside_scan_complete: bool = True
    oversized_outputs: tuple[Path, ...] = ()
    """Files in the working/allowed directories, changed during the run, at the file cap."""
    start_error: str | None = None
    """Why the SUT could not be started (not found, not executable...)."""
    supervisor_lost: bool = False
    """The supervisor died (the SUT may have killed it): exit status unknown."""
    sweep_complete: bool = True
    isolation: str = "none"
    """How the SUT was isolated (:func:`conformance.sut.isolation.describe`), for the evidence
    and the report."""
    access: AccessReport = AccessReport()
    """What it tried to touch that its case did not give it (:mod:`.access_trace`)."""

    def stderr_tail(self, characters: int = 2000) -> str:
        """The last ``characters`` of stderr, decoded leniently."""
        return self.stderr.decode("utf-8", "replace")[-characters:]

    def first_bytes(self, count: int = 200) -> str:
        """A safe ``repr`` of the first ``count`` bytes of stdout, marked if cut."""
        shown = repr(self.stdout[:count])
        return shown + ("..." if self.stdout_total_bytes > count else "")

    def stdout_json_problem(self) -> str | None:
        """None if stdout is exactly one JSON object, else what is wrong with it."""
        if self.stdout_truncated:
            return (f"stdout exceeded the {self.limits.stdout_cap_bytes}-byte cap "
                    f"({self.stdout_total_bytes} bytes): {self.first_bytes()}")
        if not self.stdout.strip():
            return "no output on stdout"
        try:
            answer = json.loads(self.stdout.decode("utf-8"))
        except ValueError:
            return f"stdout not JSON: {self.first_bytes()}"
        if not isinstance(answer, dict):
            return f"stdout is JSON but not an object: {self.first_bytes()}"
        return None

    def describe(self) -> str:
        """A one-line reason, the process-level problem first, e.g. for an ERROR verdict."""
        return "; ".join([self._main_reason(), *self._notes()])

    def _main_reason(self) -> str:
        tail = self.stderr_tail(300).strip()
        stderr = f"; stderr: {tail!r}" if tail else ""
        if self.start_error is not None:
            return f"could not start: {self.start_error}"
        if self.supervisor_lost:
            return "the sandbox supervisor was killed (by the SUT?); exit status unknown"
        if self.timed_out:
            ended = f" with {self.signal}" if self.signal else ""
            return (f"timeout after {self.limits.timeout_seconds:.1f} s "
                    f"(process group killed{ended})")
        if self.flooded:
            total = self.stdout_total_bytes + self.stderr_total_bytes
            return f"output flood: {total} bytes on stdout/stderr, process group stopped"
        if self.signal == "SIGXFSZ":
            cap = self.limits.output_file_cap_bytes
            return f"killed by SIGXFSZ: an output file reached the {cap}-byte cap"
        if self.signal is not None:
            return f"killed by {self.signal}{stderr}"
        if self.exit_code != 0:
            return f"exit code {self.exit_code}{stderr}"
        problem = self.stdout_json_problem()
        return f"exit code 0, {problem}" if problem else "exit code 0, one JSON object on stdout"

    def _notes(self) -> list[str]:
        notes = []
        if self.leftover_processes:
            notes.append(f"{len(self.leftover_processes)} leftover process(es) killed: "
                         + ", ".join(f"{p.name}[{p.pid}]" for p in self.leftover_processes))
        if self.files_outside:
            notes.append(f"{len(self.files_outside)} file(s) written outside its directory: "
                         + ", ".join(str(path) for path in self.files_outside[:3]))
        if self.oversized_outputs:
            notes.append("output file(s) at the size cap: "
                         + ", ".join(path.name for path in self.oversized_outputs[:3]))
        for kind, count in self.access.counts:
            notes.append(f"{count} {_ACCESS_NOTES[kind]}")
        if not self.sweep_complete:
            notes.append("leftover processes could not all be killed")
        return notes


_ACCESS_NOTES = {
    "denied": "access(es) denied by the sandbox",
    "hidden": "attempt(s) to reach files its case did not give it",
    "outside": "write(s) outside its directory (contained by the sandbox)",
}


__all__ = ["LeftoverProcess", "SandboxResult"]
