"""``kyso adapter check --sut PROFILE``: the argument table of the adapter group.

The round trips themselves (:mod:`conformance.sut.adapter_check`: a testbed, the SUT's adapter)
are imported when the command runs; that module documents the exit codes.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from .parsing import add_group

if TYPE_CHECKING:
    from .parsing import Subcommands


def add_commands(commands: Subcommands) -> None:
    """Add ``adapter check`` to the root command."""
    adapter = add_group(commands, "adapter", run_adapter, help="check a SUT profile before a run")
    check = adapter.add_parser("check", help="one signing and one verification round trip, "
                               "step by step (what was sent, what came back, each selector)")
    check.add_argument("--sut", type=Path, required=True, help="the SUT profile (sut.toml)")
    check.add_argument("--out", type=Path, help="keep the testbed and the case evidence here "
                       "(a new directory; the testbed's secrets are never written there)")


def run_adapter(arguments: argparse.Namespace) -> int:
    """Check the profile's adapter, as parsed."""
    from conformance.sut.adapter_check import check_adapter

    return check_adapter(arguments.sut, out=arguments.out)
