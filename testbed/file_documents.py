"""Files other than PDF, for detached CMS / CAdES signatures (TT15/2025 Annex I rows 1.4, 1.7).

A detached ``.p7s`` signs any bytes, so the reference signer and verifier for CMS must be shown
on the files people really sign beside PDFs: a Word document (OOXML, ECMA-376) and a ZIP package
of several files (a dossier sent as one archive). Both are built here with the standard
:mod:`zipfile` and lxml, never by hand, and are deterministic: the same arguments give the same
bytes (fixed member dates, fixed order), so a signature over them can be recomputed and a
changed byte is a real change.

:func:`word_document` writes a minimal valid ``.docx`` (content types, package relationships,
the main document part) whose paragraphs carry Vietnamese text with every diacritic class;
:func:`zip_package` writes a ``.zip`` with a few Vietnamese-named members.
"""

from __future__ import annotations

import zipfile
from collections.abc import Mapping, Sequence
from io import BytesIO

from lxml import etree

_FIXED_DATE = (2026, 1, 1, 0, 0, 0)
"""Every member's date: zip stores one, and a fixed one keeps the bytes deterministic."""

_CONTENT_TYPES_NS = "http://schemas.openxmlformats.org/package/2006/content-types"
_RELATIONSHIPS_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
_WORD_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_OFFICE_DOCUMENT = ("http://schemas.openxmlformats.org/officeDocument/2006/relationships/"
                    "officeDocument")
_MAIN_PART = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"

DEFAULT_PARAGRAPHS: tuple[str, ...] = (
    "ỦY BAN NHÂN DÂN TỈNH ĐỒNG THÁP",
    "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM — Độc lập - Tự do - Hạnh phúc",
    "QUYẾT ĐỊNH về việc phê duyệt kế hoạch chuyển đổi số năm 2026",
    "Điều 1. Phê duyệt kế hoạch kèm theo Quyết định này.",
    "Điều 2. Quyết định có hiệu lực kể từ ngày ký; các cơ quan, đơn vị chịu trách nhiệm thi hành.",
)
"""The text of :func:`word_document`: an administrative decision's header, title and articles."""


def _xml(element: etree._Element) -> bytes:
    return etree.tostring(element, xml_declaration=True, encoding="UTF-8", standalone=True)


def _content_types() -> bytes:
    types = etree.Element(f"{{{_CONTENT_TYPES_NS}}}Types", nsmap={None: _CONTENT_TYPES_NS})
    etree.SubElement(types, f"{{{_CONTENT_TYPES_NS}}}Default", Extension="rels",
                     ContentType="application/vnd.openxmlformats-package.relationships+xml")
    etree.SubElement(types, f"{{{_CONTENT_TYPES_NS}}}Default", Extension="xml",
                     ContentType="application/xml")
    etree.SubElement(types, f"{{{_CONTENT_TYPES_NS}}}Override", PartName="/word/document.xml",
                     ContentType=_MAIN_PART)
    return _xml(types)


def _package_relationships() -> bytes:
    relationships = etree.Element(f"{{{_RELATIONSHIPS_NS}}}Relationships",
                                  nsmap={None: _RELATIONSHIPS_NS})
    etree.SubElement(relationships, f"{{{_RELATIONSHIPS_NS}}}Relationship", Id="rId1",
                     Type=_OFFICE_DOCUMENT, Target="word/document.xml")
    return _xml(relationships)


def _main_document(paragraphs: Sequence[str]) -> bytes:
    w = f"{{{_WORD_NS}}}"
    document = etree.Element(f"{w}document", nsmap={"w": _WORD_NS})
    body = etree.SubElement(document, f"{w}body")
    for text in paragraphs:
        run = etree.SubElement(etree.SubElement(body, f"{w}p"), f"{w}r")
        etree.SubElement(run, f"{w}t").text = text
    return _xml(document)


def _zipped(members: Mapping[str, bytes]) -> bytes:
    """``members`` as a deflated zip, in the given order, every member dated the same."""
    output = BytesIO()
    with zipfile.ZipFile(output, "w") as archive:
        for name, data in members.items():
            info = zipfile.ZipInfo(name, date_time=_FIXED_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, data)
    return output.getvalue()


def word_document(paragraphs: Sequence[str] = DEFAULT_PARAGRAPHS) -> bytes:
    """A minimal valid ``.docx`` (ECMA-376 part 2 package: [Content_Types].xml first, the
    package relationships, ``word/document.xml``) with one paragraph per string."""
    return _zipped({
        "[Content_Types].xml": _content_types(),
        "_rels/.rels": _package_relationships(),
        "word/document.xml": _main_document(paragraphs),
    })


def word_document_text(docx: bytes) -> list[str]:
    """The paragraphs of a ``.docx`` made by :func:`word_document` (tests read it back)."""
    with zipfile.ZipFile(BytesIO(docx)) as archive:
        root = etree.fromstring(archive.read("word/document.xml"))
    return ["".join(paragraph.itertext())
            for paragraph in root.iter(f"{{{_WORD_NS}}}p")]


def zip_package(members: Mapping[str, bytes] | None = None) -> bytes:
    """A ``.zip`` dossier: by default a Word decision, its appendix as text and a table as CSV,
    with Vietnamese member names (stored in UTF-8, as zip's language-encoding flag says)."""
    if members is None:
        members = {
            "quyet-dinh.docx": word_document(),
            "phu-luc/kế-hoạch.txt": "Phụ lục: kế hoạch chuyển đổi số năm 2026\n".encode(),
            "phu-luc/kinh-phí.csv": "Hạng mục,Kinh phí (đồng)\nMáy chủ,900000000\n".encode(),
        }
    return _zipped(members)


__all__ = ["DEFAULT_PARAGRAPHS", "word_document", "word_document_text", "zip_package"]
