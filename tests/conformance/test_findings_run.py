"""The issue's "done when": a product that answers every technical question rightly but shows
English gets a report whose summary says so in one line, every technical finding PASS and every
display finding FAIL. Played for real: the reference tools with their English-only defects
(conformance/reference/defects/) through the python adapter, judged by ``kyso conform``."""

from __future__ import annotations

from pathlib import Path

import pytest

from conformance.runner import RunOptions, conform
from reports.findings_words import findings_line
from reports.html import render_html
from reports.results import FindingCategory, Results, Verdict

PROFILE = """
roles = ["{role}"]
regimes = ["public", "cong-vu", "state-doc"]

[sut]
name = "reference tools, defect {defect}"
vendor = "kyso project"
version = "0.1.0-defective"

[capabilities]
pades_levels = ["B-B", "B-T", "B-LT", "B-LTA"]
offline = true
visible_signature = true
trust_store_management = true
evidence_storage = true

[adapter]
kind = "python"

[adapter.python]
entry_point = "conformance.sut.examples.reference_python:create"
options = {{ defect = "{defect}" }}
"""


def _run(tmp_path: Path, role: str, defect: str, only: tuple[str, ...]) -> Results:
    profile = tmp_path / f"{defect}.toml"
    profile.write_text(PROFILE.format(role=role, defect=defect), encoding="utf-8")
    return conform(RunOptions(profile, tmp_path / "out", only=only), progress=lambda _: None)


@pytest.mark.parametrize(("role", "defect", "only", "language", "vi_reason"), [
    ("signer", "english-only-signer", ("signer::expired-certificate::*",
                                       "signer::untrusted-roots::*"),
     "TT15-5.6.b", "the signer is not told"),
    ("verifier", "english-only", ("verifier::revoked-after-signing::*",
                                  "verifier::expired-certificate::*"),
     "TT15-6.4.a", "the person is told nothing we recognise in Vietnamese"),
])
def test_a_right_answer_shown_in_english_reads_as_technical_pass_display_fail(
        tmp_path: Path, role: str, defect: str, only: tuple[str, ...], language: str,
        vi_reason: str) -> None:
    results = _run(tmp_path, role, defect, only)
    assert len(results.cases) >= 3
    line = findings_line(results)
    assert line is not None
    technical = [f for c in results.cases for f in c.findings
                 if f.category is FindingCategory.TECHNICAL]
    display = [f for c in results.cases for f in c.findings
               if f.category is FindingCategory.DISPLAY]
    assert line.vi == (f"Kỹ thuật: đạt mọi kiểm tra ({len(technical)}/{len(technical)}) · "
                       f"Hiển thị cho người dùng: không đạt ("
                       + ("tiếng Việt" if role == "signer" else
                          "tiếng Việt; các trường hiển thị")
                       + f"; {len(display)}/{len(display)} kiểm tra không đạt)")
    assert technical and all(f.verdict is Verdict.PASS for f in technical), \
        [(f.check, f.reason) for f in technical if f.verdict is not Verdict.PASS]
    assert display and all(f.verdict is Verdict.FAIL for f in display)
    for case in results.cases:
        # every case fails, for its display alone; the reason is the first failure, as before
        assert case.verdict is Verdict.FAIL and case.reason.startswith(vi_reason), case.reason
        assert {f.category for f in case.findings} == set(FindingCategory)
    failed = {r.id for r in results.requirements if r.verdict is Verdict.FAIL}
    assert language in failed and failed <= {language, "TT15-6.4.b"}
    assert results.summary.findings == {
        FindingCategory.TECHNICAL: {Verdict.PASS: len(technical)},
        FindingCategory.DISPLAY: {Verdict.FAIL: len(display)}}
    assert line.vi in render_html(results, embed_font=False)
