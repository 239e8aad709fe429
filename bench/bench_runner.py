"""The conformance runner's own cost per case, with SUTs that do nothing.

Prints, for the verifier catalogue: first the suite's own cost, the wall time (and this
process's CPU time) per case with a do-nothing verifier called *in kyso's process* (python
adapter, ``in_process = true``: no worker, no sandbox; what is left is the runner, playing each
scenario's story on a fresh testbed, and judging), then the same verifier behind the python
adapter's sandboxed worker, a do-nothing command-line verifier (adds a supervisor process per
case), and the reference verifier behind the python adapter, for comparison; then the whole
catalogue through the reference tools at ``--jobs 2`` (issue 22's yardstick). Run: ``make bench``
or ``.venv/bin/python -m bench.bench_runner``.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

from conformance.runner import RunOptions, conform

ROOT = Path(__file__).resolve().parent.parent
PYTHON_PROFILE = """roles = ["verifier"]
[sut]
name = "do-nothing verifier (python)"
vendor = "bench"
version = "0"
[capabilities]
formats = ["pades", "xades", "xmldsig", "cades", "cms"]
[adapter]
kind = "python"
[adapter.python]
entry_point = "bench.null_sut:create"
path = ["ROOT_DIR"]
"""
IN_PROCESS_PROFILE = PYTHON_PROFILE.replace(
    'entry_point = "bench.null_sut:create"',
    'entry_point = "bench.null_sut:create"\nin_process = true').replace(
    "do-nothing verifier (python)", "do-nothing verifier (python, in process)")
CLI_PROFILE = """roles = ["verifier"]
[sut]
name = "do-nothing verifier (cli)"
vendor = "bench"
version = "0"
[capabilities]
formats = ["pades", "xades", "xmldsig", "cades", "cms"]
[adapter]
kind = "cli"
[adapter.cli]
verify = ["{python}", "NULL_CLI"]
timeout_seconds = 30
answer = "json"
"""


def _timed(profile: Path, out: Path, jobs: int = 1) -> tuple[float, int, float]:
    """Wall seconds, cases, and this process's CPU seconds (at ``jobs`` 1 the whole run's but
    for a sandboxed SUT's processes; a loaded machine stretches the wall time, not this)."""
    started, cpu = time.perf_counter(), time.process_time()
    results = conform(RunOptions(profile, out, jobs=jobs), progress=lambda line: None)
    seconds, used = time.perf_counter() - started, time.process_time() - cpu
    errors = sum(1 for case in results.cases if case.verdict.value == "ERROR")
    if errors:  # a do-nothing SUT that cannot even be called measures the error path
        print(f"  ({errors} of {len(results.cases)} cases ERROR: "
              f"{next(c.reason for c in results.cases if c.verdict.value == 'ERROR')})")
    return seconds, len(results.cases), used


def main() -> None:
    import logging

    for name in ("pyhanko", "pyhanko_certvalidator", "aiohttp", "asyncio"):
        logging.getLogger(name).setLevel(logging.CRITICAL)
    with tempfile.TemporaryDirectory() as scratch:
        directory = Path(scratch)
        (directory / "in-process.toml").write_text(IN_PROCESS_PROFILE.replace("ROOT_DIR",
                                                                            str(ROOT)))
        (directory / "python.toml").write_text(PYTHON_PROFILE.replace("ROOT_DIR", str(ROOT)))
        (directory / "cli.toml").write_text(
            CLI_PROFILE.replace("NULL_CLI", str(ROOT / "bench" / "null_cli.py")))
        reference = (ROOT / "conformance/sut/examples/reference-python.toml").read_text()
        (directory / "reference.toml").write_text(
            reference.replace('roles = ["signer", "verifier"]', 'roles = ["verifier"]'))
        (directory / "signer.toml").write_text(
            reference.replace('roles = ["signer", "verifier"]', 'roles = ["signer"]'))
        for name, label in (("in-process", "suite's own cost: do-nothing verifier in kyso's "
                                           "process (python adapter, in_process = true)"),
                            ("python", "do-nothing verifier, python adapter (sandboxed worker)"),
                            ("cli", "do-nothing verifier, cli adapter (sandboxed process)"),
                            ("reference", "reference verifier, whole verifier catalogue"),
                            ("signer", "reference signer, whole signer catalogue")):
            seconds, cases, cpu = _timed(directory / f"{name}.toml", directory / f"out-{name}")
            print(f"{label}: {cases} cases in {seconds:.1f} s = {seconds / cases * 1000:.0f} ms "
                  f"per case (CPU of this process {cpu / cases * 1000:.0f} ms per case)")
        seconds, cases, _ = _timed(directory / "in-process.toml", directory / "out-in2", jobs=2)
        print(f"suite's own cost, --jobs 2: {cases} cases in {seconds:.1f} s = "
              f"{seconds / cases * 1000:.0f} ms per case")
        # issue 22's yardstick: the whole catalogue, both roles, on the machine's two cores
        seconds, cases, _ = _timed(ROOT / "conformance/sut/examples/reference-python.toml",
                                   directory / "out-both", jobs=2)
        print(f"reference tools, whole catalogue, --jobs 2: {cases} cases in {seconds:.1f} s = "
              f"{seconds / cases * 1000:.0f} ms per case")
    print(f"(python {sys.version.split()[0]}; per-case figures include playing each scenario's "
          "story on a fresh testbed)")


if __name__ == "__main__":
    main()
