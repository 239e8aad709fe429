"""The one map from outcomes and errors to ``kyso``'s exit codes, for every command.

0 everything passed (or the command did what it was asked); 1 some check FAILED; 2 a usage or
input error (bad option, missing file, unknown subscriber: a one-line message naming the file,
field or value, never a traceback); 3 some check ERRORED (the software under test gave no usable
answer); 130 interrupted (Ctrl-C). Every package reports a user's mistake as a
:class:`~testbed.errors.TestbedError` (its subclasses: ``ProfileError``, ``PolicyError``,
``ScenarioFileError``, ...); this module turns it into the message and the code, so no command
decides that for itself.
"""

from __future__ import annotations

import sys
from enum import IntEnum

from testbed import TestbedError


class ExitCode(IntEnum):
    """What ``kyso``'s exit status means (the same for every subcommand)."""

    OK = 0
    """Every check passed, or the command did what it was asked."""
    FAILED = 1
    """Some check FAILED: the program answered, wrongly."""
    USAGE = 2
    """A usage, configuration or input error; nothing was judged."""
    ERROR = 3
    """Some check ERRORED: the program gave no usable answer."""
    INTERRUPTED = 130
    """Ctrl-C (128 + SIGINT, as shells report it)."""


ERROR_EXIT_CODES: tuple[tuple[type[BaseException], ExitCode], ...] = (
    (TestbedError, ExitCode.USAGE),
    (KeyboardInterrupt, ExitCode.INTERRUPTED),
)
"""Errors a command may raise, in the order they are matched, and the code each one means."""

HANDLED_ERRORS: tuple[type[BaseException], ...] = tuple(kind for kind, _ in ERROR_EXIT_CODES)
"""The exception types :func:`exit_code_for` knows; anything else escaping a command is a bug."""


def exit_code_for(error: BaseException) -> ExitCode:
    """Say a user's mistake in one line on stderr; the exit code that ``error`` means."""
    for kind, code in ERROR_EXIT_CODES:
        if isinstance(error, kind):
            if code is ExitCode.USAGE:
                print(f"kyso: {error}", file=sys.stderr)
            return code
    raise error


__all__ = ["ERROR_EXIT_CODES", "HANDLED_ERRORS", "ExitCode", "exit_code_for"]
