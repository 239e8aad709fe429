"""The *biên bản kết quả kiểm tra*: an A4 PDF record of a run, ready to be signed as PAdES.

Contents: the title, what was tested, the conclusion with the counts and the line that puts the
technical verdict apart from what the person is shown, the mandatory requirements that failed
and every case that failed or errored (with its reason), the table of every requirement (it
continues over pages, its header repeated), the findings counted by kind of check, and
on the last page a free area for the test lab's signature (:data:`SIGNATURE_BOX`). The lead's
signing step (in ``conformance/``) adds a PAdES signature field there; this module only makes
the unsigned bytes. When the SHA-256 of ``results.json`` is given it is printed, so the signed
record also vouches for the full results (which in turn carry the hash of each evidence file).

The PDF is built with pyHanko's own writer and its OpenType glyph accumulator (through
:class:`pdffonts.vietnamese.EmbeddedFont`): DejaVu Sans regular and bold are embedded as subsets
with a ``ToUnicode`` map, so every Vietnamese letter is a real glyph and text extraction gives the
letters back. The content streams are a handful of operators written here (text placement,
rules and tinted boxes); no other PDF library is used.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from io import BytesIO
from typing import Any

from pdffonts import BOLD_FONT, REGULAR_FONT, EmbeddedFont, require_font
from pdffonts import FontMissingError as FontFileMissingError

from .citations import citation
from .errors import FontMissingError
from .findings_words import CATEGORY_WORDS, check_words, findings_by_check, findings_line
from .results import Results, Verdict
from .vocabulary import (
    ROLE_WORDS,
    SHORT_VERDICT_WORDS,
    VERDICT_ORDER,
    Words,
    conclusion,
    confidence_words,
    isolation_words,
    level_words,
    redacted,
    shards_words,
    vietnam_time,
)

A4 = (595.0, 842.0)
MARGIN_LEFT, MARGIN_RIGHT, MARGIN_TOP, MARGIN_BOTTOM = 50.0, 45.0, 48.0, 56.0
CONTENT_WIDTH = A4[0] - MARGIN_LEFT - MARGIN_RIGHT
BODY, SMALL, TABLE = 10.0, 7.5, 8.0


@dataclass(frozen=True)
class SignatureBox:
    """Where the test lab's signature goes: a page index (negative counts from the end, as
    pyHanko's ``SigFieldSpec.on_page``) and a box (x1, y1, x2, y2) in PDF points, origin at
    the bottom left of an A4 page."""

    page: int
    box: tuple[int, int, int, int]


SIGNATURE_BOX = SignatureBox(page=-1, box=(330, 70, 550, 150))
"""Kept free of content on the last page; use it as ``SigFieldSpec(on_page=SIGNATURE_BOX.page,
box=SIGNATURE_BOX.box)`` for a visible signature (an invisible one needs nothing)."""
_SIGNATURE_AREA_TOP = A4[1] - (SIGNATURE_BOX.box[3] + 34)
"""Distance from the page top below which the last page holds only the signature block."""

_COLOURS = {Verdict.FAIL: (0.61, 0.11, 0.11), Verdict.ERROR: (0.72, 0.38, 0.0),
            Verdict.PASS: (0.11, 0.48, 0.24), Verdict.SKIPPED: (0.40, 0.40, 0.40)}
_TINTS = {Verdict.FAIL: (0.99, 0.90, 0.90), Verdict.ERROR: (0.99, 0.95, 0.86),
          Verdict.PASS: (0.90, 0.96, 0.92), Verdict.SKIPPED: (0.93, 0.93, 0.94)}
_HEADER_TINT = (0.91, 0.93, 0.96)
_RULE = (0.62, 0.66, 0.72)


@dataclass
class _Page:
    operators: list[bytes] = field(default_factory=list)


def _number(value: float) -> bytes:
    return f"{value:.2f}".rstrip("0").rstrip(".").encode("ascii")


class _Canvas:
    """Pages of A4 drawn top-down: a cursor ``top`` (distance from the page top) that moves
    down as text is placed, and a new page when the next block does not fit."""

    def __init__(self, writer: Any) -> None:
        self.regular = EmbeddedFont(writer, REGULAR_FONT)
        self.bold = EmbeddedFont(writer, BOLD_FONT)
        self.pages: list[_Page] = []
        self.top = 0.0
        self.new_page()

    # ---- pages -----------------------------------------------------------------------------
    def new_page(self) -> None:
        self.pages.append(_Page())
        self.top = MARGIN_TOP

    def room(self) -> float:
        return A4[1] - MARGIN_BOTTOM - self.top

    def ensure(self, height: float) -> bool:
        """Start a new page unless ``height`` fits; True when a page was started."""
        if height <= self.room():
            return False
        self.new_page()
        return True

    # ---- drawing ---------------------------------------------------------------------------
    def _font(self, bold: bool) -> tuple[EmbeddedFont, bytes]:
        return (self.bold, b"/F2") if bold else (self.regular, b"/F1")

    def width(self, text: str, size: float, *, bold: bool = False) -> float:
        return self._font(bold)[0].width(text, size)

    def text(self, text: str, left: float, top: float, size: float, *, bold: bool = False,
             colour: tuple[float, float, float] = (0.0, 0.0, 0.0)) -> None:
        """One line of text whose baseline is ``size`` below ``top``."""
        if not text:
            return
        font, name = self._font(bold)
        baseline = A4[1] - top - size
        red, green, blue = colour
        self.pages[-1].operators.append(
            b"BT %s %s %s rg %s %s Tf %s %s Td %s ET" % (
                _number(red), _number(green), _number(blue), name, _number(size),
                _number(left), _number(baseline), font.show(text, size)))

    def box(self, left: float, top: float, width: float, height: float, *,
            fill: tuple[float, float, float] | None = None, stroke: bool = True) -> None:
        bottom = A4[1] - top - height
        operators = b"%s %s %s %s re" % (_number(left), _number(bottom), _number(width),
                                          _number(height))
        if fill:
            colour = b"%s %s %s" % tuple(_number(part) for part in fill)
            paint = b"B" if stroke else b"f"
            operators = b"q %s rg %s RG 0.5 w %s %s Q" % (
                colour, b"%s %s %s" % tuple(_number(part) for part in _RULE), operators, paint)
        else:
            operators = b"q %s %s %s RG 0.5 w %s S Q" % (*(_number(p) for p in _RULE), operators)
        self.pages[-1].operators.append(operators)

    # ---- text blocks -----------------------------------------------------------------------
    def wrap(self, text: str, size: float, width: float, *, bold: bool = False) -> list[str]:
        """Greedy word wrap by shaped width; a word longer than the line is cut by letters."""
        lines: list[str] = []
        for paragraph in text.splitlines() or [""]:
            current = ""
            for word in paragraph.split(" "):
                candidate = f"{current} {word}" if current else word
                if self.width(candidate, size, bold=bold) <= width:
                    current = candidate
                    continue
                if current:
                    lines.append(current)
                current = word
                while self.width(current, size, bold=bold) > width and len(current) > 1:
                    cut = len(current) - 1
                    while cut > 1 and self.width(current[:cut], size, bold=bold) > width:
                        cut -= 1
                    lines.append(current[:cut])
                    current = current[cut:]
            lines.append(current)
        return lines

    def paragraph(self, text: str, size: float = BODY, *, bold: bool = False,
                  indent: float = 0.0, hanging: float = 0.0, centred: bool = False,
                  gap: float = 3.0, colour: tuple[float, float, float] = (0.0, 0.0, 0.0)
                  ) -> None:
        """Wrapped text; ``hanging`` indents every line but the first (bulleted lists)."""
        leading = size * 1.35
        first, *rest = self.wrap(text, size, CONTENT_WIDTH - indent, bold=bold)
        rest = self.wrap(" ".join(rest), size, CONTENT_WIDTH - indent - hanging,
                         bold=bold) if rest and hanging else rest
        for number, line in enumerate([first, *rest]):
            self.ensure(leading)
            left = MARGIN_LEFT + indent + (hanging if number else 0.0)
            if centred:
                left = MARGIN_LEFT + (CONTENT_WIDTH - self.width(line, size, bold=bold)) / 2
            self.text(line, left, self.top, size, bold=bold, colour=colour)
            self.top += leading
        self.top += gap

    def heading(self, words: Words) -> None:
        self.ensure(60)  # a heading never ends a page alone
        self.top += 6
        self.paragraph(words.vi, 11.5, bold=True, gap=0)
        self.paragraph(words.en, SMALL, colour=(0.35, 0.35, 0.35), gap=5)


@dataclass(frozen=True)
class _Column:
    title: Words
    width: float
    bold: bool = False


def _table(canvas: _Canvas, columns: Sequence[_Column], rows: Sequence[Sequence[str]],
           tints: Sequence[tuple[float, float, float] | None] = ()) -> None:
    """A ruled table; rows never split, the header is repeated on every page it continues on."""
    padding, leading = 3.0, TABLE * 1.3

    def place(wrapped: list[list[str]], height: float,
              tint: tuple[float, float, float] | None, *, header: bool = False) -> None:
        left = MARGIN_LEFT
        for column, lines in zip(columns, wrapped, strict=True):
            canvas.box(left, canvas.top, column.width, height, fill=tint)
            for number, line in enumerate(lines):
                canvas.text(line, left + padding, canvas.top + padding + number * leading,
                            TABLE, bold=header or column.bold)
            left += column.width
        canvas.top += height

    def header() -> None:
        cells = [f"{column.title.vi} / {column.title.en}" if column.title.en else
                 column.title.vi for column in columns]
        wrapped = [canvas.wrap(cell, TABLE, column.width - 2 * padding, bold=True)
                   for cell, column in zip(cells, columns, strict=True)]
        height = max(len(lines) for lines in wrapped) * leading + 2 * padding
        canvas.ensure(height + 3 * leading)
        place(wrapped, height, _HEADER_TINT, header=True)

    header()
    for index, cells in enumerate(rows):
        wrapped = [canvas.wrap(cell, TABLE, column.width - 2 * padding, bold=column.bold)
                   for cell, column in zip(cells, columns, strict=True)]
        height = max(len(lines) for lines in wrapped) * leading + 2 * padding
        if canvas.ensure(height):
            header()
        place(wrapped, height, tints[index] if index < len(tints) else None)
    canvas.top += 6


# ---- the record ----------------------------------------------------------------------------
def _title(results: Results) -> tuple[str, str]:
    roles = set(results.run.roles)
    if roles == {"signer"}:
        return "PHẦN MỀM KÝ SỐ", "digital signing software"
    if roles == {"verifier"}:
        return "PHẦN MỀM KIỂM TRA CHỮ KÝ SỐ", "signature verification software"
    return ("PHẦN MỀM KÝ SỐ / KIỂM TRA CHỮ KÝ SỐ",
            "digital signing / signature verification software")


def _general(canvas: _Canvas, results: Results, results_sha256: str | None) -> None:
    run, sut = results.run, results.run.sut
    roles = ", ".join(ROLE_WORDS[role].vi if role in ROLE_WORDS else role for role in run.roles)
    rows = [
        ("Phần mềm / Software", f"{sut.name} {sut.version or ''}".strip()),
        ("Nhà cung cấp / Vendor", sut.vendor or "—"),
        ("Vai trò / Roles", roles),
        ("Hồ sơ khai báo / Profile", f"{sut.profile or '—'}  SHA-256 {sut.profile_sha256 or '—'}"),
        ("Chính sách / Policy", f"{run.policy.name}  SHA-256 {run.policy.sha256 or '—'}"),
        ("Thời điểm mô phỏng / Testbed instant", vietnam_time(run.testbed_instant)),
        ("Cô lập / Isolation", f"{isolation_words(run.isolation).vi} / "
                               f"{isolation_words(run.isolation).en}"),
        ("Thời gian kiểm tra / Run", f"{vietnam_time(run.started_at)} → "
                                     f"{vietnam_time(run.finished_at)}"),
        ("Máy kiểm tra / Host", f"{run.host} ({run.platform})"),
        ("Phiên bản kyso / kyso version", run.kyso_version),
    ]
    shards = shards_words(run.merged_from)
    if shards is not None:  # a run spread over machines (kyso report merge)
        rows.append(("Gộp từ các phần / Merged from shards", f"{shards.vi} / {shards.en}"))
    if results_sha256:
        rows.append(("results.json (SHA-256)", results_sha256))
    label_width, leading = 165.0, TABLE * 1.35
    for label, value in rows:
        labels = canvas.wrap(label, TABLE, label_width - 8, bold=True)
        lines = canvas.wrap(value, TABLE, CONTENT_WIDTH - label_width)
        canvas.ensure(max(len(labels), len(lines)) * leading)
        for number, line in enumerate(labels):
            canvas.text(line, MARGIN_LEFT, canvas.top + number * leading, TABLE, bold=True)
        for number, line in enumerate(lines):
            canvas.text(line, MARGIN_LEFT + label_width, canvas.top + number * leading, TABLE)
        canvas.top += max(len(labels), len(lines)) * leading + 1.5


def _conclusion(canvas: _Canvas, results: Results) -> None:
    outcome = conclusion(results)
    lines = canvas.wrap(outcome.words.vi, 11, CONTENT_WIDTH - 16, bold=True)
    height = len(lines) * 11 * 1.35 + 14 + SMALL * 1.35
    canvas.ensure(height)
    canvas.box(MARGIN_LEFT, canvas.top, CONTENT_WIDTH, height, fill=_TINTS[outcome.verdict])
    top = canvas.top + 6
    for line in lines:
        canvas.text(line, MARGIN_LEFT + 8, top, 11, bold=True, colour=_COLOURS[outcome.verdict])
        top += 11 * 1.35
    canvas.text(outcome.words.en, MARGIN_LEFT + 8, top, SMALL, colour=(0.3, 0.3, 0.3))
    canvas.top += height + 8
    line = findings_line(results)
    if line is not None:  # the technical verdict apart from what the person is shown
        canvas.paragraph(line.vi, 9.5, bold=True, gap=1)
        canvas.paragraph(line.en, SMALL, colour=(0.3, 0.3, 0.3), gap=6)
    columns = [_Column(Words("", ""), 120.0, bold=True)] + [
        _Column(SHORT_VERDICT_WORDS[verdict], 70.0) for verdict in VERDICT_ORDER] + [
        _Column(Words("Tổng", "Total"), 60.0, bold=True)]
    counts = [(Words("Yêu cầu", "Requirements"), results.summary.requirements),
              (Words("Điểm kiểm tra", "Test cases"), results.summary.cases)]
    rows = [[f"{label.vi} / {label.en}",
             *(str(numbers.get(verdict, 0)) for verdict in VERDICT_ORDER),
             str(sum(numbers.values()))] for label, numbers in counts]
    _table(canvas, columns, rows)
    canvas.paragraph("Lỗi = phần mềm không đưa ra câu trả lời dùng được; Không đạt = trả lời sai; "
                     "Bỏ qua = chức năng tùy chọn được khai báo không hỗ trợ. / Error = no usable "
                     "answer; Fail = a wrong answer; Skipped = a declared unsupported optional "
                     "capability.", SMALL, colour=(0.3, 0.3, 0.3))


def _mandatory(canvas: _Canvas, results: Results) -> None:
    failed = results.summary.mandatory_failures
    canvas.heading(Words(f"II. YÊU CẦU BẮT BUỘC KHÔNG ĐẠT ({len(failed)})",
                         f"Mandatory requirements not met ({len(failed)})"))
    if not failed:
        canvas.paragraph("Không có. / None.")
        return
    statements = {r.id: r for r in results.requirements}
    for identifier in failed:
        requirement = statements.get(identifier)
        text = (f"• {identifier} ({citation(requirement.clause).vi}): "
                f"{requirement.statement.vi}"
                if requirement else f"• {identifier}")
        canvas.paragraph(text, 9.5, indent=4, hanging=9, gap=2, colour=_COLOURS[Verdict.FAIL])
    canvas.top += 4


def _failing_cases(canvas: _Canvas, results: Results) -> None:
    """Every case that failed or errored, with its reason: the signed record names them itself,
    so a reader holding only the PDF knows which cases to re-run and why each did not pass."""
    failing = [case for case in results.cases if case.verdict in (Verdict.FAIL, Verdict.ERROR)]
    canvas.paragraph(f"Điểm kiểm tra không đạt hoặc lỗi ({len(failing)}) / Cases failed or in "
                     f"error ({len(failing)})", 9.5, bold=True, gap=3)
    if not failing:
        canvas.paragraph("Không có. / None.")
        return
    columns = [_Column(Words("Điểm kiểm tra", "Case"), 170.0, bold=True),
               _Column(Words("Kết quả", "Verdict"), 70.0),
               _Column(Words("Lý do", "Reason"), CONTENT_WIDTH - 240.0)]
    rows = [[case.id, f"{SHORT_VERDICT_WORDS[case.verdict].vi} / "
             f"{SHORT_VERDICT_WORDS[case.verdict].en}",
             f"{case.title.vi}: {case.reason_vi or case.reason}"]
            for case in failing]
    _table(canvas, columns, rows, [_TINTS[case.verdict] for case in failing])


def _requirements(canvas: _Canvas, results: Results, results_file: str) -> None:
    canvas.heading(Words("III. KẾT QUẢ THEO YÊU CẦU", "Results by requirement"))
    columns = [
        _Column(Words("STT", "No"), 36.0),
        _Column(Words("Mã yêu cầu", "Requirement"), 88.0, bold=True),
        _Column(Words("Căn cứ", "Clause"), 100.0),
        _Column(Words("Mức", "Level"), 56.0),
        _Column(Words("Nội dung", "Statement"), 150.0),
        _Column(Words("Kết quả", "Verdict"), 70.0),
    ]
    rows, tints = [], []
    for number, requirement in enumerate(results.requirements, start=1):
        verdict = SHORT_VERDICT_WORDS[requirement.verdict]
        rows.append([str(number), requirement.id,
                     f"{citation(requirement.clause).vi}; "
                     f"{confidence_words(requirement.confidence).vi}",
                     level_words(requirement.level).vi,
                     requirement.statement.vi, f"{verdict.vi} / {verdict.en}"])
        tints.append(_TINTS[requirement.verdict] if requirement.verdict in
                     (Verdict.FAIL, Verdict.ERROR) else None)
    _table(canvas, columns, rows, tints)
    beside = results_file == "results.json"
    canvas.paragraph("Chi tiết từng ca kiểm tra và bằng chứng: report.html cùng thư mục, "
                     + ("results.json cùng thư mục" if beside else f"kết quả tại {results_file}")
                     + ". Mọi thời điểm theo giờ Việt Nam (UTC+07:00). / Every case and its "
                     "evidence: report.html in the same folder, "
                     + ("results.json too" if beside else f"the results at {results_file}")
                     + ". Instants in Vietnam time.", SMALL, colour=(0.3, 0.3, 0.3))


def _check_cell(check: str) -> str:
    """A check in Vietnamese words, its name beside them for a lab."""
    words = check_words(check).vi
    return check if words == check else f"{words} ({check})"


def _findings(canvas: _Canvas, results: Results) -> None:
    """Every kind of check over the run's cases: how many passed, failed, warned."""
    rows = findings_by_check(results)
    if not rows:
        return
    canvas.heading(Words("IV. KẾT QUẢ THEO TỪNG LOẠI KIỂM TRA", "Findings by check"))
    columns = [
        _Column(Words("Loại", "Kind"), 130.0),
        _Column(Words("Kiểm tra", "Check"), 150.0, bold=True),
        _Column(Words("Đạt", "Pass"), 60.0),
        _Column(Words("Không đạt", "Fail"), 80.0),
        _Column(Words("Cảnh báo", "Warning"), 80.0),
    ]
    table = [[f"{CATEGORY_WORDS[category].vi} / {CATEGORY_WORDS[category].en}",
              _check_cell(check),
              str(counts.get(Verdict.PASS.value, 0)), str(counts.get(Verdict.FAIL.value, 0)),
              str(counts.get("WARNING", 0))] for category, check, counts in rows]
    tints = [_TINTS[Verdict.FAIL] if counts.get(Verdict.FAIL.value) else None
             for _, _, counts in rows]
    _table(canvas, columns, table, tints)
    canvas.paragraph("Mỗi ca được đánh giá theo từng kiểm tra; chi tiết trong report.html. / "
                     "Each case is judged check by check; details in report.html.", SMALL,
                     colour=(0.3, 0.3, 0.3))


