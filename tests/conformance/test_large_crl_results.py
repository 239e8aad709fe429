"""kyso conform on the large-crl story (a 100,000-entry CRL): the figures reach the results and
the HTML report, beside verdicts they do not decide."""

from __future__ import annotations

from pathlib import Path

from conformance.runner import RunOptions, conform
from reports.render import render_all
from reports.results import Verdict, load_results

EXAMPLES = Path(__file__).resolve().parents[2] / "conformance" / "sut" / "examples"


def test_a_large_crl_case_carries_the_verifier_s_time_and_the_crl_s_size(tmp_path: Path
                                                                        ) -> None:
    out = tmp_path / "run"
    conform(RunOptions(EXAMPLES / "reference-python.toml", out, only=("verifier::large-crl::*",)),
            progress=lambda line: None)
    results = load_results(out / "results.json")
    assert results.version == 5
    assert {case.id for case in results.cases} == {
        "verifier::large-crl::verify-good-with-large-crl",
        "verifier::large-crl::verify-revoked-in-large-crl"}
    for case in results.cases:
        assert case.verdict is Verdict.PASS, case.reason
        figures = {figure.name: figure for figure in case.figures}
        assert figures["sut-seconds"].value > 0
        assert figures["crl-entries"].value == 100_001 and figures["crl-entries"].about == "ca-cv"
        assert figures["crl-bytes"].value > 4_000_000
        assert not [finding for finding in case.findings if "second" in finding.check]
    html = render_all(out / "results.json", tmp_path / "reports").html.read_text(
        encoding="utf-8")
    assert "Số đo" in html and "CRL của ca-cv: 100.001 mục" in html
    assert "ca-cv&#x27;s CRL: 100,001 entries" in html
    assert "không phải tiêu chí đạt" in html
