"""What was observed about one sandboxed run, and the one-line reason an ERROR verdict shows.

:class:`SandboxResult` keeps the facts (exit status or signal, timeout, flood, the kept head of
stdout and tail of stderr, leftover processes, files changed outside); its ``describe()`` puts
the process-level problem first, so a verdict's reason reads like a diagnosis.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from bilingual import Said, say
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
        texts = self.stdout_json_problem_texts()
        return say(*texts) if texts is not None else None

    def stdout_json_problem_texts(self) -> tuple[str, str] | None:
        """:meth:`stdout_json_problem` as (Vietnamese, English), for a longer message."""
        shown = self.first_bytes()
        if self.stdout_truncated:
            cap, total = self.limits.stdout_cap_bytes, self.stdout_total_bytes
            return (f"stdout vượt giới hạn {cap} byte ({total} byte): {shown}",
                    f"stdout exceeded the {cap}-byte cap ({total} bytes): {shown}")
        if not self.stdout.strip():
            return "không có gì trên stdout", "no output on stdout"
        try:
            answer = json.loads(self.stdout.decode("utf-8"))
        except ValueError:
            return f"stdout không phải JSON: {shown}", f"stdout not JSON: {shown}"
        if not isinstance(answer, dict):
            return (f"stdout là JSON nhưng không phải đối tượng: {shown}",
                    f"stdout is JSON but not an object: {shown}")
        return None

    def describe(self) -> Said:
        """A one-line reason, the process-level problem first, e.g. for an ERROR verdict; it
        keeps its Vietnamese and English apart (:class:`bilingual.Said`), so a result's
        ``reason`` holds the English and ``reason_vi`` the Vietnamese."""
        parts = [self._main_reason(), *self._notes()]
        return say("; ".join(vi for vi, _ in parts), "; ".join(en for _, en in parts))

    def _main_reason(self) -> tuple[str, str]:
        """The process-level problem, (Vietnamese, English)."""
        tail = self.stderr_tail(300).strip()
        stderr = f"; stderr: {tail!r}" if tail else ""
        if self.start_error is not None:
            return (f"không khởi động được: {self.start_error}",
                    f"could not start: {self.start_error}")
        if self.supervisor_lost:
            return ("tiến trình giám sát sandbox bị dừng (do phần mềm được kiểm thử?); không "
                    "rõ trạng thái thoát",
                    "the sandbox supervisor was killed (by the SUT?); exit status unknown")
        if self.timed_out:
            seconds = f"{self.limits.timeout_seconds:.1f}"
            return (f"hết thời gian sau {seconds} s (nhóm tiến trình bị dừng"
                    + (f" bằng {self.signal}" if self.signal else "") + ")",
                    f"timeout after {seconds} s (process group killed"
                    + (f" with {self.signal}" if self.signal else "") + ")")
        if self.flooded:
            total = self.stdout_total_bytes + self.stderr_total_bytes
            return (f"tràn đầu ra: {total} byte trên stdout/stderr, nhóm tiến trình bị dừng",
                    f"output flood: {total} bytes on stdout/stderr, process group stopped")
        if self.signal == "SIGXFSZ":
            cap = self.limits.output_file_cap_bytes
            return (f"bị dừng bởi SIGXFSZ: một tệp đầu ra chạm giới hạn {cap} byte",
                    f"killed by SIGXFSZ: an output file reached the {cap}-byte cap")
        if self.signal is not None:
            return f"bị dừng bởi {self.signal}{stderr}", f"killed by {self.signal}{stderr}"
        if self.exit_code != 0:
            return f"mã thoát {self.exit_code}{stderr}", f"exit code {self.exit_code}{stderr}"
        problem = self.stdout_json_problem_texts()
        if problem is not None:
            return (f"mã thoát 0, {problem[0]}", f"exit code 0, {problem[1]}")
        return ("mã thoát 0, một đối tượng JSON trên stdout",
                   "exit code 0, one JSON object on stdout")

    def _notes(self) -> list[tuple[str, str]]:
        """What else the process did, each note as (Vietnamese, English)."""
        notes: list[tuple[str, str]] = []
        if self.leftover_processes:
            count = len(self.leftover_processes)
            names = ", ".join(f"{p.name}[{p.pid}]" for p in self.leftover_processes)
            notes.append((f"đã dừng {count} tiến trình còn sót: {names}",
                          f"{count} leftover process(es) killed: {names}"))
        if self.files_outside:
            count = len(self.files_outside)
            paths = ", ".join(str(path) for path in self.files_outside[:3])
            notes.append((f"{count} tệp được ghi ra ngoài thư mục của nó: {paths}",
                          f"{count} file(s) written outside its directory: {paths}"))
        if self.oversized_outputs:
            names = ", ".join(path.name for path in self.oversized_outputs[:3])
            notes.append((f"tệp đầu ra chạm giới hạn kích thước: {names}",
                          f"output file(s) at the size cap: {names}"))
        for kind, count in self.access.counts:
            vietnamese, english = _ACCESS_NOTES[kind]
            notes.append((vietnamese.replace("{}", str(count)), english.replace("{}", str(count))))
        if not self.sweep_complete:
            notes.append(("không dừng được hết các tiến trình còn sót",
                          "leftover processes could not all be killed"))
        return notes


_ACCESS_NOTES = {
    "denied": ("{} lần truy cập bị sandbox từ chối", "{} access(es) denied by the sandbox"),
    "hidden": ("{} lần cố truy cập tệp mà điểm kiểm tra không cấp",
               "{} attempt(s) to reach files its case did not give it"),
    "outside": ("{} lần ghi ra ngoài thư mục của nó (bị sandbox chặn lại)",
                "{} write(s) outside its directory (contained by the sandbox)"),
}
"""What each kind of access the trace counted means, Vietnamese and English ({}: the count)."""


__all__ = ["LeftoverProcess", "SandboxResult"]
