"""One exit-code contract for every command: 0 done or valid, 1 refused, not valid or failed,
2 usage or input, 3 error; stated in every ``--help``, and checked here command by command.

Each command runs for real (``kyso``'s own ``main``, the session's testbed on 127.0.0.1, real
SoftHSM tokens): a usage error for every command and action, then each command's refusal,
failure or input path. A command added without a row in :data:`PATHS` fails
:func:`test_every_command_has_a_refusal_or_input_path`, so the table cannot fall behind.
"""

from __future__ import annotations

import argparse
import socket
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from conformance.cli import build_parser, main
from conformance.cli.exit_codes import ExitCode, contract
from testbed import ServiceMode, VietnameseName
from testbed.session import Testbed
from tests.conformance.test_service_adapter import HTTP_STEPS, profile_text


def _subcommands(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    return {}


def _every_command() -> list[tuple[str, ...]]:
    """Every command, and every action of a command that has them (``ca issue``)."""
    words: list[tuple[str, ...]] = []
    for command, parser in _subcommands(build_parser()).items():
        actions = _subcommands(parser)
        words += [(command, action) for action in actions] if actions else [(command,)]
    return words


@pytest.mark.parametrize("words", [(), *_every_command()], ids=lambda w: " ".join(w) or "kyso")
def test_every_help_states_the_contract(words: tuple[str, ...]) -> None:
    parser = build_parser()
    for word in words:
        parser = _subcommands(parser)[word]
    assert " ".join(contract().split()) in " ".join(parser.format_help().split())


@pytest.mark.parametrize("words", _every_command(), ids=" ".join)
def test_every_command_exits_2_on_a_usage_error(
        words: tuple[str, ...], capsys: pytest.CaptureFixture[str]) -> None:
    assert main([*words, "--no-such-option"]) == ExitCode.USAGE
    error = capsys.readouterr().err
    assert error.count("\n") == 1 and error.startswith("kyso: ") and "Traceback" not in error


@pytest.fixture(scope="module")
def lost_token(testbed: Testbed) -> str:
    """A token reported lost: its certificate revoked (keyCompromise)."""
    token, _ = testbed.tokens.create("exit-codes-lost", key_type="p256",
                                     name=VietnameseName(common_name="Lê Thị Mất"))
    testbed.tokens.lose(token.label)
    return token.label


@pytest.fixture(scope="module")
def token(testbed: Testbed) -> str:
    label, _ = testbed.tokens.create("exit-codes", key_type="p256",
                                     name=VietnameseName(common_name="Phạm Văn Mã"))
    return label.label


@pytest.fixture(scope="module")
def unsigned(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("exit-codes") / "quyet-dinh.pdf"
    assert main(["sample", str(path)]) == ExitCode.OK
    return path


@pytest.fixture
def taken_port() -> Iterator[int]:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        yield taken.getsockname()[1]


class Given:
    """What a case's command line may name, made when it asks: the testbed directory
    (``tb``), a fresh directory (``tmp``), a signed document (``signed``; ``signed, TSA down``
    then takes the công vụ TSA down until the test ends), or any fixture by its name."""

    def __init__(self, request: pytest.FixtureRequest, testbed: Testbed, tmp: Path) -> None:
        self.request, self.testbed, self.tmp = request, testbed, tmp

    def __getitem__(self, key: str) -> Any:
        if key == "tb":
            return str(self.testbed.directory)
        if key == "tmp":
            return self.tmp
        if key == "signed":
            signed = self.tmp / "bt.pdf"
            assert main(["sign", str(self["unsigned"]), str(signed), "--token", self["token"],
                         "--dir", self["tb"], "--level", "B-T"]) == ExitCode.OK
            return signed
        if key == "signed, TSA down":
            signed = self["signed"]
            self.request.getfixturevalue("restore_services")
            self.testbed.set_service("tsa:ca-cv", ServiceMode.HTTP_500)
            return signed
        return self.request.getfixturevalue(key)


Arguments = Callable[["Given"], list[str]]
"""A command line (without ``kyso``) from what the case is given."""

PATHS: dict[str, tuple[Arguments, ExitCode]] = {
    "up port taken": (lambda f: [
        "up", "--dir", str(f["tmp"] / "tb"), "--port", str(f["taken_port"])], ExitCode.USAGE),
    "down none running": (lambda f: ["down", "--dir", str(f["tmp"])], ExitCode.REFUSED),
    "ca revoke twice": (lambda f: [
        "ca", "revoke", f["lost_token"], "--dir", f["tb"]], ExitCode.REFUSED),
    "ca revoke unknown": (lambda f: ["ca", "revoke", "ai-do", "--dir", f["tb"]], ExitCode.USAGE),
    "token lose twice": (lambda f: [
        "token", "lose", f["lost_token"], "--dir", f["tb"]], ExitCode.REFUSED),
    "token show unknown": (lambda f: ["token", "show", "khong-co", "--dir", f["tb"]],
                           ExitCode.USAGE),
    "clock no testbed": (lambda f: ["clock", "show", "--dir", str(f["tmp"])], ExitCode.USAGE),
    "service stale OCSP": (lambda f: ["service", "set", "ocsp:ca-cv", "stale", "--dir", f["tb"]],
                           ExitCode.USAGE),
    "demo not a demo folder": (lambda f: ["demo", "--dir", str(f["unsigned"])],
                               ExitCode.USAGE),
    "sample unwritable": (lambda f: ["sample", "/proc/kyso/mau.pdf"], ExitCode.USAGE),
    "sample written": (lambda f: ["sample", str(f["tmp"] / "mau.pdf")], ExitCode.OK),
    "verify unsigned": (lambda f: ["verify", str(f["unsigned"]), "--dir", f["tb"]],
                        ExitCode.NOT_VALID),
    "verify not a PDF": (lambda f: ["verify", str(_text(f["tmp"])), "--dir", f["tb"]],
                         ExitCode.INPUT),
    "verify valid": (lambda f: ["verify", str(f["signed"]), "--dir", f["tb"]],
                     ExitCode.VALID),
    "sign refused": (lambda f: [
        "sign", str(f["unsigned"]), str(f["tmp"] / "out.pdf"), "--token", f["lost_token"],
        "--dir", f["tb"]], ExitCode.REFUSED),
    "sign unknown token": (lambda f: [
        "sign", str(f["unsigned"]), str(f["tmp"] / "out.pdf"), "--token", "khong-co",
        "--dir", f["tb"]], ExitCode.USAGE),
    "extend unsigned": (lambda f: [
        "extend", str(f["unsigned"]), "--dir", f["tb"], "--out", str(f["tmp"] / "x.pdf")],
        ExitCode.USAGE),
    "extend TSA down": (lambda f: [
        "extend", str(f["signed, TSA down"]), "--dir", f["tb"], "--out",
        str(f["tmp"] / "x.pdf")], ExitCode.REFUSED),
    "scenario unknown": (lambda f: ["scenario", "show", "khong-co"], ExitCode.USAGE),
    "report render missing": (lambda f: ["report", "render", str(f["tmp"] / "r.json")],
                              ExitCode.USAGE),
    "emulate port taken": (lambda f: [
        "emulate", "http-plugin", "--port", str(f["taken_port"]), "--dir", f["tb"]],
        ExitCode.USAGE),
    "adapter check unreachable": (lambda f: [
        "adapter", "check", "--sut", str(_away_profile(f["tmp"]))], ExitCode.ERROR),
    "conform missing profile": (lambda f: [
        "conform", "--sut", str(f["tmp"] / "sut.toml"), "--out", str(f["tmp"] / "o")],
        ExitCode.USAGE),
    "requirements unknown policy": (lambda f: ["requirements", "--policy", "khong-co"],
                                    ExitCode.USAGE),
    "mutants unknown scenario": (lambda f: ["mutants", "--scenario", "khong-co"],
                                 ExitCode.USAGE),
    "kit import missing": (lambda f: [
        "kit", "import", str(f["tmp"] / "results.csv"), "--sut", str(f["tmp"] / "sut.toml"),
        "--out", str(f["tmp"] / "o")], ExitCode.USAGE),
}
"""Each command's refusal, failure or input path (and a few successes), with its exit code."""


def _text(tmp: Path) -> Path:
    path = tmp / "ghi-chu.pdf"
    path.write_text("không phải PDF", encoding="utf-8")
    return path


def _away_profile(tmp: Path) -> Path:
    """A service profile whose service is not listening: no usable answer, an error (3)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    path = tmp / "away.toml"
    path.write_text(profile_text("http", f"http://127.0.0.1:{port}", HTTP_STEPS,
                                 roles='["signer"]'), encoding="utf-8")
    return path


def test_every_command_has_a_refusal_or_input_path() -> None:
    commands = {words[0] for words in _every_command()}
    covered = {name.split()[0] for name in PATHS}
    assert commands == covered


@pytest.mark.parametrize("name", PATHS)
def test_each_commands_refusal_failure_or_input_path(
        name: str, request: pytest.FixtureRequest, testbed: Testbed, tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    arguments, expected = PATHS[name]
    code = main(arguments(Given(request, testbed, tmp_path)))
    shown = capsys.readouterr()
    assert code == expected, shown.out + shown.err
    assert "Traceback" not in shown.err


def test_a_refusal_is_the_process_exit_status(testbed: Testbed, lost_token: str,
                                              unsigned: Path, tmp_path: Path) -> None:
    """The status a shell sees, not only what ``main`` returns: a refused signature is 1."""
    done = subprocess.run(
        [sys.executable, "-m", "conformance.cli", "sign", str(unsigned), str(tmp_path / "o.pdf"),
         "--token", lost_token, "--dir", str(testbed.directory)],
        capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 1 and "Chưa ký" in done.stdout, done.stderr
    assert not (tmp_path / "o.pdf").exists()


def test_a_refusal_is_said_in_the_language_chosen(
        testbed: Testbed, lost_token: str, unsigned: Path, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    """Vietnamese first by default, its cause in kyso's words; ``--lang en``: English alone."""
    from tests.message_language import VIETNAMESE_LETTER

    monkeypatch.setenv("KYSO_LANG", "vi-en")  # restored after: --lang sets it for the process
    sign = ["sign", str(unsigned), str(tmp_path / "o.pdf"), "--token", lost_token,
            "--dir", str(testbed.directory)]
    assert main(sign) == ExitCode.REFUSED
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("Chưa ký.") and lines[1].startswith("Not signed."), lines
    assert main(["--lang", "en", *sign]) == ExitCode.REFUSED
    shown = capsys.readouterr().out
    assert shown.startswith("Not signed.") and not VIETNAMESE_LETTER.search(shown), shown
