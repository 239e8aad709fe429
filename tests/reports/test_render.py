"""render_all: every report next to results.json, all or nothing."""

from __future__ import annotations

from pathlib import Path

import pytest

import reports.render
from reports.errors import FontMissingError
from reports.json_output import write_results
from reports.render import render_all
from reports.results import Results, ResultsFileError


def test_all_reports_are_written_next_to_the_results(results: Results, tmp_path: Path) -> None:
    path = tmp_path / "results.json"
    write_results(results, path)
    written = render_all(path)
    assert written.html.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    assert written.pdf.read_bytes().startswith(b"%PDF-")
    assert "<testsuites" in written.junit.read_text(encoding="utf-8")
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "junit.xml", "report.html", "report.pdf", "results.json"]


def test_reports_elsewhere_link_back_to_the_evidence(results: Results, tmp_path: Path) -> None:
    path = tmp_path / "run" / "results.json"
    write_results(results, path)
    written = render_all(path, tmp_path / "published")
    evidence = results.cases[0].evidence[0].path
    assert f'href="../run/{evidence}"' in written.html.read_text(encoding="utf-8")


def test_a_renderer_that_fails_writes_nothing(results: Results, tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "results.json"
    write_results(results, path)

    def no_font(*arguments: object, **options: object) -> bytes:
        raise FontMissingError("font: missing")

    monkeypatch.setattr(reports.render, "render_pdf", no_font)
    with pytest.raises(FontMissingError):
        render_all(path)
    assert [p.name for p in tmp_path.iterdir()] == ["results.json"]


def test_a_broken_results_file_is_named(tmp_path: Path) -> None:
    path = tmp_path / "results.json"
    path.write_text("{}", encoding="utf-8")
    with pytest.raises(ResultsFileError, match="results.json"):
        render_all(path)
    assert [p.name for p in tmp_path.iterdir()] == ["results.json"]
