"""The HTML report: one self-contained page a Sở KH&CN officer opens offline.

Order of reading: what was tested (header), the conclusion, one line putting the technical verdict
apart from what the person is shown, the mandatory requirements that failed (*Yêu cầu bắt buộc
không đạt*), counts, then every requirement, then every case with its findings (each check on its
own) and its evidence. Vietnamese is shown by default; a switch shows English or both. The switch
is three radio buttons and CSS (no script at all), so it works with JavaScript disabled, and a
Content-Security-Policy forbids every script and every network load: the page needs nothing but
itself. DejaVu Sans, cut to the Vietnamese repertoire (~75 KB as WOFF), is embedded as a data URI
so diacritics look the same on every machine; without the font file the page falls back to a system
font stack whose members all carry Vietnamese glyphs.

Every string from the results is escaped: ``actual`` and ``reason`` quote untrusted software
output. Free text is also passed through :func:`reports.vocabulary.redacted` (no PIN or key).
"""

from __future__ import annotations

import base64
import html
from collections.abc import Iterable
from urllib.parse import quote

from bilingual import say
from pdffonts import BOLD_FONT, REGULAR_FONT, FontMissingError, vietnamese_woff

from .citations import citation
from .findings_words import check_words, finding_cells, findings_line, sorted_findings
from .reason_words import vietnamese_words
from .results import CaseResult, RequirementResult, Results, Severity, Verdict
from .vocabulary import (
    ROLE_WORDS,
    SEVERITY_WORDS,
    SHORT_VERDICT_WORDS,
    VERDICT_ORDER,
    VERDICT_WORDS,
    Words,
    conclusion,
    confidence_words,
    duration_text,
    figures_words,
    isolation_words,
    level_words,
    redacted,
    role_of,
    shards_words,
    vietnam_time,
)

LANGUAGES = ("vi", "en", "both")
CLOCK_WORDS: dict[str, Words] = {
    "argument": Words("thời điểm của điểm kiểm tra, truyền cho phần mềm (argument)",
                      "the checkpoint's instant, passed to it (argument)"),
    "system": Words("đồng hồ của máy, dời đến thời điểm của từng điểm kiểm tra (system)",
                    "its own clock, each checkpoint played at the real now (system)"),
    "faketime": Words("đồng hồ giả lập bằng libfaketime (faketime)",
                      "a clock faked by libfaketime (faketime)"),
}
"""How the software under test learned the time (``RunMetadata.clock``)."""


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


def _bi(words: Words, *, block: bool = False) -> str:
    """A term in both languages; the language switch hides one of them."""
    tag = "div" if block else "span"
    return f'<{tag} lang="vi">{_e(words.vi)}</{tag}><{tag} lang="en">{_e(words.en)}</{tag}>'


def _badge(verdict: Verdict, *, short: bool = True) -> str:
    words = (SHORT_VERDICT_WORDS if short else VERDICT_WORDS)[verdict]
    return f'<span class="badge {verdict.value.lower()}">{_bi(words)}</span>'


def _case_anchor(case_id: str) -> str:
    return "case-" + case_id


def _requirement_anchor(requirement_id: str) -> str:
    return "req-" + requirement_id


def _breakable(identifier: str) -> str:
    """An escaped ID that may wrap after each ``::`` (long case IDs in narrow columns)."""
    return "::<wbr>".join(_e(part) for part in identifier.split("::"))


def _link(anchor: str, text: str) -> str:
    return f'<a href="#{_e(quote(anchor, safe=":"))}"><code>{_breakable(text)}</code></a>'


def _evidence_href(path: str, base: str) -> str | None:
    """A relative link for an evidence path, or None when it is not a plain relative path
    (absolute, with a scheme or drive, or climbing out with ``..``)."""
    parts = path.replace("\\", "/").split("/")
    if not path or path.startswith(("/", "\\")) or ":" in path or ".." in parts:
        return None
    relative = "/".join(part for part in (base.replace("\\", "/").rstrip("/"), *parts) if part)
    return quote(relative, safe="/.")


# ---- style ---------------------------------------------------------------------------------
_FONT_STACK = ('"Kyso DejaVu Sans", "Segoe UI", "Noto Sans", "DejaVu Sans", Roboto, Arial, '
               "sans-serif")