def _signature_block(canvas: _Canvas, results: Results) -> None:
    """The signer's heading above :data:`SIGNATURE_BOX` on the last page, kept free below."""
    if canvas.top > _SIGNATURE_AREA_TOP - 10:
        canvas.new_page()
    x1, _, x2, y2 = SIGNATURE_BOX.box
    top = A4[1] - y2 - 30
    drawn_up = f"Lập lúc / Drawn up at: {vietnam_time(results.run.finished_at)}"
    canvas.text(drawn_up, MARGIN_LEFT, top + 3, SMALL, colour=(0.3, 0.3, 0.3))
    for text, size, bold in (("ĐẠI DIỆN PHÒNG THỬ NGHIỆM", 9.5, True),
                             ("(Ký số / Digitally signed)", SMALL, False)):
        width = canvas.width(text, size, bold=bold)
        canvas.text(text, x1 + (x2 - x1 - width) / 2, top, size, bold=bold)
        top += size * 1.4


def _footers(canvas: _Canvas, results: Results) -> None:
    total = len(canvas.pages)
    for number, page in enumerate(canvas.pages, start=1):
        canvas.pages[-1], saved = page, canvas.pages[-1]
        line = (f"kyso {results.run.kyso_version} — {results.run.sut.name} — "
                f"{vietnam_time(results.run.started_at)}")
        canvas.text(line, MARGIN_LEFT, A4[1] - 34, 6.5, colour=(0.4, 0.4, 0.4))
        label = f"Trang {number}/{total}"
        canvas.text(label, A4[0] - MARGIN_RIGHT - canvas.width(label, 7), A4[1] - 34, 7,
                    colour=(0.4, 0.4, 0.4))
        canvas.pages[-1] = saved


