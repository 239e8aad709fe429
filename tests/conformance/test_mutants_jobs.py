"""``kyso mutants --jobs N``: scenarios played in worker processes give the same table as one
process (the table is filled in catalogue order, whichever worker finishes first)."""

from __future__ import annotations

import pytest

from bilingual import ENVIRONMENT_VARIABLE
from conformance.cli import main

SCENARIO = "missing-intermediate"
"""A short story (one testbed, a few checkpoints): the test plays it twice."""


def _table(jobs: int, capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(["mutants", "--scenario", SCENARIO, "--jobs", str(jobs)])
    said = capsys.readouterr()
    return code, said.out, said.err


def test_jobs_give_the_same_table(monkeypatch: pytest.MonkeyPatch,
                                  capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv(ENVIRONMENT_VARIABLE, "vi-en")
    alone = _table(1, capsys)
    parallel = _table(2, capsys)
    assert parallel[:2] == alone[:2], (alone, parallel)
    assert "bắt được bởi / caught by" in alone[1]
    assert parallel[2] == alone[2] == f"[1/1] {SCENARIO}: " + alone[2].split(": ", 1)[1]


def test_jobs_must_be_at_least_one(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["mutants", "--jobs", "0"]) == 2
    assert "--jobs: phải từ 1 trở lên / --jobs: must be at least 1" in capsys.readouterr().err
