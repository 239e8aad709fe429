"""The private runtime directory: where a run's secrets live while it runs, never in ``--out``.

A conformance run builds testbeds whose CA and software private keys, token PIN files and
SoftHSM token stores must not end up in the output folder a vendor is handed, not even when the
run is killed half-way (SIGKILL runs no clean-up code). So testbeds are built here and only
their public part is copied out (:mod:`.publication`).

The root is ``$XDG_RUNTIME_DIR/kyso`` when that variable names a directory of ours with no group
or world access (the login session's tmpfs, emptied at logout), else
``<tmp>/kyso-runtime-<uid>``; it is created mode 0700 and refused (one line) when it exists but
is not ours or is open to others, since another user could then read the keys or swap files.
Each run gets ``run-<pid>-<random>/`` (0700) with an owner marker: the pid and the process's
start time from ``/proc/<pid>/stat``, so that a new process that happens to get a dead run's
pid is not taken for its owner. :func:`runtime_directory` removes its run directory on every
exit it can see (normal, exception, SIGINT, SIGTERM); one left by a killed run is removed when
the next run starts.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import secrets
import shutil
import signal
import stat
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path
from types import FrameType

from bilingual import say

from .errors import TestbedError

MARKER = "owner.json"
RUN_NAME = re.compile(r"^run-(\d+)-[0-9a-f]+$")
CAUGHT_SIGNALS = (signal.SIGTERM, signal.SIGHUP)
"""Turned into a clean exit (SIGINT already is one: KeyboardInterrupt)."""


class RuntimeDirectoryError(TestbedError):
    """The private runtime directory cannot be used safely (not ours, open to others)."""


def runtime_root() -> Path:
    """``$XDG_RUNTIME_DIR/kyso`` if that variable names a usable directory, else
    ``<tmp>/kyso-runtime-<uid>``; created 0700, checked private (:class:`RuntimeDirectoryError`
    when it is not)."""
    base = os.environ.get("XDG_RUNTIME_DIR", "")
    if base and Path(base).is_absolute() and _private_directory(Path(base)):
        root = Path(base) / "kyso"
    else:
        root = Path(tempfile.gettempdir()) / f"kyso-runtime-{os.getuid()}"
    with contextlib.suppress(FileExistsError):
        root.mkdir(mode=0o700)
    _check_private(root)
    return root


def _private_directory(path: Path) -> bool:
    try:
        info = path.lstat()
    except OSError:
        return False
    return (stat.S_ISDIR(info.st_mode) and info.st_uid == os.getuid()
            and info.st_mode & 0o077 == 0 and os.access(path, os.W_OK | os.X_OK))


def _check_private(root: Path) -> None:
    info = root.lstat()
    if not stat.S_ISDIR(info.st_mode):
        raise RuntimeDirectoryError(say(
            f"thư mục chạy (runtime directory) {root}: không phải thư mục; hãy xóa nó",
            f"runtime directory {root}: not a directory; remove it"))
    if info.st_uid != os.getuid():
        raise RuntimeDirectoryError(say(
            f"thư mục chạy (runtime directory) {root}: thuộc uid {info.st_uid}, không phải của "
            f"chúng ta ({os.getuid()}); hãy xóa nó hoặc đặt XDG_RUNTIME_DIR là một thư mục riêng",
            f"runtime directory {root}: owned by uid {info.st_uid}, not by us ({os.getuid()}); "
            "remove it or set XDG_RUNTIME_DIR to a private directory"))
    if info.st_mode & 0o077:
        mode = f"{stat.S_IMODE(info.st_mode):04o}"
        raise RuntimeDirectoryError(say(
            f"thư mục chạy (runtime directory) {root}: quyền {mode} cho người khác vào; hãy "
            "'chmod 700' hoặc xóa nó",
            f"runtime directory {root}: mode {mode} lets others in; 'chmod 700' it or remove it"))


def process_start(pid: int) -> int | None:
    """The start time of process ``pid`` (clock ticks since boot, ``/proc/<pid>/stat`` field
    22); None when there is no such live process (gone, or a zombie) or no ``/proc``."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text(encoding="ascii", errors="replace")
    except OSError:
        return None
    fields = text[text.rfind(")") + 2:].split()  # the name may hold spaces and parentheses
    if not fields or fields[0] in ("Z", "X"):
        return None
    return int(fields[19])


def _owner_alive(run: Path) -> bool:
    """Whether the process that made ``run`` still runs (a pid reused since does not count)."""
    match = RUN_NAME.match(run.name)
    if match is None:
        return True  # not one of ours: leave it
    pid = int(match.group(1))
    if not Path("/proc").is_dir():
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            return True
        return True
    started = process_start(pid)
    if started is None:
        return False
    try:
        recorded = json.loads((run / MARKER).read_text(encoding="utf-8")).get("started")
    except (OSError, ValueError, AttributeError):
        return True  # being created right now (the marker follows the mkdir): not stale
    return recorded is None or recorded == started


def remove_stale(root: Path) -> list[Path]:
    """Remove the run directories under ``root`` whose owner process is gone; the removed."""
    removed = []
    for run in sorted(root.glob("run-*")):
        if run.is_dir() and not run.is_symlink() and not _owner_alive(run):
            shutil.rmtree(run, ignore_errors=True)
            removed.append(run)
    return removed


def new_run_directory(root: Path) -> Path:
    """``root/run-<pid>-<random>/``, mode 0700, with its owner marker."""
    pid = os.getpid()
    run = root / f"run-{pid}-{secrets.token_hex(4)}"
    run.mkdir(mode=0o700)
    os.chmod(run, 0o700)  # the umask only removes bits; make sure of the mode all the same
    marker = {"pid": pid, "started": process_start(pid)}
    (run / MARKER).write_text(json.dumps(marker) + "\n", encoding="utf-8")
    return run


def _exit_on_signal(signum: int, frame: FrameType | None) -> None:
    """SIGTERM (or SIGHUP) as a clean exit: ``finally`` blocks run, the directory goes."""
    del frame
    raise SystemExit(128 + signum)


@contextlib.contextmanager
def _signals_as_exit() -> Iterator[None]:
    """While inside, SIGTERM and SIGHUP raise SystemExit; the previous handlers come back
    after. Only a signal that would kill the process outright (default handler) is caught: an
    ignored one stays ignored (``nohup``), a handler of the caller's is left to it. Only the
    main thread may set handlers: elsewhere this does nothing."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {number: signal.signal(number, _exit_on_signal) for number in CAUGHT_SIGNALS
                if signal.getsignal(number) == signal.SIG_DFL}
    try:
        yield
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)


@contextlib.contextmanager
def runtime_directory() -> Iterator[Path]:
    """A fresh private run directory, removed on the way out (normal, exception, SIGINT,
    SIGTERM, SIGHUP); stale ones of killed runs are removed first."""
    root = runtime_root()
    remove_stale(root)
    with _signals_as_exit():
        run = new_run_directory(root)
        try:
            yield run
        finally:
            shutil.rmtree(run, ignore_errors=True)


__all__ = ["RuntimeDirectoryError", "new_run_directory", "process_start", "remove_stale",
           "runtime_directory", "runtime_root"]
