"""The one door through which kyso starts software under test (SUT) processes.

The SUT is untrusted: it may hang, crash, flood its output, write huge files, leave daemons
behind or write outside its directory. :func:`run_sandboxed` runs one case and always returns a
:class:`SandboxResult` saying what happened; a misbehaving case never stops the run, and no
process of the case survives it.

How one case runs::

    kyso ── python -I -S (supervisor: own session, PR_SET_CHILD_SUBREAPER) ── SUT (own group)

* The *supervisor* is :func:`_supervise`, run in a fresh interpreter (stdlib C modules only,
  ~10 ms). It forks the SUT into its own process group, with ``RLIMIT_FSIZE`` = the output file
  cap (a bigger write kills the SUT with SIGXFSZ, or fails with EFBIG in programs that ignore
  that signal, as Python does), no core files, umask 077, cwd = the case's fresh 0700
  directory, and exactly the environment it was given. On a stop request (timeout,
  output flood) or if kyso dies, it sends SIGTERM to the group, then SIGKILL after the grace.
* After the SUT's main process ends, the supervisor kills every descendant still alive and
  reports each one (``leftover_processes``). Because it is a child subreaper, orphans are
  re-parented to it, *including those that called setsid() or double-forked* to leave the
  session, so they are found through ``/proc/<pid>/task/<pid>/children``.
* kyso itself reads stdout/stderr concurrently (one ``selectors`` loop), keeps the first
  ``stdout_cap_bytes`` of stdout (a JSON answer starts there) and the *last*
  ``stderr_cap_bytes`` of stderr (a crash message ends there), and drains the rest so the SUT
  never blocks on a full pipe. Beyond ``flood_kill_bytes`` in total the case is stopped: an
  endless writer should not burn CPU until the timeout.
* Backstop: if the SUT kills the supervisor (same user, so it can), kyso kills every process of
  the supervisor's session found in ``/proc``. Processes that had also left the session are
  then out of reach; the result says ``supervisor_lost``. kyso stops reading stdout/stderr
  one second after the supervisor is gone, even if something out of reach still holds them.

Linux only (``pidfd_open``: kernel 5.3+, ``/proc``). Measured cost per case: ~17-20 ms, almost
all of it the supervisor interpreter's start (``bench/bench_sandbox.py``).

Not caught: processes the SUT has *another* service start (``systemd-run``, ``at``, ssh to
localhost) are not its descendants; a fork bomb faster than the 5 s sweep is reported as
``sweep_complete=False``. Writes outside the directory are *evidence, not a jail*: the SUT gets
HOME and TMPDIR inside its directory, and afterwards the ``watch_dirs`` are scanned (depth 3,
at most 20 000 entries) for files whose mtime or ctime is not older than the case's directory.
Deleted files, deeper or unwatched paths, and writes by concurrent neighbours (attributed to
this case) are the limits of that scan. The SUT runs as kyso's own user, so it could even
signal kyso: real isolation needs a dedicated user or a container around the run.
"""

from __future__ import annotations

import contextlib
import inspect
import json
import marshal
import os
import selectors
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

MEBIBYTE = 1024 * 1024
_BACKSTOP_SECONDS = 5.0  # extra time given to the supervisor after a stop, before kyso kills it
_SCAN_DEPTH = 3
_SCAN_ENTRIES = 20_000


class SandboxError(ValueError):
    """The caller asked for something impossible (empty command, working directory exists)."""


@dataclass(frozen=True)
class SandboxLimits:
    """Per-case limits; all of them apply to every case."""

    timeout_seconds: float = 60.0
    """Wall time from start until the process group is stopped (ERROR 'timeout')."""
    stdout_cap_bytes: int = MEBIBYTE
    """Bytes of stdout kept (the head); the rest is counted and discarded."""
    stderr_cap_bytes: int = 256 * 1024
    """Bytes of stderr kept (the tail); the rest is counted and discarded."""
    output_file_cap_bytes: int = 64 * MEBIBYTE
    """RLIMIT_FSIZE of the SUT: no file it writes can grow beyond this (SIGXFSZ)."""
    kill_grace_seconds: float = 2.0
    """Time between SIGTERM and SIGKILL to the process group when a case is stopped."""
    flood_kill_bytes: int = 256 * MEBIBYTE
    """Total stdout + stderr bytes after which the case is stopped as an output flood."""

    def __post_init__(self) -> None:
        for name in ("timeout_seconds", "stdout_cap_bytes", "stderr_cap_bytes",
                     "output_file_cap_bytes", "flood_kill_bytes"):
            if getattr(self, name) <= 0:
                raise SandboxError(f"SandboxLimits.{name} must be positive")
        if self.kill_grace_seconds < 0:
            raise SandboxError("SandboxLimits.kill_grace_seconds must not be negative")


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
        if not self.sweep_complete:
            notes.append("leftover processes could not all be killed")
        return notes


