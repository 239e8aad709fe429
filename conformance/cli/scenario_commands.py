"""``kyso scenario list|show|run``: the argument table of the scenario group.

Playing stories (:mod:`conformance.scenario_runs`: the player, the reference tools, a testbed)
is imported when the command runs.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from .parsing import add_group

if TYPE_CHECKING:
    from .parsing import Subcommands


def add_commands(commands: Subcommands) -> None:
    """Add ``scenario list``, ``show`` and ``run`` to the root command."""
    scenario = add_group(commands, "scenario", run_scenario,
                         help="stories as data, played on a testbed")
    scenario.add_parser("list", help="the catalogue")
    show = scenario.add_parser("show", help="one scenario, step by step")
    show.add_argument("name", help="catalogue id or path to a .yaml file")
    run = scenario.add_parser("run", help="play a scenario on a fresh testbed")
    run.add_argument("name", help="catalogue id or path to a .yaml file")
    run.add_argument("--keep", type=Path, help="keep the run (testbed, artifacts) here")
    run.add_argument("--sut", type=Path, help="a SUT profile (sut.toml): the software under "
                     "test plays its roles, the reference tools the others")


def run_scenario(arguments: argparse.Namespace) -> int:
    """List, show or play, as parsed."""
    from conformance.scenario_runs import run_scenario_command

    return run_scenario_command(arguments)
