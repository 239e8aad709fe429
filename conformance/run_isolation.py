"""The run's isolation, decided once from the profile and the command line.

Process SUTs (``cli``, ``batch``, ``python`` run as a worker) start inside bubblewrap
(:mod:`conformance.sut.isolation`). Where bubblewrap cannot run, ``kyso conform``
refuses with the reason unless the tester passes ``--no-isolation``; the report then says
"isolation: none" on its first page, as it does for the kinds kyso does not start itself (a
python entry point in kyso's own process, a service the tester started, a person at a GUI).
Hidden from the SUT: the run's output folder (other cases, the results so far) and the
testbed's runtime directory; the profile's ``[adapter] read_only_paths`` are readable, and
named in the report.
"""

from __future__ import annotations

from pathlib import Path

from bilingual import say
from testbed import InvalidInputError

from .sut.isolation import strace_path
from .sut.process.sandbox import (
    IsolationSettings,
    bubblewrap_problem,
    describe,
    isolation_scope,
)
from .sut.profile import SutProfile

NOT_STARTED_BY_KYSO = {
    "manual": "a person runs the program from the test kit",
    "http": "a service the tester started; kyso only talks to it",
    "ws-oneshot": "a service the tester started; kyso only talks to it",
    "ws-session": "a service the tester started; kyso only talks to it",
    "remote-hash": "a service the tester started; kyso only talks to it",
}


def _in_process(profile: SutProfile) -> bool:
    python = profile.adapter.python
    return profile.adapter.kind == "python" and bool(getattr(python, "in_process", True))


def run_isolation(profile: SutProfile, out: Path, *, enabled: bool = True, refuse: bool = True,
                  hidden: tuple[Path, ...] = ()) -> IsolationSettings:
    """The settings for a run writing to ``out``; raises :class:`InvalidInputError` (the
    refusal) when isolation is asked for, needed and impossible here, and ``refuse`` is set."""
    extra = tuple((profile.directory / path).resolve() for path in profile.adapter.read_only_paths)
    trees = (Path(out).resolve(), *hidden)
    if not enabled:
        return IsolationSettings(enabled=False, hidden=trees, reason_off="--no-isolation")
    problem = bubblewrap_problem()
    if problem is None:
        return IsolationSettings(hidden=trees, extra_read_only=extra,
                                 trace=strace_path() is not None)
    needed = profile.adapter.kind not in NOT_STARTED_BY_KYSO and not _in_process(profile)
    if refuse and needed:
        raise InvalidInputError(f"isolation: {problem}; " + say(
            "kyso chạy phần mềm được kiểm thử trong sandbox. Hãy cài bubblewrap, hoặc dùng "
            "--no-isolation để chạy không cách ly (khi đó báo cáo ghi 'isolation: none')",
            "kyso runs the software under test in a sandbox. Install bubblewrap, or pass "
            "--no-isolation to run it unconfined (the report then says 'isolation: none')"))
    return IsolationSettings(enabled=False, hidden=trees, reason_off=problem)


def isolation_line(profile: SutProfile, settings: IsolationSettings) -> str:
    """What the report's first page says about the isolation of this run."""
    if profile.adapter.kind in NOT_STARTED_BY_KYSO:
        return f"not applicable: {NOT_STARTED_BY_KYSO[profile.adapter.kind]}"
    if _in_process(profile):
        return ("none: the python adapter runs in kyso's own process (in_process = true: "
                "trusted code only)")
    return describe(settings)


__all__ = ["IsolationSettings", "isolation_line", "isolation_scope", "run_isolation"]
