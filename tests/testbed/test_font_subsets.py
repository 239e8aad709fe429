"""Font subsets cached per process (pdffonts.subsets): a document built from cached subsets
embeds the same glyphs as one subset afresh, and a different text never gets another text's
subset (the key is the program and the glyph IDs)."""

from __future__ import annotations

from io import BytesIO
from pathlib import Path

import pytest
from fontTools.ttLib import TTFont
from pyhanko.pdf_utils.reader import PdfFileReader

from pdffonts import (
    BOLD_FONT,
    REGULAR_FONT,
    program_cache,
    subsets,
    vietnamese_font_program,
)
from testbed.documents import (
    FORM_FIELD_NAME,
    AdministrativeDocument,
    _built_document,
    _kept_document,
    administrative_document,
)


def _embedded_fonts(pdf: bytes) -> dict[str, tuple[set[int], TTFont]]:
    """Each embedded font's base name (subset tag dropped): the glyph IDs its /W array lists
    (the glyphs the text draws) and the embedded program."""
    reader = PdfFileReader(BytesIO(pdf))
    found = {}
    page = reader.root["/Pages"]["/Kids"][0]
    for font in page["/Resources"]["/Font"].values():
        font = font.get_object()
        descendant = font["/DescendantFonts"][0].get_object()
        widths = descendant["/W"]
        used: set[int] = set()
        index = 0
        while index < len(widths):
            start, entry = int(widths[index]), widths[index + 1]
            used.update(range(start, start + len(entry)))
            index += 2
        program = descendant["/FontDescriptor"]["/FontFile2"].get_object().data
        found[str(font["/BaseFont"]).split("+", 1)[1]] = (used, TTFont(BytesIO(program)))
    return found


def _drawn(font: TTFont, glyph_ids: set[int]) -> set[int]:
    """The glyph IDs among ``glyph_ids`` that have an outline in ``font``."""
    glyf = font["glyf"]
    order = font.getGlyphOrder()
    return {gid for gid in glyph_ids if glyf[order[gid]].numberOfContours != 0}


def test_cached_subset_draws_what_a_fresh_one_draws() -> None:
    subsets._subsets.clear()
    arguments = (AdministrativeDocument(), 1, False, FORM_FIELD_NAME, REGULAR_FONT, BOLD_FONT)
    fresh = _embedded_fonts(_built_document(*arguments))
    assert subsets._subsets, "building a document caches its subsets"
    cached = _embedded_fonts(_built_document(*arguments))
    assert fresh.keys() == cached.keys()
    for name, (used, font) in fresh.items():
        cached_used, cached_font = cached[name]
        assert cached_used == used
        assert _drawn(cached_font, used) == _drawn(font, used)
        assert len(_drawn(font, used)) > 20


def test_another_text_gets_its_own_subset(tmp_path: Path, monkeypatch: pytest.MonkeyPatch
                                          ) -> None:
    """Letters only the second document uses are drawn: a cache keyed on the program alone
    would embed the first document's subset, without them."""
    monkeypatch.setenv("KYSO_CACHE_DIR", str(tmp_path))  # made here, not read from the disk
    administrative_document()
    other = AdministrativeDocument(subject="Ỹ ỹ Ỵ ỵ Ẫ ẫ Ữ ữ Ỡ ỡ Ẳ ẳ Ẵ ẵ QQQ ZZZ 789",
                                   signer_name="Ỷ Ỳ Ẽ")
    for used, font in _embedded_fonts(administrative_document(other)).values():
        spaces = {gid for gid in used if font.getGlyphOrder()[gid] in ("space", "uni00A0")}
        assert _drawn(font, used) == used - spaces


def test_prepared_program_is_kept_on_disk_under_its_recipe(tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """The second process reads the program the first made; another recipe makes its own."""
    monkeypatch.setenv("KYSO_CACHE_DIR", str(tmp_path))
    made: list[str] = []

    def make(tag: str) -> bytes:
        made.append(tag)
        return program_cache.TRUETYPE_MAGIC + tag.encode()

    first = program_cache.stored_program(REGULAR_FONT, b"recipe 1", lambda: make("one"))
    again = program_cache.stored_program(REGULAR_FONT, b"recipe 1", lambda: make("again"))
    other = program_cache.stored_program(REGULAR_FONT, b"recipe 2", lambda: make("two"))
    assert (first, again, other) == (program_cache.TRUETYPE_MAGIC + b"one",) * 2 + (
        program_cache.TRUETYPE_MAGIC + b"two",)
    assert made == ["one", "two"]
    assert len(list((tmp_path / "fonts").glob("DejaVuSans-*.ttf"))) == 2


def test_prepared_program_from_the_cache_is_the_program(tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    """What the cache holds is the Vietnamese cut, rescaled: a real TrueType font."""
    monkeypatch.setenv("KYSO_CACHE_DIR", str(tmp_path))
    vietnamese_font_program.cache_clear()
    try:
        made = vietnamese_font_program(REGULAR_FONT)
        vietnamese_font_program.cache_clear()
        assert vietnamese_font_program(REGULAR_FONT) == made
        font = TTFont(BytesIO(made))
        assert font["head"].unitsPerEm == 1000
        assert {ord("ệ"), ord("₫")} <= set(font.getBestCmap())
    finally:
        vietnamese_font_program.cache_clear()



def test_documents_are_kept_on_disk_under_their_arguments(tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """Another process gets the same document from the disk; other arguments, another one."""
    monkeypatch.setenv("KYSO_CACHE_DIR", str(tmp_path))
    _kept_document.cache_clear()
    try:
        first = administrative_document()
        _kept_document.cache_clear()  # as in a new process
        assert administrative_document() == first
        other = administrative_document(AdministrativeDocument(number="7/QĐ-SNV"))
        assert other != first and other[:5] == b"%PDF-"
        assert len(list((tmp_path / "documents").glob("quyet-dinh-*.pdf"))) == 2
    finally:
        _kept_document.cache_clear()
