"""The prepared font programs kept on disk between processes, keyed on what makes them.

Cutting DejaVu Sans to the Vietnamese repertoire and rescaling it (:mod:`pdffonts.vietnamese`)
costs one to several seconds per face, and every process that writes a PDF paid it: each
``--jobs`` worker of a conformance run, each ``kyso`` command, each test process (issue 22). The
result is a pure function of the font file, the fontTools version and the recipe (the source of
:mod:`pdffonts.vietnamese`: repertoire, options, units per em), so it is stored under the
SHA-256 of exactly those, in kyso's per-user cache directory (``$KYSO_CACHE_DIR``, else
``$XDG_CACHE_HOME/kyso``, else ``~/.cache/kyso``, as the PKCS#11 lockout module), written
atomically so parallel processes can race safely. A changed font, library or recipe gets a new
name; an unwritable cache only means the program is made again.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Callable
from pathlib import Path

TRUETYPE_MAGIC = b"\x00\x01\x00\x00"
"""The first four bytes of a TrueType program (sfnt version 1.0)."""


def cache_root() -> Path:
    """kyso's per-user cache directory (the same rule as ``testbed.tokens.lockout``, repeated
    here because :mod:`pdffonts` imports no other kyso package)."""
    explicit = os.environ.get("KYSO_CACHE_DIR")
    if explicit:
        return Path(explicit)
    xdg = os.environ.get("XDG_CACHE_HOME")
    if xdg:
        return Path(xdg) / "kyso"
    home = Path.home()
    if home.is_dir() and os.access(home, os.W_OK):
        return home / ".cache" / "kyso"
    return Path(tempfile.gettempdir()) / f"kyso-cache-{os.getuid()}"


def program_path(font: Path, recipe: bytes) -> Path:
    """Where the program prepared from ``font`` with ``recipe`` is kept: named by the SHA-256
    of the font file, the fontTools version and the recipe."""
    import fontTools

    digest = hashlib.sha256()
    for part in (font.read_bytes(), fontTools.version.encode(), recipe):
        digest.update(hashlib.sha256(part).digest())
    return cache_root() / "fonts" / f"{font.stem}-{digest.hexdigest()[:32]}.ttf"


def stored_program(font: Path, recipe: bytes, make: Callable[[], bytes]) -> bytes:
    """The program prepared from ``font``: read from the cache, else ``make()`` and kept."""
    target = program_path(font, recipe)
    try:
        data = target.read_bytes()
        if data.startswith(TRUETYPE_MAGIC):
            return data
    except OSError:
        pass
    data = make()
    partial = target.with_name(f".{target.name}.{os.getpid()}.partial")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        partial.write_bytes(data)
        os.replace(partial, target)
    except OSError:
        partial.unlink(missing_ok=True)
    return data
