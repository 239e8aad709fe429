"""``kyso report``: every rendered file of a run, made from its ``results.json`` alone.

:func:`render_all` reads the results file and writes, next to it (or into ``out_dir``):
``report.html``, ``report.pdf`` (the unsigned *biên bản*; the lead's signing step signs it) and
``junit.xml``. All three are rendered in memory first, then staged as hidden temporary files and
renamed into place together: an error in any renderer, or a full disk, leaves no file
half-written and no new file beside old ones of another run.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

from bilingual import say

from .errors import ReportWriteError
from .html import render_html
from .json_output import staged_file
from .junit import render_junit
from .pdf import render_pdf
from .results import load_results

HTML_NAME, PDF_NAME, JUNIT_NAME = "report.html", "report.pdf", "junit.xml"


@dataclass(frozen=True)
class RenderedReports:
    """Where the files went."""

    html: Path
    pdf: Path
    junit: Path


def render_all(results_path: Path, out_dir: Path | None = None, *,
               language: str = "vi") -> RenderedReports:
    """Render every report of ``results_path`` into ``out_dir`` (default: its folder).

    Evidence links in the HTML stay relative, pointing back at the results file's folder.
    Raises :class:`reports.results.ResultsFileError` for an unreadable results file and
    :class:`reports.errors.ReportError` (font missing, cannot write) otherwise."""
    results = load_results(results_path)
    digest = hashlib.sha256(results_path.read_bytes()).hexdigest()
    out_dir = out_dir or results_path.parent
    evidence_base = os.path.relpath(results_path.parent.resolve(), out_dir.resolve())
    target = RenderedReports(out_dir / HTML_NAME, out_dir / PDF_NAME, out_dir / JUNIT_NAME)
    contents = {
        target.html: render_html(results, language=language,
                                 evidence_base="" if evidence_base == "." else evidence_base
                                 ).encode("utf-8"),
        target.pdf: render_pdf(results, results_sha256=digest, results_file=os.path.relpath(
            results_path.resolve(), out_dir.resolve())),
        target.junit: render_junit(results).encode("utf-8"),
    }
    staged: dict[Path, Path] = {}
    try:
        for path, data in contents.items():
            staged[path] = staged_file(path, data)
        for path, temporary in list(staged.items()):
            os.replace(temporary, path)
            del staged[path]
    except OSError as error:
        raise ReportWriteError(say(
            f"{out_dir}: không ghi được các báo cáo ({error.strerror})",
            f"{out_dir}: cannot write the reports ({error.strerror})")) from None
    finally:
        for temporary in staged.values():
            with contextlib.suppress(OSError):
                temporary.unlink()
    return target
