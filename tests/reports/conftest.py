"""Fixtures of the renderer tests: the sample results, the artifact folder, external tools."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Sequence
from pathlib import Path

import pytest

from reports.results import Results
from tests.reports.sample import sample_results

ARTIFACTS = Path(__file__).resolve().parents[2] / "out" / "test-artifacts" / "reports"
"""Screenshots and page images kept after the run for a person to look at (git-ignored)."""


@pytest.fixture
def results() -> Results:
    return sample_results()


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS


def run_tool(arguments: Sequence[str], *, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    """Run an external program (poppler, chromium); fail the test with its stderr if it fails."""
    completed = subprocess.run(list(arguments), capture_output=True, text=True, timeout=timeout,
                               check=False)
    assert completed.returncode == 0, f"{arguments[0]} exited {completed.returncode}: " \
                                      f"{completed.stderr[-2000:]}"
    return completed


def require_tool(name: str, package: str) -> str:
    path = shutil.which(name)
    if path is None:
        pytest.skip(f"{name} is not installed (Debian package {package}; tools/system-deps.sh)")
    return path
