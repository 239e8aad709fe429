"""The sandbox's own cost per case, next to a plain ``subprocess`` start in the same run.

Four ways to start a SUT, each timed over 50 runs (min and median, milliseconds):

* ``subprocess.run``: what a suite without any sandbox would pay;
* ``run_sandboxed``, unconfined (``--no-isolation``): the supervisor interpreter, the private
  directory, the pipes, the orphan sweep, the outside-write scan;
* ``run_sandboxed``, isolated: the same inside bubblewrap (own user, PID and mount namespaces,
  the mount plan of a case), file calls traced by strace: what ``kyso conform`` pays;
* ``bwrap`` alone, the same namespaces around ``/bin/true``: the engine's own share.

Two SUTs: ``/bin/true`` (the start cost itself) and ``python -c pass`` (a program that opens
a few hundred files, so the trace has work). The issue's bound: under 100 ms per case.

Run: ``.venv/bin/python -m bench.bench_sandbox``.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from conformance.sut.case_setup import minimal_env
from conformance.sut.isolation import strace_path
from conformance.sut.process.sandbox import (
    IsolationSettings,
    bubblewrap_problem,
    isolation_scope,
    run_sandboxed,
)

RUNS = 50
BWRAP_ALONE = ["bwrap", "--unshare-user", "--unshare-pid", "--ro-bind", "/", "/",
               "--proc", "/proc", "--dev", "/dev", "--die-with-parent", "--"]


def _timed(action: Callable[[int], object]) -> list[float]:
    figures = []
    for run in range(RUNS):
        started = time.perf_counter()
        action(run)
        figures.append(time.perf_counter() - started)
    return figures


def _sandboxed(root: Path, command: Sequence[str], settings: IsolationSettings,
               label: str) -> Callable[[int], None]:
    def run(index: int) -> None:
        workdir = root / f"{label}-{index}"
        with isolation_scope(settings):
            result = run_sandboxed(command, workdir=workdir, env=minimal_env(workdir),
                                   watch_dirs=[root])
        if result.exit_code != 0:
            raise RuntimeError(f"{label}: {result.describe()}")
    return run


def _plain(command: Sequence[str]) -> Callable[[int], None]:
    def run(_: int) -> None:
        subprocess.run(command, check=True)
    return run


def _row(label: str, figures: list[float]) -> str:
    return f"  {label:<50}{min(figures) * 1e3:8.2f} {statistics.median(figures) * 1e3:8.2f}"


def main() -> None:
    problem = bubblewrap_problem()
    isolated = IsolationSettings(hidden=(), trace=strace_path() is not None)
    unconfined = IsolationSettings(enabled=False, reason_off="bench")
    for name, command in (("/bin/true", ["/bin/true"]),
                          ("python -c pass", [sys.executable, "-c", "pass"])):
        with tempfile.TemporaryDirectory() as directory:
            root = Path(directory)
            rows = [("subprocess.run", _timed(_plain(command))),
                    ("run_sandboxed, unconfined",
                     _timed(_sandboxed(root, command, unconfined, "plain")))]
            if problem is None:
                rows.append(("bwrap alone (namespaces, whole / read-only)",
                             _timed(_plain([*BWRAP_ALONE, *command]))))
                rows.append(("run_sandboxed, isolated + traced (kyso conform)",
                             _timed(_sandboxed(root, command, isolated, "isolated"))))
        print(f"{RUNS} runs of {name}, milliseconds{'min':>30} {'median':>8}")
        for label, figures in rows:
            print(_row(label, figures))
        plain, last = rows[0][1], rows[-1][1]
        extra_min = (min(last) - min(plain)) * 1e3
        extra_median = (statistics.median(last) - statistics.median(plain)) * 1e3
        print(f"  {'kyso conform over subprocess.run, per case':<50}{extra_min:8.2f} "
              f"{extra_median:8.2f}")
    if problem is not None:
        print(f"isolated rows not run: {problem}")


if __name__ == "__main__":
    main()
