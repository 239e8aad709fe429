"""How fast ``kyso`` starts, as whole processes: bare Python, ``--help``, and one verification.

Prints the median and the minimum of 10 runs of each command, and the ratio of the median to
bare Python's (``python -c pass``), which says more than seconds on a shared, noisy machine:

* ``python -c pass``: the interpreter alone (the floor every command pays);
* ``kyso --help`` and ``kyso verify --help``: the parser only (target: at most 0.5 s and at most
  5x bare Python; nothing heavy may load, see tests/conformance/test_cli_startup.py);
* ``kyso verify FILE``: a PAdES B-LT document signed on a fresh testbed, verified against it
  (imports pyHanko, builds the validation context, fetches revocation data on 127.0.0.1).

Run: ``make bench`` or ``.venv/bin/python -m bench.bench_startup``.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from testbed.ca.names import VietnameseName
from testbed.clock import wall_clock
from testbed.documents import administrative_document
from testbed.fixture_signing import sign_fixture
from testbed.session import running_testbed

RUNS = 10
HELP_TARGET_SECONDS = 0.5
HELP_TARGET_RATIO = 5.0


def _kyso() -> list[str]:
    """The console script beside this interpreter (what a person runs), else the module."""
    script = Path(sys.executable).with_name("kyso")
    return [str(script)] if script.exists() else [sys.executable, "-m", "conformance.cli"]


def _timed(command: list[str]) -> list[float]:
    figures = []
    for _ in range(RUNS):
        started = time.perf_counter()
        result = subprocess.run(command, capture_output=True, check=False, timeout=120)
        figures.append(time.perf_counter() - started)
        if result.returncode != 0:
            raise RuntimeError(f"{' '.join(command)}: exit {result.returncode}\n"
                               f"{result.stderr.decode(errors='replace')}")
    return figures


def main() -> None:
    kyso = _kyso()
    with tempfile.TemporaryDirectory(prefix="kyso-bench-startup-") as scratch:
        directory = Path(scratch)
        with running_testbed(directory / "testbed", at=wall_clock()) as testbed:
            certificate = testbed.issue("bench-startup", name=VietnameseName(
                common_name="Lê Văn Đo", organization="Sở Thông tin và Truyền thông")).label
            document = directory / "signed.pdf"
            document.write_bytes(sign_fixture(testbed, administrative_document(),
                                              certificate_label=certificate, level="B-LT"))
            commands = (("python -c pass", [sys.executable, "-c", "pass"]),
                        ("kyso --help", [*kyso, "--help"]),
                        ("kyso verify --help", [*kyso, "verify", "--help"]),
                        ("kyso verify FILE", [*kyso, "verify", str(document), "--testbed",
                                              str(testbed.directory)]))
            figures = {label: _timed(command) for label, command in commands}
    bare = statistics.median(figures["python -c pass"])
    print(f"{RUNS} runs each, whole processes, seconds   median     min   x bare python")
    for label, runs in figures.items():
        median = statistics.median(runs)
        print(f"  {label:<38}{median:7.3f} {min(runs):7.3f}   {median / bare:6.1f}x")
    help_median = statistics.median(figures["kyso --help"])
    met = help_median <= HELP_TARGET_SECONDS and help_median / bare <= HELP_TARGET_RATIO
    print(f"target for kyso --help: <= {HELP_TARGET_SECONDS} s and <= {HELP_TARGET_RATIO:.0f}x "
          f"bare python: {'met' if met else 'NOT met'} (python {sys.version.split()[0]}, "
          f"{' '.join(kyso[:1])})")


if __name__ == "__main__":
    main()
