"""The README's walk-through runs as written: a doc-test, so the README cannot drift again.

Every ```sh block that follows a ``<!-- walkthrough -->`` line is run, command by command and
block after block, in one fresh directory, with ``.venv/bin/kyso`` replaced by this venv's
``kyso`` (the README is read from the checkout; the commands write under ``out/`` there). A
command's trailing comment names its exit code (``# exit 1``); without one it must exit 0. The
testbed the walk starts with ``kyso up --background`` is stopped at the end however the walk
went (``kyso down``, then SIGKILL by its pid file), so a failing README leaves no process behind.
"""

from __future__ import annotations

import os
import re
import shlex
import signal
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from conformance.cli.testbed_process import running_pid

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
MARKER = "<!-- walkthrough -->"
KYSO = Path(sys.executable).parent / "kyso"
TRAILING_COMMENT = re.compile(r"\s+#\s(?P<comment>[^\"']*)$")
EXIT_CODE = re.compile(r"\bexit (\d+)\b")


@dataclass(frozen=True)
class Command:
    """One command of the walk-through, as a shell line, and the exit code the README names."""

    line: str
    exit_code: int


def walkthrough_blocks(text: str) -> list[str]:
    """The ```sh blocks right after a walk-through marker, in README order."""
    blocks = []
    for part in text.split(MARKER)[1:]:
        fence = re.match(r"\s*```sh\n(.*?)\n```", part, re.DOTALL)
        assert fence, f"a {MARKER} line is not followed by a ```sh block"
        blocks.append(fence.group(1))
    return blocks


def commands_of(block: str) -> list[Command]:
    """A block's commands: continuation lines joined, the trailing comment read for ``exit N``."""
    joined = re.sub(r"\\\n\s*", "", block)
    commands = []
    for line in joined.splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        comment = TRAILING_COMMENT.search(line)
        code = EXIT_CODE.search(comment.group("comment")) if comment else None
        shell = line[:comment.start()] if comment else line
        commands.append(Command(shell.replace(".venv/bin/kyso", shlex.quote(str(KYSO))),
                                int(code.group(1)) if code else 0))
    return commands


def test_the_readme_marks_the_whole_walk() -> None:
    """Up, sample, token, sign, verify, revoke, verify again, clock, outage, down: all marked."""
    walk = "\n".join(walkthrough_blocks(README.read_text("utf-8")))
    for step in ("kyso up --background", "kyso sample", "kyso token create", "kyso sign",
                 "kyso verify", "kyso ca revoke", "kyso clock", "kyso service set",
                 "kyso down"):
        assert f".venv/bin/{step}" in walk, step


def test_the_parser_reads_continuations_and_exit_comments() -> None:
    block = ('.venv/bin/kyso a --name "X # Y" \\\n      --b  # exit 1\n'
             '# a comment line\n.venv/bin/kyso c   # hợp lệ\n')
    first, second = commands_of(block)
    assert first.exit_code == 1 and first.line.endswith('--name "X # Y" --b')
    assert second.exit_code == 0 and second.line.endswith(" c")


@pytest.fixture
def walk_directory(tmp_path: Path) -> Iterator[Path]:
    """A fresh directory; any testbed still served under it is stopped afterwards."""
    yield tmp_path
    for pid_file in tmp_path.rglob("kyso-up.pid"):
        directory = pid_file.parent
        subprocess.run([str(KYSO), "down", "--dir", str(directory)], capture_output=True,
                       timeout=60, check=False)
        pid = running_pid(directory)
        if pid is not None:
            os.kill(pid, signal.SIGKILL)


def test_the_readme_walkthrough_runs_as_written(walk_directory: Path) -> None:
    commands = [command for block in walkthrough_blocks(README.read_text("utf-8"))
                for command in commands_of(block)]
    assert len(commands) >= 12
    environment = {**os.environ, "PATH": f"{KYSO.parent}{os.pathsep}{os.environ['PATH']}"}
    environment.pop("KYSO_TESTBED", None)
    for command in commands:
        done = subprocess.run(["bash", "-c", command.line], cwd=walk_directory,
                              env=environment, capture_output=True, text=True, timeout=300,
                              check=False)
        assert done.returncode == command.exit_code, (
            f"{command.line}\nexit {done.returncode}, README says {command.exit_code}\n"
            f"{done.stdout}{done.stderr}")
        assert "Traceback" not in done.stderr, done.stderr
    assert not list(walk_directory.rglob("kyso-up.pid")), "kyso down left the testbed running"
