"""The per-testbed SoftHSM installation: its own configuration, isolation between testbed
directories in separate processes, tokens created by another process, and the module build."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from testbed.errors import TokenError
from testbed.tokens import SoftHsm, SubscriberToken
from testbed.tokens.lockout import build_lockout_module
from testbed.tokens.softhsm import SOFTHSM_MODULE

from .conftest import SO_PIN, USER_PIN

ROOT = Path(__file__).resolve().parents[2]

# Run in a fresh interpreter: creates the tokens named on the command line in a testbed
# directory, then prints the labels that process sees, as JSON.
CREATE_AND_LIST = """
import json, sys
from testbed.tokens import SoftHsm, SubscriberToken
softhsm = SoftHsm(sys.argv[1])
for label in sys.argv[2:]:
    SubscriberToken.create(softhsm, label=label, key_type="p256", user_pin="1234", so_pin="5678")
print(json.dumps(softhsm.token_labels()))
"""


def _python(*args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SOFTHSM2_", "KYSO_"))}
    return subprocess.run(
        [sys.executable, "-c", CREATE_AND_LIST, *args],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_configuration_is_private_to_the_testbed_directory(softhsm: SoftHsm) -> None:
    text = softhsm.conf_path.read_text()
    assert f"directories.tokendir = {softhsm.base_dir / 'softhsm-tokens'}\n" in text
    assert "objectstore.backend = file\n" in text
    assert "log.level = ERROR\n" in text
    assert softhsm.env()["SOFTHSM2_CONF"] == str(softhsm.conf_path)
    assert softhsm.token_dir.is_dir() and softhsm.lockout.directory.is_dir()


def test_two_testbed_directories_in_two_processes_are_isolated(tmp_path: Path) -> None:
    first = _python(str(tmp_path / "one"), "shared-name", "only-in-one")
    second = _python(str(tmp_path / "two"), "shared-name", "only-in-two")
    assert first.returncode == 0, first.stderr
    assert second.returncode == 0, second.stderr
    assert sorted(json.loads(first.stdout)) == ["only-in-one", "shared-name"]
    assert sorted(json.loads(second.stdout)) == ["only-in-two", "shared-name"]

    # a third-party client sees exactly the directory its environment names
    for name, own, other in (
        ("one", "only-in-one", "only-in-two"),
        ("two", "only-in-two", "only-in-one"),
    ):
        softhsm = SoftHsm(tmp_path / name)
        listing = subprocess.run(
            ["pkcs11-tool", "--module", str(softhsm.module_path), "--list-token-slots"],
            env={"PATH": "/usr/bin:/bin", **softhsm.env()},
            capture_output=True,
            text=True,
            timeout=30,
        )
        assert listing.returncode == 0, listing.stderr
        assert own in listing.stdout and other not in listing.stdout


def test_token_created_by_another_process_is_found_by_label(softhsm: SoftHsm) -> None:
    SubscriberToken.create(
        softhsm, label="here-first", key_type="p256", user_pin=USER_PIN, so_pin=SO_PIN
    )  # this process has initialised the library for this directory before the other one writes
    other = _python(str(softhsm.base_dir), "made-elsewhere")
    assert other.returncode == 0, other.stderr
    token = SubscriberToken.open(softhsm, "made-elsewhere", user_pin="1234")
    assert len(token.sign(b"visible")) == 64


def test_switching_testbed_directories_in_one_process(tmp_path: Path) -> None:
    one, two = SoftHsm(tmp_path / "a"), SoftHsm(tmp_path / "b")
    SubscriberToken.create(one, label="in-a", key_type="p256", user_pin=USER_PIN, so_pin=SO_PIN)
    SubscriberToken.create(two, label="in-b", key_type="p256", user_pin=USER_PIN, so_pin=SO_PIN)
    assert one.token_labels() == ["in-a"]
    assert two.token_labels() == ["in-b"]


def test_module_without_configuration_refuses_to_start() -> None:
    result = subprocess.run(
        ["pkcs11-tool", "--module", str(build_lockout_module(SOFTHSM_MODULE)), "-L"],
        env={"PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode != 0
    assert "kyso-lockout: neither KYSO_LOCKOUT_DIR nor SOFTHSM2_CONF is set" in result.stderr


def test_module_build_without_compiler_is_a_clear_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("CC", raising=False)
    monkeypatch.setenv("PATH", str(tmp_path))  # no cc, no gcc
    with pytest.raises(TokenError, match="no C compiler"):
        build_lockout_module(SOFTHSM_MODULE, cache_dir=tmp_path)


def test_module_build_is_cached_by_source_hash(tmp_path: Path) -> None:
    built = build_lockout_module(SOFTHSM_MODULE, cache_dir=tmp_path)
    assert built.is_file() and built.parent.parent == tmp_path
    assert build_lockout_module(SOFTHSM_MODULE, cache_dir=tmp_path) == built
