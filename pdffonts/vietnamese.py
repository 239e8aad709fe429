"""DejaVu Sans with Vietnamese glyphs, cut and scaled for pyHanko: the font of every PDF and HTML
page kyso writes.

Standard PDF fonts (Helvetica) have no Vietnamese letters, and a document read on another
machine must not depend on its fonts, so the test documents (``testbed.documents``), the PDF
*biên bản* and the HTML report (``reports``) all embed DejaVu Sans (Debian's fonts-dejavu-core).
This module is the single place that prepares it, once per process and font file:

* cut down to the Vietnamese repertoire (Latin, Latin Extended Additional, combining marks,
  punctuation, the đồng sign): ~60 KB instead of ~750 KB, and fast to rescale;
* scaled to 1000 units per em. pyHanko 0.38's ``GlyphAccumulator`` writes advance widths into
  the PDF ``/W`` array (and its TJ adjustments) in the font's own units while PDF glyph space is
  1/1000 em; DejaVu has 2048 units per em, so unscaled every glyph is drawn about twice as far
  apart. Cutting the repertoire first makes the rescale take ~0.5 s instead of ~1.7 s.

:class:`VietnameseFontFactory` hands that program to pyHanko (for a ``TextBoxStyle``), and
:class:`EmbeddedFont` is one ``GlyphAccumulator`` over it, shared by all the text of one PDF
writer in one face (one subset per face is embedded, with a ``ToUnicode`` map, so text
extraction gives back the Vietnamese letters). :func:`vietnamese_woff` is the same program as a
web font. pyHanko is imported only when a PDF font is built, so HTML rendering does not load it.

Imports no other kyso package (a test asserts it): ``testbed`` and ``reports`` both use it, and
wrap :class:`FontMissingError` in their own error families.
"""

from __future__ import annotations

import functools
from io import BytesIO
from pathlib import Path
from typing import Any

FONT_DIRECTORY = Path("/usr/share/fonts/truetype/dejavu")
REGULAR_FONT = FONT_DIRECTORY / "DejaVuSans.ttf"
BOLD_FONT = FONT_DIRECTORY / "DejaVuSans-Bold.ttf"
UNITS_PER_EM = 1000

VIETNAMESE_REPERTOIRE: tuple[int, ...] = (
    *range(0x20, 0x7F),      # ASCII
    *range(0xA0, 0x250),     # Latin-1, Latin Extended-A/B (ă â đ ê ô ơ ư)
    *range(0x300, 0x370),    # combining marks (decomposed text)
    *range(0x1E00, 0x1F00),  # Latin Extended Additional (ạ ả ấ … ỹ)
    *range(0x2000, 0x2070),  # general punctuation (– — … ‘ ’ “ ”)
    0x20AB,                  # ₫
    0x2190, 0x2192, 0x2713, 0x2717,  # ← → ✓ ✗
)


class FontMissingError(Exception):
    """The font with Vietnamese glyphs (or pyHanko's OpenType support) is not installed;
    ``str(error)`` is one line naming the missing piece and the command that installs it."""


def require_font(path: Path) -> None:
    """Fail with the fix when the font file or pyHanko's OpenType support is missing."""
    if not path.is_file():
        raise FontMissingError(
            f"font: {path} is missing; Vietnamese text needs an embedded font: "
            "apt-get install -y fonts-dejavu-core")
    try:
        import fontTools  # noqa: F401
        import uharfbuzz  # noqa: F401
    except ImportError:
        raise FontMissingError(
            "font embedding: pyHanko's OpenType support is missing; "
            "pip install 'pyhanko[opentype]' (fonttools, uharfbuzz)") from None


@functools.lru_cache(maxsize=8)
def vietnamese_font_program(path: Path) -> bytes:
    """The TrueType program of ``path`` cut to :data:`VIETNAMESE_REPERTOIRE` and scaled to
    1000 units per em (see the module docstring for why). Cached per process, and on disk
    between processes (:mod:`pdffonts.program_cache`): ~0.5 s to make on an idle machine."""
    require_font(path)
    from pdffonts.program_cache import stored_program

    return stored_program(path, Path(__file__).read_bytes(), lambda: _cut_and_scale(path))


