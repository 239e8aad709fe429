"""The Vietnamese view of a report is Vietnamese throughout, in the law's own terms.

What a Sở KH&CN officer reads with the page in Vietnamese (everything but the English spans) must
hold no English-only sentence: quotations of the software's own words, identifiers (in
``<code>``) and codes (TOTAL-PASSED, TT15-6.4.b) aside. Reasons come in both languages, clauses
are cited the Vietnamese way, confidence marks are in words.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from reports.citations import citation, english_citation, vietnamese_citation
from reports.findings_words import check_words
from reports.html import render_html
from reports.pdf import render_pdf
from reports.reason_words import is_translated, vietnamese_words
from reports.results import CaseResult, Finding, FindingCategory, Results, Severity, Verdict
from reports.vocabulary import SEVERITY_WORDS, confidence_words
from tests.message_language import is_english_only
from tests.reports.conftest import run_tool

_HIDDEN = {"style", "title", "head", "code", "script"}
_QUOTED = re.compile(r"'[^']*'|“[^”]*”")
_CODES = re.compile(r"\S*/\S*|\b[A-Z][A-Za-z0-9_.]*(?:[-:][A-Za-z0-9_.]+)*\b|"
                    r"\S+\.(?:pdf|json|txt|der|toml)\b")
"""Codes, paths and file names: the same in every language."""


class _VietnameseText(HTMLParser):
    """The text a reader sees with the page switched to Vietnamese."""

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[bool] = []
        self.chunks: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in {"br", "meta", "input", "wbr"}:
            return
        hidden = (self.stack and self.stack[-1]) or tag in _HIDDEN or ("lang", "en") in attrs
        self.stack.append(bool(hidden))

    def handle_endtag(self, tag: str) -> None:
        if tag not in {"br", "meta", "input", "wbr"} and self.stack:
            self.stack.pop()

    def handle_data(self, data: str) -> None:
        if not (self.stack and self.stack[-1]) and data.strip():
            self.chunks.append(data.strip())


def vietnamese_view(results: Results) -> list[str]:
    parser = _VietnameseText()
    parser.feed(render_html(results, embed_font=False))
    return parser.chunks


_UNACCENTED = "chu ky so hop le"
"""What the sample's software showed, Vietnamese without diacritics: its words, quoted as they
are by the check about them."""


def _english_left(chunk: str) -> list[str]:
    """The parts of a chunk (between ' / ', ';' and line breaks) that are English alone."""
    plain = _CODES.sub("#", _QUOTED.sub("''", chunk.replace(_UNACCENTED, "''")))
    return [part for part in re.split(r" / |;|\n", plain) if is_english_only(part)]


_KYSO_WORDS = [  # (expected, actual, reason) of each sample case, in kyso's words
    ("signed", "signed", "as expected"),
    ("refused", "signed", "the signer signed"),
    ("refused", "refused", "as expected; warning: result: 'chu ky' is Vietnamese written "
     "without diacritics (read as such, but a person is owed proper Vietnamese)"),
    ("warn-or-refuse", "signed", "signed without warning although the status was unobtainable"),
    ("refused", "no usable answer", "no usable answer"),
    ("signed", "declared unsupported", "declared unsupported"),
    ("INDETERMINATE (REVOKED_NO_POE)", "TOTAL-PASSED", "wrong indication"),
    ("TOTAL-PASSED (any)", "TOTAL-PASSED", "as expected"),
    ("TOTAL-FAILED (HASH_FAILURE)", "TOTAL-FAILED (HASH_FAILURE)", "as expected"),
    ("TOTAL-FAILED (any)", "TOTAL-PASSED",
     "display: integrity: 'Toàn vẹn' says intact, expected not intact"),
    ("TOTAL-PASSED (any)", "no usable answer", "display misses issuer, validity_at_signing_time"),
    ("TOTAL-PASSED (any)", "TOTAL-PASSED", "as expected"),
]


def _kyso_results(results: Results) -> Results:
    """The sample with what was expected, found and why as kyso's judge and runner write them
    today (English only, the Vietnamese left to the model), so the translation is tested."""
    cases = [CaseResult.model_validate({**case.model_dump(), "expected": expected,
                                        "actual": actual, "reason": reason, "reason_vi": ""})
             for case, (expected, actual, reason) in zip(results.cases, _KYSO_WORDS,
                                                         strict=True)]
    return results.model_copy(update={"cases": cases})


def test_the_vietnamese_view_holds_no_english_only_sentence(results: Results) -> None:
    chunks = vietnamese_view(_kyso_results(results))
    english = [(chunk, left) for chunk in chunks if (left := _english_left(chunk))]
    assert not english, english[:10]


def test_the_vietnamese_view_gives_reasons_checks_and_confidence_in_vietnamese(
        results: Results) -> None:
    text = "\n".join(vietnamese_view(_kyso_results(results)))
    assert "kết quả kiểm tra (indication) sai" in text
    assert "Lý do: wrong indication" not in text and "wrong indication" not in text
    assert "Tính hợp lệ của chữ ký tại thời điểm ký" in text
    assert "đã đối chiếu văn bản gốc (VERIFIED)" in text
    marks = re.sub(r"\((?:VERIFIED|VERIFIED-TRANSCRIPT|SECONDARY|NOT-FOUND)\)", "", text)
    assert not re.search(r"VERIFIED|SECONDARY|NOT-FOUND", marks)
    assert "điểm a khoản 4 Điều 6 Thông tư số 15/2025/TT-BKHCN" in text
    assert "Nghiêm trọng" not in text and "mức đánh giá khi sai lệch: Không đạt" in text


def test_the_english_view_keeps_the_english(results: Results) -> None:
    page = render_html(_kyso_results(results), embed_font=False)
    assert '<pre class="untrusted" lang="en">wrong indication</pre>' in page
    assert "TT15 Art. 6.4(a)" in page
    assert "verified against the official text (VERIFIED)" in page


def test_the_titles_say_kiem_thu(results: Results) -> None:
    page = render_html(results, embed_font=False)
    assert "KIỂM THỬ PHẦN MỀM" in page and "KIỂM TRA PHẦN MỀM KIỂM TRA" not in page


def test_the_pdf_record_gives_the_vietnamese_reason(results: Results, tmp_path: Path) -> None:
    path = tmp_path / "report.pdf"
    path.write_bytes(render_pdf(_kyso_results(results)))
    text = run_tool(["pdftotext", "-enc", "UTF-8", str(path), "-"]).stdout
    assert "đã ký mà không cảnh báo dù không lấy được trạng thái thu hồi" in " ".join(text.split())
    assert "đã đối chiếu văn bản gốc (VERIFIED)" in " ".join(text.split())
    assert "BIÊN BẢN KẾT QUẢ KIỂM THỬ" in text


def test_a_clause_is_cited_the_vietnamese_way() -> None:
    clause = "TT 15/2025/TT-BKHCN Điều 5 khoản 1 điểm a"
    assert vietnamese_citation(clause) == "điểm a khoản 1 Điều 5 Thông tư số 15/2025/TT-BKHCN"
    assert english_citation(clause) == "TT15 Art. 5.1(a)"
    assert citation("TT 15/2025/TT-BKHCN Phụ lục II mục 1.2").vi == \
        "mục 1.2 Phụ lục II Thông tư số 15/2025/TT-BKHCN"
    assert citation("Nghị định 68/2024/NĐ-CP Điều 7 (cùng Điều 29 khoản 3, Điều 32)").vi == \
        "Điều 7 Nghị định số 68/2024/NĐ-CP (cùng khoản 3 Điều 29, Điều 32)"
    assert citation("TT 15/2025/TT-BKHCN Điều 6 khoản 2 điểm a–c").vi == \
        "từ điểm a đến điểm c khoản 2 Điều 6 Thông tư số 15/2025/TT-BKHCN"


def test_every_clause_of_the_catalogue_is_cited_in_both_languages() -> None:
    """TT15-5.1.a → điểm a khoản 1 Điều 5 Thông tư số 15/2025/TT-BKHCN; no clause left in the
    catalogue's document-first order, no Vietnamese word in the English citation."""
    import yaml

    from conformance.requirements import CATALOGUE_PATH

    entries = yaml.safe_load(CATALOGUE_PATH.read_text(encoding="utf-8"))
    clauses = {entry["id"]: entry["clause"] for entry in entries}
    assert citation(clauses["TT15-5.1.a"]).vi == \
        "điểm a khoản 1 Điều 5 Thông tư số 15/2025/TT-BKHCN"
    vietnamese_letter = re.compile("[àáạảãâầấậẩẫăằắặẳẵèéẹẻẽêềếệểễìíịỉĩòóọỏõôồốộổỗơờớợởỡùúụủũưừứự"
                                   "ửữỳýỵỷỹ]", re.IGNORECASE)
    for identifier, clause in clauses.items():
        words = citation(clause)
        assert not re.search(r"\bTT \d|Điều \d+ khoản|khoản \d+ điểm", words.vi), identifier
        assert not vietnamese_letter.search(words.en.replace("điểm", "")), (identifier, words.en)


