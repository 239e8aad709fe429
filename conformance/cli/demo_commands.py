"""``kyso demo``: the main job end to end (conformance runs, signed reports, a diff).

What ``make demo`` runs; :mod:`conformance.demo` is imported when it does.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from bilingual import say

if TYPE_CHECKING:
    from .parsing import Subcommands


def add_commands(commands: Subcommands) -> None:
    """Add ``demo`` to the root command."""
    demo = commands.add_parser("demo", help=say(
        "việc chính từ đầu đến cuối: các lượt kiểm thử hợp chuẩn, báo cáo đã ký, so sánh "
        "(make demo)", "the main job end to end: conformance runs, signed reports, diff "
        "(make demo)"))
    demo.set_defaults(handler=run_demo)
    demo.add_argument("--dir", type=Path, default=Path("out/demo"), help=say(
        "thư mục của demo (mặc định %(default)s)", "the demo's directory (default "
        "%(default)s)"))


def run_demo(arguments: argparse.Namespace) -> int:
    """Run the demo in ``--dir``; its exit code."""
    from conformance.demo import run_demo as demo

    return demo(arguments.dir)