def render_pdf(results: Results, *, results_sha256: str | None = None,
               results_file: str = "results.json") -> bytes:
    """The unsigned *biên bản* as PDF bytes (see the module docstring).

    ``results_sha256``: the hash of the results file rendered, printed in the record;
    ``results_file``: where that file is, relative to the record's folder (rendered with
    ``--out`` elsewhere, it is not beside the record, and the record must not say it is).
    Raises :class:`reports.errors.FontMissingError` when DejaVu Sans is not installed."""
    try:
        require_font(REGULAR_FONT)
        require_font(BOLD_FONT)
    except FontFileMissingError as error:
        raise FontMissingError(str(error)) from None
    from pyhanko.pdf_utils import generic
    from pyhanko.pdf_utils.generic import pdf_name, pdf_string
    from pyhanko.pdf_utils.writer import PageObject, PdfFileWriter

    results = redacted(results)
    writer = PdfFileWriter()
    canvas = _Canvas(writer)
    title_vi, title_en = _title(results)
    canvas.top += 8
    canvas.paragraph("BIÊN BẢN KẾT QUẢ KIỂM THỬ", 16, bold=True, centred=True, gap=1)
    canvas.paragraph(title_vi, 12.5, bold=True, centred=True, gap=1)
    canvas.paragraph(f"Test results record: {title_en}", SMALL, centred=True,
                     colour=(0.35, 0.35, 0.35), gap=12)
    canvas.heading(Words("I. THÔNG TIN CHUNG VÀ KẾT LUẬN", "What was tested, and the conclusion"))
    _general(canvas, results, results_sha256)
    canvas.top += 6
    _conclusion(canvas, results)
    _mandatory(canvas, results)
    _failing_cases(canvas, results)
    _requirements(canvas, results, results_file)
    _findings(canvas, results)
    _signature_block(canvas, results)
    _footers(canvas, results)

    fonts = generic.DictionaryObject({pdf_name("/F1"): canvas.regular.resource(),
                                      pdf_name("/F2"): canvas.bold.resource()})
    for page in canvas.pages:
        stream = writer.add_object(generic.StreamObject(stream_data=b"\n".join(page.operators)))
        resources = generic.DictionaryObject({pdf_name("/Font"): fonts})
        writer.insert_page(PageObject(stream, [0, 0, *A4], resources))
    meta = writer.document_meta
    meta.title = f"Biên bản kết quả kiểm tra {title_vi.lower()}: {results.run.sut.name}"
    meta.author = "kyso"
    meta.creator = f"kyso {results.run.kyso_version}"
    meta.created = meta.last_modified = results.run.finished_at  # not the moment of writing
    writer.root[pdf_name("/Lang")] = pdf_string("vi-VN")
    output = BytesIO()
    writer.write(output)
    return output.getvalue()
