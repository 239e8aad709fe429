"""The words every renderer shares: verdicts, severities and levels in Vietnamese and English,
the overall conclusion, Vietnam-time instants, and the redaction of secrets.

One place for them so the HTML page, the PDF *biên bản*, the JUnit file and the diff table say
"Không đạt" for the same thing. Vietnamese comes first everywhere: the reader is a Sở KH&CN
officer; English follows for the vendor.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from .results import Figure, Results, Severity, ShardOrigin, Verdict

VIETNAM_TIME = timezone(timedelta(hours=7), "ICT")
"""Indochina Time (UTC+07:00, no daylight saving): every instant in a report is shown in it."""


@dataclass(frozen=True)
class Words:
    """One term in both languages."""

    vi: str
    en: str


VERDICT_WORDS: dict[Verdict, Words] = {
    Verdict.PASS: Words("Đạt", "Pass"),
    Verdict.FAIL: Words("Không đạt", "Fail"),
    Verdict.ERROR: Words("Lỗi (không có câu trả lời dùng được)", "Error (no usable answer)"),
    Verdict.SKIPPED: Words("Bỏ qua", "Skipped"),
}
SHORT_VERDICT_WORDS: dict[Verdict, Words] = {
    **VERDICT_WORDS,
    Verdict.ERROR: Words("Lỗi", "Error"),
}
"""For narrow table cells; the legend in each report spells out what ``Lỗi`` means."""

VERDICT_ORDER = (Verdict.FAIL, Verdict.ERROR, Verdict.SKIPPED, Verdict.PASS)
"""Problems first: the order in which renderers list verdicts and sort cases."""

SEVERITY_WORDS: dict[Severity, Words] = {
    Severity.FAIL: Words("Không đạt", "Fail"),
    Severity.WARNING: Words("Cảnh báo", "Warning"),
    Severity.INFO: Words("Thông tin", "Info"),
    Severity.IGNORE: Words("Bỏ qua", "Ignore"),
}

LEVEL_WORDS: dict[str, Words] = {
    "mandatory": Words("Bắt buộc", "Mandatory"),
    "recommended": Words("Khuyến nghị", "Recommended"),
    "optional": Words("Tùy chọn", "Optional"),
    "informational": Words("Tham khảo", "Informational"),
}

CONFIDENCE_WORDS: dict[str, Words] = {
    "VERIFIED": Words("đã đối chiếu văn bản gốc", "verified against the official text"),
    "VERIFIED-TRANSCRIPT": Words("đã đối chiếu bản chép lại của văn bản",
                                 "verified against a transcript"),
    "SECONDARY": Words("theo nguồn thứ cấp, chưa đối chiếu văn bản gốc",
                       "from a secondary source, not checked against the text"),
    "NOT-FOUND": Words("chưa xác nhận được nội dung", "content not confirmed"),
}
"""How sure the catalogue is of a clause's text (``requirements.yaml`` ``confidence``)."""

ROLE_WORDS: dict[str, Words] = {
    "signer": Words("Phần mềm ký số", "Signing software"),
    "verifier": Words("Phần mềm kiểm tra chữ ký số", "Signature verification software"),
}


def level_words(level: str) -> Words:
    """The requirement level in both languages (an unknown level is shown as written)."""
    return LEVEL_WORDS.get(level, Words(level, level))


def confidence_words(confidence: str) -> Words:
    """A clause's confidence in words, its code kept in parentheses for a lab that files it:
    ``đã đối chiếu văn bản gốc (VERIFIED)``."""
    words = CONFIDENCE_WORDS.get(confidence)
    if words is None:
        return Words(confidence, confidence)
    return Words(f"{words.vi} ({confidence})", f"{words.en} ({confidence})")


def role_of(case_id: str) -> str:
    """The role part of a case ID (``role::family::name``)."""
    return case_id.split("::", 1)[0]


def family_of(case_id: str) -> str:
    """``role::family`` of a case ID: the JUnit test suite and the diff grouping."""
    parts = case_id.split("::")
    return "::".join(parts[:2]) if len(parts) > 2 else parts[0]