def minimal_env(workdir: Path, extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """The SUT's whole environment: a fixed PATH and locale, HOME and TMPDIR inside ``workdir``.

    Nothing is taken from ``os.environ``: the SUT must not see kyso's or the CI's variables.
    ``extra`` (e.g. ``SOFTHSM2_CONF`` or ``JAVA_HOME`` from the SUT profile) is added last.
    """
    environment = {"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", "HOME": str(workdir),
                   "TMPDIR": str(workdir / "tmp")}
    environment.update(extra or {})
    return environment


def run_sandboxed(
    command: Sequence[str],
    *,
    workdir: Path,
    env: Mapping[str, str],
    stdin: bytes | None = None,
    limits: SandboxLimits | None = None,
    allowed_output_dirs: Sequence[Path] = (),
    watch_dirs: Sequence[Path] = (),
) -> SandboxResult:
    """Run ``command`` (never through a shell) as one sandboxed case; see the module docstring.

    ``workdir`` must not exist: it is created with mode 0700 (and ``tmp/`` inside it) and
    becomes the SUT's cwd; it is kept afterwards as evidence. ``env`` is the SUT's entire
    environment (see :func:`minimal_env`); its PATH is used to find ``command[0]``. ``stdin``
    is written to the SUT (None: /dev/null). Files written in ``workdir`` or
    ``allowed_output_dirs`` are expected; other changes in ``watch_dirs`` are reported.
    Raises :class:`SandboxError` only for caller mistakes, never for the SUT's behaviour.
    """
    limits = limits or SandboxLimits()
    if not command:
        raise SandboxError("empty SUT command")
    try:
        Path(workdir).mkdir(mode=0o700, parents=True)
    except FileExistsError:
        raise SandboxError(f"working directory {workdir} already exists; each case needs "
                           "a fresh one") from None
    workdir = Path(workdir).resolve()
    (workdir / "tmp").mkdir(mode=0o700)
    # The run's start as the filesystem clock saw it: later changes have mtime/ctime >= this.
    started_ns = (workdir / "tmp").stat().st_ctime_ns
    started = time.monotonic()
    run = _Run(tuple(command), workdir, limits)
    executable = _find_executable(command[0], env)
    if executable is None:
        run.start_error = f"{command[0]!r} not found or not executable on PATH {env.get('PATH')!r}"
    else:
        spec = marshal.dumps((os.fsencode(executable), [os.fsencode(a) for a in command],
                              {os.fsencode(k): os.fsencode(v) for k, v in env.items()},
                              limits.output_file_cap_bytes, limits.kill_grace_seconds))
        run.supervise(spec, stdin, started)
    excluded = [workdir, *(Path(d).resolve() for d in allowed_output_dirs)]
    outside, complete = _changed_files(watch_dirs, started_ns, excluded)
    oversized = [path for path in _changed_files(excluded, started_ns, [], depth=64)[0]
                 if _size(path) >= limits.output_file_cap_bytes]
    return run.result(time.monotonic() - started, outside, complete, oversized)


def _find_executable(program: str, env: Mapping[str, str]) -> str | None:
    if "/" in program:
        return program  # absolute, or relative to the working directory
    return shutil.which(program, path=env.get("PATH", ""))


def _size(path: Path) -> int:
    try:
        return path.lstat().st_size
    except OSError:
        return 0


class _Run:
    """The kyso side of one case: the supervisor process, its pipes, what was read."""

    def __init__(self, command: tuple[str, ...], workdir: Path, limits: SandboxLimits) -> None:
        self.command, self.workdir, self.limits = command, workdir, limits
        self.stdout, self.stderr, self.status = bytearray(), bytearray(), bytearray()
        self.stdout_total = self.stderr_total = 0
        self.timed_out = self.flooded = self.supervisor_lost = False
        self.start_error: str | None = None
        self.leftovers: list[LeftoverProcess] = []

    def supervise(self, spec: bytes, stdin: bytes | None, started: float) -> None:
        control_read, control_write = os.pipe()
        status_read, status_write = os.pipe()
        try:
            supervisor = subprocess.Popen(
                [sys.executable, "-I", "-S", "-X", "utf8", "-c", _SUPERVISOR_SOURCE,
                 str(control_read), str(status_write)],
                stdin=subprocess.DEVNULL if stdin is None else subprocess.PIPE,
                stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=self.workdir, env={},
                start_new_session=True, pass_fds=(control_read, status_write))
        except OSError as error:
            self.start_error = f"sandbox supervisor did not start: {error}"
            for fd in (control_read, control_write, status_read, status_write):
                os.close(fd)
            return
        os.close(control_read)
        os.close(status_write)
        try:
            os.write(control_write, f"{len(spec)}\n".encode() + spec)
            self._pump(supervisor, control_write, status_read, stdin, started)
        except BrokenPipeError:
            self.supervisor_lost = True
        finally:
            os.close(control_write)
            os.close(status_read)
            for stream in (supervisor.stdin, supervisor.stdout, supervisor.stderr):
                if stream is not None:
                    stream.close()
            if self.supervisor_lost:
                _kill_group(supervisor.pid)
            try:
                supervisor.wait(timeout=_BACKSTOP_SECONDS)
            except subprocess.TimeoutExpired:
                _kill_group(supervisor.pid)
                supervisor.wait()
                self.supervisor_lost = True
            if self.supervisor_lost or b"subreaper 1" not in self.status:
                self._kill_session(supervisor.pid)

    def _pump(self, supervisor: subprocess.Popen[bytes], control: int, status: int,
              stdin: bytes | None, started: float) -> None:
        """Feed stdin, read stdout/stderr/status until all close; stop the case when due."""
        assert supervisor.stdout is not None and supervisor.stderr is not None
        selector = selectors.DefaultSelector()
        readers = {supervisor.stdout.fileno(): "stdout", supervisor.stderr.fileno(): "stderr",
                   status: "status"}
        for fd in readers:
            os.set_blocking(fd, False)
            selector.register(fd, selectors.EVENT_READ)
        pending = memoryview(stdin or b"")
        if supervisor.stdin is not None:
            if pending:
                os.set_blocking(supervisor.stdin.fileno(), False)
                selector.register(supervisor.stdin.fileno(), selectors.EVENT_WRITE)
            else:
                supervisor.stdin.close()
        deadline = started + self.limits.timeout_seconds
        give_up_at: float | None = None  # set once the case is stopped or the supervisor gone
        while readers:
            now = time.monotonic()
            if give_up_at is None and (now >= deadline or self.flooded):
                self.timed_out = not self.flooded
                with contextlib.suppress(BrokenPipeError):  # then the status pipe says why
                    os.write(control, b"stop\n")
                give_up_at = now + self.limits.kill_grace_seconds + _BACKSTOP_SECONDS
            if give_up_at is not None and now >= give_up_at:
                # The supervisor is stuck (lost), or it finished and something it could not
                # reach still holds stdout/stderr: stop reading either way.
                self.supervisor_lost = self.supervisor_lost or status in readers
                break
            wait = (give_up_at if give_up_at is not None else deadline) - now
            for key, _ in selector.select(timeout=max(wait, 0.0)):
                fd = int(key.fd)
                if fd not in readers:
                    pending = self._feed(selector, fd, pending, supervisor)
                    continue
                chunk = os.read(fd, 1 << 20)
                if not chunk:
                    selector.unregister(fd)
                    name = readers.pop(fd)
                    if name == "status":
                        if not self.status.endswith(b"done\n"):
                            self.supervisor_lost = True  # nobody watches the SUT any more
                            self._kill_session(supervisor.pid)
                        give_up_at = min(give_up_at or deadline, time.monotonic() + 1.0)
                    continue
                self._keep(readers[fd], chunk)
        selector.close()

    def _feed(self, selector: selectors.BaseSelector, fd: int, pending: memoryview,
              supervisor: subprocess.Popen[bytes]) -> memoryview:
        try:
            pending = pending[os.write(fd, pending[:1 << 16]):]
        except BrokenPipeError:
            pending = pending[:0]  # the SUT stopped reading: its answer will tell
        if not pending:
            selector.unregister(fd)
            assert supervisor.stdin is not None
            supervisor.stdin.close()
        return pending

    def _keep(self, stream: str, chunk: bytes) -> None:
        if stream == "status":
            self.status += chunk[:MEBIBYTE]
        elif stream == "stdout":
            self.stdout_total += len(chunk)
            self.stdout += chunk[:max(self.limits.stdout_cap_bytes - len(self.stdout), 0)]
        else:
            self.stderr_total += len(chunk)
            self.stderr += chunk
            if len(self.stderr) > 2 * self.limits.stderr_cap_bytes:
                del self.stderr[:-self.limits.stderr_cap_bytes]
        if self.stdout_total + self.stderr_total > self.limits.flood_kill_bytes:
            self.flooded = True

    def _kill_session(self, session: int) -> None:
        """Backstop: SIGKILL every process still in the supervisor's session, and record it."""
        victims = []
        for pid, name, state, process_session in _processes():
            if process_session == session and state not in "ZX":
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    continue
                victims.append(pid)
                if all(left.pid != pid for left in self.leftovers):
                    self.leftovers.append(LeftoverProcess(pid, name))
        deadline = time.monotonic() + 1.0
        while victims and time.monotonic() < deadline:
            alive = {pid for pid, _, state, _ in _processes() if state not in "ZX"}
            victims = [pid for pid in victims if pid in alive]
            time.sleep(0.005)

    def result(self, duration: float, outside: list[Path], outside_complete: bool,
               oversized: list[Path]) -> SandboxResult:
        exit_code: int | None = None
        signal_name: str | None = None
        sweep_complete = True
        for line in self.status.decode("utf-8", "replace").splitlines():
            word, _, rest = line.partition(" ")
            if word == "exit":
                code = int(rest)
                exit_code, signal_name = (code, None) if code >= 0 else (None, _signal_name(-code))
            elif word == "start-error":
                self.start_error = rest
            elif word == "leftover":
                pid, _, name = rest.partition(" ")
                self.leftovers.append(LeftoverProcess(int(pid), name))
            elif word == "sweep-incomplete":
                sweep_complete = False
        if self.start_error is not None:
            exit_code = None
        if self.supervisor_lost:
            exit_code = signal_name = None
        return SandboxResult(
            command=self.command, workdir=self.workdir, exit_code=exit_code, signal=signal_name,
            timed_out=self.timed_out, flooded=self.flooded, duration_seconds=duration,
            stdout=bytes(self.stdout), stderr=bytes(self.stderr[-self.limits.stderr_cap_bytes:]),
            stdout_truncated=self.stdout_total > len(self.stdout),
            stderr_truncated=self.stderr_total > self.limits.stderr_cap_bytes,
            stdout_total_bytes=self.stdout_total, stderr_total_bytes=self.stderr_total,
            limits=self.limits,
            leftover_processes=tuple(sorted(set(self.leftovers), key=lambda p: p.pid)),
            files_outside=tuple(outside), outside_scan_complete=outside_complete,
            oversized_outputs=tuple(oversized), start_error=self.start_error,
            supervisor_lost=self.supervisor_lost, sweep_complete=sweep_complete)


def _kill_group(group: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(group, signal.SIGKILL)


def _signal_name(number: int) -> str:
    try:
        return signal.Signals(number).name
    except ValueError:
        return f"signal {number}"


def _processes() -> list[tuple[int, str, str, int]]:
    """(pid, name, state, session id) of every process visible in /proc."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", encoding="utf-8", errors="replace") as stat:
                text = stat.read()
        except OSError:
            continue
        name = text[text.index("(") + 1:text.rindex(")")]
        fields = text[text.rindex(")") + 2:].split()
        found.append((int(entry), name, fields[0], int(fields[3])))
    return found


def _changed_files(roots: Sequence[Path], since_ns: int, excluded: Sequence[Path],
                   depth: int = _SCAN_DEPTH) -> tuple[list[Path], bool]:
    """Non-directory entries under ``roots`` changed at or after ``since_ns`` (mtime or ctime),
    skipping ``excluded`` trees and symlinked directories; False if the scan was cut short."""
    skip = {str(path) for path in excluded}
    found: set[Path] = set()
    budget = _SCAN_ENTRIES
    stack = [(str(Path(root).resolve()), 0) for root in roots
             if not any(Path(root).resolve().is_relative_to(path) for path in excluded)]
    while stack:
        directory, level = stack.pop()
        try:
            entries = list(os.scandir(directory))
        except OSError:
            continue
        for entry in entries:
            budget -= 1
            if budget < 0:
                return sorted(found), False
            try:
                if entry.is_dir(follow_symlinks=False):
                    if entry.path not in skip and level + 1 < depth:
                        stack.append((entry.path, level + 1))
                    continue
                status = entry.stat(follow_symlinks=False)
            except OSError:
                continue
            if max(status.st_mtime_ns, status.st_ctime_ns) >= since_ns:
                found.add(Path(entry.path))
    return sorted(found), True


def _supervise() -> None:
    """The SUT's parent, run by ``python -I -S -c`` in its own session; see the module docstring.

    Orders arrive on the control pipe (a length line, a marshalled spec, later ``stop`` or EOF);
    facts leave on the status pipe, one line each: ``subreaper 0|1``, ``start-error <why>``,
    ``exit <code or -signal>``, ``leftover <pid> <name>``, ``sweep-incomplete``, ``done``.
    Only built-in modules are imported, so the interpreter starts in about 10 ms.
    """
    import _signal  # the C half of ``signal``, which would import enum (+5 ms per case)
    import ctypes
    import marshal
    import os
    import resource
    import select
    import sys
    import time

    control, status = int(sys.argv[1]), int(sys.argv[2])
    os.set_inheritable(control, False)  # the SUT must not forge reports or see orders
    os.set_inheritable(status, False)

    def report(line: str) -> None:
        os.write(status, line.encode("utf-8", "backslashreplace") + b"\n")

    header = spec = b""
    while not header.endswith(b"\n"):
        chunk = os.read(control, 1)
        if not chunk:
            return  # kyso went away before saying what to run
        header += chunk
    while len(spec) < int(header):
        chunk = os.read(control, int(header) - len(spec))
        if not chunk:
            return
        spec += chunk
    executable, argv, env, file_cap, grace = marshal.loads(spec)  # noqa: S302 (kyso's own spec)
    # PR_SET_CHILD_SUBREAPER = 36: orphans of the SUT's tree, even those that left the session
    # with setsid(), are re-parented to this process instead of init, so they can be killed.
    subreaper = ctypes.CDLL(None, use_errno=True).prctl(36, 1, 0, 0, 0) == 0
    report(f"subreaper {int(subreaper)}")
    pid = os.fork()
    if pid == 0:
        try:
            os.setpgid(0, 0)
            os.umask(0o077)
            resource.setrlimit(resource.RLIMIT_FSIZE, (file_cap, file_cap))
            resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
            for number in (_signal.SIGPIPE, _signal.SIGXFSZ):  # Python ignores these two
                _signal.signal(number, _signal.SIG_DFL)
            os.execve(executable, argv, env)  # noqa: S606 (an argument list, no shell)
        except BaseException as error:  # noqa: B036 (report anything, then leave the fork)
            report(f"start-error {type(error).__name__}: {error}")
        os._exit(127)
    try:  # noqa: SIM105 (contextlib would cost the supervisor's start time)
        os.setpgid(pid, pid)  # also here, so a stop cannot race the child's own setpgid
    except OSError:
        pass  # the child already exec'd: it did it itself
    null = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):  # only the SUT holds the pipes: EOF and EPIPE reach kyso at its exit
        os.dup2(null, fd)
    process = os.pidfd_open(pid)
    if process not in select.select([process, control], [], [])[0]:
        # "stop", or EOF because kyso died: TERM the group, KILL it after the grace period.
        for number, wait in ((_signal.SIGTERM, grace), (_signal.SIGKILL, None)):
            try:
                os.killpg(pid, number)
            except ProcessLookupError:
                break
            if select.select([process], [], [], wait)[0]:
                break
    report(f"exit {os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1])}")
    me = os.getpid()
    killed: set[int] = set()
    deadline = time.monotonic() + 5.0
    while True:
        try:
            with open(f"/proc/{me}/task/{me}/children") as children:
                alive = [int(child) for child in children.read().split()]
        except OSError:
            alive = []
        for child in alive:
            try:
                with open(f"/proc/{child}/stat") as stat:
                    text = stat.read()
            except OSError:
                continue
            if child in killed or text[text.rindex(")") + 2] in "ZX":
                continue
            killed.add(child)
            os.kill(child, _signal.SIGKILL)
            report(f"leftover {child} {text[text.index('(') + 1:text.rindex(')')]}")
        try:
            reaped = os.waitpid(-1, os.WNOHANG)[0]
        except ChildProcessError:
            break
        if reaped == 0:
            if time.monotonic() > deadline:
                report("sweep-incomplete")
                break
            time.sleep(0.001)
    report("done")


_SUPERVISOR_SOURCE = (
    "from __future__ import annotations\n" + inspect.getsource(_supervise) + "_supervise()\n"
)
