"""The sandbox's own cost per case: a do-nothing SUT (``/bin/true``) sandboxed vs plain.

Prints min and median over 50 runs of ``subprocess.run(["/bin/true"])`` and of
``run_sandboxed(["/bin/true"], ...)`` (supervisor interpreter start, private directory,
pipes, orphan sweep, the outside-write scan of the case's parent directory), and the
difference: what each case pays on top of its SUT.

Run: ``.venv/bin/python -m bench.bench_sandbox``.
"""

from __future__ import annotations

import statistics
import subprocess
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from conformance.sut.case_setup import minimal_env
from conformance.sut.process.sandbox import run_sandboxed

RUNS = 50


def _timed(action: Callable[[int], object]) -> list[float]:
    figures = []
    for run in range(RUNS):
        started = time.perf_counter()
        action(run)
        figures.append(time.perf_counter() - started)
    return figures


def main() -> None:
    with tempfile.TemporaryDirectory() as directory:
        root = Path(directory)

        def sandboxed(run: int) -> None:
            workdir = root / f"case-{run}"
            result = run_sandboxed(["/bin/true"], workdir=workdir, env=minimal_env(workdir),
                                   watch_dirs=[root])
            if result.exit_code != 0:
                raise RuntimeError(result.describe())

        plain = _timed(lambda _: subprocess.run(["/bin/true"], check=True))
        boxed = _timed(sandboxed)
    print(f"{RUNS} runs of /bin/true, milliseconds      min   median")
    for label, figures in (("subprocess.run", plain), ("run_sandboxed", boxed)):
        print(f"  {label:<36}{min(figures) * 1e3:7.2f} {statistics.median(figures) * 1e3:7.2f}")
    overhead_min = (min(boxed) - min(plain)) * 1e3
    overhead_median = (statistics.median(boxed) - statistics.median(plain)) * 1e3
    print(f"  {'sandbox overhead per case':<36}{overhead_min:7.2f} {overhead_median:7.2f}")


if __name__ == "__main__":
    main()
