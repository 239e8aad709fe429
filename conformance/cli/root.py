"""The root ``kyso`` command: every group's argument table, parsing, dispatch, the exit code.

The parser is built from each group's ``add_commands`` (light modules: the standard library and
enums only), so ``kyso --help`` and ``kyso <group> --help`` load nothing heavy; a command's
implementation is imported by its handler when it runs. Errors become exit codes through the
one map in :mod:`conformance.cli.exit_codes`; user mistakes, paths that cannot be read or
written and a closed output pipe never print a traceback.

The language a person reads (``--lang``, else ``KYSO_LANG``; Vietnamese first by default) is
chosen before the parser is built, since every help text is said (:func:`bilingual.say`) as the
parser is built; the choice goes into the environment, so the processes kyso starts (``kyso up
--background``, ``conform --jobs`` workers) say things the same way.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from bilingual import ENVIRONMENT_VARIABLE, Language, choose, say

from . import (
    adapter_commands,
    demo_commands,
    emulate_commands,
    kit_commands,
    report_commands,
    run_commands,
    sample_commands,
    scenario_commands,
    signing_commands,
    testbed_commands,
)
from .exit_codes import HANDLED_ERRORS, ExitCode, exit_code_for
from .parsing import KysoParser

if TYPE_CHECKING:
    from .parsing import Subcommands

COMMAND_GROUPS: tuple[Callable[[Subcommands], None], ...] = (
    testbed_commands.add_commands,  # up, down, ca, token, clock, service
    demo_commands.add_commands,
    sample_commands.add_commands,
    signing_commands.add_commands,  # verify, sign
    scenario_commands.add_commands,
    report_commands.add_commands,
    emulate_commands.add_commands,
    adapter_commands.add_commands,
    run_commands.add_commands,  # conform, requirements, mutants
    kit_commands.add_commands,
)
"""Each group adds its commands (in this order in ``kyso --help``); every command sets the
``handler`` that runs it."""

LIBRARY_LOGGERS = ("pyhanko", "pyhanko_certvalidator", "aiohttp", "asyncio")
"""Libraries that log every failed check with a traceback; kyso reports outcomes itself."""


def build_parser() -> argparse.ArgumentParser:
    """The whole ``kyso`` parser (imports no implementation module)."""
    parser = KysoParser(prog="kyso", description=say(
        "Testbed PKI và bộ kiểm thử hợp chuẩn cho chữ ký số Việt Nam",
        "PKI testbed and conformance suite for Vietnamese digital signatures"))
    parser.add_argument("--lang", choices=[language.value for language in Language],
                        help=say(f"ngôn ngữ của thông báo: %(choices)s (mặc định: "
                                 f"${ENVIRONMENT_VARIABLE}, nếu không thì {Language.BOTH.value}: "
                                 "tiếng Việt trước, tiếng Anh sau)",
                                 f"language of messages: %(choices)s (default: "
                                 f"${ENVIRONMENT_VARIABLE}, else {Language.BOTH.value}: "
                                 "Vietnamese first, English after)"))
    commands = parser.add_subparsers(dest="command", required=True, parser_class=KysoParser)
    for add_commands in COMMAND_GROUPS:
        add_commands(commands)
    return parser


def _quiet_libraries() -> None:
    """Keep the libraries' logs below CRITICAL unless KYSO_DEBUG is set."""
    if not os.environ.get("KYSO_DEBUG"):
        import logging

        for name in LIBRARY_LOGGERS:
            logging.getLogger(name).setLevel(logging.CRITICAL)


def chosen_language(argv: Sequence[str]) -> str | None:
    """The value of ``--lang X`` or ``--lang=X`` in ``argv``, read ahead of the parser (which
    says its help texts in the language chosen); None without one. A value that is not a
    language is left to the parser, which says so in one line."""
    for index, argument in enumerate(argv):
        if argument == "--":
            break
        if argument == "--lang" and index + 1 < len(argv):
            return argv[index + 1]
        if argument.startswith("--lang="):
            return argument.partition("=")[2]
    return None


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``kyso`` with ``argv`` (default: the process's arguments); the exit code."""
    argv = list(sys.argv[1:] if argv is None else argv)
    language = chosen_language(argv)
    if language in tuple(Language):
        choose(language)
    try:
        arguments = build_parser().parse_args(argv)
    except SystemExit as stop:  # --help (0), or a usage error already said in one line (2)
        return stop.code if isinstance(stop.code, int) else ExitCode.USAGE
    _quiet_libraries()
    try:
        code = int(arguments.handler(arguments))
        sys.stdout.flush()  # a reader gone (``| head``) shows here, not in the interpreter's exit
        return code
    except HANDLED_ERRORS as error:
        return exit_code_for(error)


__all__ = ["COMMAND_GROUPS", "build_parser", "chosen_language", "main"]