def test_kyso_reasons_read_in_vietnamese() -> None:
    for english in ("wrong indication", "not as expected", "display misses issuer, signer",
                    "the person is told nothing we recognise in Vietnamese, not 'Chữ ký số "
                    "hợp lệ'", "sub-indication not among the accepted ones",
                    "refused but left a signed document behind", "an unexpected warning",
                    "evidence: 'crl' is missing; 'status' is an empty file",
                    "signing_time: 'x' does not show the signing time 2026-11-22T09:00:00+07:00 "
                    "(±2 min); found a date and time we can read",
                    "declared unsupported; but TT15-5.1.a is mandatory, and a mandatory "
                    "requirement is never skipped"):
        vietnamese = vietnamese_words(english)
        assert is_translated(vietnamese), vietnamese
    assert vietnamese_words("display: validity_at_signing_time: not shown") == \
        "hiển thị: Tính hợp lệ của chữ ký tại thời điểm ký: không hiển thị"


def test_a_reason_is_carried_in_both_languages() -> None:
    finding = Finding(check="indication", category=FindingCategory.TECHNICAL, requirements=[],
                      expected="INDETERMINATE", actual="TOTAL-PASSED", verdict=Verdict.FAIL,
                      severity=Severity.FAIL, reason="wrong indication")
    assert finding.reason_vi == "kết quả kiểm tra (indication) sai"
    given = finding.model_copy(update={"reason_vi": "sai"})
    assert Finding.model_validate(given.model_dump()).reason_vi == "sai"


