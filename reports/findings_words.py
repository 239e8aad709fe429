"""What the renderers say about findings: the summary line that puts the technical verdict
apart from what the person is shown, and a finding in words.

A product that answers every technical question rightly but shows English must not read like
one that gets everything wrong: the line says "Kỹ thuật: đạt mọi kiểm tra · Hiển thị cho người
dùng: không đạt (tiếng Việt)" for it. One place, so the HTML page and the PDF say the same.
"""

from __future__ import annotations

from collections import Counter

from .reason_words import FIELD_NAMES, field_words
from .results import CaseResult, Finding, FindingCategory, Results, Severity, Verdict
from .vocabulary import SEVERITY_WORDS, SHORT_VERDICT_WORDS, Words

CATEGORY_WORDS: dict[FindingCategory, Words] = {
    FindingCategory.TECHNICAL: Words("Kỹ thuật", "Technical"),
    FindingCategory.DISPLAY: Words("Hiển thị cho người dùng", "What the person is shown"),
}

CHECK_WORDS: dict[str, Words] = {
    "indication": Words("Kết quả kiểm tra (indication)", "Indication"),
    "sub-indication": Words("Lý do chi tiết (sub-indication)", "Sub-indication"),
    "result": Words("Thông báo kết quả bằng tiếng Việt", "The Vietnamese result"),
    "outcome": Words("Ký hay từ chối ký", "Signed or refused"),
    "document": Words("Tài liệu được ghi ra", "The document written"),
    "warning": Words("Cảnh báo", "Warning"),
    "evidence": Words("Bằng chứng kiểm tra được lưu", "Evidence stored"),
    "output": Words("Tệp đã ký", "The signed output"),
    "pin-printed": Words("Không để lộ mã PIN", "The PIN kept secret"),
    "left-running": Words("Không để tiến trình chạy sót", "No process left running"),
    "access-denied": Words("Không truy cập bị hệ thống từ chối", "No access the system refuses"),
    "reached-hidden": Words("Chỉ mở các tệp được giao", "Only the files given are opened"),
    "wrote-outside": Words("Chỉ ghi trong thư mục được giao", "Writes only where allowed"),
}
"""Each kind of check in words; the check's own name stays beside it for a lab."""
_CHECK_PREFIXES = {"display": Words("Hiển thị", "Shown"),
                   "diacritics": Words("Tiếng Việt có dấu", "Vietnamese with diacritics"),
                   "declared": Words("Cụm từ do nhà cung cấp khai báo", "A vendor's phrase")}


def check_words(check: str) -> Words:
    """A check's name in words: ``display:validity_at_signing_time`` → "Hiển thị: Tính hợp lệ
    của chữ ký tại thời điểm ký" (an unknown check: its name)."""
    if check in CHECK_WORDS:
        return CHECK_WORDS[check]
    prefix, _, rest = check.partition(":")
    if rest and prefix in _CHECK_PREFIXES:
        label = _CHECK_PREFIXES[prefix]
        english = FIELD_NAMES[rest][1] if rest in FIELD_NAMES else rest
        return Words(f"{label.vi}: {field_words(rest)}", f"{label.en}: {english}")
    return Words(check, check)


MESSAGE_CHECK = "result"
"""The check of the Vietnamese result the person is told (TT15-6.4.a / 5.6.b)."""


def _counts(results: Results) -> dict[FindingCategory, dict[Verdict, int]]:
    if results.summary.findings:
        return results.summary.findings
    counts: dict[FindingCategory, Counter[Verdict]] = {}
    for case in results.cases:
        for finding in case.findings:
            counts.setdefault(finding.category, Counter())[finding.verdict] += 1
    return {category: dict(counter) for category, counter in counts.items()}


def _failed_display_words(results: Results) -> Words:
    """What failed in the display: the Vietnamese result, the fields, or both."""
    failed = {finding.check for case in results.cases for finding in case.findings
              if finding.category is FindingCategory.DISPLAY
              and finding.verdict is Verdict.FAIL}
    parts = [words for present, words in (
        (MESSAGE_CHECK in failed, Words("tiếng Việt", "Vietnamese")),
        (any(check.startswith("display:") for check in failed),
         Words("các trường hiển thị", "display fields")))
        if present]
    return Words("; ".join(p.vi for p in parts), "; ".join(p.en for p in parts))