_MONO_STACK = '"DejaVu Sans Mono", "Noto Sans Mono", Consolas, "Liberation Mono", monospace'
_CSS = """
*{box-sizing:border-box}
body{margin:0;font-family:FONTS;font-size:15px;line-height:1.45;color:#1d2327;background:#f4f5f7}
code,pre{font-family:MONO;font-size:0.88em}
.page{max-width:1180px;margin:0 auto;padding:20px 28px 40px;background:#fff}
h1{font-size:1.45em;margin:0.2em 0 0.1em;letter-spacing:0.01em}
h2{font-size:1.2em;margin:1.6em 0 0.5em;padding-bottom:4px;border-bottom:2px solid #1f3a60;
   color:#1f3a60}
h3{font-size:1.02em;margin:0}
table{border-collapse:collapse;width:100%;margin:6px 0}
th,td{border:1px solid #c9ced6;padding:5px 7px;text-align:left;vertical-align:top}
th{background:#e8edf4;font-weight:700}
td{overflow-wrap:break-word}
td.id,td.nowrap{white-space:nowrap}
.meta th{width:24%;background:#f1f3f6}
.counts{width:auto}.counts td{text-align:right;min-width:5em}
.lang-switch{position:absolute;opacity:0;pointer-events:none}
.switch{float:right;display:flex;gap:4px;font-size:0.85em}
.switch label{border:1px solid #1f3a60;border-radius:4px;padding:3px 9px;cursor:pointer;
   color:#1f3a60;user-select:none}
#lang-vi:checked~.page label[for=lang-vi],#lang-en:checked~.page label[for=lang-en],
#lang-both:checked~.page label[for=lang-both]{background:#1f3a60;color:#fff}
.lang-switch:focus-visible~.page .switch{outline:2px solid #e08a00;outline-offset:2px}
#lang-vi:checked~.page [lang=en]{display:none}
#lang-en:checked~.page [lang=vi]{display:none}
#lang-both:checked~.page span[lang=en]::before{content:" / "}
#lang-both:checked~.page div[lang=en]{color:#555;font-style:italic}
#lang-both:checked~.page td.nowrap span[lang=en]{display:block}
#lang-both:checked~.page td.nowrap span[lang=en]::before{content:none}
.subtitle{color:#444;margin:0 0 12px}
.badge{display:inline-block;padding:1px 8px;border-radius:10px;font-size:0.85em;font-weight:700;
   white-space:nowrap}
.badge.pass{background:#dff3e4;color:#135e2b}.badge.fail{background:#fbe0e0;color:#9b1c1c}
.badge.error{background:#fdf0d5;color:#8a4b00}.badge.skipped{background:#e9ebee;color:#444}
.conclusion{font-size:1.15em;font-weight:700;padding:12px 16px;border-radius:6px;margin:14px 0}
.conclusion.fail{background:#9b1c1c;color:#fff}.conclusion.error{background:#b86200;color:#fff}
.conclusion.pass{background:#1d7a3c;color:#fff}
.mandatory{border:3px solid #9b1c1c;border-radius:6px;padding:4px 14px 10px;background:#fff6f6}
.mandatory h2{border-color:#9b1c1c;color:#9b1c1c;margin-top:0.6em}
.mandatory.none{border-color:#1d7a3c;background:#f4fbf6}
.mandatory.none h2{border-color:#1d7a3c;color:#1d7a3c}
tr.fail td:first-child{border-left:4px solid #9b1c1c}
tr.error td:first-child{border-left:4px solid #b86200}
.case{border:1px solid #c9ced6;border-left-width:6px;border-radius:4px;padding:10px 14px;
   margin:10px 0}
.case.fail{border-left-color:#9b1c1c}.case.error{border-left-color:#b86200}
.case.pass{border-left-color:#1d7a3c}.case.skipped{border-left-color:#8a8f98}
.case dl{display:grid;grid-template-columns:minmax(9em,max-content) 1fr;gap:3px 14px;
   margin:8px 0 0}
.case dt{font-weight:700;color:#444}.case dd{margin:0;min-width:0}
pre.untrusted{font-family:FONTS;font-size:0.95em;white-space:pre-wrap;overflow-wrap:anywhere;
   margin:0;padding:3px 6px;
   background:#f6f7f9;border:1px dashed #c9ced6}
.findings-line{font-weight:700;padding:8px 14px;border:2px solid #1f3a60;border-radius:6px;
   margin:0 0 14px;color:#1f3a60}
table.findings{font-size:0.9em;margin:0}table.findings pre.untrusted{font-size:1em}
.evidence{margin:0;padding-left:1.2em}.evidence code.hash{color:#666;font-size:0.78em}
.legend,footer{color:#555;font-size:0.85em}
footer{margin-top:28px;border-top:1px solid #c9ced6;padding-top:8px}
@media print{body{background:#fff}.switch{display:none}.page{padding:0}
   .case{break-inside:avoid}}
""".replace("MONO", _MONO_STACK).replace("FONTS", _FONT_STACK)
_CSP = ("default-src 'none'; style-src 'unsafe-inline'; font-src data:; img-src data:; "
        "base-uri 'none'; form-action 'none'")