def _cut_and_scale(path: Path) -> bytes:
    """The work :func:`vietnamese_font_program` caches."""
    from fontTools import subset
    from fontTools.ttLib import TTFont
    from fontTools.ttLib.scaleUpem import scale_upem

    font = TTFont(str(path))
    options = subset.Options()
    options.layout_features = ["*"]  # keep mark positioning for decomposed diacritics
    options.name_IDs = ["*"]
    options.notdef_outline = True
    options.hinting = False  # screens and printers render DejaVu well unhinted; a third smaller
    options.drop_tables = [*options.drop_tables, "FFTM"]  # FontForge's timestamps: not needed
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=VIETNAMESE_REPERTOIRE)
    subsetter.subset(font)
    scale_upem(font, UNITS_PER_EM)
    output = BytesIO()
    font.save(output)
    return output.getvalue()


@functools.lru_cache(maxsize=8)
def vietnamese_woff(path: Path) -> bytes:
    """The same program as WOFF (zlib-compressed; no brotli needed), for an HTML ``@font-face``."""
    from fontTools.ttLib import TTFont

    font = TTFont(BytesIO(vietnamese_font_program(path)))
    font.flavor = "woff"
    output = BytesIO()
    font.save(output)
    return output.getvalue()


class VietnameseFontFactory:
    """A pyHanko font-engine factory (the ``FontEngineFactory`` interface, for a
    ``TextBoxStyle``) over :func:`vietnamese_font_program`.

    pyHanko's own ``GlyphAccumulatorFactory`` only takes a file path; this one hands the same
    ``GlyphAccumulator`` the prepared program from memory (its subsets cached per process:
    :mod:`pdffonts.subsets`). With ``shared=True`` every text box of
    a writer gets the same engine, so one subset with every glyph used is embedded instead of one
    font per text box. Duck-typed rather than a subclass so that importing this module does not
    import pyHanko (pyHanko only ever calls :meth:`create_font_engine`).
    """

    def __init__(self, path: Path, *, shared: bool = False, glyphs_of: str = "") -> None:
        """``glyphs_of``: text whose glyphs every engine embeds, drawn or not: texts that differ
        only in these characters (the digits of a signing time) then share one cached subset
        (:mod:`pdffonts.subsets`) instead of each being cut afresh."""
        self._program = vietnamese_font_program(path)
        self._shared = shared
        self._glyphs_of = glyphs_of
        self._engines: dict[int, Any] = {}

    def create_font_engine(self, writer: Any, obj_stream: Any = None) -> Any:
        """A ``GlyphAccumulator`` for ``writer`` (the writer's shared one when ``shared``)."""
        from pdffonts.subsets import SubsetCachingAccumulator

        if self._shared and id(writer) in self._engines:
            return self._engines[id(writer)]
        if obj_stream is None and writer.stream_xrefs:
            obj_stream = writer.prepare_object_stream()
        engine = SubsetCachingAccumulator(writer=writer, font_handle=BytesIO(self._program),
                                          font_size=10, obj_stream=obj_stream,
                                          program=self._program)
        if self._glyphs_of:
            engine.shape(self._glyphs_of, with_actual_text=False)  # only records the glyphs
        if self._shared:
            self._engines[id(writer)] = engine
        return engine


class EmbeddedFont:
    """One embedded font face of a pyHanko PDF writer: shapes text into content-stream operators.

    All text of the writer in this face goes through the same engine (directly, or through
    pyHanko text boxes styled with :attr:`factory`), so the PDF carries one subset with exactly
    the glyphs used."""

    def __init__(self, writer: Any, path: Path) -> None:
        self.factory = VietnameseFontFactory(path, shared=True)
        self.engine = self.factory.create_font_engine(writer)

    def width(self, text: str, size: float) -> float:
        """The advance of ``text`` at ``size`` points, in points."""
        return float(self.engine.shape(text, with_actual_text=False).x_advance) * size

    def show(self, text: str, size: float) -> bytes:
        """Text-showing operators for ``text`` at ``size`` (inside ``BT … ET``, after ``Tf``).

        pyHanko positions combining marks with ``Td`` in text space scaled by the engine's
        font size, so the engine is told the size first (as pyHanko's own ``TextBox`` does)."""
        self.engine.font_size = size
        return bytes(self.engine.shape(text).graphics_ops)

    def resource(self) -> Any:
        """The font's indirect reference, for a page's ``/Font`` resources."""
        return self.engine.as_resource()
