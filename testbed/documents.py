"""Real PDFs for tests and scenarios, and the small edits that attacks and defects are made of.

:func:`administrative_document` writes a one- or two-page Vietnamese administrative document
(a *Quyết định* of a provincial department, laid out after ND30/2020 Annex I: the agency header,
the national motto, number and date, title, body, the signer's block) with DejaVu Sans embedded,
so that every Vietnamese letter is a real glyph (standard Helvetica has none of them). Optionally
it carries an empty AcroForm text field, for the "permitted form fill after signing" cases.

Everything is built with pyHanko's own PDF layer: :class:`~pyhanko.pdf_utils.writer.PdfFileWriter`,
:class:`~pyhanko.pdf_utils.text.TextBox` for text, and pyHanko's OpenType
:class:`~pyhanko.pdf_utils.font.opentype.GlyphAccumulator` for the embedded font (through
:mod:`pdffonts.vietnamese`, the one preparation of DejaVu Sans shared with the reports: see there
why it is cut and rescaled); no PDF syntax is written by hand beyond the field and page
dictionaries pyHanko's API asks for and a ``q``/``Q`` around each text box. Needs
``pyhanko[opentype]`` (fonttools, uharfbuzz) and Debian's fonts-dejavu-core.

Determinism: the text, layout and page content streams depend only on the arguments. pyHanko
itself gives every file a random ``/ID``, a ``/ModDate`` of the moment of writing and a random
six-letter font-subset tag; those bytes differ between two runs (they are not content).

The helpers at the end change a (signed) PDF the way attacks and defects do: an incremental
update that changes what a page shows, a form fill (permitted after an approval signature), a
reader's comment (a sticky note: permitted after a certification at P=3 only), one
flipped byte inside the signed byte range, a truncated file, and the two universal signature
forgeries (a signature with no CMS in /Contents, a /ByteRange over nothing).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from io import BytesIO
from pathlib import Path
from typing import Any

from bilingual import say
from pdffonts import (
    BOLD_FONT,
    REGULAR_FONT,
    EmbeddedFont,
    FontMissingError,
    VietnameseFontFactory,
    require_font,
)

from .document_cache import kept_document
from .errors import InvalidInputError, TestbedError

A4 = (595, 842)
MARGIN_LEFT, MARGIN_RIGHT = 70, 55
BODY_SIZE, HEADER_SIZE = 11, 10
FORM_FIELD_NAME = "YKienTiepNhan"
"""Default name of the optional text field ("ý kiến tiếp nhận": the recipient's remark)."""

_BYTE_RANGE = re.compile(rb"/ByteRange\s*\[\s*(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s*\]")


@dataclass(frozen=True)
class AdministrativeDocument:
    """The content of a Vietnamese administrative decision; every field has a sensible default."""

    authority: str = "ỦY BAN NHÂN DÂN TỈNH ĐỒNG THÁP"
    agency: str = "SỞ NỘI VỤ"
    number: str = "123/QĐ-SNV"
    place: str = "Đồng Tháp"
    issued_on: date = date(2026, 11, 22)
    kind: str = "QUYẾT ĐỊNH"
    subject: str = "Về việc cử công chức tham gia lớp bồi dưỡng kiến thức quản lý nhà nước"
    signer_title: str = "GIÁM ĐỐC"
    signer_name: str = "Nguyễn Văn An"
    preamble: tuple[str, ...] = (
        "Căn cứ Luật Tổ chức chính quyền địa phương ngày 19 tháng 02 năm 2025;",
        "Căn cứ Nghị định số 30/2020/NĐ-CP ngày 05 tháng 3 năm 2020 của Chính phủ về công tác "
        "văn thư;",
        "Căn cứ Nghị định số 68/2024/NĐ-CP ngày 25 tháng 6 năm 2024 của Chính phủ quy định về chữ "
        "ký số chuyên dùng công vụ;",
        "Theo đề nghị của Trưởng phòng Tổ chức, biên chế và tổ chức phi chính phủ.",
    )
    articles: tuple[str, ...] = (
        "Điều 1. Cử bà Trần Thị Bình, Chuyên viên phòng Công chức, viên chức, tham gia lớp bồi "
        "dưỡng kiến thức quản lý nhà nước ngạch chuyên viên chính, từ ngày 01 tháng 12 năm 2026 "
        "đến ngày 30 tháng 12 năm 2026.",
        "Điều 2. Kinh phí tham gia lớp bồi dưỡng do ngân sách nhà nước chi trả theo quy định hiện "
        "hành. Người được cử có trách nhiệm tham gia đầy đủ chương trình và báo cáo kết quả.",
        "Điều 3. Chánh Văn phòng Sở, Trưởng phòng Tổ chức, biên chế và tổ chức phi chính phủ, "
        "Trưởng phòng Công chức, viên chức và bà Trần Thị Bình chịu trách nhiệm thi hành Quyết "
        "định này. Quyết định có hiệu lực kể từ ngày ký.",
    )
    recipients: tuple[str, ...] = ("Như Điều 3;", "Lưu: VT, TCBC.")


@dataclass
class _Line:
    text: str
    top: float
    left: float = MARGIN_LEFT
    right: float = MARGIN_RIGHT
    centred: bool = False
    bold: bool = False
    size: int = BODY_SIZE
    font_name: str | None = None


@dataclass
class _Page:
    lines: list[_Line] = field(default_factory=list)


def _require_fonts(paths: Sequence[Path]) -> None:
    """The font check of :mod:`pdffonts`, failing as a user-facing :class:`TestbedError`."""
    try:
        for path in paths:
            require_font(path)
    except FontMissingError as error:
        raise TestbedError(str(error)) from None


def _wrap(text: str, font: EmbeddedFont, size: int, width: float) -> list[str]:
    """Greedy word wrap by the shaped width of each candidate line."""
    lines: list[str] = []
    current = ""
    for word in text.split():
        candidate = f"{current} {word}" if current else word
        if current and font.width(candidate, size) > width:
            lines.append(current)
            current = word
        else:
            current = candidate
    if current:
        lines.append(current)
    return lines


def _layout(document: AdministrativeDocument, regular: EmbeddedFont, *, pages: int,
            with_form_field: bool) -> list[_Page]:
    """Place every line of the document: (text, distance from the page top, column, style)."""
    width, height = A4
    half = width / 2
    body_width = width - MARGIN_LEFT - MARGIN_RIGHT
    leading = BODY_SIZE * 1.45
    first = _Page()
    head = [
        _Line(document.authority, 50, 30, half + 20, centred=True, size=HEADER_SIZE),
        _Line(document.agency, 64, 30, half + 20, centred=True, bold=True, size=HEADER_SIZE),
        _Line("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", 50, half - 40, 20, centred=True, bold=True,
              size=HEADER_SIZE),
        _Line("Độc lập - Tự do - Hạnh phúc", 64, half - 40, 20, centred=True, bold=True,
              size=HEADER_SIZE),
        _Line(f"Số: {document.number}", 92, 30, half + 20, centred=True, size=HEADER_SIZE),
        _Line(f"{document.place}, ngày {document.issued_on.day:02d} tháng "
              f"{document.issued_on.month:02d} năm {document.issued_on.year}", 92, half - 40, 20,
              centred=True, size=HEADER_SIZE),
        _Line(document.kind, 135, centred=True, bold=True, size=13),
    ]
    first.lines.extend(head)
    top = 155.0
    for part in _wrap(document.subject, regular, BODY_SIZE, body_width - 60):
        first.lines.append(_Line(part, top, centred=True, bold=True))
        top += leading
    top += 10
    first.lines.append(_Line(f"{document.signer_title} {document.agency}", top, centred=True,
                             bold=True))
    top += leading * 1.6
    paragraphs = [*document.preamble, "QUYẾT ĐỊNH:", *document.articles]
    page = first
    result = [first]
    per_page = max(1, -(-len(paragraphs) // pages)) if pages > 1 else len(paragraphs)
    for index, paragraph in enumerate(paragraphs):
        if pages > 1 and index and index % per_page == 0 and len(result) < pages:
            page = _Page()
            result.append(page)
            top = 60.0
        if paragraph == "QUYẾT ĐỊNH:":
            page.lines.append(_Line(paragraph, top, centred=True, bold=True))
            top += leading * 1.4
            continue
        for part in _wrap(paragraph, regular, BODY_SIZE, body_width - 20):
            page.lines.append(_Line(part, top, left=MARGIN_LEFT + 20))
            top += leading
        top += 4
    top += 20
    page.lines.append(_Line("Nơi nhận:", top, right=half, bold=True, size=HEADER_SIZE))
    page.lines.append(_Line(document.signer_title, top, half, 20, centred=True, bold=True))
    for offset, recipient in enumerate(document.recipients, start=1):
        page.lines.append(_Line(f"- {recipient}", top + offset * 13, right=half, size=9))
    page.lines.append(_Line(document.signer_name, top + 75, half, 20, centred=True, bold=True))
    if with_form_field:
        page.lines.append(_Line("Ý kiến tiếp nhận:", height - 105, size=HEADER_SIZE))
    if top + 75 > height - 60:
        raise InvalidInputError(say("document: văn bản không vừa; hãy dùng nhiều trang hơn",
                                    "document: the text does not fit; use more pages"))
    return result


def _text_box(writer: Any, font: EmbeddedFont, line: _Line, resources: Any) -> Any:
    from pyhanko.pdf_utils import layout
    from pyhanko.pdf_utils.text import TextBox, TextBoxStyle

    width, height = A4
    rule = layout.SimpleBoxLayoutRule(
        x_align=layout.AxisAlignment.ALIGN_MID if line.centred else layout.AxisAlignment.ALIGN_MIN,
        y_align=layout.AxisAlignment.ALIGN_MAX,
        margins=layout.Margins(left=int(line.left), right=int(line.right), top=int(line.top),
                               bottom=0),
        inner_content_scaling=layout.InnerScaling.NO_SCALING,
    )
    style = TextBoxStyle(font=font.factory, font_size=line.size, box_layout_rule=rule)
    box = TextBox(style, writer, resources=resources,
                  box=layout.BoxConstraints(width=width, height=height),
                  font_name=line.font_name or ("FB" if line.bold else "F1"))
    box.content = line.text
    return box


def _page_content(writer: Any, lines: Sequence[tuple[EmbeddedFont, _Line]]) -> Any:
    """One content stream for many text boxes: each box's graphics state saved and restored
    around it (``q``/``Q``; a TextBox places itself with a ``cm``), one shared resource dict."""
    from pyhanko.pdf_utils.content import PdfResources, RawContent

    resources = PdfResources()
    rendered = [b"q " + _text_box(writer, font, line, resources).render() + b" Q"
                for font, line in lines]
    return RawContent(b"\n".join(rendered), resources=resources)


def _add_text_field(writer: Any, page_ref: Any, name: str, font: EmbeddedFont) -> None:
    """An empty, fillable text field with its widget on the first page."""
    from pyhanko.pdf_utils import generic
    from pyhanko.pdf_utils.generic import pdf_name, pdf_string

    widget = generic.DictionaryObject({
        pdf_name("/Type"): pdf_name("/Annot"),
        pdf_name("/Subtype"): pdf_name("/Widget"),
        pdf_name("/FT"): pdf_name("/Tx"),
        pdf_name("/T"): pdf_string(name),
        pdf_name("/F"): generic.NumberObject(4),
        pdf_name("/Rect"): generic.ArrayObject(
            [generic.FloatObject(v) for v in (MARGIN_LEFT, 50, A4[0] - MARGIN_RIGHT, 90)]),
        pdf_name("/DA"): pdf_string("/F1 10 Tf 0 g"),
        pdf_name("/P"): page_ref,
    })
    widget_ref = writer.add_object(widget)
    page = page_ref.get_object()
    page[pdf_name("/Annots")] = generic.ArrayObject([widget_ref])
    writer.root[pdf_name("/AcroForm")] = generic.DictionaryObject({
        pdf_name("/Fields"): generic.ArrayObject([widget_ref]),
        pdf_name("/DR"): generic.DictionaryObject({pdf_name("/Font"): generic.DictionaryObject(
            {pdf_name("/F1"): font.engine.as_resource()})}),
        pdf_name("/DA"): pdf_string("/F1 10 Tf 0 g"),
    })
    writer.update_root()


def administrative_document(document: AdministrativeDocument | None = None, *, pages: int = 1,
                            with_form_field: bool = False,
                            field_name: str = FORM_FIELD_NAME,
                            font_path: Path = REGULAR_FONT,
                            bold_font_path: Path = BOLD_FONT) -> bytes:
    """The bytes of a one- or two-page Vietnamese administrative decision (see the module doc).

    Built once for each distinct content and layout, then the same bytes every time: kept per
    process, and on disk between processes (:func:`_kept_document`); laying out and subsetting
    the fonts takes about a second, and every scenario of a run, in every ``--jobs`` worker,
    asks for the same few documents (issue 22)."""
    if pages not in (1, 2):
        raise InvalidInputError(say(f"pages: {pages}; một văn bản có một hoặc hai trang",
                                    f"pages: {pages}; a document has one or two pages"))
    _require_fonts([font_path, bold_font_path])
    return _kept_document(document or AdministrativeDocument(), pages, with_form_field,
                          field_name, font_path, bold_font_path)


@functools.lru_cache(maxsize=32)
def _kept_document(document: AdministrativeDocument, pages: int, with_form_field: bool,
                   field_name: str, font_path: Path, bold_font_path: Path) -> bytes:
    """:func:`_built_document`, kept on disk between processes (:mod:`.document_cache`)."""
    return kept_document(repr((document, pages, with_form_field, field_name)),
                         (font_path, bold_font_path),
                         lambda: _built_document(document, pages, with_form_field, field_name,
                                                 font_path, bold_font_path))


def _built_document(document: AdministrativeDocument, pages: int, with_form_field: bool,
                    field_name: str, font_path: Path, bold_font_path: Path) -> bytes:
    from pyhanko.pdf_utils import generic
    from pyhanko.pdf_utils.writer import PageObject, PdfFileWriter

    writer = PdfFileWriter()
    regular = EmbeddedFont(writer, font_path)
    bold = EmbeddedFont(writer, bold_font_path)
    page_refs = []
    for index, page in enumerate(_layout(document, regular, pages=pages,
                                         with_form_field=with_form_field)):
        empty = writer.add_object(generic.StreamObject(stream_data=b""))
        page_refs.append(writer.insert_page(PageObject(empty, [0, 0, *A4])))
        _page_content(writer, [(bold if line.bold else regular, line) for line in page.lines]
                      ).add_to_page(writer, index)
    if with_form_field:
        _add_text_field(writer, page_refs[0], field_name, regular)
    output = BytesIO()
    writer.write(output)
    return output.getvalue()


# ---- edits that attacks and defects are made of ---------------------------------------------
def signed_byte_ranges(pdf: bytes) -> list[tuple[int, int, int, int]]:
    """Every ``/ByteRange`` in the file, in file order (one per signature or timestamp)."""
    return [tuple(int(value) for value in match.groups())  # type: ignore[misc]
            for match in _BYTE_RANGE.finditer(pdf)]


def append_content_change(pdf: bytes, text: str = "Kinh phí: 900.000.000 đồng (sửa sau khi ký)",
                          *, page: int = 0, font_path: Path = REGULAR_FONT) -> bytes:
    """An incremental update that adds visible text to a page: the content changed after signing
    (a shadow/incremental-save attack; pyHanko's difference analysis must flag it)."""
    _require_fonts([font_path])
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

    writer = IncrementalPdfFileWriter(BytesIO(pdf))
    font = EmbeddedFont(writer, font_path)
    # a resource name of its own, so the update does not collide with the page's fonts
    line = _Line(text, 120, size=BODY_SIZE, font_name="FKysoUpdate")
    content = _page_content(writer, [(font, line)])
    content.add_to_page(writer, page)
    output = BytesIO()
    writer.write(output)
    return output.getvalue()


def fill_form_field(pdf: bytes, value: str, *, field_name: str = FORM_FIELD_NAME,
                    font_path: Path = REGULAR_FONT) -> bytes:
    """Fill the document's empty text field in an incremental update (a permitted change after an
    approval signature: PDF form filling)."""
    _require_fonts([font_path])
    from pyhanko.pdf_utils.form_tools import populate_static_text_field
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.pdf_utils.misc import FormFillingError
    from pyhanko.pdf_utils.text import TextBoxStyle

    writer = IncrementalPdfFileWriter(BytesIO(pdf))
    style = TextBoxStyle(font=VietnameseFontFactory(font_path), font_size=10)
    try:
        populate_static_text_field(writer, field_name, style, value)
    except FormFillingError as error:
        raise InvalidInputError(say(f"trường '{field_name}': {error}",
                                    f"field '{field_name}': {error}")) from None
    output = BytesIO()
    writer.write(output)
    return output.getvalue()


COMMENT_TEXT = "Đề nghị Văn phòng Sở đối chiếu lại danh sách kèm theo trước khi phát hành."
"""The note a reader leaves on a certified document (a review comment, not a content change)."""


def add_comment(pdf: bytes, text: str = COMMENT_TEXT, *, author: str = "Phòng Tổ chức cán bộ",
                page: int = 0, size: float = 20) -> bytes:
    """A reader's comment on a page in an incremental update: a sticky note (a ``/Text``
    annotation: an icon in the margin, its text in a pop-up, nothing drawn over the page), as a
    PDF viewer's "add comment" writes it. Permitted after a certification at P=3 only (ISO
    32000-1 Table 254). ``size``: the side of its /Rect in points (a note icon; a page-sized
    one is a note that could cover the page)."""
    from pyhanko.pdf_utils import generic
    from pyhanko.pdf_utils.generic import pdf_name, pdf_string
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

    writer = IncrementalPdfFileWriter(BytesIO(pdf))
    page_ref, _ = writer.find_page_for_modification(page)
    corner = (A4[0] - MARGIN_RIGHT + 10, A4[1] - 120) if size <= 40 else (MARGIN_LEFT, 200)
    note = writer.add_object(generic.DictionaryObject({
        pdf_name("/Type"): pdf_name("/Annot"),
        pdf_name("/Subtype"): pdf_name("/Text"),
        pdf_name("/Rect"): generic.ArrayObject(generic.FloatObject(v) for v in (
            corner[0], corner[1], corner[0] + size, corner[1] + size)),
        pdf_name("/Contents"): pdf_string(text),
        pdf_name("/T"): pdf_string(author),
        pdf_name("/Name"): pdf_name("/Comment"),
        pdf_name("/F"): generic.NumberObject(4 | 8 | 16),  # print, no zoom, no rotate
        pdf_name("/P"): page_ref,
    }))
    page_dict = page_ref.get_object()
    annotations = page_dict.raw_get("/Annots") if "/Annots" in page_dict else None
    if isinstance(annotations, generic.IndirectObject):
        annotations.get_object().append(note)
        writer.mark_update(annotations)
    else:
        items = list(annotations) if annotations is not None else []
        page_dict[pdf_name("/Annots")] = generic.ArrayObject([*items, note])
        writer.mark_update(page_ref)
    output = BytesIO()
    writer.write(output)
    return output.getvalue()


def flip_byte_in_signed_range(pdf: bytes, offset: int | None = None, *,
                              signature: int = 0) -> bytes:
    """The same file with one byte changed (XOR 0x01) inside a signature's signed byte range.

    By default the byte is in the binary comment of the PDF header (offset 10): inside the first
    signed range of every signature, harmless to parsing, so the file still opens and only the
    digest tells. ``offset`` chooses another byte; it must lie inside the signed ranges.
    """
    ranges = signed_byte_ranges(pdf)
    if not ranges:
        raise InvalidInputError(say("document: không có /ByteRange; tài liệu chưa được ký",
                                    "document: no /ByteRange; it is not signed"))
    try:
        start1, length1, start2, length2 = ranges[signature]
    except IndexError:
        raise InvalidInputError(say(
            f"signature: chỉ số {signature}, tệp chỉ có {len(ranges)} chữ ký",
            f"signature: index {signature}, the file has {len(ranges)}")) from None
    where = 10 if offset is None else offset
    if not (start1 <= where < start1 + length1 or start2 <= where < start2 + length2):
        first, second = f"[{start1}, {start1 + length1})", f"[{start2}, {start2 + length2})"
        raise InvalidInputError(say(
            f"offset: {where} nằm ngoài các vùng được ký {first} và {second}",
            f"offset: {where} is outside the signed ranges {first} and {second}"))
    changed = bytearray(pdf)
    changed[where] ^= 0x01
    return bytes(changed)


def _signature_range(pdf: bytes, signature: int) -> tuple[int, int, int, int]:
    ranges = signed_byte_ranges(pdf)
    if not ranges:
        raise InvalidInputError(say("document: không có /ByteRange; tài liệu chưa được ký",
                                    "document: no /ByteRange; it is not signed"))
    try:
        return ranges[signature]
    except IndexError:
        raise InvalidInputError(say(
            f"signature: chỉ số {signature}, tệp chỉ có {len(ranges)} chữ ký",
            f"signature: index {signature}, the file has {len(ranges)}")) from None


def empty_signature_contents(pdf: bytes, *, signature: int = -1) -> bytes:
    """Universal signature forgery (USF, Mladenov et al. 2019): the signature's /Contents hex
    string zeroed in place, as pyHanko's placeholder looks before signing: a signature field
    that carries no CMS at all. Every offset stays valid (same length). Viewers that skip a
    signature they cannot parse, yet still show the field as signed, report it valid."""
    start1, length1, start2, _ = _signature_range(pdf, signature)
    gap = pdf[start1 + length1:start2]
    if not (gap.startswith(b"<") and gap.endswith(b">")):
        raise InvalidInputError(say(
            "document: /Contents của chữ ký không phải chuỗi hex nằm giữa các vùng byte của nó",
            "document: the signature's /Contents is not a hex string between its byte ranges"))
    return pdf[:start1 + length1] + b"<" + b"0" * (len(gap) - 2) + b">" + pdf[start2:]


def break_byte_range(pdf: bytes, *, signature: int = -1) -> bytes:
    """Universal signature forgery: the signature's /ByteRange rewritten in place to
    ``[0 0 0 0]`` (padded with spaces to the same length): a signature over no bytes at all.
    A verifier must refuse it, not hash the empty range and compare nothing."""
    _signature_range(pdf, signature)
    match = list(_BYTE_RANGE.finditer(pdf))[signature]
    replacement = b"/ByteRange [0 0 0 0]"
    original = match.group(0)
    if len(replacement) > len(original):  # pragma: no cover - a real range is never shorter
        raise InvalidInputError(say("document: /ByteRange quá ngắn để ghi lại tại chỗ",
                                    "document: /ByteRange too short to rewrite in place"))
    return (pdf[:match.start()] + replacement.ljust(len(original), b" ")
            + pdf[match.end():])


def truncate(pdf: bytes, keep: float | int = 0.6) -> bytes:
    """The first part of the file: a fraction (0 < keep < 1) or a number of bytes."""
    length = int(len(pdf) * keep) if isinstance(keep, float) else keep
    if not 0 < length < len(pdf):
        raise InvalidInputError(say(f"keep: {keep} chỉ giữ {length} trên {len(pdf)} byte",
                                    f"keep: {keep} leaves {length} of {len(pdf)} bytes"))
    return pdf[:length]


__all__ = [
    "AdministrativeDocument",
    "administrative_document",
    "append_content_change",
    "break_byte_range",
    "empty_signature_contents",
    "fill_form_field",
    "flip_byte_in_signed_range",
    "signed_byte_ranges",
    "truncate",
    "FORM_FIELD_NAME",
]