def _warned(results: Results, category: FindingCategory) -> int:
    return sum(1 for case in results.cases for finding in case.findings
               if finding.category is category and finding.verdict is Verdict.PASS
               and finding.severity is Severity.WARNING)


def _part(results: Results, category: FindingCategory, counts: dict[Verdict, int]) -> Words:
    label = CATEGORY_WORDS[category]
    total, failed = sum(counts.values()), counts.get(Verdict.FAIL, 0)
    if failed:
        what = _failed_display_words(results) if category is FindingCategory.DISPLAY \
            else Words("", "")
        vi_what = f"{what.vi}; " if what.vi else ""
        en_what = f"{what.en}; " if what.en else ""
        return Words(f"{label.vi}: không đạt ({vi_what}{failed}/{total} kiểm tra không đạt)",
                     f"{label.en}: fail ({en_what}{failed} of {total} checks failed)")
    warned = _warned(results, category)
    if warned:
        return Words(f"{label.vi}: đạt mọi kiểm tra ({total}/{total}), {warned} cảnh báo",
                     f"{label.en}: every check passed ({total}/{total}), {warned} warning(s)")
    return Words(f"{label.vi}: đạt mọi kiểm tra ({total}/{total})",
                 f"{label.en}: every check passed ({total}/{total})")


def findings_line(results: Results) -> Words | None:
    """The one line that separates the technical verdict from what the person is shown
    (None: the results carry no findings, e.g. a version-1 file)."""
    counts = _counts(results)
    parts = [_part(results, category, counts[category])
             for category in (FindingCategory.TECHNICAL, FindingCategory.DISPLAY)
             if counts.get(category)]
    if not parts:
        return None
    return Words(" · ".join(part.vi for part in parts), " · ".join(part.en for part in parts))


def finding_text(finding: Finding) -> str:
    """A finding on one line (JUnit, plain text): verdict, category, check, what was found."""
    verdict = finding.verdict.value + ("" if finding.verdict is Verdict.PASS and
                                       finding.severity is not Severity.WARNING
                                       else f"/{finding.severity.value}")
    line = (f"{verdict} [{finding.category.value}] {finding.check}: expected "
            f"{finding.expected}; got {finding.actual}")
    if finding.reason:
        line += f" — {finding.reason}"
    if finding.requirements:
        line += f" ({', '.join(finding.requirements)})"
    return line


def finding_cells(finding: Finding) -> tuple[Words, Words, Words]:
    """The category, verdict and cost of a finding, in words, for table cells."""
    verdict = SHORT_VERDICT_WORDS[finding.verdict]
    return (CATEGORY_WORDS[finding.category], verdict, SEVERITY_WORDS[finding.severity])


def sorted_findings(case: CaseResult) -> list[Finding]:
    """A case's findings, failures first, technical before display within each."""
    order = {Verdict.FAIL: 0, Verdict.ERROR: 1, Verdict.SKIPPED: 2, Verdict.PASS: 3}
    return sorted(case.findings, key=lambda finding: (
        order[finding.verdict], finding.category is not FindingCategory.TECHNICAL))


def findings_by_check(results: Results) -> list[tuple[FindingCategory, str, dict[str, int]]]:
    """For each kind of check (technical first): how many passed, failed, passed with a
    warning, over every case of the run."""
    tally: dict[tuple[FindingCategory, str], Counter[str]] = {}
    for case in results.cases:
        for finding in case.findings:
            counter = tally.setdefault((finding.category, finding.check), Counter())
            counter[finding.verdict.value] += 1
            if finding.verdict is Verdict.PASS and finding.severity is Severity.WARNING:
                counter["WARNING"] += 1
    return [(category, check, dict(counter)) for (category, check), counter in sorted(
        tally.items(), key=lambda item: (item[0][0] is not FindingCategory.TECHNICAL,
                                         item[0][1]))]
