"""``kyso report render|diff|merge``: the argument table of the report group.

Rendering and diffing (:mod:`conformance.report_commands`, which loads the renderers and, with
``--lab``, the signer) are imported when the command runs.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from bilingual import say

from .parsing import add_group

if TYPE_CHECKING:
    from .parsing import Subcommands


def add_commands(commands: Subcommands) -> None:
    """Add ``report render``, ``report diff`` and ``report merge`` to the root command."""
    report = add_group(commands, "report", run_report, help=say(
        "xuất kết quả (HTML, PDF, JUnit), so sánh hai kết quả, hoặc gộp các phần của một lượt",
        "render results (HTML, PDF, JUnit), diff two, or merge a run's shards"))
    render = report.add_parser("render", help=say(
        "xuất ra report.html, report.pdf, junit.xml", "write report.html, report.pdf, junit.xml"))
    render.add_argument("results", type=Path, help=say(
        "một tệp results.json do kyso conform ghi", "a results.json written by kyso conform"))
    render.add_argument("--out", type=Path, help=say(
        "thư mục đầu ra (mặc định: cạnh results)", "output folder (default: beside results)"))
    render.add_argument("--lab", type=Path, help=say(
        "ký số tệp PDF bằng chứng thư chữ ký số của phòng thử nghiệm (thư mục testbed của phòng)",
        "sign the PDF with the lab's certificate (lab testbed folder)"))
    diff = report.add_parser("diff", help=say(
        "các điểm kiểm tra và yêu cầu có kết luận thay đổi",
        "cases and requirements whose verdict changed"))
    diff.add_argument("old", type=Path, help=say("results.json cũ", "the old results.json"))
    diff.add_argument("new", type=Path, help=say("results.json mới", "the new results.json"))
    merge = report.add_parser("merge", help=say(
        "gộp kết quả các phần (kyso conform --shard K/N) thành một lượt chạy; mã thoát như "
        "kyso conform", "merge the shards' results (kyso conform --shard K/N) into one run; "
        "exits as kyso conform does"))
    merge.add_argument("shards", type=Path, nargs="+", metavar="results.json", help=say(
        "results.json của từng phần (mỗi phần một lần)",
        "the results.json of every shard (each once)"))
    merge.add_argument("--out", type=Path, required=True, help=say(
        "thư mục mới cho lượt chạy đã gộp (results.json, junit.xml, bằng chứng)",
        "a new folder for the merged run (results.json, junit.xml, evidence)"))


def run_report(arguments: argparse.Namespace) -> int:
    """Render, diff or merge, as parsed."""
    from conformance.report_commands import run_report_command

    return run_report_command(arguments)
