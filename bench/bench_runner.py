"""The conformance runner's own cost per case, with SUTs that do nothing.

Prints, for the verifier catalogue: the wall time per case with a do-nothing verifier behind
the python adapter (the runner + scenario playing + judging: everything but the SUT), the same
with a do-nothing command-line verifier (adds the sandbox: a supervisor process per case), and
the reference verifier behind the python adapter, for comparison; then the whole catalogue through
the reference tools at ``--jobs 2`` (issue 22's yardstick). Run: ``make bench`` or
``.venv/bin/python -m bench.bench_runner``.
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
[adapter]
kind = "python"
[adapter.python]
entry_point = "bench.null_sut:create"
"""
CLI_PROFILE = """roles = ["verifier"]
[sut]
name = "do-nothing verifier (cli)"
vendor = "bench"
version = "0"
[capabilities]
[adapter]
kind = "cli"
[adapter.cli]
verify = ["{python}", "NULL_CLI"]
timeout_seconds = 30
answer = "json"
"""


def _timed(profile: Path, out: Path, jobs: int = 1) -> tuple[float, int]:
    started = time.perf_counter()
    results = conform(RunOptions(profile, out, jobs=jobs), progress=lambda line: None)
    return time.perf_counter() - started, len(results.cases)


def main() -> None:
    import logging

    for name in ("pyhanko", "pyhanko_certvalidator", "aiohttp", "asyncio"):
        logging.getLogger(name).setLevel(logging.CRITICAL)
    with tempfile.TemporaryDirectory() as scratch:
        directory = Path(scratch)
        (directory / "python.toml").write_text(PYTHON_PROFILE)
        (directory / "cli.toml").write_text(
            CLI_PROFILE.replace("NULL_CLI", str(ROOT / "bench" / "null_cli.py")))
        reference = (ROOT / "conformance/sut/examples/reference-python.toml").read_text()
        (directory / "reference.toml").write_text(
            reference.replace('roles = ["signer", "verifier"]', 'roles = ["verifier"]'))
        (directory / "signer.toml").write_text(
            reference.replace('roles = ["signer", "verifier"]', 'roles = ["signer"]'))
        for name, label in (("python", "do-nothing verifier, python adapter"),
                            ("cli", "do-nothing verifier, cli adapter (sandboxed process)"),
                            ("reference", "reference verifier, whole verifier catalogue"),
                            ("signer", "reference signer, whole signer catalogue")):
            seconds, cases = _timed(directory / f"{name}.toml", directory / f"out-{name}")
            print(f"{label}: {cases} cases in {seconds:.1f} s = {seconds / cases * 1000:.0f} ms "
                  "per case")
        # issue 22's yardstick: the whole catalogue, both roles, on the machine's two cores
        seconds, cases = _timed(ROOT / "conformance/sut/examples/reference-python.toml",
                                directory / "out-both", jobs=2)
        print(f"reference tools, whole catalogue, --jobs 2: {cases} cases in {seconds:.1f} s = "
              f"{seconds / cases * 1000:.0f} ms per case")
    print(f"(python {sys.version.split()[0]}; per-case figures include playing each scenario's "
          "story on a fresh testbed)")


if __name__ == "__main__":
    main()
