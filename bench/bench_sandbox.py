"""The sandbox's own cost per case, next to a plain ``subprocess`` start in the same run.

Four ways to start a SUT, each timed over 50 runs (min and median wall time, and the median
CPU time of the processes started, user + system, milliseconds):

* ``subprocess.run``: what a suite without any sandbox would pay;
* ``run_sandboxed``, unconfined (``--no-isolation``): the supervisor interpreter, the private
  directory, the pipes, the orphan sweep, the outside-write scan;
* ``run_sandboxed``, isolated: the same inside bubblewrap (own user, PID and mount namespaces,
  the mount plan of a case), file calls traced by strace: what ``kyso conform`` pays;
* ``bwrap`` alone, the same namespaces around ``/bin/true``: the engine's own share (its CPU
  column is not seen: bwrap's monitor does not reap the namespace's processes).

Three SUTs: ``/bin/true`` (the start cost itself), ``python -c pass`` (a program that opens
a few hundred files, so the trace has work) and ``python -c 'import scenarios.outcomes'``
(kyso's contract models: pydantic, what a vendor's wrapper using them imports). The issue's
bound: under 100 ms per case.

Then the python adapter's own call (issue 22), interleaved with its comparators so that both
see the same load: ``PythonSut.verify`` in its sandboxed worker, isolated and traced, the
whole of one call as the runner makes it (order, worker, evidence files, answer validated by
kyso), of the do-nothing verifiers of :mod:`bench.null_sut`: ``create`` (a plain dictionary,
no import) beside a sandboxed ``python -c pass``, ``create_with_models`` (kyso's models)
beside a sandboxed ``python -c 'import scenarios.outcomes'``. The machine is shared: compare
figures of one run, and the CPU column (a busy neighbour stretches wall time more).

Run: ``.venv/bin/python -m bench.bench_sandbox`` (``--runs N``; ``--python-only``: the
python adapter's rows alone).
"""

from __future__ import annotations

import argparse
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path

from conformance.sut.case_setup import minimal_env
from conformance.sut.isolation import strace_path
from conformance.sut.process.python import PythonSut
from conformance.sut.process.sandbox import (
    IsolationSettings,
    bubblewrap_problem,
    isolation_scope,
    run_sandboxed,
)
from conformance.sut.profile import load_profile
from scenarios.roles import VerifyRequest

BWRAP_ALONE = ["bwrap", "--unshare-user", "--unshare-pid", "--ro-bind", "/", "/",
               "--proc", "/proc", "--dev", "/dev", "--die-with-parent", "--"]
NULL_PROFILE = f"""roles = ["verifier"]
[sut]
name = "do-nothing verifier (python)"
vendor = "bench"
version = "0"
[capabilities]
[adapter]
kind = "python"
[adapter.python]
entry_point = "bench.null_sut:FACTORY"
path = ["{Path(__file__).resolve().parent.parent}"]
"""
MODELS_IMPORT = "import scenarios.outcomes"

Figures = tuple[list[float], list[float]]
"""Wall times and CPU times (the children's user + system) of each run, in seconds."""


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _timed(action: Callable[[int], object], runs: int) -> Figures:
    walls, cpus = [], []
    for run in range(runs):
        cpu, started = _children_cpu(), time.perf_counter()
        action(run)
        walls.append(time.perf_counter() - started)
        cpus.append(_children_cpu() - cpu)
    return walls, cpus


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


def _python_call(root: Path, settings: IsolationSettings, factory: str
                 ) -> Callable[[int], None]:
    """One ``PythonSut.verify`` of a do-nothing verifier, in its sandboxed worker."""
    (root / f"{factory}.toml").write_text(NULL_PROFILE.replace("FACTORY", factory),
                                          encoding="utf-8")
    sut = PythonSut(load_profile(root / f"{factory}.toml"))
    document = root / "document.pdf"
    document.write_bytes(b"%PDF-1.7\n")

    def run(index: int) -> None:
        request = VerifyRequest(input=document, trust_roots=[], moment=datetime.now(UTC),
                                workdir=root / f"{factory}-{index}")
        with isolation_scope(settings):
            answer = sut.verify(request)
        if len(answer.signatures) != 1:
            raise RuntimeError(f"python adapter: {answer}")
    return run


