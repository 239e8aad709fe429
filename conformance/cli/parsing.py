"""How ``kyso`` reads its command line: the parser class, choices taken from enums, shared options.

A usage error is one line and exit code 2, worded like the packages' own input errors
(``--key: 'rsa512' is not one of rsa2048, ...``). Every argument table imports this module, so it
imports only the standard library and the light enum modules: building the whole parser must
never load pyHanko, certomancer, aiohttp or pydantic (``kyso --help`` starts in a blink).
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Callable
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

from testbed import TestbedError

from .exit_codes import CONTRACT, ExitCode

if TYPE_CHECKING:
    from typing import TypeAlias

    Subcommands: TypeAlias = argparse._SubParsersAction[argparse.ArgumentParser]
    """The ``add_subparsers()`` result that each command group adds its commands to."""

    Handler: TypeAlias = Callable[[argparse.Namespace], int]
    """What runs a parsed command; its result is the exit code."""

DEFAULT_TESTBED = Path(os.environ.get("KYSO_TESTBED", "out/testbed"))
"""The testbed directory when no ``--dir`` is given."""


class KysoParser(argparse.ArgumentParser):
    """argparse, but usage errors exit with code 2 in one line, and a value outside ``choices``
    is named the way the packages name a bad value; every help ends with the exit-code contract
    (the same for every command, so a script reads the status, never the text)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("epilog", CONTRACT)
        super().__init__(*args, **kwargs)

    def error(self, message: str) -> NoReturn:
        self.exit(ExitCode.USAGE, f"kyso: {message} (see '{self.prog} --help')\n")

    def _check_value(self, action: argparse.Action, value: Any) -> None:
        if action.choices is None or isinstance(action, argparse._SubParsersAction) \
                or value in action.choices:
            super()._check_value(action, value)
            return
        allowed = ", ".join(str(choice) for choice in action.choices)
        raise argparse.ArgumentError(action, f"'{value}' is not one of {allowed}")


def enum_choices(enum: type[StrEnum], *, parse: Callable[[str], StrEnum] | None = None
                 ) -> dict[str, Any]:
    """``add_argument`` keywords that accept the members of ``enum``: ``choices`` lists their
    values (``%(choices)s`` in a help text), ``type`` turns what was typed into a value.

    ``parse`` is the enum's own reading of user text (``KeyType.parse`` accepts ``P256``,
    ``RevocationReason.parse`` accepts ``keyCompromise``); without it, only exact values.
    A text it cannot read is passed on unchanged, so the error names what the user typed.
    """
    read: Callable[[str], StrEnum] = parse or enum

    def value_of(text: str) -> str:
        try:
            return read(text).value
        except (TestbedError, ValueError):
            return text

    value_of.__name__ = enum.__name__
    return {"choices": [member.value for member in enum], "type": value_of}


def add_testbed_directory(parser: argparse.ArgumentParser) -> None:
    """``--dir``: the testbed a command works on."""
    parser.add_argument("--dir", type=Path, default=DEFAULT_TESTBED,
                        help="testbed directory (default: $KYSO_TESTBED or out/testbed)")


def add_group(commands: Subcommands, name: str, handler: Handler, **options: Any
              ) -> Subcommands:
    """A command with actions of its own (``kyso ca issue``): the subparsers to add them to."""
    parser = commands.add_parser(name, **options)
    parser.set_defaults(handler=handler)
    return parser.add_subparsers(dest="action", required=True, parser_class=KysoParser)


__all__ = ["DEFAULT_TESTBED", "KysoParser", "add_group", "add_testbed_directory",
           "enum_choices"]
