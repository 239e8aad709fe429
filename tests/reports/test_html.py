"""The HTML report: escaped, self-contained, mandatory failures first, and looked at in Chromium."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from reports.html import render_html
from reports.results import Evidence, Results, Verdict
from tests.reports.conftest import require_tool, run_tool
from tests.reports.sample import SCRIPT, SIGNER_NAME


def test_untrusted_software_output_is_escaped(results: Results) -> None:
    page = render_html(results)
    assert SCRIPT not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<script" not in page.lower()


def test_the_page_loads_nothing_from_outside_and_runs_no_script(results: Results) -> None:
    page = render_html(results)
    assert not re.search(r"""(?:src|href)\s*=\s*["']?(?:https?:)?//""", page)
    assert "@import" not in page and "<link" not in page and "<iframe" not in page
    assert "url(data:font/woff;base64," in page  # the embedded font: no web font from the net
    assert "default-src 'none'" in page  # Content-Security-Policy: nothing else can load


def test_the_page_is_vietnamese_first_with_a_switch_that_needs_no_script(results: Results) -> None:
    page = render_html(results)
    assert page.startswith('<!DOCTYPE html>\n<html lang="vi">')
    assert re.search(r'id="lang-vi" checked', page)
    assert "<label for=\"lang-en\">English</label>" in page
    english = render_html(results, language="en")
    assert re.search(r'id="lang-en" checked', english)
    with pytest.raises(ValueError, match="language"):
        render_html(results, language="fr")


def test_mandatory_failures_come_before_everything_else(results: Results) -> None:
    page = render_html(results)
    heading = page.index("Yêu cầu bắt buộc không đạt (4)")
    assert heading < page.index("Tổng hợp") < page.index("Kết quả theo yêu cầu") \
        < page.index("Kết quả theo từng ca kiểm tra")
    box = page[heading:page.index("</section>", heading)]
    for requirement in results.summary.mandatory_failures:
        assert f"#req-{requirement}" in box
    assert "TT15-6.1.b" not in box  # passed
    assert "TT15-AnnexII-1.2" not in box  # failed, but only recommended
    assert "KHÔNG ĐẠT" in page[:heading]  # the conclusion is above it


def test_verdicts_are_in_vietnamese_and_failed_cases_come_first(results: Results) -> None:
    page = render_html(results)
    for words in ("Đạt", "Không đạt", "Lỗi (không có câu trả lời dùng được)", "Bỏ qua"):
        assert words in page
    signer = page.index('id="case-signer::')
    order = [page.index(f'id="case-{case.id}"') for case in results.cases
             if case.id.startswith("signer::")]
    first_fail = page.index('id="case-signer::certificate::refuse-revoked-certificate"')
    assert signer == first_fail == min(order)
    assert page.index('id="case-signer::token::wrong-pin-is-refused"') \
        < page.index('id="case-signer::pades::b-lt-with-revocation-data"')  # ERROR before PASS


def test_instants_are_shown_in_vietnam_time(results: Results) -> None:
    page = render_html(results)
    assert "2026-11-22T09:30:00+07:00" in page  # started at 02:30 UTC
    assert "02:30:00" not in page


def test_evidence_links_are_relative_with_their_hash(results: Results) -> None:
    page = render_html(results)
    evidence = results.cases[1].evidence[0]
    assert f'href="{evidence.path}"' in page
    assert evidence.sha256 in page
    moved = render_html(results, evidence_base="../run-1")
    assert f'href="../run-1/{evidence.path}"' in moved


def test_an_evidence_path_that_is_not_plainly_relative_is_not_a_link(results: Results) -> None:
    case = results.cases[0]
    case.evidence = [Evidence(path="javascript:alert(1)", sha256="0" * 64, kind="stdout"),
                     Evidence(path="../../etc/passwd", sha256="1" * 64, kind="stdout"),
                     Evidence(path="/etc/passwd", sha256="2" * 64, kind="stdout")]
    page = render_html(results)
    assert 'href="javascript' not in page and 'href="../../etc' not in page \
        and 'href="/etc' not in page
    assert "<code>javascript:alert(1)</code>" in page


def test_a_run_without_mandatory_failures_says_so(results: Results) -> None:
    results.summary.mandatory_failures = []
    for requirement in results.requirements:
        requirement.verdict = Verdict.PASS
    page = render_html(results)
    assert "Yêu cầu bắt buộc không đạt (0)" in page
    assert "ĐẠT: mọi yêu cầu bắt buộc được kiểm tra đều đạt" in page


def test_chromium_shows_the_page_with_its_vietnamese_letters(
        results: Results, tmp_path: Path, artifacts: Path) -> None:
    """Headless Chromium opens the file offline: a screenshot for a person (kept in
    out/test-artifacts/reports/), and a print to PDF whose fonts and text prove that the
    embedded DejaVu Sans drew the Vietnamese headings (a missing glyph would fall back to
    another font, or to boxes)."""
    chromium = require_tool("chromium", "chromium")
    page = tmp_path / "report.html"
    page.write_text(render_html(results), encoding="utf-8")
    common = [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
              "--no-first-run", "--disable-background-networking", "--disable-component-update",
              "--disable-sync", f"--user-data-dir={tmp_path / 'profile'}"]
    screenshot = tmp_path / "report.png"
    run_tool([*common, f"--screenshot={screenshot}", "--window-size=1280,2000",
              page.as_uri()], timeout=120)
    assert screenshot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert screenshot.stat().st_size > 50_000  # a page, not a blank
    shutil.copy(screenshot, artifacts / "report-html.png")

    printed = tmp_path / "printed.pdf"
    run_tool([*common, f"--print-to-pdf={printed}", "--no-pdf-header-footer", page.as_uri()],
             timeout=120)
    fonts = run_tool(["pdffonts", str(printed)]).stdout.splitlines()[2:]
    assert fonts and all("DejaVu" in font for font in fonts), fonts  # no fallback font used
    text = run_tool(["pdftotext", "-enc", "UTF-8", str(printed), "-"]).stdout
    for words in ("Yêu cầu bắt buộc không đạt", "Kết luận", SIGNER_NAME, "Không đạt"):
        assert words in text
