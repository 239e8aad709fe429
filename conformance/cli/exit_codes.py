"""The one map from outcomes and errors to ``kyso``'s exit codes, for every command.

One contract, so that a script can tell a signature from a refusal without reading the text:
0 done (the command did what it was asked, the document is valid, every check passed); 1 refused,
not valid or failed (the signer refused, the verifier found the document not valid, the CA
refused an operation the testbed's state forbids, some check FAILED); 2 a usage or input error
(bad option, missing file, unknown subscriber: a one-line message naming the file, field or
value, never a traceback; nothing was judged); 3 an error (some check ERRORED, the software under
test or a service gave no usable answer, kyso itself broke); 130 interrupted (Ctrl-C); 141 the
output's reader went away (``kyso … | head``). A file-system error on a path the user named
(``--dir`` naming a file, ``--out /proc/x``) is an input error: one line, both languages. Every
package reports a user's mistake as a :class:`~testbed.errors.TestbedError` (its subclasses:
``ProfileError``, ``PolicyError``, ``ScenarioFileError``, ...); this module turns it into the
message and the code, so no command decides that for itself. The reference verifier and
``kyso adapter check`` name their outcomes with the aliases below rather than numbers of their
own.
"""

from __future__ import annotations

import contextlib
import errno
import os
import sys
from enum import IntEnum

from bilingual import say
from testbed import InvalidStateError, TestbedError


class ExitCode(IntEnum):
    """What ``kyso``'s exit status means (the same for every subcommand)."""

    OK = 0
    """Done: every check passed, the document is valid, or the command did what it was asked."""
    FAILED = 1
    """Refused, not valid, or some check FAILED: an answer, but not the one hoped for."""
    USAGE = 2
    """A usage, configuration or input error; nothing was judged."""
    ERROR = 3
    """An error: some check ERRORED, or a program or service gave no usable answer."""
    INTERRUPTED = 130
    """Ctrl-C (128 + SIGINT, as shells report it)."""
    PIPE_CLOSED = 141
    """The program reading the output closed it (``| head``): 128 + SIGPIPE, as shells report
    a program killed by it; nothing more is printed (the reader has all it wanted)."""

    # aliases (the same numbers), so that each command says what its outcome is
    VALID = 0
    """``kyso verify``: every signature TOTAL-PASSED."""
    REFUSED = 1
    """A signer, an archive tool or the testbed refused what was asked."""
    NOT_VALID = 1
    """``kyso verify``: no signature, or one that is not TOTAL-PASSED."""
    INPUT = 2
    """The input could not be checked at all (not a PDF, unreadable, a bad profile)."""


def contract() -> str:
    """The contract in one paragraph, as ``kyso --help`` and every command's help end (in the
    language chosen when the parser is built)."""
    return say("mã thoát: 0 xong, hợp lệ; 1 từ chối, không hợp lệ, không đạt; 2 sai cách dùng "
               "hoặc đầu vào; 3 lỗi (không có câu trả lời dùng được); 130 bị ngắt; 141 nơi đọc "
               "đầu ra đã đóng",
               "exit codes: 0 done, valid; 1 refused, not valid, failed; 2 usage or input error; "
               "3 error (no usable answer); 130 interrupted; 141 output reader closed")


ERROR_EXIT_CODES: tuple[tuple[type[BaseException], ExitCode], ...] = (
    (InvalidStateError, ExitCode.REFUSED),
    (TestbedError, ExitCode.USAGE),
    (BrokenPipeError, ExitCode.PIPE_CLOSED),  # an OSError: before the next line
    (OSError, ExitCode.USAGE),
    (KeyboardInterrupt, ExitCode.INTERRUPTED),
)
"""Errors a command may raise, in the order they are matched, and the code each one means:
an operation the testbed's state forbids (revoking twice, a lost token) is a refusal; any
other user mistake is a usage or input error."""

HANDLED_ERRORS: tuple[type[BaseException], ...] = tuple(kind for kind, _ in ERROR_EXIT_CODES)
"""The exception types :func:`exit_code_for` knows; anything else escaping a command is a bug."""


def exit_code_for(error: BaseException) -> ExitCode:
    """Say a user's mistake (or a refusal) in one line on stderr; the exit code it means."""
    for kind, code in ERROR_EXIT_CODES:
        if isinstance(error, kind):
            if code is ExitCode.PIPE_CLOSED:
                detach_stdout()
            elif code is not ExitCode.INTERRUPTED:
                _say(f"kyso: {one_line(error)}")
            return code
    raise error


def one_line(error: BaseException) -> str:
    """The message of ``error`` in one line: a file-system error names the path and says what
    went wrong in Vietnamese, then English (``str(OSError)`` is "[Errno 20] Not a directory: 'x'",
    English only, and the errno means nothing to a person)."""
    if isinstance(error, OSError) and not isinstance(error, TestbedError):
        reason = error.strerror or str(error)
        vietnamese = _VIETNAMESE_REASONS.get(error.errno, reason)
        if error.filename is None:  # not a path: a socket, a pipe, the system
            return say(f"lỗi vào/ra ({vietnamese})", f"input-output error ({reason})")
        return say(f"{error.filename}: không đọc hoặc ghi được ({vietnamese})",
                   f"{error.filename}: cannot read or write it ({reason})")
    return str(error)  # a TestbedError is one line already, by its family's contract


_VIETNAMESE_REASONS = {
    errno.ENOENT: "không có tệp hoặc thư mục này", errno.EACCES: "không có quyền",
    errno.EPERM: "không được phép", errno.EEXIST: "đã có", errno.ENOTDIR: "không phải thư mục",
    errno.EISDIR: "là một thư mục", errno.ENOSPC: "hết chỗ trên đĩa",
    errno.EROFS: "hệ thống tệp chỉ đọc", errno.ENAMETOOLONG: "tên quá dài",
}
"""The file-system errors a mistyped path gives, in Vietnamese words."""


def detach_stdout() -> None:
    """Point stdout at /dev/null: the reader is gone, and the interpreter's last flush of what
    is still buffered must not fail a second time (Python's advice for SIGPIPE)."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):  # stdout already closed or not a file: nothing to flush
        pass


def _say(line: str) -> None:
    """``line`` on stderr, unless stderr is the closed pipe too (``2>&1 | head``)."""
    with contextlib.suppress(BrokenPipeError, ValueError):
        print(line, file=sys.stderr, flush=True)


__all__ = ["ERROR_EXIT_CODES", "HANDLED_ERRORS", "ExitCode", "contract", "detach_stdout",
           "exit_code_for", "one_line"]
