"""The ``kyso`` command line: a real `kyso up` process, and bad input that changes nothing."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from testbed.session import Testbed
from tests.helpers import fetch

KYSO = [sys.executable, "-m", "conformance.cli"]


def kyso(*arguments: str, check_exit: int | None = 0) -> subprocess.CompletedProcess[str]:
    result = subprocess.run([*KYSO, *arguments], capture_output=True, text=True, timeout=60,
                            check=False)
    if check_exit is not None:
        assert result.returncode == check_exit, result.stderr
    return result


@pytest.fixture(scope="module")
def served_directory(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A testbed made by `kyso up` in its own process, stopped with Ctrl-C (SIGINT)."""
    directory = tmp_path_factory.mktemp("cli")
    process = subprocess.Popen([*KYSO, "up", "--dir", str(directory), "--at",
                                "2026-11-22T09:00:00+07:00"], stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
    assert process.stdout is not None
    lines = []
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        lines.append(line)
        if "Ctrl-C" in line or not line:
            break
    output = "".join(lines)
    assert "services on http://127.0.0.1:" in output, output + process.stderr.read()
    assert "root-cv" in output and "trust anchors:" in output
    base_url = Testbed.open(directory).base_url
    health = json.loads(fetch(base_url + "/health"))
    assert health["now"] == "2026-11-22T02:00:00+00:00"
    process.send_signal(signal.SIGINT)
    remaining, _ = process.communicate(timeout=15)
    assert process.returncode == 0
    assert "testbed stopped" in remaining
    return directory


def _registry(directory: Path) -> bytes:
    return (directory / "registry.json").read_bytes()


def test_issue_list_and_revoke_from_the_command_line(served_directory: Path) -> None:
    result = kyso("ca", "issue", "do-van-giang", "--dir", str(served_directory), "--name",
                  "Đỗ Văn Giang", "--org", "Sở Y tế tỉnh Hà Tĩnh", "--province", "Hà Tĩnh",
                  "--key", "p256")
    assert result.stdout.startswith("do-van-giang-1\tserial 0x")
    kyso("ca", "revoke", "do-van-giang", "--dir", str(served_directory), "--reason",
         "keyCompromise", "--invalidity-date", "2026-11-20T08:00:00")
    listing = json.loads(kyso("ca", "list", "--json", "--dir", str(served_directory)).stdout)
    revocation = listing["do-van-giang-1"]["revocation"]
    assert revocation["reason"] == "key_compromise"
    assert revocation["invalidity_date"] == "2026-11-20T01:00:00Z"  # Vietnam time by default


@pytest.mark.parametrize(("arguments", "message"), [
    (["ca", "revoke", "nobody"], "no certificate, serial or subscriber named 'nobody'"),
    (["ca", "renew", "ghost"], "no certificate, serial or subscriber named 'ghost'"),
    (["ca", "issue", "new-person"], "give a name (--name)"),
    (["ca", "issue", "Bad Id", "--name", "X"], "subscriber id: 'Bad Id'"),
    (["ca", "issue", "x", "--name", "X", "--key", "rsa512"], "--key: 'rsa512' is not one of"),
    (["ca", "revoke", "root-cv", "--at", "next tuesday"], "--at: 'next tuesday' is not an ISO"),
    (["ca", "revoke", "ca-cv", "--reason", "boredom"], "--reason: 'boredom' is not one of"),
    (["clock", "set", "2026-13-45"], "instant: '2026-13-45' is not an ISO 8601"),
    (["clock", "advance", "soon"], "duration: 'soon' is not a duration"),
    (["service", "set", "ocsp:nowhere", "http-500"], "authority 'nowhere' does not exist"),
    (["service", "set", "ocsp:ca-cv", "broken"], "mode: 'broken' is not one of"),
    (["service", "set", "ocsp:ca-cv", "stale"], "only a CRL can be stale"),
])
def test_bad_input_gets_one_line_exit_2_and_changes_nothing(
        served_directory: Path, arguments: list[str], message: str) -> None:
    before = _registry(served_directory)
    result = kyso(*arguments, "--dir", str(served_directory), check_exit=2)
    assert result.stderr.count("\n") == 1, result.stderr
    assert message in result.stderr
    assert "Traceback" not in result.stderr
    assert _registry(served_directory) == before


def test_revoking_twice_is_refused_and_changes_nothing(served_directory: Path) -> None:
    kyso("ca", "issue", "twice", "--dir", str(served_directory), "--name", "Hai Lần")
    kyso("ca", "revoke", "twice", "--dir", str(served_directory))
    before = _registry(served_directory)
    result = kyso("ca", "revoke", "twice", "--dir", str(served_directory), check_exit=1)
    assert "is already revoked" in result.stderr and result.stderr.count("\n") == 1
    assert _registry(served_directory) == before


def test_port_in_use_is_a_one_line_error(tmp_path: Path) -> None:
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        result = kyso("up", "--dir", str(tmp_path / "tb"), "--port", str(port), check_exit=2)
    assert f"port {port} on 127.0.0.1 is not available" in result.stderr
    assert result.stderr.count("\n") == 1
    assert not (tmp_path / "tb" / "registry.json").exists()


def test_no_testbed_in_directory_is_a_one_line_error(tmp_path: Path) -> None:
    result = kyso("clock", "show", "--dir", str(tmp_path), check_exit=2)
    assert "no testbed here" in result.stderr and result.stderr.count("\n") == 1


def test_clock_moves_and_services_follow(served_directory: Path) -> None:
    out = kyso("clock", "set", "2027-03-01T08:00:00+07:00", "--dir", str(served_directory))
    assert out.stdout.startswith("2027-03-01 08:00:00 +07:00 (đồng hồ đứng yên / pinned)")
    out = kyso("clock", "advance", "+30d", "--dir", str(served_directory))
    assert out.stdout.startswith("2027-03-31 08:00:00 +07:00")


def test_token_commands_never_print_the_pin_unless_asked(served_directory: Path) -> None:
    created = kyso("token", "create", "ta-van-minh", "--dir", str(served_directory), "--name",
                   "Tạ Văn Minh", "--key", "p256")
    assert "p256 key generated on the token" in created.stdout
    assert "pkcs11-tool --module" in created.stdout
    testbed = Testbed.open(served_directory)
    pin = testbed.tokens.user_pin("ta-van-minh")
    shown = kyso("token", "show", "ta-van-minh", "--dir", str(served_directory))
    assert pin not in shown.stdout + created.stdout
    revealed = kyso("token", "show", "ta-van-minh", "--reveal-pin", "--dir",
                    str(served_directory))
    assert f"user PIN       : {pin}" in revealed.stdout
    locked = kyso("token", "lock", "ta-van-minh", "--dir", str(served_directory))
    assert "locked after 5 wrong PINs" in locked.stdout
    lost = kyso("token", "lose", "ta-van-minh", "--dir", str(served_directory))
    assert "revoked (key compromise)" in lost.stdout and "lộ khóa bí mật" in lost.stdout
    again = kyso("token", "lose", "ta-van-minh", "--dir", str(served_directory), check_exit=1)
    assert "token 'ta-van-minh' is lost" in again.stderr


def test_renew_the_tsa_certificate_from_the_command_line(served_directory: Path) -> None:
    """``kyso ca renew-tsa``: the TSA gets a successor certificate (new key, valid from now);
    the old one stays in the registry, which documents still name."""
    before = Testbed.open(served_directory).state
    old = before.authority("ca-cv").tsa
    result = kyso("ca", "renew-tsa", "--dir", str(served_directory))
    after = Testbed.open(served_directory).state
    new = after.authority("ca-cv").tsa
    assert new == f"{old}-2" and new in result.stdout
    assert old in after.certificates
    assert after.certificates[new].not_before == after.clock.clock().now()
    assert after.certificates[new].key_label != after.certificates[old].key_label
    wrong = kyso("ca", "renew-tsa", "root-cv", "--dir", str(served_directory), check_exit=2)
    assert "runs no timestamp authority" in wrong.stderr and "Traceback" not in wrong.stderr


def test_up_in_the_background_is_stopped_by_down(tmp_path: Path) -> None:
    """``kyso up --background`` returns once the services answer; a second ``up`` on the same
    directory is refused (exit 1, naming ``kyso down``); ``kyso down`` stops it, then has
    nothing left to stop (exit 1)."""
    directory = tmp_path / "tb"
    started = kyso("up", "--background", "--dir", str(directory), "--at",
                   "2026-11-22T09:00:00+07:00")
    try:
        assert "running in the background" in started.stdout
        health = json.loads(fetch(Testbed.open(directory).base_url + "/health"))
        assert health["now"] == "2026-11-22T02:00:00+00:00"
        for again in (["up", "--background"], ["up"]):
            refused = kyso(*again, "--dir", str(directory), check_exit=1)
            assert "already running here" in refused.stderr and "kyso down" in refused.stderr
            assert refused.stderr.count("\n") == 1
    finally:
        stopped = kyso("down", "--dir", str(directory))
    assert "testbed stopped" in stopped.stdout
    assert not (directory / "kyso-up.pid").exists()
    assert "testbed stopped" in (directory / "kyso-up.log").read_text(encoding="utf-8")
    nothing = kyso("down", "--dir", str(directory), check_exit=1)
    assert "no testbed is running" in nothing.stderr


def test_ctrl_c_stops_kyso_up_even_when_started_with_sigint_ignored(tmp_path: Path) -> None:
    """A job a non-interactive shell or a CI runner puts in the background starts with SIGINT
    ignored, and Python keeps it so: `kyso up` must still stop on Ctrl-C (it served until
    killed)."""
    process = subprocess.Popen(
        [*KYSO, "up", "--dir", str(tmp_path / "tb"), "--at", "2026-11-22T09:00:00+07:00"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_IGN))  # noqa: PLW1509
    assert process.stdout is not None
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if "Ctrl-C" in line or not line:
            break
    process.send_signal(signal.SIGINT)
    try:
        remaining, _ = process.communicate(timeout=30)
    finally:
        process.kill()
    assert process.returncode == 0
    assert "testbed stopped" in remaining