ISOLATION_PHRASES: tuple[tuple[str, str], ...] = (
    ("none: the python adapter runs in kyso's own process (in_process = true: trusted code only)",
     "KHÔNG cô lập: bộ điều hợp python chạy ngay trong tiến trình của kyso (in_process = true: "
     "chỉ dành cho mã tin cậy)"),
    ("not applicable: a person runs the program from the test kit",
     "không áp dụng: một người chạy chương trình theo bộ hồ sơ kiểm thử"),
    ("not applicable: a service the tester started; kyso only talks to it",
     "không áp dụng: dịch vụ do người kiểm thử khởi chạy; kyso chỉ giao tiếp với nó"),
    ("none (--no-isolation)", "KHÔNG cô lập: người kiểm thử chọn --no-isolation"),
    ("bubblewrap is not installed", "chưa cài bubblewrap"),
    ("bubblewrap cannot create namespaces here", "bubblewrap không tạo được không gian tên ở đây"),
    ("bubblewrap did not run", "bubblewrap không chạy được"),
    ("(Debian package 'bubblewrap'; `make test` and `make demo` install it)",
     "(gói Debian 'bubblewrap'; `make test` và `make demo` tự cài)"),
    ("own user (nobody), PID and mount namespaces; read-only system; only its case's files",
     "người dùng riêng (nobody), không gian tên tiến trình và gắn kết riêng; hệ thống chỉ đọc; "
     "chỉ thấy các tệp của điểm kiểm tra"),
    ("file accesses traced (strace)", "truy cập tệp được ghi vết (strace)"),
    ("file accesses not traced (strace missing)", "không ghi vết truy cập tệp (thiếu strace)"),
    ("also readable (the profile's read_only_paths)",
     "được đọc thêm (read_only_paths của hồ sơ)"),
)
"""The phrases of the runner's isolation record (English, stable: JSON readers match it) and
their Vietnamese; the record's paths, versions and probe output stay as they are."""


def isolation_words(isolation: str | None) -> Words:
    """How the software under test was isolated (``RunMetadata.isolation``), Vietnamese first:
    the first page of every report says it, "none" above all. The Vietnamese is the same
    record phrase by phrase (:data:`ISOLATION_PHRASES`), so the strace and read-only-path
    details reach a Vietnamese reader too."""
    if not isolation:
        return Words("không ghi nhận", "not recorded")
    vietnamese = isolation
    for english, translated in ISOLATION_PHRASES:
        vietnamese = vietnamese.replace(english, translated)
    if isolation.startswith("bubblewrap"):
        vietnamese = f"hộp cát {vietnamese}"
    if vietnamese.startswith("none ("):
        vietnamese = f"KHÔNG cô lập: phần mềm chạy không có hộp cát ({vietnamese[6:]}"
    english = f"isolation: {isolation}" if isolation.startswith("none") else isolation
    return Words(vietnamese, english)


def vietnam_time(instant: datetime) -> str:
    """ISO 8601 in Vietnam time, to the second: ``2026-11-22T09:30:00+07:00``.

    A naive instant is taken as UTC (the runner writes aware instants; this only keeps an old or
    hand-written file renderable)."""
    if instant.tzinfo is None:
        instant = instant.replace(tzinfo=UTC)
    return instant.astimezone(VIETNAM_TIME).isoformat(timespec="seconds")


def shards_words(shards: list[ShardOrigin]) -> Words | None:
    """Where and when each shard of a merged run ran (``RunMetadata.merged_from``); None for a
    run played in one go. The first page says it: the run's span is then several machines'."""
    if not shards:
        return None
    count = len(shards)

    def each(cases: str) -> str:
        return "; ".join(f"{shard.index}/{count} {shard.host}, {vietnam_time(shard.started_at)}"
                         f" → {vietnam_time(shard.finished_at)} ({shard.cases} {cases})"
                         for shard in shards)

    return Words(f"gộp từ {count} phần: {each('điểm kiểm tra')}",
                 f"merged from {count} shards: {each('cases')}")


def duration_text(seconds: float) -> str:
    """A case duration for people: ``0.42 s``, ``12.3 s``, ``2 min 05 s``."""
    if seconds < 10:
        return f"{seconds:.2f} s"
    if seconds < 120:
        return f"{seconds:.1f} s"
    minutes, rest = divmod(round(seconds), 60)
    return f"{minutes} min {rest:02d} s"


def _vi_number(text: str) -> str:
    """``100,001`` / ``5.03`` written the Vietnamese way: ``100.001`` / ``5,03``."""
    return text.translate(str.maketrans(",.", ".,"))


