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

from .exit_codes import ExitCode
from .parsing import add_group

if TYPE_CHECKING:
    from .parsing import Subcommands


def add_commands(commands: Subcommands) -> None:
    """Add ``kit export`` and ``kit import`` to the root command."""
    kit = add_group(commands, "kit", run_kit, help="manual testing of GUI programs: export a "
                    "kit, import the filled results")
    export = kit.add_parser("export", help="documents + checklist + results.csv")
    export.add_argument("--sut", type=Path, required=True, help="a manual SUT profile")
    export.add_argument("--out", type=Path, required=True, help="the kit folder (new)")
    export.add_argument("--only", action="append", default=[])
    export.add_argument("--test-day", default=None,
                        help="when the tester will play the kit (ISO 8601; a date alone is "
                        "08:00 Vietnam time; default: now), for a program that reads the "
                        "computer's clock (clock = system)")
    filled = kit.add_parser("import", help="judge a filled results.csv")
    filled.add_argument("results", type=Path, help="the kit's filled results.csv")
    filled.add_argument("--sut", type=Path, required=True)
    filled.add_argument("--out", type=Path, required=True)
    filled.add_argument("--policy", default="default")


def run_kit(arguments: argparse.Namespace) -> int:
    """Export a kit (exit 0), or judge a filled one (exit by the verdicts)."""
    from conformance import kit

    if arguments.action == "export":
        answers = kit.export(arguments.sut, arguments.out, tuple(arguments.only),
                             test_day=_test_day(arguments.test_day))
        print(f"kit with {len(answers)} cases: {arguments.out} (fill results.csv, then "
              f"kyso kit import {arguments.out / 'results.csv'} --sut {arguments.sut} --out DIR)")
        return ExitCode.OK
    from conformance.runner import exit_code

    results = kit.import_into(arguments.sut, arguments.results, arguments.out,
                              policy=arguments.policy)
    print(f"results: {arguments.out / 'results.json'}")
    return exit_code(results)


def _test_day(text: str | None) -> datetime | None:
    """``--test-day``: an instant, or a date (08:00 Vietnam time, the office day's start)."""
    from testbed import parse_instant

    if text is None:
        return None
    if len(text.strip()) == len("2026-12-08"):
        text = f"{text.strip()}T08:00:00"
    return parse_instant(text, field="--test-day")
