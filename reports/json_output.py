"""Writing report files safely: ``results.json`` and every rendered file, all-or-nothing.

:func:`write_atomically` writes to a hidden temporary file in the target folder, flushes it to
disk and renames it over the target, so a reader (or a crash) never sees half a file.
:func:`write_results` is the one way ``results.json`` reaches disk: the model's JSON, with the
software's free text passed through :func:`reports.vocabulary.redacted` first, so a PIN or key
the software echoed is not kept in a file that is handed to a vendor.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

from bilingual import say

from .errors import ReportWriteError
from .results import Results
from .vocabulary import redacted


def staged_file(path: Path, data: bytes) -> Path:
    """``data`` in a hidden temporary file next to ``path``, flushed to disk; the caller renames
    it into place (``os.replace``) or removes it."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".partial",
                                        dir=path.parent)
    except OSError as error:
        raise ReportWriteError(say(f"{path}: không ghi được ({error.strerror})",
                                   f"{path}: cannot write ({error.strerror})")) from None
    staged = Path(name)
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        staged.chmod(0o644)
    except OSError as error:
        with contextlib.suppress(OSError):
            staged.unlink()
        raise ReportWriteError(say(f"{path}: không ghi được ({error.strerror})",
                                   f"{path}: cannot write ({error.strerror})")) from None
    return staged


def write_atomically(path: Path, data: bytes) -> None:
    """Replace ``path`` with ``data`` in one step: the old file or the new, never a mix."""
    staged = staged_file(path, data)
    try:
        os.replace(staged, path)
    except OSError as error:
        with contextlib.suppress(OSError):
            staged.unlink()
        raise ReportWriteError(say(f"{path}: không ghi được ({error.strerror})",
                                   f"{path}: cannot write ({error.strerror})")) from None


def results_json(results: Results) -> str:
    """The results as the JSON text :func:`reports.results.load_results` reads (redacted)."""
    return redacted(results).model_dump_json(indent=2) + "\n"


def write_results(results: Results, path: Path) -> None:
    """Write ``results.json`` atomically (see the module docstring)."""
    write_atomically(path, results_json(results).encode("utf-8"))