def _font_faces() -> str:
    """The embedded font (regular and bold), or nothing when DejaVu is not installed."""
    faces = []
    for weight, path in ((400, REGULAR_FONT), (700, BOLD_FONT)):
        try:
            data = base64.b64encode(vietnamese_woff(path)).decode("ascii")
        except FontMissingError:
            return "/* DejaVu Sans not installed: system fonts are used */"
        faces.append('@font-face{font-family:"Kyso DejaVu Sans";font-style:normal;'
                     f'font-weight:{weight};src:url(data:font/woff;base64,{data}) format("woff")}}')
    return "\n".join(faces)


# ---- sections --------------------------------------------------------------------------------
def _title(results: Results) -> Words:
    roles = set(results.run.roles)
    if roles == {"signer"}:
        return Words("BÁO CÁO KẾT QUẢ KIỂM THỬ PHẦN MỀM KÝ SỐ",
                     "Test report: digital signing software")
    if roles == {"verifier"}:
        return Words("BÁO CÁO KẾT QUẢ KIỂM THỬ PHẦN MỀM KIỂM TRA CHỮ KÝ SỐ",
                     "Test report: signature verification software")
    return Words("BÁO CÁO KẾT QUẢ KIỂM THỬ PHẦN MỀM KÝ SỐ VÀ KIỂM TRA CHỮ KÝ SỐ",
                 "Test report: digital signing and signature verification software")


def _header(results: Results) -> str:
    run = results.run
    sut = run.sut
    rows: list[tuple[Words, str]] = [
        (Words("Phần mềm được kiểm tra", "Software under test"), _e(sut.name)),
        (Words("Nhà cung cấp", "Vendor"), _e(sut.vendor or "—")),
        (Words("Phiên bản", "Version"), _e(sut.version or "—")),
        (Words("Vai trò được kiểm tra", "Roles tested"),
         ", ".join(_bi(ROLE_WORDS.get(role, Words(role, role))) for role in run.roles)),
        (Words("Hồ sơ khai báo (SHA-256)", "Profile (SHA-256)"),
         f"{_e(sut.profile or '—')}<br><code>{_e(sut.profile_sha256 or '—')}</code>"),
        (Words("Chính sách đánh giá (SHA-256)", "Validation policy (SHA-256)"),
         f"{_e(run.policy.name)}<br><code>{_e(run.policy.sha256 or '—')}</code>"),
        (Words("Thời điểm mô phỏng của môi trường thử", "Testbed instant (simulated)"),
         _e(vietnam_time(run.testbed_instant))),
        (Words("Phần mềm lấy thời gian từ", "The software's clock"),
         _bi(CLOCK_WORDS.get(run.clock or "", Words(run.clock or "—", run.clock or "—")))),
        (Words("Cô lập phần mềm được kiểm tra", "Isolation of the software under test"),
         _bi(isolation_words(run.isolation))),
        (Words("Bắt đầu / kết thúc", "Started / finished"),
         f"{_e(vietnam_time(run.started_at))} → {_e(vietnam_time(run.finished_at))}"),
        (Words("Máy chạy kiểm tra", "Test host"), f"{_e(run.host)} ({_e(run.platform)})"),
        (Words("Phiên bản kyso", "kyso version"), _e(run.kyso_version)),
    ]
    shards = shards_words(run.merged_from)
    if shards is not None:  # a run spread over machines (kyso report merge)
        rows.append((Words("Gộp từ các phần", "Merged from shards"), _bi(shards)))
    body = "".join(f"<tr><th>{_bi(label)}</th><td>{value}</td></tr>" for label, value in rows)
    return f'<h2>{_bi(Words("Thông tin chung", "What was tested"))}</h2>' \
           f'<table class="meta">{body}</table>'


