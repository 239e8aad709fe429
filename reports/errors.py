"""The reports package's errors: one line each, naming the file or the missing piece and the fix.

``ResultsFileError`` (a results file that cannot be read) lives beside the model in
:mod:`reports.results`; everything a renderer can hit derives from :class:`ReportError`, so the
command line maps the whole family to one exit code.
"""

from __future__ import annotations

from pdffonts import FontMissingError as FontFileMissingError


class ReportError(Exception):
    """A report could not be produced; the message says why and what to do."""


class FontMissingError(ReportError, FontFileMissingError):
    """The font with Vietnamese glyphs (or pyHanko's OpenType support) is not installed.

    :mod:`pdffonts.vietnamese` raises its own ``FontMissingError``, the base of this one; the
    renderers re-raise it as this, so the command line maps it with every other report error."""


class ReportWriteError(ReportError):
    """An output file could not be written; nothing was left half-written."""
