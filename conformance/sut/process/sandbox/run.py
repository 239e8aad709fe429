"""The one door through which kyso starts a SUT process: :func:`run_sandboxed`.

It prepares the case's fresh 0700 directory, finds the program on the SUT's own PATH, hands
the order to the supervisor (:mod:`.case_run`), then looks for files changed outside the
allowed directories and output files at the size cap (:mod:`.scan`). How a case runs, and what
is not caught: the package docstring (:mod:`conformance.sut.process.sandbox`).
"""

from __future__ import annotations

import dataclasses
import marshal
import os
import shutil
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

from bilingual import say
from conformance.sut.isolation import (
    IsolationSettings,
    SandboxGrants,
    bwrap_arguments,
    current_isolation,
    describe,
    named_paths,
    strace_path,
)
from conformance.sut.process.sandbox.access_trace import read_trace, strace_prefix
from conformance.sut.process.sandbox.case_run import CaseRun
from conformance.sut.process.sandbox.limits import SandboxError, SandboxLimits
from conformance.sut.process.sandbox.result import SandboxResult
from conformance.sut.process.sandbox.scan import changed_files


def run_sandboxed(
    command: Sequence[str],
    *,
    workdir: Path,
    env: Mapping[str, str],
    stdin: bytes | None = None,
    limits: SandboxLimits | None = None,
    allowed_output_dirs: Sequence[Path] = (),
    watch_dirs: Sequence[Path] = (),
    grants: SandboxGrants | None = None,
) -> SandboxResult:
    """Run ``command`` (never through a shell) as one sandboxed case; see the package docstring.

    ``workdir`` must not exist: it is created with mode 0700 (and ``tmp/`` inside it) and
    becomes the SUT's cwd; it is kept afterwards as evidence. ``env`` is the SUT's entire
    environment (see :func:`~conformance.sut.case_setup.minimal_env`); its PATH is used to
    find ``command[0]``. ``stdin`` is written to the SUT (None: /dev/null). Files written in
    ``workdir`` or ``allowed_output_dirs`` are expected; other changes in ``watch_dirs`` are
    reported. ``grants``: what the case hands the SUT when it is isolated (the run's
    :func:`~conformance.sut.isolation.isolation_scope`, else
    :func:`~conformance.sut.isolation.current_isolation`); the ``allowed_output_dirs`` are
    granted writable.
    Raises :class:`SandboxError` only for caller mistakes, never for the SUT's behaviour.
    """
    limits = limits or SandboxLimits()
    if not command:
        raise SandboxError(say("lệnh chạy phần mềm được kiểm thử trống", "empty SUT command"))
    try:
        Path(workdir).mkdir(mode=0o700, parents=True)
    except FileExistsError:
        raise SandboxError(say(f"thư mục làm việc {workdir} đã tồn tại; mỗi điểm kiểm tra cần "
                               "một thư mục mới",
                               f"working directory {workdir} already exists; each case needs "
                               "a fresh one")) from None
    workdir = Path(workdir).resolve()
    (workdir / "tmp").mkdir(mode=0o700)
    # The run's start as the filesystem clock saw it: later changes have mtime/ctime >= this.
    started_ns = (workdir / "tmp").stat().st_ctime_ns
    started = time.monotonic()
    run = CaseRun(tuple(command), workdir, limits)
    settings = current_isolation()
    grants = (grants or SandboxGrants()).plus(SandboxGrants(
        read_only=tuple(named_paths(command)), writable=tuple(allowed_output_dirs)))
    excluded = [workdir, *(Path(d).resolve() for d in grants.writable)]
    executable = _find_executable(command[0], env)
    traced = False
    if executable is None:
        run.start_error = f"{command[0]!r} not found or not executable on PATH {env.get('PATH')!r}"
    else:
        traced = _supervise(run, executable, command, env, stdin, started, settings, grants)
    outside, complete = changed_files(watch_dirs, started_ns, excluded)
    oversized = [path for path in changed_files(excluded, started_ns, [], depth=64)[0]
                 if _size(path) >= limits.output_file_cap_bytes]
    result = run.result(time.monotonic() - started, outside, complete, oversized)
    access = read_trace(bytes(run.trace), workdir=str(workdir),
                        writable=[str(path) for path in excluded],
                        readable=[str(Path(path).resolve()) for path in grants.read_only],
                        hidden=[str(Path(path).resolve()) for path in settings.hidden]) \
        if traced else result.access
    return dataclasses.replace(result, isolation=describe(settings), access=access)


def _supervise(run: CaseRun, executable: str, command: Sequence[str], env: Mapping[str, str],
               stdin: bytes | None, started: float, settings: IsolationSettings,
               grants: SandboxGrants) -> bool:
    """Hand the supervisor its order: the SUT's program, arguments, environment and limits;
    isolated, behind bubblewrap and under strace. True when the access trace was taken."""
    limits = run.limits
    argv = [os.fsencode(argument) for argument in command]
    prefix: list[str] = []
    tracer = b""
    trace = None
    if settings.enabled:
        prefix = bwrap_arguments(settings, run.workdir, grants)
        strace = strace_path() if settings.trace else None
        if strace is not None:
            trace = os.pipe()
            argv = [os.fsencode(a) for a in strace_prefix(strace, trace[1])] + \
                [os.fsencode(executable), *argv[1:]]
            executable = strace
            tracer = os.fsencode(os.path.realpath(strace))
    spec = marshal.dumps((os.fsencode(executable), argv,
                          {os.fsencode(k): os.fsencode(v) for k, v in env.items()},
                          limits.output_file_cap_bytes, limits.kill_grace_seconds, tracer))
    run.supervise(spec, stdin, started, prefix=prefix, trace_pipe=trace)
    return trace is not None


def _find_executable(program: str, env: Mapping[str, str]) -> str | None:
    if "/" in program:
        return program  # absolute, or relative to the working directory
    return shutil.which(program, path=env.get("PATH", ""))


def _size(path: Path) -> int:
    try:
        return path.lstat().st_size
    except OSError:
        return 0


__all__ = ["run_sandboxed"]
