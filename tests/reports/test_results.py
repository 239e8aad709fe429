"""The results model: its committed JSON Schema matches, and bad files get one line."""

from __future__ import annotations

from pathlib import Path

import pytest

from reports.results import SCHEMA_PATH, ResultsFileError, load_results, schema_text


def test_committed_results_schema_matches_the_model() -> None:
    assert SCHEMA_PATH.read_text(encoding="utf-8") == schema_text(), \
        "run: python -m reports.results"


def test_a_broken_results_file_names_the_field(tmp_path: Path) -> None:
    path = tmp_path / "results.json"
    path.write_text('{"version": 1, "run": {}, "cases": [], "requirements": []}')
    with pytest.raises(ResultsFileError, match=r"results.json: run.kyso_version: Field required"):
        load_results(path)
    with pytest.raises(ResultsFileError, match="cannot read"):
        load_results(tmp_path / "missing.json")
