"""What ``kyso`` prints to a person is Vietnamese first, or English alone with ``--lang en``.

TT15's "Vietnamese first" (issue 21, item 5) for the command line, checked on what it really
prints rather than on its source: every ``--help`` of every command (argparse's own words
included: "usage:", the headings, ``-h``), a usage error and a real command's output. A line
with two English words in a row must carry Vietnamese too (:func:`tests.message_language.
is_english_only`); with ``--lang en`` (or ``KYSO_LANG=en``) no line carries a Vietnamese letter.
Help texts are wrapped to the terminal's width, which may cut the Vietnamese and the English of
one text apart; a very wide terminal (``COLUMNS``) keeps each text on one line, as written.
"""

from __future__ import annotations

import argparse
import re
from collections.abc import Iterator

import pytest

from bilingual import ENVIRONMENT_VARIABLE
from conformance.cli import build_parser, main
from testbed import display_time
from testbed.session import Testbed
from tests.message_language import VIETNAMESE_LETTER, is_english_only

WIDE = "100000"
"""Columns: no help text is wrapped."""


@pytest.fixture(autouse=True)
def _language_restored(monkeypatch: pytest.MonkeyPatch) -> None:
    """``kyso --lang`` sets KYSO_LANG for its children; each test starts from the default and
    gives the environment back as it found it."""
    monkeypatch.setenv(ENVIRONMENT_VARIABLE, "vi-en")
    monkeypatch.setenv("COLUMNS", WIDE)


def _parsers(parser: argparse.ArgumentParser) -> Iterator[argparse.ArgumentParser]:
    """``parser`` and every subcommand's parser under it, depth first."""
    yield parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for child in dict.fromkeys(action.choices.values()):
                yield from _parsers(child)


def _identifiers(parser: argparse.ArgumentParser) -> set[str]:
    """What a help names rather than says: option strings, metavars, argument names, choices,
    subcommand names, the program's name (``--public-key PUBLIC_KEY``, ``{show,set}``)."""
    names = set(parser.prog.split())
    for action in parser._actions:
        names.update(action.option_strings)
        names.update(str(choice) for choice in action.choices or ())
        for name in (action.dest, action.metavar):
            if isinstance(name, str):
                names.update((name, name.upper()))
    return names


def _helps(language: str, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """Every help, with what it names rather than says taken out: in the usage lines every
    name; elsewhere options, metavars and ``{choice,...}`` lists (a help text's own words stay,
    even where a command shares its name: "sign a PDF")."""
    monkeypatch.setenv(ENVIRONMENT_VARIABLE, language)
    helps = {}
    for parser in _parsers(build_parser()):
        names = _identifiers(parser)
        usage, _, rest = parser.format_help().partition("\n\n")
        helps[parser.prog] = "\n".join((_without(usage, names), _without_options(rest)))
    return helps


def _without(text: str, names: set[str]) -> str:
    return re.sub(r"[\w.:<>-]+", lambda word: "" if word[0] in names else word[0], text)


def _without_options(text: str) -> str:
    return re.sub(r"\{[^}]*\}|(?<![\w-])--?[\w-]+|\b[A-Z][A-Z_]+\b", "", text)


def _english_only_lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if is_english_only(line)]


def _vietnamese_lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if VIETNAMESE_LETTER.search(line)]


def test_every_help_is_vietnamese_first(monkeypatch: pytest.MonkeyPatch) -> None:
    helps = _helps("vi-en", monkeypatch)
    assert len(helps) > 40  # kyso, its groups and their actions: the walk saw them all
    found = {prog: lines for prog, text in helps.items() if (lines := _english_only_lines(text))}
    assert not found, found
    assert all("cách dùng / usage: " in text and "tùy chọn / options:" in text
               and "in trợ giúp này rồi thoát / show this help message and exit" in text
               for text in helps.values())


