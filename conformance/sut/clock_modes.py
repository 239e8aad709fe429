"""How a SUT learns the time (``adapter.clock``), said in words, and libfaketime's environment.

Real products read the machine's clock; scenarios move the testbed years ahead. A profile says
which of three ways its software takes the case's instant:

* ``argument``: it is told, as ``{moment}`` (``--at``, ``--now``);
* ``system``: it reads the machine's clock, so kyso shifts the scenario's whole timeline to put
  each checkpoint at the real now (:mod:`conformance.system_clock`);
* ``faketime``: kyso starts the process (``cli``, ``batch``) under libfaketime (Debian
  ``faketime``) with the clock moved to the case's instant, ticking from there.

This module owns the words (``kyso adapter check`` and the results show them) and the variables
that put a process under libfaketime (the sandbox passes exactly the environment it is given).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from pathlib import Path

from bilingual import say
from testbed import InvalidInputError, wall_clock

LIBFAKETIME_PATHS = (
    Path("/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1"),
    Path("/usr/lib/aarch64-linux-gnu/faketime/libfaketime.so.1"),
    Path("/usr/lib/faketime/libfaketime.so.1"),
)
"""Where Debian's ``libfaketime`` package puts the library (per architecture)."""

CLOCK_WORDS: dict[str, tuple[str, str]] = {
    "argument": ("thời điểm của điểm kiểm tra được truyền qua {moment}; phần mềm đánh giá tại "
                 "thời điểm đó",
                 "the case's instant is passed as {moment}; the software judges at it"),
    "system": ("phần mềm đọc đồng hồ của máy; mỗi điểm kiểm tra chạy trên một testbed có dòng "
               "thời gian được dịch sao cho thời điểm của nó là hiện tại thực",
               "the software reads the machine's clock; each checkpoint is played on a testbed "
               "whose timeline is shifted so that its instant is the real now"),
    "faketime": ("tiến trình chạy dưới libfaketime, đồng hồ được dời đến thời điểm của điểm "
                 "kiểm tra",
                 "the process runs under libfaketime, its clock moved to the case's instant"),
}
"""What each clock mode means, in Vietnamese and in English."""


def clock_description(mode: str) -> str:
    """One line saying which clock is in force and what it means: ``mode — words``."""
    words = CLOCK_WORDS.get(mode)
    return f"{mode} — {say(*words)}" if words else mode


def libfaketime() -> Path:
    """The libfaketime library; a clear error when the Debian package is missing."""
    for path in LIBFAKETIME_PATHS:
        if path.is_file():
            return path
    raise InvalidInputError("adapter.clock = 'faketime': " + say(
        "chưa cài libfaketime (Debian: apt-get install faketime; tools/system-deps.sh)",
        "libfaketime is not installed (Debian: apt-get install faketime; "
        "tools/system-deps.sh)"))


def faketime_environment(environment: Mapping[str, str], instant: datetime) -> dict[str, str]:
    """``environment`` with libfaketime preloaded, the clock at ``instant`` and ticking.

    The shift is relative (``FAKETIME=+Ns``), so it does not depend on the time zone the
    process reads a date in. Monotonic clocks stay real (timeouts keep working). A preload the
    profile asks for (``[env] LD_PRELOAD``) is kept, after libfaketime.
    """
    seconds = int((instant - wall_clock()).total_seconds())
    preload = [str(libfaketime())]
    if environment.get("LD_PRELOAD"):
        preload.append(environment["LD_PRELOAD"])
    return {**environment, "LD_PRELOAD": " ".join(preload), "FAKETIME": f"{seconds:+d}s",
            "FAKETIME_DONT_FAKE_MONOTONIC": "1"}


__all__ = ["CLOCK_WORDS", "clock_description", "faketime_environment", "libfaketime"]
