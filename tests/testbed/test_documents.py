"""Test documents: a real Vietnamese administrative PDF with an embedded font, and the edits
attacks and defects are made of. poppler (pdftotext, pdffonts) reads them independently."""

from __future__ import annotations

import re
import shutil
import subprocess
from io import BytesIO
from pathlib import Path

import pytest
from pyhanko.pdf_utils.reader import PdfFileReader

from testbed.documents import (
    COMMENT_TEXT,
    FORM_FIELD_NAME,
    AdministrativeDocument,
    add_comment,
    administrative_document,
    append_content_change,
    fill_form_field,
    flip_byte_in_signed_range,
    signed_byte_ranges,
    truncate,
)
from testbed.errors import InvalidInputError, TestbedError

needs_poppler = pytest.mark.skipif(shutil.which("pdftotext") is None,
                                   reason="poppler-utils is not installed")


@pytest.fixture(scope="module")
def one_page() -> bytes:
    return administrative_document(with_form_field=True)


def _poppler(tool: str, pdf: bytes, tmp_path: Path, *options: str) -> str:
    path = tmp_path / "document.pdf"
    path.write_bytes(pdf)
    return subprocess.run([tool, *options, str(path), "-"] if tool == "pdftotext"
                          else [tool, *options, str(path)], capture_output=True, text=True,
                          check=True, timeout=60).stdout


def _content_streams(pdf: bytes) -> list[bytes]:
    reader = PdfFileReader(BytesIO(pdf))
    streams = []
    for index in range(int(reader.root["/Pages"]["/Count"])):
        contents = reader.root["/Pages"]["/Kids"][index]["/Contents"]
        for item in contents if isinstance(contents, list) else [contents]:
            streams.append(item.get_object().data)
    return streams


@needs_poppler
def test_document_text_is_vietnamese_and_extractable(one_page: bytes, tmp_path: Path) -> None:
    text = _poppler("pdftotext", one_page, tmp_path)
    for expected in ("ỦY BAN NHÂN DÂN TỈNH ĐỒNG THÁP", "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
                     "Độc lập - Tự do - Hạnh phúc", "Số: 123/QĐ-SNV",
                     "Đồng Tháp, ngày 22 tháng 11 năm 2026", "QUYẾT ĐỊNH",
                     "Về việc cử công chức tham gia lớp bồi dưỡng", "Nguyễn Văn An"):
        assert expected in text, expected
    fonts = _poppler("pdffonts", one_page, tmp_path)
    assert re.search(r"\+DejaVuSans-Identity-H\s+CID TrueType\s+Identity-H\s+yes yes yes", fonts)
    assert "Helvetica" not in fonts


def test_two_pages_and_deterministic_content(tmp_path: Path) -> None:
    custom = AdministrativeDocument(number="7/QĐ-UBND", signer_name="Lê Thị Hoa")
    first = administrative_document(custom, pages=2)
    second = administrative_document(custom, pages=2)
    assert int(PdfFileReader(BytesIO(first)).root["/Pages"]["/Count"]) == 2
    assert _content_streams(first) == _content_streams(second)
    assert _content_streams(first) != _content_streams(administrative_document(pages=2))
    with pytest.raises(InvalidInputError):
        administrative_document(pages=3)


def test_missing_font_is_a_clear_testbed_error(tmp_path: Path) -> None:
    with pytest.raises(TestbedError, match="fonts-dejavu-core"):
        administrative_document(font_path=tmp_path / "missing.ttf")


@needs_poppler
def test_form_fill_and_content_change_are_incremental_updates(one_page: bytes,
                                                              tmp_path: Path) -> None:
    assert PdfFileReader(BytesIO(one_page)).root["/AcroForm"]["/Fields"][0]["/T"] == \
        FORM_FIELD_NAME
    filled = fill_form_field(one_page, "Đã nhận, đồng ý")
    assert filled.startswith(one_page), "the original revision is kept byte for byte"
    changed = append_content_change(one_page, "Kinh phí: 900.000.000 đồng")
    assert changed.startswith(one_page)
    assert "Kinh phí: 900.000.000 đồng" in _poppler("pdftotext", changed, tmp_path)
    with pytest.raises(InvalidInputError):
        fill_form_field(one_page, "x", field_name="KhongCo")


def test_a_comment_is_a_sticky_note_in_an_incremental_update(one_page: bytes) -> None:
    """The page content is untouched; the page gains one /Text annotation (an icon, its text in
    a pop-up), after the form field's widget."""
    commented = add_comment(one_page)
    assert commented.startswith(one_page), "the original revision is kept byte for byte"
    assert _content_streams(commented) == _content_streams(one_page)
    page = PdfFileReader(BytesIO(commented)).root["/Pages"]["/Kids"][0]
    annotations = [item.get_object() for item in page["/Annots"]]
    note = annotations[-1]
    assert [a["/Subtype"] for a in annotations] == ["/Widget", "/Text"]
    assert note["/Contents"] == COMMENT_TEXT and "/AP" not in note
    left, bottom, right, top = (float(value) for value in note["/Rect"])
    assert (right - left, top - bottom) == (20, 20)


def test_byte_flip_and_truncation(one_page: bytes) -> None:
    with pytest.raises(InvalidInputError, match="not signed"):
        flip_byte_in_signed_range(one_page)
    fake_signed = one_page + b"\n/ByteRange [0 100 200 50]\n"
    assert signed_byte_ranges(fake_signed) == [(0, 100, 200, 50)]
    flipped = flip_byte_in_signed_range(fake_signed)
    assert len(flipped) == len(fake_signed)
    assert [i for i, (a, b) in enumerate(zip(flipped, fake_signed, strict=True)) if a != b] == [10]
    with pytest.raises(InvalidInputError, match="outside"):
        flip_byte_in_signed_range(fake_signed, offset=150)
    assert truncate(one_page, 0.5) == one_page[:len(one_page) // 2]
    assert truncate(one_page, 100) == one_page[:100]
    with pytest.raises(InvalidInputError):
        truncate(one_page, len(one_page))


def test_a_document_is_built_once_per_process_for_each_content() -> None:
    """Every scenario asks for the same few documents: the second request returns the bytes of
    the first (issue 22), and another content or layout is another document."""
    first = administrative_document(pages=2)
    assert administrative_document(pages=2) is first
    assert administrative_document(AdministrativeDocument(subject="Về việc khác"), pages=2) \
        != first
    assert administrative_document(pages=2, with_form_field=True) != first
