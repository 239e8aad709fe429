"""The reference signer's visible signatures share cached font subsets (pdffonts.subsets): the
labels and every character of a signing time are in every subset, so two appearances that differ
only in their time are one subset, cut once (issue 22)."""

from __future__ import annotations

from conformance.reference.pades_signing import APPEARANCE_GLYPHS
from pdffonts import REGULAR_FONT, VietnameseFontFactory, subsets


def _subsets_made(glyphs_of: str) -> int:
    """How many subsets two signature appearances, differing only in their time, make."""
    from pyhanko.pdf_utils.writer import PdfFileWriter

    factory = VietnameseFontFactory(REGULAR_FONT, glyphs_of=glyphs_of)
    before = len(subsets._subsets)
    for moment in ("2026-11-22T09:00:00+07:00", "2027-03-15T16:48:31+07:00"):
        engine = factory.create_font_engine(PdfFileWriter())
        engine.shape(f"Ký bởi: Trần Thị Bình\nThời gian ký: {moment}")
        engine.prepare_write()
    return len(subsets._subsets) - before


def test_appearance_glyphs_let_signing_times_share_a_subset() -> None:
    subsets._subsets.clear()
    assert _subsets_made("") == 2
    assert _subsets_made(APPEARANCE_GLYPHS) == 1