def _mandatory_failures(results: Results) -> str:
    failed = set(results.summary.mandatory_failures)
    requirements = [r for r in results.requirements if r.id in failed]
    known = {r.id for r in requirements}
    heading = Words(f"Yêu cầu bắt buộc không đạt ({len(failed)})",
                    f"Mandatory requirements not met ({len(failed)})")
    if not failed:
        return (f'<section class="mandatory none"><h2>{_bi(heading)}</h2><p>'
                f'{_bi(Words("Không có yêu cầu bắt buộc nào không đạt.", "None."))}</p></section>')
    failing_cases = {c.id for c in results.cases if c.verdict is Verdict.FAIL}
    rows = []
    for requirement in requirements:
        cases = ", ".join(_link(_case_anchor(case), case) for case in requirement.cases
                          if case in failing_cases) or "—"
        anchor = _link(_requirement_anchor(requirement.id), requirement.id)
        rows.append(f'<tr class="fail"><td class="id">{anchor}</td>'
                    f"<td>{_bi(citation(requirement.clause))}</td>"
                    f"<td>{_bi(Words(requirement.statement.vi, requirement.statement.en))}</td>"
                    f"<td>{cases}</td></tr>")
    rows.extend(f'<tr class="fail"><td><code>{_e(identifier)}</code></td><td colspan="3">—</td>'
                "</tr>" for identifier in results.summary.mandatory_failures
                if identifier not in known)
    head = "".join(f"<th>{_bi(w)}</th>" for w in (
        Words("Mã yêu cầu", "Requirement"), Words("Căn cứ", "Clause"),
        Words("Nội dung", "Statement"), Words("Điểm kiểm tra không đạt", "Failing cases")))
    return (f'<section class="mandatory"><h2>{_bi(heading)}</h2>'
            f"<table><tr>{head}</tr>{''.join(rows)}</table></section>")


_VERDICT_LEGEND = Words(
    "Lỗi = phần mềm không đưa ra câu trả lời dùng được (treo, dừng đột ngột, kết quả không đọc "
    "được); Không đạt = phần mềm trả lời sai; Bỏ qua = chức năng tùy chọn mà phần mềm khai báo "
    "không hỗ trợ.",
    "Error = the software gave no usable answer (hang, crash, unreadable output); Fail = it "
    "answered wrongly; Skipped = an optional capability it declares unsupported.")
_CASES_LEGEND = Words(
    "Các ca không đạt và lỗi được liệt kê trước. Đường dẫn bằng chứng tương đối so với thư mục "
    "chứa results.json; mã SHA-256 cho phép kiểm tra tệp không bị thay đổi.",
    "Failed and errored cases come first. Evidence paths are relative to the folder of "
    "results.json; the SHA-256 lets anyone check a file is unchanged.")


def _footer(results: Results) -> Words:
    version = results.run.kyso_version
    return Words(
        f"Tạo bởi kyso {version}. Mọi thời điểm theo giờ Việt Nam (UTC+07:00). Nội dung "
        "“Kết quả thực tế” là nguyên văn đầu ra của phần mềm được kiểm tra; mã PIN và khóa bí "
        "mật (nếu có) đã được che.",
        f"Generated by kyso {version}. All instants in Vietnam time (UTC+07:00). “Actual” "
        "quotes the tested software's output verbatim; PINs and private keys (if any) are "
        "redacted.")


def _counts(results: Results) -> str:
    summary = results.summary
    head = "".join(f"<th>{_badge(verdict)}</th>" for verdict in VERDICT_ORDER)

    def row(label: Words, counts: dict[Verdict, int]) -> str:
        cells = "".join(f"<td>{counts.get(verdict, 0)}</td>" for verdict in VERDICT_ORDER)
        total = sum(counts.values())
        return f"<tr><th>{_bi(label)}</th>{cells}<td><b>{total}</b></td></tr>"

    return (f'<h2>{_bi(Words("Tổng hợp", "Summary"))}</h2><table class="counts">'
            f'<tr><th></th>{head}<th>{_bi(Words("Tổng", "Total"))}</th></tr>'
            f'{row(Words("Yêu cầu", "Requirements"), summary.requirements)}'
            f'{row(Words("Điểm kiểm tra", "Test cases"), summary.cases)}</table>'
            f'<p class="legend">{_bi(_VERDICT_LEGEND)}</p>')


