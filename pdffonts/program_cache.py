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
from collections.abc import Callable, Sequence
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


def font_code_sources() -> list[Path]:
    """The source files of this package: what a PDF with its fonts embedded depends on."""
    return sorted(Path(__file__).parent.glob("*.py"))


def cache_path(kind: str, stem: str, parts: Sequence[bytes], suffix: str) -> Path:
    """Where a result made from ``parts`` is kept: ``<cache>/<kind>/<stem>-<digest><suffix>``,
    the digest the SHA-256 over the SHA-256 of each part (so no two part lists collide)."""
    digest = hashlib.sha256()
    for part in parts:
        digest.update(hashlib.sha256(part).digest())
    return cache_root() / kind / f"{stem}-{digest.hexdigest()[:32]}{suffix}"


def stored_bytes(target: Path, make: Callable[[], bytes], *, magic: bytes) -> bytes:
    """The bytes kept at ``target`` when they start with ``magic``, else ``make()``'s, written
    there atomically (a process racing another writes the same bytes; an unwritable cache only
    means the work is done again)."""
    try:
        data = target.read_bytes()
        if data.startswith(magic):
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


def program_path(font: Path, recipe: bytes) -> Path:
    """Where the program prepared from ``font`` with ``recipe`` is kept: named by the SHA-256
    of the font file, the fontTools version and the recipe."""
    import fontTools

    return cache_path("fonts", font.stem, (font.read_bytes(), fontTools.version.encode(),
                                           recipe), ".ttf")


def stored_program(font: Path, recipe: bytes, make: Callable[[], bytes]) -> bytes:
    """The program prepared from ``font``: read from the cache, else ``make()`` and kept."""
    return stored_bytes(program_path(font, recipe), make, magic=TRUETYPE_MAGIC)
