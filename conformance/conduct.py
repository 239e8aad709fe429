"""What the program did in its case besides its answer, as findings with the policy's cost.

The process adapters write what the sandbox saw into each call's ``command*.json``: a PIN on
its stdout or stderr (``pin_printed``) or in a file it wrote (``pin_written``; both redacted),
processes left running when its main process ended (``leftover_processes``: killed), and the
file calls the access trace caught (``access``: :mod:`conformance.sut.process.sandbox.
access_trace`): refused by the sandbox (``denied``), aimed at what its case did not give it
(``hidden``: the testbed, its keys and PINs, other cases, other processes), or writes outside
its directory that the sandbox contained (``outside``).

The catalogue has no clause on any of these, so a finding names no requirement and does not
change the case's verdict (which is about the answer); its severity is the validation
policy's ``conduct`` entry (default: WARNING; the strict policy: FAIL).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from reports import SEVERITY_WORDS, Finding, FindingCategory, Verdict

from .policy import Policy

PIN_PRINTED = "pin-printed"
LEFT_RUNNING = "left-running"
ACCESS_DENIED = "access-denied"
REACHED_HIDDEN = "reached-hidden"
WROTE_OUTSIDE = "wrote-outside"
CONDUCT_CHECKS = (PIN_PRINTED, LEFT_RUNNING, ACCESS_DENIED, REACHED_HIDDEN, WROTE_OUTSIDE)
"""The conduct checks a policy's ``conduct`` table may rate."""

_SHOWN_PATHS = 3

_Seen = tuple[str, str, str]
"""What a conduct check found: (actual, why it matters in English, in Vietnamese)."""


def _calls(case_directory: Path) -> list[tuple[str, dict[str, Any]]]:
    calls = []
    for command_file in sorted(case_directory.rglob("command*.json")):
        try:
            facts = json.loads(command_file.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if isinstance(facts, dict):
            calls.append((command_file.name, facts))
    return calls


def _pin(calls: list[tuple[str, dict[str, Any]]]) -> _Seen | None:
    files = [name for name, facts in calls
             if facts.get("pin_printed") is True or facts.get("pin_written")]
    if not files:
        return None
    return ("the program printed the PIN on its stdout or stderr, or wrote it in a file "
            f"({', '.join(files)}; redacted as *** in the evidence)",
            "the program showed the PIN it was given: anyone reading its output or logs "
            "learns it",
            "phần mềm để lộ mã PIN được giao: ai đọc đầu ra hoặc nhật ký của nó cũng biết mã PIN")


def _left(calls: list[tuple[str, dict[str, Any]]]) -> _Seen | None:
    left = [process for _, facts in calls for process in facts.get("leftover_processes") or []]
    if not left:
        return None
    return (f"{len(left)} process(es) still running when its main process ended, killed by "
            f"the sandbox: {', '.join(map(str, left[:5]))}",
            "a program that leaves processes behind keeps running after it answered",
            "phần mềm để sót tiến trình vẫn tiếp tục chạy sau khi đã trả lời")


def _attempts(kind: str, actual: str, reason: str, reason_vi: str
              ) -> Callable[[list[tuple[str, dict[str, Any]]]], _Seen | None]:
    def observe(calls: list[tuple[str, dict[str, Any]]]) -> _Seen | None:
        count = sum(int((facts.get("access") or {}).get("counts", {}).get(kind, 0))
                    for _, facts in calls)
        if not count:
            return None
        paths = list(dict.fromkeys(
            f"{attempt.get('path')} ({attempt.get('call')}"
            f"{', ' + attempt['error'] if attempt.get('error') else ''})"
            for _, facts in calls for attempt in (facts.get("access") or {}).get("attempts", [])
            if attempt.get("kind") == kind))
        return (f"{count} {actual}: {', '.join(paths[:_SHOWN_PATHS])}"
                f"{' …' if len(paths) > _SHOWN_PATHS else ''}", reason, reason_vi)
    return observe


_OBSERVERS: dict[str, tuple[str, Callable[[list[tuple[str, dict[str, Any]]]],
                                          _Seen | None]]] = {
    PIN_PRINTED: ("the PIN is never printed", _pin),
    LEFT_RUNNING: ("no process left running after the answer", _left),
    REACHED_HIDDEN: ("only the files its case gives it are opened", _attempts(
        "hidden", "attempt(s) to reach files its case did not give it (hidden by the sandbox)",
        "the program looked for files of the testbed, other cases or other processes",
        "phần mềm tìm đến tệp của môi trường thử, của điểm kiểm tra khác hoặc tiến trình "
        "khác")),
    ACCESS_DENIED: ("no access the system refuses", _attempts(
        "denied", "access(es) refused by the sandbox",
        "the program tried to change the read-only system or read files only root may",
        "phần mềm tìm cách sửa hệ thống chỉ đọc hoặc đọc tệp chỉ quản trị viên (root) được "
        "đọc")),
    WROTE_OUTSIDE: ("writes only in its own directory and output folder", _attempts(
        "outside", "write(s) outside its directory, contained by the sandbox",
        "the program wrote outside the directory it was given (HOME and TMPDIR point there)",
        "phần mềm ghi ra ngoài thư mục được giao (HOME và TMPDIR trỏ tới thư mục đó)")),
}


def conduct_findings(case_directory: Path, policy: Policy) -> list[Finding]:
    """The conduct findings of one case (see the module docstring), each at the policy's
    cost; none when the program behaved."""
    calls = _calls(case_directory)
    findings = []
    for check, (expected, observe) in _OBSERVERS.items():
        seen = observe(calls)
        if seen is None:
            continue
        actual, reason, reason_vi = seen
        severity = policy.conduct_severity(check)
        findings.append(Finding(
            check=check, category=FindingCategory.TECHNICAL, requirements=[], expected=expected,
            actual=actual, verdict=Verdict.FAIL, severity=severity,
            reason=f"{reason} (no clause of the catalogue names this: the policy rates it "
                   f"{severity.value}; the verdict is about the answer)",
            reason_vi=f"{reason_vi} (không điều khoản nào của danh mục yêu cầu nói về việc này: "
                      f"chính sách đánh giá xếp nó mức {SEVERITY_WORDS[severity].vi.lower()} "
                      f"({severity.value}); kết quả của điểm kiểm tra chỉ xét câu trả lời)"))
    return findings


__all__ = ["ACCESS_DENIED", "CONDUCT_CHECKS", "LEFT_RUNNING", "PIN_PRINTED", "REACHED_HIDDEN",
           "WROTE_OUTSIDE", "conduct_findings"]
