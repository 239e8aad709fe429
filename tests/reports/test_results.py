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


def test_a_version_1_file_without_findings_still_loads_and_renders(tmp_path: Path) -> None:
    """Files written before findings existed (version 1) load, with no findings, and render."""
    import json

    from reports.html import render_html
    from reports.junit import render_junit
    from tests.reports.sample import sample_results

    data = json.loads(sample_results().model_dump_json())
    data["version"] = 1
    del data["summary"]["findings"]
    for case in data["cases"]:
        del case["findings"]
    path = tmp_path / "results.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    old = load_results(path)
    assert old.version == 1 and all(case.findings == [] for case in old.cases)
    assert old.summary.findings == {}
    assert "<html" in render_html(old, embed_font=False)
    assert "<testsuite" in render_junit(old)