def test_every_help_is_english_alone_with_lang_en(monkeypatch: pytest.MonkeyPatch) -> None:
    helps = _helps("en", monkeypatch)
    found = {prog: lines for prog, text in helps.items() if (lines := _vietnamese_lines(text))}
    assert not found, found
    assert all(text.startswith("usage: ") and "\noptions:\n" in text for text in helps.values())


def test_vietnamese_alone_with_lang_vi(monkeypatch: pytest.MonkeyPatch) -> None:
    helps = _helps("vi", monkeypatch)
    assert helps["kyso"].startswith("cách dùng: ") and "usage" not in helps["kyso"]


@pytest.mark.parametrize("argv", [["--lang", "en", "up", "--help"], ["--lang=en", "up", "-h"]])
def test_lang_is_chosen_before_the_help_is_written(
        argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    assert main(argv) == 0
    shown = capsys.readouterr().out
    assert shown.startswith("usage: kyso up") and not _vietnamese_lines(shown), shown


def test_kyso_lang_in_the_environment_is_the_default(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv(ENVIRONMENT_VARIABLE, "en")
    assert main(["up", "--help"]) == 0
    assert capsys.readouterr().out.startswith("usage: kyso up")


def test_lang_reaches_the_processes_kyso_starts(capsys: pytest.CaptureFixture[str]) -> None:
    import os

    assert main(["--lang", "en", "clock", "--help"]) == 0
    assert os.environ[ENVIRONMENT_VARIABLE] == "en"  # what a child process inherits
    capsys.readouterr()


def test_a_usage_error_is_one_line_in_the_chosen_language(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["ca", "issue", "x", "--key", "rsa512"]) == 2
    said = capsys.readouterr().err
    assert said.count("\n") == 1 and not _english_only_lines(said), said
    assert "--key: 'rsa512' không phải một trong các giá trị rsa2048" in said
    assert "--key: 'rsa512' is not one of rsa2048" in said
    assert main(["--lang", "en", "conform"]) == 2
    said = capsys.readouterr().err
    assert said == "kyso: the following arguments are required: --sut " \
        "(see 'kyso conform --help')\n"
    monkeypatch.setenv(ENVIRONMENT_VARIABLE, "vi-en")  # --lang en chose English for the process
    assert main(["--lang", "xx", "clock", "show"]) == 2
    said = capsys.readouterr().err
    assert "--lang: 'xx' không phải một trong các giá trị vi-en, vi, en" in said


@pytest.mark.parametrize("argv", [["clock", "sho"], ["nonsense"], ["sign", "a.pdf"],
                                  ["clock", "show", "--surprise"], ["up", "--port", "x"]])
def test_argparse_errors_are_said_vietnamese_first(
        argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    assert main(argv) == 2
    said = capsys.readouterr().err
    assert not _english_only_lines(said.split(" / ")[0]) and " / " in said, said


def test_kyso_clock_shows_vietnam_time_with_its_zone(
        testbed: Testbed, capsys: pytest.CaptureFixture[str]) -> None:
    now = display_time(testbed.now())
    assert main(["clock", "show", "--dir", str(testbed.directory)]) == 0
    shown = capsys.readouterr().out
    assert shown.startswith(now) and now.endswith(" +07:00") and not _english_only_lines(shown)
    assert main(["--lang", "en", "clock", "show", "--dir", str(testbed.directory)]) == 0
    shown = capsys.readouterr().out
    assert shown.startswith(now) and not _vietnamese_lines(shown), shown


def test_display_time_converts_to_vietnam_time() -> None:
    from datetime import UTC, datetime

    assert display_time(datetime(2026, 12, 7, 20, 30, tzinfo=UTC)) == "2026-12-08 03:30:00 +07:00"
    naive = datetime(2026, 12, 7, 20, 30)  # noqa: DTZ001 (a naive instant is taken as UTC)
    assert display_time(naive) == "2026-12-08 03:30:00 +07:00"