def _requirement_table(requirements: Iterable[RequirementResult]) -> str:
    head = "".join(f"<th>{_bi(w)}</th>" for w in (
        Words("Mã yêu cầu", "Requirement"), Words("Căn cứ", "Clause"),
        Words("Độ tin cậy", "Confidence"), Words("Mức", "Level"), Words("Nội dung", "Statement"),
        Words("Kết quả", "Verdict"), Words("Điểm kiểm tra", "Cases")))
    rows = []
    for requirement in requirements:
        cases = "<br>".join(_link(_case_anchor(case), case) for case in requirement.cases)
        rows.append(
            f'<tr class="{requirement.verdict.value.lower()}" '
            f'id="{_e(_requirement_anchor(requirement.id))}">'
            f'<td class="id"><code>{_e(requirement.id)}</code></td>'
            f"<td>{_bi(citation(requirement.clause))}</td>"
            f"<td>{_bi(confidence_words(requirement.confidence))}</td>"
            f'<td class="nowrap">{_bi(level_words(requirement.level))}</td>'
            f"<td>{_bi(Words(requirement.statement.vi, requirement.statement.en), block=True)}"
            f'</td><td class="nowrap">{_badge(requirement.verdict)}</td>'
            f"<td>{cases or '—'}</td></tr>")
    return (f'<h2>{_bi(Words("Kết quả theo yêu cầu", "Results by requirement"))}</h2>'
            f"<table><tr>{head}</tr>{''.join(rows)}</table>")


def _evidence(case: CaseResult, base: str) -> str:
    if not case.evidence:
        return "—"
    items = []
    for item in case.evidence:
        href = _evidence_href(item.path, base)
        name = (f'<a href="{_e(href)}">{_e(item.path)}</a>' if href
                else f"<code>{_e(item.path)}</code>")
        items.append(f"<li>{_e(item.kind)}: {name}<br><code class=\"hash\">SHA-256 "
                     f"{_e(item.sha256)}</code></li>")
    return f'<ul class="evidence">{"".join(items)}</ul>'


def _quoted(text: str) -> str:
    """Text that may come from the tested software: escaped, kept verbatim, wrapped."""
    return f'<pre class="untrusted">{_e(text)}</pre>'


def _said(english: str, vietnamese: str | None = None) -> str:
    """kyso's own words about a case (a reason, what was expected or found), each language in
    its view; what they quote from the software stays verbatim in both."""
    vietnamese = vietnamese_words(english) if vietnamese is None else vietnamese
    if vietnamese == english:
        return _quoted(english)
    return (f'<pre class="untrusted" lang="vi">{_e(vietnamese)}</pre>'
            f'<pre class="untrusted" lang="en">{_e(english)}</pre>')


def _case(case: CaseResult, evidence_base: str) -> str:
    requirements = ", ".join(_link(_requirement_anchor(r), r) for r in case.requirements) or "—"
    severity_words = SEVERITY_WORDS[case.severity]
    severity = Words(f"(mức đánh giá khi sai lệch: {severity_words.vi})",
                     f"(severity of a deviation: {severity_words.en})")
    fields: list[tuple[Words, str]] = [
        (Words("Mã ca", "Case ID"), f"<code>{_e(case.id)}</code>"),
        (Words("Yêu cầu", "Requirements"), requirements),
        (Words("Kết quả", "Verdict"),
         f"{_badge(case.verdict, short=False)} &nbsp; {_bi(severity)}"),
        (Words("Lý do", "Reason"), _said(case.reason, case.reason_vi or None)),
        (Words("Kết quả mong đợi", "Expected"), _said(case.expected)),
        (Words("Kết quả thực tế", "Actual"), _said(case.actual)),
        (Words("Thời điểm đánh giá", "Judged at"),
         f"{_e(vietnam_time(case.judged_at))} ({_e(duration_text(case.duration_seconds))})"),
        (Words("Bằng chứng", "Evidence"), _evidence(case, evidence_base)),
    ]
    if case.findings:
        fields.insert(3, (Words("Từng kiểm tra", "Findings"), _findings(case)))
    if case.figures:
        fields.insert(-1, (Words("Số đo", "Figures"), _bi(figures_words(case.figures))))
    body = "".join(f"<dt>{_bi(label)}</dt><dd>{value}</dd>" for label, value in fields)
    return (f'<section class="case {case.verdict.value.lower()}" id="{_e(_case_anchor(case.id))}">'
            f"<h3>{_badge(case.verdict)} {_bi(Words(case.title.vi, case.title.en))}</h3>"
            f"<dl>{body}</dl></section>")


