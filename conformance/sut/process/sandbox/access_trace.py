"""What the SUT tried to touch: its file system calls, traced by strace, read as attempts.

The sandbox (:mod:`conformance.sut.isolation`) makes the attempts fail; this module makes them
*evidence*.
Inside the sandbox the SUT runs under ``strace -f --seccomp-bpf`` (only the file calls below
stop the process: about 1 ms more for a Python program that imports pyHanko), and the trace
leaves through a pipe to kyso. Each traced call is sorted into one of three kinds:

* ``denied``: the kernel refused it (EACCES, EPERM, EROFS): a write to the read-only system, a
  read of a root-only file;
* ``hidden``: it named something the case did not give (ENOENT/ENOTDIR under a hidden tree: the
  run's output folder, the testbed, its keys and PINs; another process's ``/proc`` entry);
* ``outside``: a write that *succeeded* outside its working directory and granted folders
  (into the sandbox's private ``/tmp``, which vanishes with it).

Limits: a relative path is read against the working directory (a SUT that changed directory
first is misplaced); the SUT can write to the trace pipe too (it inherits it), so it can add
lines but not remove strace's.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import PurePosixPath

TRACED_CALLS = ("open", "openat", "openat2", "creat", "truncate", "mkdir", "mkdirat", "unlink",
                "unlinkat", "rmdir", "rename", "renameat", "renameat2", "link", "linkat",
                "symlink", "symlinkat", "chmod", "fchmodat")
_WRITING_CALLS = frozenset(TRACED_CALLS) - {"open", "openat", "openat2"}
_WRITE_FLAGS = ("O_WRONLY", "O_RDWR", "O_CREAT", "O_TRUNC", "O_APPEND")
_DENIED_ERRORS = ("EACCES", "EPERM", "EROFS")
_MISSING_ERRORS = ("ENOENT", "ENOTDIR")
_HARMLESS = ("/dev/null", "/dev/zero", "/dev/full", "/dev/tty", "/dev/urandom", "/dev/random",
             "/dev/shm", "/proc/self", "/proc/thread-self")  # noqa: S108 (a prefix to match)
"""Devices anyone may use, and POSIX shared memory (the sandbox's own /dev: libfaketime keeps
its clock there)."""
KEPT_PER_KIND = 50

_LINE = re.compile(r"^(?:\[pid\s+)?(?P<pid>\d+)\]?\s+(?P<call>\w+)\((?P<args>.*)\)\s+=\s+"
                   r"(?P<result>-?\d+|\?)(?:\s+(?P<error>E[A-Z]+))?")
_UNFINISHED = re.compile(r"^(?P<pid>\d+)\s+(?P<head>.*?)\s*<unfinished \.\.\.>$")
_RESUMED = re.compile(r"^(?P<pid>\d+)\s+<\.\.\. \w+ resumed>(?P<tail>.*)$")
_QUOTED = re.compile(r'"((?:[^"\\]|\\.)*)"')
_DIRFD = re.compile(r"^\s*\d+<(?P<path>[^>]*)>")


def strace_prefix(strace: str, trace_fd: int) -> list[str]:
    """The strace command line before the SUT's own: the tracer as a grandchild in its own
    process group (``-DD``: the SUT stays the supervisor's child, and a stop order reaches the
    SUT's group only), follow children, stop only on the file calls, whole paths, output on
    ``trace_fd``."""
    return [strace, "-DD", "-f", "--seccomp-bpf", "-qq", "-y", "-s", "4096",
            "-e", "trace=" + ",".join(TRACED_CALLS), "-o", f"/proc/self/fd/{trace_fd}", "--"]


@dataclass(frozen=True)
class AccessAttempt:
    """One traced call the SUT should not have made (see the module docstring for ``kind``)."""

    kind: str
    call: str
    path: str
    error: str | None = None

    def as_json(self) -> dict[str, str]:
        shown = {"kind": self.kind, "call": self.call, "path": self.path}
        return shown | ({"error": self.error} if self.error else {})


@dataclass(frozen=True)
class AccessReport:
    """The attempts of one run, at most :data:`KEPT_PER_KIND` kept per kind, all counted."""

    attempts: tuple[AccessAttempt, ...] = ()
    counts: tuple[tuple[str, int], ...] = ()
    traced: bool = False

    def as_json(self) -> dict[str, object]:
        return {"traced": self.traced, "counts": dict(self.counts),
                "attempts": [attempt.as_json() for attempt in self.attempts]}


def _lines(trace: str) -> list[str]:
    """Trace lines with strace's unfinished/resumed halves joined (``-f`` interleaves them)."""
    pending: dict[str, str] = {}
    lines = []
    for line in trace.splitlines():
        unfinished = _UNFINISHED.match(line)
        if unfinished:
            pending[unfinished["pid"]] = f"{unfinished['pid']} {unfinished['head']}"
            continue
        resumed = _RESUMED.match(line)
        if resumed:
            head = pending.pop(resumed["pid"], None)
            if head is not None:
                lines.append(head + resumed["tail"])
            continue
        lines.append(line)
    return lines


def _path(arguments: str, workdir: str) -> str | None:
    quoted = _QUOTED.search(arguments)
    if quoted is None:
        return None
    name = quoted.group(1).encode("latin-1", "backslashreplace").decode("unicode_escape",
                                                                        "replace")
    if name.startswith("/"):
        return posixpath.normpath(name)
    base = _DIRFD.match(arguments)
    return posixpath.normpath(posixpath.join(base["path"] if base else workdir, name))


def _writes(call: str, arguments: str) -> bool:
    return call in _WRITING_CALLS or any(flag in arguments for flag in _WRITE_FLAGS)


def _under(path: str, roots: Sequence[str]) -> bool:
    return any(path == root or path.startswith(root.rstrip("/") + "/") for root in roots)


def _other_process(path: str) -> bool:
    parts = PurePosixPath(path).parts
    return len(parts) > 2 and parts[1] == "proc" and parts[2].isdigit()


def classify(call: str, path: str, error: str | None, writes: bool, *, writable: Sequence[str],
             hidden: Sequence[str], readable: Sequence[str] = ()) -> str | None:
    """The attempt's kind, or None for an ordinary call (see the module docstring). A missing
    file inside what the case grants (``writable``, ``readable``) is an ordinary lookup, even
    when the grant lies in a hidden tree."""
    if _under(path, _HARMLESS) or "/__pycache__/" in path or path.endswith("/__pycache__"):
        return None  # devices anyone may use; an interpreter's byte-code cache, not the program
    if error in _DENIED_ERRORS:
        return "denied"
    if error in _MISSING_ERRORS:
        granted = _under(path, writable) or _under(path, readable)
        return "hidden" if (_under(path, hidden) and not granted) or _other_process(path) \
            else None
    if error is None and writes and not _under(path, writable):
        return "outside"
    return None


def read_trace(trace: bytes, *, workdir: str, writable: Sequence[str],
               hidden: Sequence[str], readable: Sequence[str] = ()) -> AccessReport:
    """The attempts in strace's output (``writable``: the working directory and granted
    folders; ``readable``: the read-only grants; ``hidden``: the trees the SUT must not
    see)."""
    kept: list[AccessAttempt] = []
    counts: dict[str, int] = {}
    for line in _lines(trace.decode("utf-8", "replace")):
        match = _LINE.match(line)
        if match is None or match["call"] not in TRACED_CALLS:
            continue
        path = _path(match["args"], workdir)
        if path is None:
            continue
        kind = classify(match["call"], path, match["error"], _writes(match["call"], match["args"]),
                        writable=writable, hidden=hidden, readable=readable)
        if kind is None:
            continue
        counts[kind] = counts.get(kind, 0) + 1
        if counts[kind] <= KEPT_PER_KIND:
            kept.append(AccessAttempt(kind, match["call"], path, match["error"]))
    return AccessReport(tuple(kept), tuple(sorted(counts.items())), traced=True)


__all__ = ["KEPT_PER_KIND", "TRACED_CALLS", "AccessAttempt", "AccessReport", "classify",
           "read_trace", "strace_prefix"]
