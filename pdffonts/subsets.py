"""Font subsets made once per process: the same glyphs of the same program give the same subset.

pyHanko's ``GlyphAccumulator`` cuts the font program down to the glyphs a PDF writer used, with
fontTools, when the writer is written (``prepare_write``): about a quarter of a second each time,
and a conformance run writes the same few texts again and again (the test documents in every
worker process, the visible signatures of the same subscribers). fontTools' subsetting is a
function of the program and the glyph IDs kept (pyHanko keeps the glyph IDs, so the content
streams stay valid), so its result is cached here under exactly that key: the SHA-256 of the
program and the set of glyph IDs. A cached subset is embedded as pyHanko would embed it
(``/FontFile2``, Flate-compressed); the font dictionaries, widths and ``ToUnicode`` map are still
built by pyHanko for the writer at hand.

Only TrueType programs (``CIDFontType2``, the DejaVu Sans kyso embeds) take this path; a CFF
program is subset by pyHanko itself. Imported only when a PDF font is built (it imports pyHanko).
"""

from __future__ import annotations

import functools
import hashlib
from collections import OrderedDict
from io import BytesIO
from typing import Any

from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.font.opentype import CIDFontType2, GlyphAccumulator

MAX_SUBSETS = 256
"""Subsets kept per process (each a few kilobytes; the least recently used goes first)."""

_subsets: OrderedDict[tuple[str, frozenset[int]], bytes] = OrderedDict()


@functools.lru_cache(maxsize=8)
def program_digest(program: bytes) -> str:
    """The SHA-256 of a font program: the first half of a subset's key."""
    return hashlib.sha256(program).hexdigest()


def cached_subset(key: tuple[str, frozenset[int]]) -> bytes | None:
    """The subset stored under ``key`` (program digest, glyph IDs), if made before."""
    data = _subsets.get(key)
    if data is not None:
        _subsets.move_to_end(key)
    return data


def remember_subset(key: tuple[str, frozenset[int]], data: bytes) -> None:
    """Keep ``data`` as the subset for ``key``, dropping the oldest beyond :data:`MAX_SUBSETS`."""
    _subsets[key] = data
    while len(_subsets) > MAX_SUBSETS:
        _subsets.popitem(last=False)


class SubsetCachingAccumulator(GlyphAccumulator):
    """pyHanko's ``GlyphAccumulator`` whose TrueType subset comes from the cache when the same
    program was already cut to the same glyphs in this process."""

    def __init__(self, *args: Any, program: bytes, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._program_digest = program_digest(program)

    def _extract_subset(self, options: Any = None) -> None:
        if options is not None or not isinstance(self.cidfont_obj, CIDFontType2):
            super()._extract_subset(options)
            return
        key = (self._program_digest, frozenset(self._glyphs))
        data = cached_subset(key)
        if data is None:
            super()._extract_subset()
            buffer = BytesIO()
            self.tt.save(buffer)
            data = buffer.getvalue()
            remember_subset(key, data)
        # the subset is embedded from these bytes: self.tt is left whole on a cache hit
        self.cidfont_obj.set_font_file = functools.partial(_embed_program, self.cidfont_obj,
                                                           data)


def _embed_program(font: CIDFontType2, data: bytes, writer: Any) -> generic.IndirectObject:
    """What ``CIDFontType2.set_font_file`` does, from the subset's bytes."""
    stream = generic.StreamObject(stream_data=data)
    stream.compress()
    reference = writer.add_object(stream)
    font._font_descriptor[generic.pdf_name("/FontFile2")] = reference
    return reference
