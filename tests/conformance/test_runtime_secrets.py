"""Secrets never in the output folder (issue 19): a ``kyso conform`` run killed with SIGKILL
half-way leaves no private key and no PIN under ``--out`` (real ``grep -r``), the next start
removes its leftover runtime directory, and a finished run publishes its testbeds' public part
only. Real runs of the reference tools on real SoftHSM tokens."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conformance.runner import RunOptions, conform
from conformance.system_clock import play_at_system_clock
from scenarios import find_scenario, load_scenario

EXAMPLES = Path(__file__).resolve().parents[2] / "conformance" / "sut" / "examples"
PROFILE = EXAMPLES / "reference-python.toml"
ONLY = "*expired-certificate*"
SCENARIO = "expired-certificate"


@pytest.fixture
def xdg(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """This test's own XDG_RUNTIME_DIR (the runtime root is ``xdg/kyso``), also for kyso
    processes it starts."""
    base = tmp_path / "xdg"
    base.mkdir(mode=0o700)
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(base))
    return base


def _kyso_conform(out: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "conformance.cli", "conform", "--sut", str(PROFILE),
         "--only", ONLY, "--out", str(out)],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, start_new_session=True)


def _wait_for_live_secrets(root: Path, child: subprocess.Popen[str]) -> dict[Path, str]:
    """The PIN files, and PINs, of a testbed being played (its keys written, its token handed
    over), read from the runtime directory while the run holds them."""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            pins = {path: path.read_text(encoding="utf-8").strip()
                    for path in root.glob("run-*/*/testbed/tokens/*pin")}
        except OSError:  # published and removed meanwhile: look again
            continue
        if pins and all(pins.values()) and list(root.glob("run-*/*/testbed/keys/*.key.pem")):
            return pins
        if child.poll() is not None:
            raise AssertionError(f"kyso conform ended early: {child.communicate()[1]}")
        time.sleep(0.05)
    raise AssertionError("no testbed with keys and PINs appeared in the runtime directory")


def _grep(text: str, folder: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["grep", "-r", "-l", "-F", "-e", text, str(folder)],
                          capture_output=True, text=True, check=False)


def _assert_no_secret(out: Path, pins: list[str]) -> None:
    found = _grep("PRIVATE KEY", out)
    assert found.returncode == 1, found.stdout + found.stderr  # 1: no line matched
    for pin in pins:
        found = _grep(pin, out)
        assert found.returncode == 1, f"a PIN is in {found.stdout} {found.stderr}"
    assert not [p for p in out.rglob("*") if p.suffix in {".pin", ".so-pin"}
                or p.name.endswith(".key.pem") or p.name == "hsm"]


def test_a_sigkilled_conform_leaves_no_secret_in_out(xdg: Path, tmp_path: Path) -> None:
    out = tmp_path / "killed"
    child = _kyso_conform(out)
    try:
        pins = _wait_for_live_secrets(xdg / "kyso", child)
        assert (out / "runs" / SCENARIO / "run").is_dir()  # the scenario was being played
        os.killpg(child.pid, signal.SIGKILL)
        assert child.wait(timeout=30) == -signal.SIGKILL
    finally:
        if child.poll() is None:
            os.killpg(child.pid, signal.SIGKILL)
            child.wait()
    _assert_no_secret(out, list(pins.values()))
    leftovers = list((xdg / "kyso").glob("run-*"))
    assert len(leftovers) == 1 and leftovers[0] in next(iter(pins)).parents  # no code ran

    again = _kyso_conform(tmp_path / "again")  # the next start removes the killed run's
    _, said = again.communicate(timeout=300)
    assert again.returncode == 0, said
    assert not leftovers[0].exists()
    assert list((xdg / "kyso").iterdir()) == []


@pytest.mark.parametrize("jobs", [1, 2])
def test_a_finished_run_publishes_the_public_testbed_only(xdg: Path, tmp_path: Path,
                                                          jobs: int) -> None:
    """Also with ``--jobs``: the worker processes build their testbeds in the same private
    run directory."""
    out = tmp_path / "out"
    conform(RunOptions(PROFILE, out, only=(ONLY,), jobs=jobs), progress=lambda line: None)
    published = out / "runs" / SCENARIO / "testbed"
    assert (published / "registry.json").exists()
    assert list((published / "certs").glob("*.der")) and list(published.glob("trust/*.pem"))
    assert list(published.glob("tokens/*.json"))  # the tokens' public access files
    _assert_no_secret(out, [])
    index = json.loads((out / "runs" / SCENARIO / "run" / "index.json").read_text("utf-8"))
    assert index["testbed"] == str(published)
    assert list((xdg / "kyso").iterdir()) == []  # the run's private directory is gone


def test_system_clock_replays_are_published_without_secrets(tmp_path: Path) -> None:
    from conformance.reference.roles import ReferenceVerifier

    scenario = load_scenario(find_scenario(SCENARIO))
    private = tmp_path / "private"
    played = play_at_system_clock(scenario, tmp_path / "out", signer=None,
                                  verifier=ReferenceVerifier(), private=private)
    assert played.directories
    for replay in set(played.directories.values()):
        assert (replay / "testbed" / "registry.json").exists()
        assert not (private / replay.name / "testbed").exists()
    _assert_no_secret(tmp_path / "out", [])
