"""Testbed creation and one-certificate issuance times, for this checkout or another one.

Uses only the testbed's public API (``Testbed.create``, ``Testbed.issue``, bulk ``populate``),
so the same measurement runs against a previous checkout of kyso: ``bench_testbed`` runs this
file as a script with ``PYTHONPATH`` naming that checkout and reads its JSON figures, so the
previous code and the current one are measured in the same run on the same (noisy) machine.

Run alone: ``PYTHONPATH=<checkout> .venv/bin/python bench/testbed_timing.py`` prints JSON.
"""

from __future__ import annotations

import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

import testbed
from testbed.ca.key_types import KeyType
from testbed.ca.names import VietnameseName
from testbed.ca.population import populate
from testbed.clock import wall_clock
from testbed.session import Testbed

CREATE_RUNS = 8
ISSUE_SAMPLES = 20
LEVELS = (20, 2000)
"""Certificates issued before the timed issues: a small testbed and a populated one."""


def _clock() -> float:
    """CPU seconds of this process: the machine is shared, and wall time mostly measures the
    other processes (the work measured here is single-threaded and does no waiting)."""
    return time.process_time()


def create_seconds(runs: int = CREATE_RUNS) -> list[float]:
    """CPU seconds for ``Testbed.create`` (hierarchy, registry, trust anchors), keys from the pool
    (one untimed creation first fills it, as the first testbed of a run does)."""
    figures = []
    for index in range(runs + 1):
        with tempfile.TemporaryDirectory() as directory:
            started = _clock()
            testbed = Testbed.create(Path(directory), at=wall_clock())
            elapsed = _clock() - started
            testbed.stop()
            if index:
                figures.append(elapsed)
    return figures


def issue_seconds(levels: tuple[int, ...] = LEVELS, samples: int = ISSUE_SAMPLES
                  ) -> dict[int, list[float]]:
    """CPU seconds per ``Testbed.issue`` (a P-256 key: generating one costs nothing next to
    signing, an RSA one would drown it) once ``level`` certificates are issued (subscribers beyond
    the first 20 issued in bulk, which is how a testbed gets a large population)."""
    figures: dict[int, list[float]] = {}
    with tempfile.TemporaryDirectory() as directory:
        testbed = Testbed.create(Path(directory), at=wall_clock())
        testbed.stop()
        issued = len(testbed.state.certificates)
        for level in sorted(levels):
            while issued < min(level, 20):
                testbed.issue(f"warm-{issued}", name=VietnameseName(common_name=f"Ấm {issued}"),
                              key_type=KeyType.P256)
                issued += 1
            if level > issued:
                populate(testbed.lifecycle, level - issued, 0, workers=1)
                issued = level
            figures[level] = []
            for sample in range(samples):
                started = _clock()
                testbed.issue(f"timed-{level}-{sample}",
                              name=VietnameseName(common_name=f"Đo {level} {sample}"),
                              key_type=KeyType.P256)
                figures[level].append(_clock() - started)
            issued += samples
    return figures


def measure() -> dict[str, object]:
    """Median (and all) figures in CPU milliseconds."""
    creates = create_seconds()
    issues = issue_seconds()
    return {
        "code": str(Path(testbed.__file__).parent.parent),
        "create_ms": round(statistics.median(creates) * 1000, 1),
        "create_all_ms": [round(value * 1000, 1) for value in creates],
        "issue_ms": {str(level): round(statistics.median(values) * 1000, 1)
                     for level, values in issues.items()},
    }


if __name__ == "__main__":
    json.dump(measure(), sys.stdout)
    sys.stdout.write("\n")
