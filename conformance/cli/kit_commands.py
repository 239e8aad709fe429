"""``kyso kit export|import``: manual testing of GUI programs that no adapter can drive.

``export`` writes the documents, a checklist and an empty ``results.csv``; a tester fills it by
hand; ``import`` judges the filled file like any other run (``results.json``). The kit module
is imported when the command runs.
"""

from __future__ import annotations

import argparse
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from bilingual import say

from .exit_codes import ExitCode
from .parsing import add_group

if TYPE_CHECKING:
    from .parsing import Subcommands


def add_commands(commands: Subcommands) -> None:
    """Add ``kit export`` and ``kit import`` to the root command."""
    kit = add_group(commands, "kit", run_kit, help=say(
        "kiểm thử thủ công chương trình có giao diện: xuất bộ kiểm thử, nhập kết quả đã điền",
        "manual testing of GUI programs: export a kit, import the filled results"))
    export = kit.add_parser("export", help=say(
        "tài liệu + danh sách kiểm tra + results.csv", "documents + checklist + results.csv"))
    export.add_argument("--sut", type=Path, required=True, help=say(
        "một hồ sơ phần mềm được kiểm thử thủ công", "a manual SUT profile"))
    export.add_argument("--out", type=Path, required=True, help=say(
        "thư mục của bộ kiểm thử (mới)", "the kit folder (new)"))
    export.add_argument("--only", action="append", default=[], help=say(
        "chỉ các điểm kiểm tra có mã khớp (mẫu shell hoặc chuỗi con)",
        "only cases whose ID matches (shell pattern or substring)"))
    export.add_argument("--test-day", default=None, help=say(
        "khi người kiểm thử sẽ chạy bộ kiểm thử (ISO 8601; chỉ ngày là 08:00 giờ Việt Nam; mặc "
        "định: bây giờ), cho chương trình đọc đồng hồ máy tính (clock = system)",
        "when the tester will play the kit (ISO 8601; a date alone is 08:00 Vietnam time; "
        "default: now), for a program that reads the computer's clock (clock = system)"))
    filled = kit.add_parser("import", help=say("chấm một results.csv đã điền",
                                               "judge a filled results.csv"))
    filled.add_argument("results", type=Path, help=say(
        "results.csv đã điền của bộ kiểm thử", "the kit's filled results.csv"))
    filled.add_argument("--sut", type=Path, required=True, help=say(
        "hồ sơ phần mềm được kiểm thử", "the SUT profile"))
    filled.add_argument("--out", type=Path, required=True, help=say(
        "thư mục đầu ra", "output directory"))
    filled.add_argument("--policy", default="default", help=say(
        "chính sách kiểm tra: default, strict, hoặc một tệp .yaml",
        "validation policy: default, strict, or a policy .yaml file"))


def run_kit(arguments: argparse.Namespace) -> int:
    """Export a kit (exit 0), or judge a filled one (exit by the verdicts)."""
    from conformance import kit

    if arguments.action == "export":
        answers = kit.export(arguments.sut, arguments.out, tuple(arguments.only),
                             test_day=_test_day(arguments.test_day))
        then = f"kyso kit import {arguments.out / 'results.csv'} --sut {arguments.sut} --out DIR"
        print(say(f"bộ kiểm thử có {len(answers)} điểm kiểm tra: {arguments.out} (điền "
                  f"results.csv, rồi {then})",
                  f"kit with {len(answers)} cases: {arguments.out} (fill results.csv, then "
                  f"{then})"))
        return ExitCode.OK
    from conformance.runner import exit_code

    results = kit.import_into(arguments.sut, arguments.results, arguments.out,
                              policy=arguments.policy)
    print(say(f"kết quả: {arguments.out / 'results.json'}",
              f"results: {arguments.out / 'results.json'}"))
    return exit_code(results)


def _test_day(text: str | None) -> datetime | None:
    """``--test-day``: an instant, or a date (08:00 Vietnam time, the office day's start)."""
    from testbed import parse_instant

    if text is None:
        return None
    if len(text.strip()) == len("2026-12-08"):
        text = f"{text.strip()}T08:00:00"
    return parse_instant(text, field="--test-day")