def figures_words(figures: list[Figure]) -> Words:
    """What was measured at a case, in one line (a CRL's entries and bytes together): shown
    beside the verdict, never part of it."""
    vi: list[str] = []
    en: list[str] = []
    sizes = {figure.about: figure.value for figure in figures if figure.name == "crl-bytes"}
    for figure in figures:
        if figure.name == "sut-seconds":
            vi.append(f"phần mềm trả lời trong {_vi_number(f'{figure.value:.2f}')} giây")
            en.append(f"the software answered in {figure.value:.2f} s")
        elif figure.name == "crl-entries":
            size = sizes.get(figure.about, 0)
            size_text = f"{size / 1e6:.2f} MB" if size >= 100_000 else f"{size / 1e3:.1f} kB"
            noun = "entry" if figure.value == 1 else "entries"
            vi.append(f"CRL của {figure.about}: {_vi_number(f'{figure.value:,.0f}')} mục, "
                      f"{_vi_number(size_text)}")
            en.append(f"{figure.about}'s CRL: {figure.value:,.0f} {noun}, {size_text}")
        elif figure.name != "crl-bytes":
            vi.append(f"{figure.name}: {_vi_number(f'{figure.value:g}')} {figure.unit}")
            en.append(f"{figure.name}: {figure.value:g} {figure.unit}")
    return Words("; ".join(vi) + " (số đo, không phải tiêu chí đạt)",
                 "; ".join(en) + " (a measurement, not a pass criterion)")


@dataclass(frozen=True)
class Conclusion:
    """The one-line outcome an officer reads first."""

    verdict: Verdict
    words: Words


def conclusion(results: Results) -> Conclusion:
    """FAIL when a mandatory requirement failed; ERROR when none failed but some requirement
    could not be judged; otherwise PASS (of the requirements tested, which the report lists)."""
    if results.summary.mandatory_failures:
        return Conclusion(Verdict.FAIL, Words(
            "KHÔNG ĐẠT: có yêu cầu bắt buộc không đạt",
            "FAIL: some mandatory requirements are not met"))
    if any(requirement.verdict is Verdict.ERROR for requirement in results.requirements):
        return Conclusion(Verdict.ERROR, Words(
            "CHƯA KẾT LUẬN ĐƯỢC: có yêu cầu chưa đánh giá được (phần mềm không trả lời được)",
            "INCONCLUSIVE: some requirements could not be judged (no usable answer)"))
    return Conclusion(Verdict.PASS, Words(
        "ĐẠT: mọi yêu cầu bắt buộc được kiểm tra đều đạt",
        "PASS: every mandatory requirement tested is met"))


# ---- secrets ---------------------------------------------------------------------------------
REDACTED = "[đã che / redacted]"

_SECRET_NAMES = (r"(?:so[-_ ]?pin|user[-_ ]?pin|pin[-_]?value|pin[-_ ]?code|pin|passphrase|"
                 r"password|passwd|mật khẩu|token[-_ ]?secret|secret)")
_PRIVATE_KEY = re.compile(
    r"-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----.*?(?:-----END [A-Z0-9 ]*PRIVATE KEY-----|\Z)",
    re.DOTALL)
"""A PEM private key of any kind: the whole block, or the rest of a truncated one."""
_SECRET_ASSIGNMENTS = (
    # "PIN: 123456", "so_pin=1234", "pin-value=1234" (a PKCS#11 URI), "mật khẩu: abc"
    re.compile(rf"(?i)(?<![\w-])({_SECRET_NAMES}\s*[:=]\s*)[^\s,;)\]}}'\"]+"),
    # "PIN 123456": a bare number after the word
    re.compile(rf"(?i)(?<![\w-])({_SECRET_NAMES}\s+)\d{{4,}}\b"),
    # "--pin 123456", "--so-pin=1234", "-pin 1234"
    re.compile(r"(?i)(?<![\w-])(--?(?:so-)?pin[= ]|--password[= ]|--passphrase[= ])\S+"),
)


def redact(text: str) -> str:
    """The text with anything that looks like a PIN, password or private key replaced.

    A safety net, not the rule: the runner must never record a secret in the first place. It
    exists because ``actual`` and ``reason`` quote the software's own output, which may echo a
    PIN or dump a key; a report handed to a vendor must not carry one."""
    text = _PRIVATE_KEY.sub(f"-----{REDACTED}-----", text)
    for pattern in _SECRET_ASSIGNMENTS:
        text = pattern.sub(lambda match: match.group(1) + REDACTED, text)
    return text


def _redact_value(value: Any) -> Any:
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, list):
        return [_redact_value(item) for item in value]
    if isinstance(value, dict):
        return {key: _redact_value(item) for key, item in value.items()}
    return value


_FREE_TEXT_FIELDS = ("expected", "actual", "reason", "reason_vi")


def redacted(results: Results) -> Results:
    """A copy of the results whose free-text fields (what software said) are redacted.

    IDs, hashes and paths are left alone: they are ours, and changing one would break links."""
    cases = [case.model_copy(update={
        **{name: _redact_value(getattr(case, name)) for name in _FREE_TEXT_FIELDS},
        "findings": [finding.model_copy(update={name: redact(getattr(finding, name))
                                                for name in _FREE_TEXT_FIELDS})
                     for finding in case.findings]})
             for case in results.cases]
    return results.model_copy(update={"cases": cases})
