"""How a SUT learns the time (``adapter.clock``): the profile's field and its defaults per kind,
and libfaketime moving a real cli process's clock (``date -u`` inside the sandbox) to the
case's instant."""

from __future__ import annotations

import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from conformance.sut.clock_modes import clock_description, libfaketime
from conformance.sut.process.cli import CliSut
from conformance.sut.profile import ProfileError, load_profile, parse_profile
from scenarios import VerifyRequest
from testbed import InvalidInputError, wall_clock

EXAMPLES = Path(__file__).resolve().parent.parent.parent / "conformance" / "sut" / "examples"

HEAD = """
roles = ["verifier"]
[sut]
name = "Đồng hồ"
vendor = "tests"
version = "1"
[capabilities]
"""

DATE_SUT = '''
import json, subprocess
seen = subprocess.run(["date", "-u", "+%Y-%m-%dT%H:%M:%SZ"], capture_output=True, text=True,
                      check=True).stdout.strip()
print(json.dumps({"version": 1, "signatures": [{"indication": "TOTAL-PASSED",
                  "display": {"result": "Chữ ký hợp lệ", "signing_time": seen}}],
                  "display": seen}))
'''


def _cli_profile(tmp_path: Path, clock: str | None) -> str:
    script = tmp_path / "date_sut.py"
    script.write_text(DATE_SUT, encoding="utf-8")
    line = f'clock = "{clock}"\n' if clock else ""
    return HEAD + f'[adapter]\nkind = "cli"\n{line}[adapter.cli]\n' \
        f'verify = ["{sys.executable}", "-I", "{script}", "{{input}}"]\n'


def _seen(tmp_path: Path, clock: str | None, instant: datetime) -> datetime:
    """The instant ``date -u`` printed inside the SUT's sandbox for a case at ``instant``."""
    profile = parse_profile(_cli_profile(tmp_path, clock))
    document = tmp_path / "document.pdf"
    document.write_bytes(b"%PDF-1.7\n")
    answer = CliSut(profile).verify(VerifyRequest(
        input=document, trust_roots=[], moment=instant,
        workdir=tmp_path / f"case-{clock}"))
    assert answer.display is not None
    return datetime.fromisoformat(answer.display.replace("Z", "+00:00"))


# ---- the profile -------------------------------------------------------------------------------
@pytest.mark.parametrize(("name", "mode"), [
    ("reference-cli.toml", "argument"), ("reference-batch.toml", "argument"),
    ("reference-python.toml", "argument"), ("emulated-http.toml", "system"),
    ("emulated-ws-session.toml", "system"), ("emulated-remote-hash.toml", "system"),
])
def test_the_clock_defaults_to_argument_for_process_kinds_and_system_for_services(
        name: str, mode: str) -> None:
    # kyso's emulators take {moment} and say so (clock = "argument"); a real plugin would not
    text = (EXAMPLES / name).read_text(encoding="utf-8")
    undeclared = "\n".join(line for line in text.splitlines()
                           if not line.startswith("clock = "))
    assert parse_profile(undeclared, name).adapter.clock_mode == mode


def test_a_manual_profile_defaults_to_the_system_clock() -> None:
    manual = [load_profile(path) for path in EXAMPLES.glob("*.toml")
              if load_profile(path).adapter.kind == "manual"]
    assert manual and all(profile.adapter.clock_mode == "system" for profile in manual)


def test_a_declared_clock_wins_over_the_kinds_default(tmp_path: Path) -> None:
    assert parse_profile(_cli_profile(tmp_path, "system")).adapter.clock_mode == "system"
    assert parse_profile(_cli_profile(tmp_path, "faketime")).adapter.clock_mode == "faketime"


def test_faketime_is_refused_for_a_kind_kyso_does_not_start(tmp_path: Path) -> None:
    text = HEAD + '[adapter]\nkind = "python"\nclock = "faketime"\n' \
        '[adapter.python]\nentry_point = "x:y"\n'
    with pytest.raises(ProfileError, match=r"adapter\.clock: 'faketime' .* cli and batch only"):
        parse_profile(text)
    with pytest.raises(ProfileError, match=r"adapter\.clock"):
        parse_profile(_cli_profile(tmp_path, "sundial"))


def test_every_mode_is_said_in_words() -> None:
    for mode in ("argument", "system", "faketime"):
        assert clock_description(mode).startswith(mode + " — ")


# ---- libfaketime around a real process ---------------------------------------------------------
def test_under_faketime_date_in_the_sandbox_shows_the_cases_instant(tmp_path: Path) -> None:
    libfaketime()  # installed (tools/system-deps.sh)
    instant = datetime(2031, 3, 14, 2, 0, tzinfo=UTC)
    seen = _seen(tmp_path, "faketime", instant)
    assert abs(seen - instant) < timedelta(seconds=30), seen


def test_without_faketime_the_process_sees_the_real_clock(tmp_path: Path) -> None:
    """The same SUT at 'argument': the check above would catch a faketime that did nothing."""
    instant = datetime(2031, 3, 14, 2, 0, tzinfo=UTC)
    seen = _seen(tmp_path, "argument", instant)
    assert abs(seen - wall_clock()) < timedelta(seconds=30), seen


def test_a_preload_of_the_profile_is_kept_beside_libfaketime(tmp_path: Path) -> None:
    from conformance.sut.clock_modes import faketime_environment

    environment = faketime_environment({"LD_PRELOAD": "/opt/x/libhook.so", "PATH": "/bin"},
                                       wall_clock() + timedelta(days=1))
    assert environment["LD_PRELOAD"].split() == [str(libfaketime()), "/opt/x/libhook.so"]
    assert environment["FAKETIME"] in {"+86400s", "+86399s"}


def test_a_missing_libfaketime_is_one_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    import conformance.sut.clock_modes as clock_modes

    monkeypatch.setattr(clock_modes, "LIBFAKETIME_PATHS", (Path("/nonexistent/libfaketime"),))
    with pytest.raises(InvalidInputError, match="apt-get install faketime"):
        clock_modes.libfaketime()


def test_adapter_check_says_which_clock_is_in_force(tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    from conformance.sut.adapter_check import check_adapter

    profile = tmp_path / "sut.toml"
    profile.write_text(_cli_profile(tmp_path, "faketime"), encoding="utf-8")
    lines: list[str] = []
    monkeypatch.delenv("KYSO_LANG", raising=False)  # the default: Vietnamese first
    check_adapter(profile, emit=lines.append)
    assert any(line.startswith("đồng hồ / clock: faketime — tiến trình chạy dưới libfaketime")
               and " / the process runs under libfaketime" in line for line in lines), lines
    monkeypatch.setenv("KYSO_LANG", "en")
    lines.clear()
    check_adapter(profile, emit=lines.append)
    assert any(line.startswith("clock: faketime — the process runs under libfaketime")
               for line in lines), lines
    profile.write_text(_cli_profile(tmp_path, None), encoding="utf-8")
    lines.clear()
    check_adapter(profile, emit=lines.append)
    assert any(line.startswith("clock: argument — ") for line in lines), lines
