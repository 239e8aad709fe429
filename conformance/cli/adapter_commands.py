"""``kyso adapter check --sut PROFILE``: the argument table of the adapter group.

The round trips themselves (:mod:`conformance.sut.adapter_check`: a testbed, the SUT's adapter)
are imported when the command runs; that module documents the exit codes.
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
    """Add ``adapter check`` to the root command."""
    adapter = add_group(commands, "adapter", run_adapter, help=say(
        "kiểm tra hồ sơ phần mềm được kiểm thử trước khi chạy",
        "check a SUT profile before a run"))
    check = adapter.add_parser("check", help=say(
        "một lượt ký số và một lượt kiểm tra chữ ký số, từng bước (đã gửi gì, nhận lại gì, "
        "từng bộ chọn)", "one signing and one verification round trip, step by step (what "
        "was sent, what came back, each selector)"))
    check.add_argument("--sut", type=Path, required=True, help=say(
        "hồ sơ phần mềm được kiểm thử (sut.toml)", "the SUT profile (sut.toml)"))
    check.add_argument("--out", type=Path, help=say(
        "giữ testbed và bằng chứng của điểm kiểm tra ở đây (một thư mục mới; bí mật của "
        "testbed không bao giờ được ghi vào đó)", "keep the testbed and the case evidence "
        "here (a new directory; the testbed's secrets are never written there)"))


def run_adapter(arguments: argparse.Namespace) -> int:
    """Check the profile's adapter, as parsed."""
    from conformance.sut.adapter_check import check_adapter

    return check_adapter(arguments.sut, out=arguments.out)