def test_words_for_checks_severities_and_confidence() -> None:
    assert check_words("display:validity_at_signing_time").vi == \
        "Hiển thị: Tính hợp lệ của chữ ký tại thời điểm ký"
    assert SEVERITY_WORDS[Severity.FAIL].vi == "Không đạt"
    assert confidence_words("SECONDARY").vi.endswith("(SECONDARY)")


def test_a_said_reason_gives_each_field_its_half_in_any_language(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """A reason made by say() (an adapter's 'no usable answer', a refusal) never puts Vietnamese
    into the English field, nor English alone into the Vietnamese one, whatever KYSO_LANG is."""
    from bilingual import ENVIRONMENT_VARIABLE, say

    for language in ("vi-en", "en", "vi"):
        monkeypatch.setenv(ENVIRONMENT_VARIABLE, language)
        finding = Finding(check="answer", category=FindingCategory.TECHNICAL, requirements=[],
                          expected="an answer", actual="none", verdict=Verdict.ERROR,
                          severity=Severity.FAIL,
                          reason=say("mã thoát 0, stdout không phải JSON",
                                     "exit code 0, stdout not JSON"))
        assert (finding.reason, finding.reason_vi) == ("exit code 0, stdout not JSON",
                                                       "mã thoát 0, stdout không phải JSON")
