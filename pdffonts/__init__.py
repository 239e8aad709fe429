"""The one door to the Vietnamese font in every PDF and HTML page kyso writes.

Standard PDF fonts (Helvetica) have no Vietnamese letters, so the test documents of
:mod:`testbed` and the reports of :mod:`reports` both embed DejaVu Sans, prepared the same way
(cut to the Vietnamese repertoire, scaled to 1000 units per em for pyHanko). The layering rule
keeps ``testbed`` and ``reports`` from importing each other, so the preparation lives here, in a
package of its own that imports no other kyso package: a change of font, repertoire or pyHanko
workaround then touches one file, :mod:`pdffonts.vietnamese`.
"""

from __future__ import annotations

from .program_cache import cache_path, font_code_sources, stored_bytes
from .vietnamese import (
    BOLD_FONT,
    FONT_DIRECTORY,
    REGULAR_FONT,
    VIETNAMESE_REPERTOIRE,
    EmbeddedFont,
    FontMissingError,
    VietnameseFontFactory,
    require_font,
    vietnamese_font_program,
    vietnamese_woff,
)

__all__ = [
    "cache_path",
    "font_code_sources",
    "stored_bytes",
    "BOLD_FONT",
    "FONT_DIRECTORY",
    "REGULAR_FONT",
    "VIETNAMESE_REPERTOIRE",
    "EmbeddedFont",
    "FontMissingError",
    "VietnameseFontFactory",
    "require_font",
    "vietnamese_font_program",
    "vietnamese_woff",
]
