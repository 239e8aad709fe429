"""``kyso report render|diff|merge``: turn results files into what a lab hands over.

Rendering reads ``results.json`` only (run, then render); with ``--lab DIR`` the PDF biên bản is
signed by the lab's certificate (:mod:`conformance.lab`) as ``report-signed.pdf``.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from reports import (
    ReportError,
    ResultsFileError,
    diff_results,
    load_results,
    render_all,
    render_diff_table,
)
from testbed import InvalidInputError

SIGNED_PDF = "report-signed.pdf"


def render_reports(results: Path, out: Path | None = None, lab: Path | None = None) -> list[Path]:
    """Render every report; with ``lab`` also the signed PDF. Returns the files written.
    A ``lab`` folder that is not the lab's is refused before anything is written."""
    if lab is not None:
        from .lab import check_lab_directory

        check_lab_directory(lab)
    try:
        rendered = render_all(results, out)
    except (ResultsFileError, ReportError) as error:
        raise InvalidInputError(str(error)) from None
    written = [rendered.html, rendered.pdf, rendered.junit]
    if lab is not None:
        from .lab import lab_testbed, sign_report

        signed = rendered.pdf.with_name(SIGNED_PDF)
        with lab_testbed(lab) as testbed:
            sign_report(testbed, rendered.pdf, signed)
        written.append(signed)
    return written


def run_report_command(arguments: argparse.Namespace) -> int:
    if arguments.action == "merge":
        return merge_command(arguments.shards, arguments.out)
    if arguments.action == "render":
        for path in render_reports(arguments.results, arguments.out, arguments.lab):
            print(path)
        return 0
    try:
        difference = diff_results(load_results(arguments.old), load_results(arguments.new))
    except ResultsFileError as error:
        raise InvalidInputError(str(error)) from None
    print(render_diff_table(difference))
    return 0


def merge_command(shards: list[Path], out: Path) -> int:
    """``kyso report merge``: the merged run written, its counts said; the exit code by its
    verdicts, as ``kyso conform``'s (a CI merge job fails as the unsharded run would)."""
    from bilingual import say

    from .merge import merge_shards
    from .runner import exit_code

    merged = merge_shards(shards, out)
    counts = ", ".join(f"{verdict.value} {count}" for verdict, count in
                       sorted(merged.summary.cases.items()))
    print(say(f"đã gộp {len(shards)} phần: {len(merged.cases)} điểm kiểm tra: {counts}",
              f"merged {len(shards)} shards: {len(merged.cases)} cases: {counts}"))
    print(say(f"kết quả: {out / 'results.json'}", f"results: {out / 'results.json'}"))
    return exit_code(merged)
