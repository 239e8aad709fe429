"""The ``kyso up`` process: its pid file, ``kyso up --background`` and ``kyso down``.

``kyso up`` serves the testbed's services from its own process for as long as it runs. A person
can leave it in a terminal and press Ctrl-C; a script (and the README's walk-through, which a
test runs as written) needs to start it, go on, and stop it later. So the serving process
records itself in ``DIR/kyso-up.pid`` (its pid and its start time from ``/proc``, so that a new
process that happens to get a dead one's pid is not taken for it) while it serves;
``--background`` starts ``kyso up`` detached, its output in ``DIR/kyso-up.log``, and returns once
the pid file names it (the services answer); ``kyso down`` sends that process SIGTERM (which
``kyso up`` takes as Ctrl-C) and waits for it to go. Only this module starts a process in the
command line: kyso itself, never a software under test.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

from bilingual import say
from testbed import InvalidInputError, InvalidStateError, process_start

from .exit_codes import ExitCode

PID_FILE = "kyso-up.pid"
LOG_FILE = "kyso-up.log"
START_SECONDS = 120.0
"""How long ``--background`` waits for the services (a new testbed generates its keys first)."""
STOP_SECONDS = 30.0


def stop_hint() -> str:
    """The last line ``kyso up`` prints; ``--background`` replaces it with how to stop it."""
    return say("Ctrl-C dừng testbed.", "Ctrl-C stops the testbed.")


def running_pid(directory: Path) -> int | None:
    """The pid of the live ``kyso up`` serving ``directory``, or None."""
    try:
        record = json.loads((directory / PID_FILE).read_text(encoding="utf-8"))
        pid, start = int(record["pid"]), record["start"]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return pid if start is not None and process_start(pid) == start else None


def refuse_if_running(directory: Path) -> None:
    """A second ``kyso up`` on a served directory is refused (exit 1), naming the way out."""
    other = running_pid(directory)
    if other is not None and other != os.getpid():
        raise InvalidStateError(say(
            f"{directory}: đã có một testbed đang chạy ở đây (pid {other}); "
            f"kyso down --dir {directory} dừng nó",
            f"{directory}: a testbed is already running here (pid {other}); "
            f"kyso down --dir {directory} stops it"))


@contextlib.contextmanager
def recorded_as_serving(directory: Path) -> Iterator[None]:
    """While the block runs, ``directory``'s pid file names this process (removed after)."""
    refuse_if_running(directory)
    path = directory / PID_FILE
    path.write_text(json.dumps({"pid": os.getpid(), "start": process_start(os.getpid())}),
                    encoding="utf-8")
    try:
        yield
    finally:
        if running_pid(directory) == os.getpid():
            path.unlink(missing_ok=True)


def _foreground_argv(arguments: argparse.Namespace) -> list[str]:
    argv = [sys.executable, "-m", "conformance.cli", "up", "--dir", str(arguments.dir),
            "--port", str(arguments.port), "--crl-period", arguments.crl_period,
            "--service-key", arguments.service_key]
    if arguments.at:
        argv += ["--at", arguments.at]
    if arguments.follow:
        argv.append("--follow")
    return argv


def start_in_background(arguments: argparse.Namespace) -> int:
    """``kyso up --background``: start ``kyso up`` detached; return once it serves (exit 0),
    or with its own exit code and its output when it stopped first."""
    directory: Path = arguments.dir
    refuse_if_running(directory)
    try:
        directory.mkdir(parents=True, exist_ok=True)
        log = (directory / LOG_FILE).open("w", encoding="utf-8")
    except OSError as error:
        raise InvalidInputError(say(f"--dir: không dùng được {directory} ({error.strerror})",
                                    f"--dir: cannot use {directory} ({error.strerror})")
                                ) from None
    with log:
        process = subprocess.Popen(  # noqa: S603 (kyso itself, with the arguments it was given)
            _foreground_argv(arguments), stdin=subprocess.DEVNULL, stdout=log,
            stderr=subprocess.STDOUT, start_new_session=True,
            env={**os.environ, "PYTHONUNBUFFERED": "1"})
    deadline = time.monotonic() + START_SECONDS
    while process.poll() is None and running_pid(directory) != process.pid:
        if time.monotonic() > deadline:
            process.terminate()
            log_file = directory / LOG_FILE
            print(say(f"kyso: testbed không khởi động xong trong {START_SECONDS:.0f} giây "
                      f"(xem {log_file})", f"kyso: the testbed did not start within "
                      f"{START_SECONDS:.0f} s (see {log_file})"), file=sys.stderr)
            return ExitCode.ERROR
        time.sleep(0.2)
    said = (directory / LOG_FILE).read_text(encoding="utf-8")
    if process.poll() is not None:
        print(said, end="", file=sys.stderr)
        return process.returncode
    print(said.replace(stop_hint(), say(
        f"đang chạy nền (pid {process.pid}); kyso down --dir {directory} dừng nó.",
        f"running in the background (pid {process.pid}); kyso down --dir {directory} "
        f"stops it.")), end="")
    return ExitCode.OK


def stop(directory: Path) -> int:
    """``kyso down``: stop the ``kyso up`` serving ``directory``; 1 when none is running."""
    pid = running_pid(directory)
    if pid is None:
        print(say(f"kyso: không có testbed nào đang chạy ở {directory}",
                  f"kyso: no testbed is running in {directory}"), file=sys.stderr)
        return ExitCode.REFUSED
    os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + STOP_SECONDS
    while process_start(pid) is not None:
        if time.monotonic() > deadline:
            print(say(f"kyso: testbed (pid {pid}) không dừng trong {STOP_SECONDS:.0f} giây",
                      f"kyso: the testbed (pid {pid}) did not stop within "
                      f"{STOP_SECONDS:.0f} s"), file=sys.stderr)
            return ExitCode.ERROR
        time.sleep(0.1)
    print(say(f"kyso: testbed đã dừng ({directory})", f"kyso: testbed stopped ({directory})"))
    return ExitCode.OK


__all__ = ["LOG_FILE", "PID_FILE", "recorded_as_serving", "refuse_if_running", "running_pid",
           "start_in_background", "stop", "stop_hint"]
