"""Figures of a case (the software's time, the CRL's size): shown in the HTML report beside the
verdict, in both languages, and never on a case that measured nothing."""

from __future__ import annotations

from pathlib import Path

from reports.html import render_html
from reports.results import Figure, Results, load_results
from reports.vocabulary import figures_words

LARGE = [Figure(name="sut-seconds", value=2.62, unit="s"),
         Figure(name="crl-entries", value=100_001, unit="entries", about="ca-cv"),
         Figure(name="crl-bytes", value=5_033_454, unit="bytes", about="ca-cv")]


def test_the_figures_read_in_each_language_with_its_own_number_format() -> None:
    words = figures_words(LARGE)
    assert words.vi == ("phần mềm trả lời trong 2,62 giây; CRL của ca-cv: 100.001 mục, 5,03 MB "
                        "(số đo, không phải tiêu chí đạt)")
    assert words.en == ("the software answered in 2.62 s; ca-cv's CRL: 100,001 entries, "
                        "5.03 MB (a measurement, not a pass criterion)")
    small = figures_words([Figure(name="crl-entries", value=1, unit="entries", about="ca-cv"),
                           Figure(name="crl-bytes", value=1234, unit="bytes", about="ca-cv")])
    assert "1 entry, 1.2 kB" in small.en and "1 mục, 1,2 kB" in small.vi


def test_a_case_with_figures_shows_them_and_the_others_do_not(results: Results) -> None:
    before = render_html(results)
    assert "Số đo" not in before
    first = results.cases[0].model_copy(update={"figures": LARGE})
    page = render_html(results.model_copy(update={"cases": [first, *results.cases[1:]]}))
    assert page.count("<dt><span lang=\"vi\">Số đo</span>") == 1
    assert "CRL của ca-cv: 100.001 mục, 5,03 MB" in page


def test_a_results_file_with_figures_round_trips(results: Results, tmp_path: Path) -> None:
    first = results.cases[0].model_copy(update={"figures": LARGE})
    path = tmp_path / "results.json"
    path.write_text(results.model_copy(update={"cases": [first, *results.cases[1:]]})
                    .model_dump_json(), encoding="utf-8")
    assert load_results(path).cases[0].figures == LARGE
