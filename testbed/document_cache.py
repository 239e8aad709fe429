"""The test documents kept on disk between processes, keyed on everything their bytes depend on.

Laying out an administrative document and cutting its two font subsets costs about a second,
and every ``--jobs`` worker of a conformance run, every ``kyso`` command and every test process
asked for the same few documents again (issue 22). A document is a pure function of its
arguments, the font files, the versions of pyHanko, fontTools and HarfBuzz, and the source of
:mod:`testbed.documents` and :mod:`pdffonts`; it is kept in kyso's per-user cache directory
(:mod:`pdffonts.program_cache`) under the SHA-256 of exactly those, so any change to one of them
makes a new document. (pyHanko gives each file a random ``/ID`` and subset tags, which are not
content: a kept document has the ones of the process that first made it.)
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from importlib import metadata
from pathlib import Path

from pdffonts import cache_path, font_code_sources, stored_bytes

PDF_MAGIC = b"%PDF-"


@functools.cache
def _code_parts() -> tuple[bytes, ...]:
    """The libraries' versions and the source of the code that writes a document."""
    versions = " ".join(f"{name} {metadata.version(name)}"
                        for name in ("pyhanko", "fonttools", "uharfbuzz"))
    sources = [*font_code_sources(), Path(__file__).with_name("documents.py")]
    return (versions.encode(), *(source.read_bytes() for source in sources))


def kept_document(arguments: str, fonts: Sequence[Path], make: Callable[[], bytes]) -> bytes:
    """The document ``make()`` writes for ``arguments`` (their repr) with ``fonts``: from the
    cache when made before, else made and kept."""
    parts = (arguments.encode(), *(font.read_bytes() for font in fonts), *_code_parts())
    return stored_bytes(cache_path("documents", "quyet-dinh", parts, ".pdf"), make,
                        magic=PDF_MAGIC)
