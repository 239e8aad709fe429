"""``kyso scenario list|show|run``: the argument table of the scenario group.

Playing stories (:mod:`conformance.scenario_runs`: the player, the reference tools, a testbed)
is imported when the command runs.
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
    """Add ``scenario list``, ``show`` and ``run`` to the root command."""
    scenario = add_group(commands, "scenario", run_scenario, help=say(
        "kịch bản dưới dạng dữ liệu, chạy trên một testbed", "stories as data, played on a "
        "testbed"))
    scenario.add_parser("list", help=say("danh mục kịch bản", "the catalogue"))
    show = scenario.add_parser("show", help=say("một kịch bản, từng bước",
                                                "one scenario, step by step"))
    show.add_argument("name", help=_name_help())
    run = scenario.add_parser("run", help=say("chạy một kịch bản trên một testbed mới",
                                              "play a scenario on a fresh testbed"))
    run.add_argument("name", help=_name_help())
    run.add_argument("--keep", type=Path, help=say(
        "giữ lượt chạy (testbed, sản phẩm) ở đây", "keep the run (testbed, artifacts) here"))
    run.add_argument("--sut", type=Path, help=say(
        "một hồ sơ phần mềm được kiểm thử (sut.toml): phần mềm đóng các vai của nó, công cụ "
        "tham chiếu đóng các vai còn lại", "a SUT profile (sut.toml): the software under test "
        "plays its roles, the reference tools the others"))


def _name_help() -> str:
    return say("mã trong danh mục hoặc đường dẫn tới tệp .yaml",
               "catalogue id or path to a .yaml file")


def run_scenario(arguments: argparse.Namespace) -> int:
    """List, show or play, as parsed."""
    from conformance.scenario_runs import run_scenario_command

    return run_scenario_command(arguments)
