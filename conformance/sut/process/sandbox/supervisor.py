"""The sandbox supervisor: the SUT's parent, a small program run by ``python -I -S -c``.

This file's whole text is the program (:data:`.case_run.SUPERVISOR_SOURCE`); kyso reads it and
never imports it. The supervisor runs in its own session. Orders arrive on the control pipe (a
length line, a marshalled spec, later ``stop`` or EOF); facts leave on the status pipe, one line
each: ``subreaper 0|1``, ``start-error <why>``, ``exit <code or -signal>``,
``leftover <pid> <name>``, ``sweep-incomplete``, ``done``. Only built-in modules (and ctypes,
for one prctl call) are imported, so the interpreter starts in about 10 ms.

Isolated (:mod:`conformance.sut.isolation`), it runs inside bubblewrap as PID 1 of the case's
PID namespace: orphans come back to it without the subreaper, the SUT cannot signal it, and when
it exits the kernel kills whatever is left. A third argument names the access trace's pipe (or
``-1``): it is handed to the SUT's process (strace writes there) and closed here. """

from __future__ import annotations

import _signal  # the C half of ``signal``, which would import enum (+5 ms per case)
import ctypes
import marshal
import os
import resource
import select
import sys
import time

PR_SET_CHILD_SUBREAPER = 36
SWEEP_SECONDS = 5.0
TRACER_GRACE_SECONDS = 2.0  # for strace to write its last lines once its tracees are gone


def supervise() -> None:
    """Read the order, start the SUT, wait for it (or stop it), then sweep what it left."""
    control, status = int(sys.argv[1]), int(sys.argv[2])
    trace = int(sys.argv[3]) if len(sys.argv) > 3 else -1
    os.set_inheritable(control, False)  # the SUT must not forge reports or see orders
    os.set_inheritable(status, False)
    spec = _read_spec(control)
    if spec is None:
        return  # kyso went away before saying what to run
    executable, argv, env, file_cap, grace, tracer = marshal.loads(spec)  # noqa: S302 (kyso's)
    # PR_SET_CHILD_SUBREAPER: orphans of the SUT's tree, even those that left the session
    # with setsid(), are re-parented to this process instead of init, so they can be killed.
    subreaper = ctypes.CDLL(None, use_errno=True).prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == 0
    _report(status, f"subreaper {int(subreaper)}")
    pid = os.fork()
    if pid == 0:
        if trace >= 0:
            os.set_inheritable(trace, True)
        _become_sut(status, executable, argv, env, file_cap)
    if trace >= 0:
        os.close(trace)  # strace (the SUT's side) holds it: kyso sees EOF when the tree ends
    _wait_or_stop(pid, control, grace)
    _report(status, f"exit {os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1])}")
    _sweep(status, tracer)
    _report(status, "done")


def _report(status: int, line: str) -> None:
    os.write(status, line.encode("utf-8", "backslashreplace") + b"\n")


def _read_spec(control: int) -> bytes | None:
    """The marshalled spec after its length line; None if kyso closed the pipe first."""
    header = spec = b""
    while not header.endswith(b"\n"):
        chunk = os.read(control, 1)
        if not chunk:
            return None
        header += chunk
    while len(spec) < int(header):
        chunk = os.read(control, int(header) - len(spec))
        if not chunk:
            return None
        spec += chunk
    return spec


def _become_sut(status: int, executable: bytes, argv: list[bytes], env: dict[bytes, bytes],
                file_cap: int) -> None:
    """In the forked child: its own group, the limits, then exec the SUT (never returns)."""
    try:
        os.setpgid(0, 0)
        os.umask(0o077)
        resource.setrlimit(resource.RLIMIT_FSIZE, (file_cap, file_cap))
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
        for number in (_signal.SIGPIPE, _signal.SIGXFSZ):  # Python ignores these two
            _signal.signal(number, _signal.SIG_DFL)
        os.execve(executable, argv, env)  # noqa: S606 (an argument list, no shell)
    except BaseException as error:  # noqa: B036 (report anything, then leave the fork)
        _report(status, f"start-error {type(error).__name__}: {error}")
    os._exit(127)


def _wait_or_stop(pid: int, control: int, grace: float) -> None:
    """Wait for the SUT's main process to end, or for a stop order (or kyso's death)."""
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


def _sweep(status: int, tracer: bytes) -> None:
    """Kill and report every descendant still alive (orphans come back to a subreaper), and
    reap them all; give up after :data:`SWEEP_SECONDS` (``sweep-incomplete``). The access
    tracer (a process running ``tracer``, strace) is kyso's, not a leftover: it ends once its
    tracees are gone, and is killed unreported if it lingers."""
    me = os.getpid()
    killed: set[int] = set()
    deadline = time.monotonic() + SWEEP_SECONDS
    tracer_deadline = time.monotonic() + TRACER_GRACE_SECONDS
    while True:
        for child in _children(me):
            name = _living_name(child)
            if child in killed or name is None:
                continue
            is_tracer = bool(tracer) and _runs(child, tracer, name)  # asked before the kill
            if is_tracer and time.monotonic() < tracer_deadline:
                continue
            killed.add(child)
            os.kill(child, _signal.SIGKILL)
            if not is_tracer:
                _report(status, f"leftover {child} {name}")
        try:
            reaped = os.waitpid(-1, os.WNOHANG)[0]
        except ChildProcessError:
            break
        if reaped == 0:
            if time.monotonic() > deadline:
                _report(status, "sweep-incomplete")
                break
            time.sleep(0.001)


def _runs(pid: int, program: bytes, name: str) -> bool:
    """Whether ``pid`` runs ``program``; a process whose executable can no longer be read (it
    is exiting: soon a zombie) is judged by the short name it had when the sweep saw it."""
    try:
        return os.readlink(f"/proc/{pid}/exe".encode()) == program
    except OSError:
        return name == os.path.basename(program).decode()[:15]


def _children(me: int) -> list[int]:
    try:
        with open(f"/proc/{me}/task/{me}/children") as children:
            return [int(child) for child in children.read().split()]
    except OSError:
        return []


def _living_name(pid: int) -> str | None:
    """The process's short command name, or None if it is gone, a zombie or dead."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            text = stat.read()
    except OSError:
        return None
    if text[text.rindex(")") + 2] in "ZX":
        return None
    return text[text.index("(") + 1:text.rindex(")")]


if __name__ == "__main__":
    supervise()
