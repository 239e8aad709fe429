"""Every finding of a case in every report, and the line that puts the technical verdict apart
from what the person is shown."""

from __future__ import annotations

import xml.etree.ElementTree as ElementTree
from pathlib import Path

from reports.diff import diff_results, render_diff_table
from reports.findings_words import findings_line
from reports.html import render_html
from reports.junit import render_junit
from reports.pdf import render_pdf
from reports.results import Finding, FindingCategory, Results, Severity, Verdict
from tests.reports.conftest import run_tool
from tests.reports.sample import LEAKED_PIN, SCRIPT, sample_results

TECHNICAL, DISPLAY = FindingCategory.TECHNICAL, FindingCategory.DISPLAY


def _english_display(results: Results) -> Results:
    """The sample, as a product that answers every technical question rightly but whose
    Vietnamese result fails on every case judged check by check."""
    cases = []
    for case in results.cases:
        if not case.findings:
            cases.append(case)
            continue
        findings = [finding.model_copy(update={"verdict": Verdict.PASS,
                                               "severity": Severity.INFO, "reason": ""})
                    if finding.category is TECHNICAL else finding.model_copy(update={
                        "verdict": Verdict.FAIL, "severity": Severity.FAIL,
                        "actual": "'Signed.'", "reason": "not told in Vietnamese"})
                    for finding in case.findings if not finding.check.startswith("diacritics")]
        cases.append(case.model_copy(update={"findings": findings, "verdict": Verdict.FAIL}))
    summary = results.summary.model_copy(update={"findings": {}})
    return results.model_copy(update={"cases": cases, "summary": summary})


def test_the_line_says_the_technical_verdict_apart_from_the_display() -> None:
    line = findings_line(sample_results())
    assert line is not None
    assert line.vi == ("Kỹ thuật: không đạt (2/4 kiểm tra không đạt) · Hiển thị cho người "
                       "dùng: đạt mọi kiểm tra (4/4), 1 cảnh báo")
    assert line.en.startswith("Technical: fail (2 of 4 checks failed) · What the person is "
                              "shown: every check passed")
    english = findings_line(_english_display(sample_results()))
    assert english is not None
    assert english.vi == ("Kỹ thuật: đạt mọi kiểm tra (4/4) · Hiển thị cho người dùng: "
                          "không đạt (tiếng Việt; 3/3 kiểm tra không đạt)")


def test_a_results_file_without_findings_has_no_line() -> None:
    results = sample_results()
    bare = results.model_copy(update={
        "cases": [case.model_copy(update={"findings": []}) for case in results.cases],
        "summary": results.summary.model_copy(update={"findings": {}})})
    assert findings_line(bare) is None
    assert "findings-line" not in render_html(bare, embed_font=False).split("</style>")[1]


def test_the_html_page_shows_the_line_and_every_finding_escaped() -> None:
    page = render_html(_english_display(sample_results()), embed_font=False)
    assert "Kỹ thuật: đạt mọi kiểm tra (4/4)" in page
    assert "không đạt (tiếng Việt; 3/3 kiểm tra không đạt)" in page
    page = render_html(sample_results(), embed_font=False)
    assert page.count('<table class="findings">') == 3
    assert "<code>diacritics:result</code>" in page and "<code>outcome</code>" in page
    assert SCRIPT not in page and LEAKED_PIN not in page


def test_junit_puts_every_failed_finding_in_the_message() -> None:
    root = ElementTree.fromstring(render_junit(sample_results()).encode())  # noqa: S314
    cases = {element.get("name"): element for element in root.iter("testcase")}
    failure = cases["signer::certificate::refuse-revoked-certificate"].find("failure")
    assert failure is not None
    message = failure.get("message", "")
    assert "[1 failed: FAIL/FAIL [technical] outcome: expected refused; got signed" in message
    assert "PASS [display] result" in (failure.text or "") and LEAKED_PIN not in failure.text
    passed = cases["verifier::revocation::revoked-after-timestamp"].find("system-out")
    assert passed is not None and "PASS/WARNING [display] diacritics:result" in (passed.text
                                                                                   or "")


def test_the_pdf_record_shows_the_line_and_the_findings_by_check(tmp_path: Path) -> None:
    path = tmp_path / "report.pdf"
    path.write_bytes(render_pdf(_english_display(sample_results())))
    text = " ".join(run_tool(["pdftotext", "-enc", "UTF-8", str(path), "-"]).stdout.split())
    assert "Kỹ thuật: đạt mọi kiểm tra (4/4) · Hiển thị cho người dùng: không đạt" in text
    assert "IV. KẾT QUẢ THEO TỪNG LOẠI KIỂM TRA" in text and "indication" in text


def test_the_diff_compares_findings_where_both_runs_have_them() -> None:
    old, new = sample_results(), _english_display(sample_results())
    diff = diff_results(old, new)
    changed = {change.id: (change.old, change.new) for change in diff.findings}
    assert changed == {
        "signer::certificate::refuse-revoked-certificate · outcome": (Verdict.FAIL, Verdict.PASS),
        "signer::certificate::refuse-revoked-certificate · result": (Verdict.PASS, Verdict.FAIL),
        "verifier::revocation::revoked-before-signing · indication": (Verdict.FAIL, Verdict.PASS),
        "verifier::revocation::revoked-before-signing · result": (Verdict.PASS, Verdict.FAIL),
        "verifier::revocation::revoked-after-timestamp · result": (Verdict.PASS, Verdict.FAIL),
        "verifier::revocation::revoked-after-timestamp · diacritics:result": (Verdict.PASS, None),
    }
    table = render_diff_table(diff)
    assert "Kiểm tra / finding" in table and "6 findings changed" in table
    # a side without findings (version 1) compares no finding
    bare = new.model_copy(update={"cases": [c.model_copy(update={"findings": []})
                                            for c in new.cases]})
    assert diff_results(old, bare).findings == ()


def test_a_finding_round_trips_through_json() -> None:
    finding = Finding(check="display:signer", category=DISPLAY, requirements=["TT15-6.4.b"],
                      expected="'TEST Vũ Thị Hoa'", actual="'Signer'", verdict=Verdict.FAIL,
                      severity=Severity.FAIL, reason="signer: 'Signer' does not name the signer")
    assert Finding.model_validate_json(finding.model_dump_json()) == finding
