"""How ``kyso`` reads its command line: the parser class, choices taken from enums, shared options.

A usage error is one line and exit code 2, worded like the packages' own input errors
(``--key: 'rsa512' is not one of rsa2048, ...``). Every argument table imports this module, so it
imports only the standard library and the light enum modules: building the whole parser must
never load pyHanko, certomancer, aiohttp or pydantic (``kyso --help`` starts in a blink).

What argparse itself writes ("usage:", "options:", "show this help message and exit", its usage
errors) is English; :class:`KysoParser` and :class:`KysoHelpFormatter` say it in the chosen
language like every other message (:func:`bilingual.say`), without touching argparse's global
gettext. Help texts are rendered when the parser is built, so the language is chosen before
(``kyso --lang``, read by :func:`conformance.cli.root.main` ahead of the parser).
"""

from __future__ import annotations

import argparse
import os
import re
from collections.abc import Callable
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

from bilingual import say
from testbed import TestbedError

from .exit_codes import ExitCode, contract

if TYPE_CHECKING:
    from typing import TypeAlias

    Subcommands: TypeAlias = argparse._SubParsersAction[argparse.ArgumentParser]
    """The ``add_subparsers()`` result that each command group adds its commands to."""

    Handler: TypeAlias = Callable[[argparse.Namespace], int]
    """What runs a parsed command; its result is the exit code."""

DEFAULT_TESTBED = Path(os.environ.get("KYSO_TESTBED", "out/testbed"))
"""The testbed directory when no ``--dir`` is given."""


class KysoHelpFormatter(argparse.HelpFormatter):
    """argparse's help layout, its "usage:" said in the chosen language."""

    def add_usage(self, usage: str | None, actions: Any, groups: Any,
                  prefix: str | None = None) -> None:
        if prefix is None:
            prefix = say("cách dùng", "usage") + ": "
        super().add_usage(usage, actions, groups, prefix)


class KysoParser(argparse.ArgumentParser):
    """argparse, but usage errors exit with code 2 in one line, and a value outside ``choices``
    is named the way the packages name a bad value; every help ends with the exit-code contract
    (the same for every command, so a script reads the status, never the text); argparse's own
    words (headings, ``-h``, usage errors) are said Vietnamese first like kyso's."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("epilog", contract())
        kwargs.setdefault("formatter_class", KysoHelpFormatter)
        add_help = kwargs.pop("add_help", True)
        super().__init__(*args, add_help=False, **kwargs)
        self._positionals.title = say("đối số vị trí", "positional arguments")
        self._optionals.title = say("tùy chọn", "options")
        if add_help:
            self.add_argument("-h", "--help", action="help", default=argparse.SUPPRESS,
                              help=say("in trợ giúp này rồi thoát", "show this help message "
                                       "and exit"))

    def error(self, message: str) -> NoReturn:
        see = say(f"xem '{self.prog} --help'", f"see '{self.prog} --help'")
        self.exit(ExitCode.USAGE, f"kyso: {usage_error(message)} ({see})\n")

    def _check_value(self, action: argparse.Action, value: Any) -> None:
        if action.choices is None or isinstance(action, argparse._SubParsersAction) \
                or value in action.choices:
            super()._check_value(action, value)
            return
        allowed = ", ".join(str(choice) for choice in action.choices)
        # said in the chosen language by error(), with argparse's own messages
        raise argparse.ArgumentError(action, f"'{value}' is not one of {allowed}")


_ARGPARSE_ERRORS: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(english), vietnamese) for english, vietnamese in (
        (r"'(?P<a>.*)' is not one of (?P<b>.*)", "'{a}' không phải một trong các giá trị {b}"),
        (r"the following arguments are required: (?P<a>.*)", "thiếu đối số bắt buộc: {a}"),
        (r"unrecognized arguments: (?P<a>.*)", "đối số không nhận ra: {a}"),
        (r"expected one argument", "cần đúng một giá trị"),
        (r"expected at most one argument", "cần nhiều nhất một giá trị"),
        (r"expected at least one argument", "cần ít nhất một giá trị"),
        (r"expected (?P<a>\d+) arguments?", "cần {a} giá trị"),
        (r"invalid (?P<a>\w+) value: (?P<b>.*)", "giá trị {b} không hợp lệ (cần kiểu {a})"),
        (r"invalid choice: (?P<a>.*) \(choose from (?P<b>.*)\)",
         "lựa chọn {a} không có (chọn một trong {b})"),
        (r"unknown parser (?P<a>.*) \(choices: (?P<b>.*)\)",
         "không có lệnh {a} (chọn một trong {b})"),
        (r"ambiguous option: (?P<a>\S+) could match (?P<b>.*)",
         "tùy chọn {a} mơ hồ, có thể là {b}"),
        (r"one of the arguments (?P<a>.*) is required", "cần một trong các đối số {a}"),
        (r"not allowed with argument (?P<a>.*)", "không dùng được cùng đối số {a}"),
        (r"ignored explicit argument (?P<a>.*)", "giá trị {a} bị bỏ qua"),
    ))
"""argparse's usage errors (Python 3.11+), the Vietnamese said before argparse's English."""


def usage_error(message: str) -> str:
    """An argparse usage error in the chosen language: ``argument --key: ...`` becomes
    ``--key: ...`` (the way the packages name a bad value), argparse's English sentence gets
    its Vietnamese; a message kyso wrote itself (already said in both languages) is kept."""
    name = ""
    match = re.fullmatch(r"argument (?P<name>\S+): (?P<rest>.*)", message, re.DOTALL)
    if match is not None:
        name, message = match["name"] + ": ", match["rest"]
    for pattern, vietnamese in _ARGPARSE_ERRORS:
        found = pattern.fullmatch(message)
        if found is not None:
            return say(name + vietnamese.format(**found.groupdict()), name + message)
    return name + message


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
                        help=say("thư mục testbed (mặc định: $KYSO_TESTBED hoặc out/testbed)",
                                 "testbed directory (default: $KYSO_TESTBED or out/testbed)"))


def add_group(commands: Subcommands, name: str, handler: Handler, **options: Any
              ) -> Subcommands:
    """A command with actions of its own (``kyso ca issue``): the subparsers to add them to."""
    parser = commands.add_parser(name, **options)
    parser.set_defaults(handler=handler)
    return parser.add_subparsers(dest="action", required=True, parser_class=KysoParser)


__all__ = ["DEFAULT_TESTBED", "KysoHelpFormatter", "KysoParser", "add_group",
           "add_testbed_directory", "enum_choices", "usage_error"]
