"""``kyso --help`` and every ``kyso <command> --help`` load no heavy library.

A province's IT officer runs ``kyso verify`` on each document received, a CI job runs it
hundreds of times: the command line must start fast. Its parser is built from light argument
tables; pyHanko, certomancer, aiohttp (and pydantic, the PKCS#11 bindings, cryptography, each
tens to hundreds of milliseconds) load only when a command runs. Each help is asked in a fresh
interpreter, which reports the modules that *kyso* imported (those already loaded at start-up,
by a sitecustomize for instance, are not counted).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

import pytest

from conformance.cli import build_parser

ROOT = Path(__file__).resolve().parents[2]
HEAVY = ("pyhanko", "pyhanko_certvalidator", "certomancer", "aiohttp", "pydantic", "pkcs11",
         "cryptography")

CHILD = """
import contextlib, io, json, runpy, sys
before = set(sys.modules)
sys.argv = ["kyso", *json.loads(sys.argv[1]), "--help"]
code = None
with contextlib.redirect_stdout(io.StringIO()) as shown:
    try:
        runpy.run_module("conformance.cli", run_name="__main__")
    except SystemExit as stop:
        code = stop.code
loaded = {name.partition(".")[0] for name in set(sys.modules) - before}
print(json.dumps({"code": code, "loaded": sorted(loaded), "help": shown.getvalue()}))
"""


def _subcommands(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    return {}


def _every_help() -> list[tuple[str, ...]]:
    """``()``, every command, and every action of a command that has them (``ca issue``)."""
    words: list[tuple[str, ...]] = [()]
    for command, parser in _subcommands(build_parser()).items():
        words.append((command,))
        words += [(command, action) for action in _subcommands(parser)]
    return words


@pytest.mark.parametrize("words", _every_help(), ids=lambda words: " ".join(words) or "kyso")
def test_help_loads_no_heavy_library(words: tuple[str, ...]) -> None:
    result = subprocess.run([sys.executable, "-c", CHILD, json.dumps(words)], cwd=ROOT,
                            capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["code"] == 0
    assert report["help"].startswith(f"cách dùng / usage: kyso {' '.join(words)}".rstrip())
    assert not set(report["loaded"]) & set(HEAVY), report["loaded"]


def test_every_command_has_a_handler() -> None:
    for command, parser in _subcommands(build_parser()).items():
        assert callable(parser.get_default("handler")), command


def test_a_value_outside_the_choices_is_one_line_exit_2(
        capsys: pytest.CaptureFixture[str]) -> None:
    from conformance.cli import main

    assert main(["ca", "issue", "someone", "--key", "rsa512"]) == 2
    error = capsys.readouterr().err
    assert error.count("\n") == 1 and "--key: 'rsa512' is not one of rsa2048, rsa3072" in error


def test_choices_read_user_text_the_way_the_enums_do() -> None:
    arguments = build_parser().parse_args(
        ["ca", "revoke", "someone", "--reason", "keyCompromise"])
    assert arguments.reason == "key_compromise"
    arguments = build_parser().parse_args(["ca", "issue", "someone", "--key", "P256",
                                           "--break", "SHA1"])
    assert (arguments.key, arguments.breaks) == ("p256", ["sha1"])
    assert build_parser().parse_args(["sign", "a.pdf", "b.pdf", "--token", "t", "--level",
                                      "b-t"]).level == "B-T"