def _findings(case: CaseResult) -> str:
    """Every check of the case: category, check, verdict and cost, expected, actual, why."""
    head = "".join(f"<th>{_bi(w)}</th>" for w in (
        Words("Loại", "Kind"), Words("Kiểm tra", "Check"), Words("Kết quả", "Verdict"),
        Words("Mong đợi", "Expected"), Words("Thực tế", "Actual"), Words("Ghi chú", "Why")))
    rows = []
    for finding in sorted_findings(case):
        category, verdict, cost = finding_cells(finding)
        cost_cell = "" if finding.verdict is Verdict.PASS and finding.severity is Severity.INFO \
            else f"<br>{_bi(cost)}"
        rows.append(
            f'<tr class="{finding.verdict.value.lower()}"><td class="nowrap">{_bi(category)}</td>'
            f"<td>{_bi(check_words(finding.check))} (<code>{_e(finding.check)}</code>)<br>"
            f"{_e(', '.join(finding.requirements))}</td>"
            f'<td class="nowrap">{_badge(finding.verdict)}{cost_cell}</td>'
            f"<td>{_said(finding.expected)}</td><td>{_said(finding.actual)}</td>"
            f"<td>{_said(finding.reason, finding.reason_vi or None) if finding.reason else '—'}"
            "</td></tr>")
    return f'<table class="findings"><tr>{head}</tr>{"".join(rows)}</table>'


def _findings_line(results: Results) -> str:
    line = findings_line(results)
    return "" if line is None else f'<p class="findings-line">{_bi(line)}</p>'


def _cases(results: Results, evidence_base: str) -> str:
    order = {verdict: index for index, verdict in enumerate(VERDICT_ORDER)}
    parts = [f'<h2>{_bi(Words("Kết quả theo từng ca kiểm tra", "Results by test case"))}</h2>',
             f'<p class="legend">{_bi(_CASES_LEGEND)}</p>']
    roles = list(dict.fromkeys([*results.run.roles, *(role_of(c.id) for c in results.cases)]))
    for role in roles:
        cases = sorted((c for c in results.cases if role_of(c.id) == role),
                       key=lambda c: order[c.verdict])
        if not cases:
            continue
        parts.append(f'<h2>{_bi(ROLE_WORDS.get(role, Words(role, role)))}</h2>')
        parts.extend(_case(case, evidence_base) for case in cases)
    return "".join(parts)


def render_html(results: Results, *, language: str = "vi", embed_font: bool = True,
                evidence_base: str = "") -> str:
    """The whole report as one HTML document (UTF-8 text, no external resource).

    ``language`` chooses what is shown first: ``vi`` (default), ``en`` or ``both``; the reader
    can switch on the page. ``embed_font=False`` leaves the font to the reader's system.
    ``evidence_base``: the results file's folder relative to where the page is written (empty
    when they are the same folder); evidence links are made relative through it."""
    if language not in LANGUAGES:
        raise ValueError(say(f"language: {language!r}; chọn một trong {', '.join(LANGUAGES)}",
                             f"language: {language!r}; choose one of {', '.join(LANGUAGES)}"))
    results = redacted(results)
    title = _title(results)
    verdict = conclusion(results)
    switches = "".join(
        f'<input type="radio" name="lang" class="lang-switch" id="lang-{code}"'
        f'{" checked" if code == language else ""} aria-label="{label}">'
        for code, label in (("vi", "Tiếng Việt"), ("en", "English"), ("both", "Song ngữ / Both")))
    fonts = _font_faces() if embed_font else ""
    return (
        "<!DOCTYPE html>\n"
        f'<html lang="vi"><head><meta charset="utf-8">'
        f'<meta http-equiv="Content-Security-Policy" content="{_CSP}">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{_e(title.vi)} — {_e(results.run.sut.name)}</title>"
        f"<style>{fonts}{_CSS}</style></head><body>{switches}"
        '<div class="page"><nav class="switch" aria-label="Ngôn ngữ / Language">'
        '<label for="lang-vi">Tiếng Việt</label><label for="lang-en">English</label>'
        '<label for="lang-both">Song ngữ / Both</label></nav>'
        f"<h1>{_bi(title)}</h1>"
        f'<p class="subtitle">{_e(results.run.sut.name)} {_e(results.run.sut.version or "")}'
        f" — {_e(vietnam_time(results.run.started_at))}</p>"
        f'<div class="conclusion {verdict.verdict.value.lower()}">'
        f'{_bi(Words("Kết luận: ", "Conclusion: "))}{_bi(verdict.words)}</div>'
        f"{_findings_line(results)}"
        f"{_mandatory_failures(results)}{_counts(results)}{_header(results)}"
        f"{_requirement_table(results.requirements)}{_cases(results, evidence_base)}"
        f"<footer>{_bi(_footer(results))}</footer>"
        "</div></body></html>\n")