def _plain(command: Sequence[str]) -> Callable[[int], None]:
    def run(_: int) -> None:
        subprocess.run(command, check=True)
    return run


def _row(label: str, figures: Figures) -> str:
    walls, cpus = figures
    cpu = "n/a" if label.startswith("bwrap alone") else f"{statistics.median(cpus) * 1e3:.1f}"
    return (f"  {label:<50}{min(walls) * 1e3:8.1f} {statistics.median(walls) * 1e3:8.1f} "
            f"{cpu:>8}")


def _header(what: str, runs: int) -> str:
    return f"{runs} runs of {what}, milliseconds{'min':>30} {'median':>8} {'cpu':>8}"


def _start_costs(runs: int, isolated: IsolationSettings, problem: str | None) -> None:
    unconfined = IsolationSettings(enabled=False, reason_off="bench")
    for name, command in (("/bin/true", ["/bin/true"]),
                          ("python -c pass", [sys.executable, "-c", "pass"]),
                          ("python -c 'import scenarios.outcomes'",
                           [sys.executable, "-c", MODELS_IMPORT])):
        with tempfile.TemporaryDirectory() as directory:
            root = Path(directory)
            rows = [("subprocess.run", _timed(_plain(command), runs)),
                    ("run_sandboxed, unconfined",
                     _timed(_sandboxed(root, command, unconfined, "plain"), runs))]
            if problem is None:
                rows.append(("bwrap alone (namespaces, whole / read-only)",
                             _timed(_plain([*BWRAP_ALONE, *command]), runs)))
                rows.append(("run_sandboxed, isolated + traced (kyso conform)",
                             _timed(_sandboxed(root, command, isolated, "isolated"), runs)))
        print(_header(name, runs))
        for label, figures in rows:
            print(_row(label, figures))
        plain, last = rows[0][1][0], rows[-1][1][0]
        extra_min = (min(last) - min(plain)) * 1e3
        extra_median = (statistics.median(last) - statistics.median(plain)) * 1e3
        print(f"  {'kyso conform over subprocess.run, per case':<50}{extra_min:8.1f} "
              f"{extra_median:8.1f}")


def _python_adapter(runs: int, isolated: IsolationSettings) -> None:
    """The python adapter's calls beside what they start, interleaved (the same load)."""
    with tempfile.TemporaryDirectory() as directory:
        root = Path(directory)
        actions = {
            "python -c pass": _sandboxed(root, [sys.executable, "-c", "pass"], isolated,
                                         "pass"),
            "PythonSut.verify, do-nothing (plain answer)": _python_call(root, isolated,
                                                                        "create"),
            "python -c 'import scenarios.outcomes'": _sandboxed(
                root, [sys.executable, "-c", MODELS_IMPORT], isolated, "models"),
            "PythonSut.verify, do-nothing (kyso's models)": _python_call(
                root, isolated, "create_with_models")}
        figures: dict[str, Figures] = {label: ([], []) for label in actions}
        for run in range(runs):
            for label, action in actions.items():
                walls, cpus = _timed(lambda _, act=action, at=run: act(at), 1)
                figures[label][0].extend(walls)
                figures[label][1].extend(cpus)
    print(_header("the python adapter's call, isolated + traced (issue 22)", runs))
    for label, shown in figures.items():
        print(_row(label, shown))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--python-only", action="store_true",
                        help="only the python adapter's call and its comparator")
    arguments = parser.parse_args()
    problem = bubblewrap_problem()
    isolated = IsolationSettings(hidden=(), trace=strace_path() is not None)
    if not arguments.python_only:
        _start_costs(arguments.runs, isolated, problem)
    if problem is None:
        _python_adapter(arguments.runs, isolated)
    else:
        print(f"isolated rows not run: {problem}")


if __name__ == "__main__":
    main()
