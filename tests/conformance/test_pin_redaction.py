"""A SUT that echoes its PIN (and its token's SO PIN) leaves it nowhere: not in stdout.txt,
stderr.txt, command.json, the answer kyso keeps, the run's index or any other file of the output
folder; each PIN is shown as ``***``, and the echo is a finding of the case (a WARNING: the
catalogue has no clause on keeping the PIN secret)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conformance.conduct import PIN_PRINTED
from conformance.runner import RunOptions, conform
from conformance.sut.adapters import build_roles
from conformance.sut.contract import SutNoAnswer
from conformance.sut.process.python import PythonSut
from conformance.sut.process.sandbox import (
    IsolationSettings,
    bubblewrap_problem,
    isolation_scope,
)
from conformance.sut.profile import load_profile
from conformance.sut.redaction import REDACTED
from reports.results import Severity, Verdict, load_results
from scenarios.outcomes import SignerAnswer, SignerOutcome
from scenarios.roles import SignRequest
from testbed.ca.names import VietnameseName
from testbed.session import Testbed

ROOT = Path(__file__).resolve().parents[2]
FAKE_SUT = ROOT / "tests" / "fake_suts" / "fake_sut.py"
EXAMPLES = ROOT / "conformance" / "sut" / "examples"


NOT_ISOLATED = IsolationSettings(enabled=False, reason_off="--no-isolation")


def _echo_profile(tmp_path: Path, pin_log: Path | str) -> Path:
    path = tmp_path / "echo.toml"
    path.write_text(f"""
roles = ["signer"]
[sut]
name = "echo"
vendor = "tests"
version = "0"
[capabilities]
pades_levels = ["B-B"]
[env]
PIN_LOG = "{pin_log}"
[adapter]
kind = "cli"
[adapter.cli]
sign = ["{{python}}", "{FAKE_SUT}", "echo-pin", "{{pin_file}}"]
timeout_seconds = 10
""", encoding="utf-8")
    return path


def _files_holding(folder: Path, secrets: list[str]) -> list[tuple[Path, str]]:
    """Every (file, secret) where the bytes of a file under ``folder`` hold a secret."""
    return [(path, secret) for path in sorted(folder.rglob("*")) if path.is_file()
            for secret in secrets if secret.encode() in path.read_bytes()]


def _echo_token(testbed: Testbed, subscriber: str) -> tuple[object, Path, list[str]]:
    record, _ = testbed.tokens.create(subscriber, name=VietnameseName(
        common_name="Lê Thị Hoa", title="Chuyên viên", organization="Sở Tư pháp tỉnh Cà Mau",
        locality="Cà Mau"))
    pin_file = testbed.directory / record.pin_file
    return record, pin_file, [pin_file.read_text().strip(),
                              pin_file.with_suffix(".so-pin").read_text().strip()]


def _sign_with_echo(testbed: Testbed, tmp_path: Path, pin_log: Path | str, subscriber: str
                    ) -> tuple[SignerAnswer, Path]:
    record, pin_file, _ = _echo_token(testbed, subscriber)
    signer, _ = build_roles(load_profile(_echo_profile(tmp_path, pin_log)))
    assert signer is not None
    case = tmp_path / "case"
    answer = signer.sign(SignRequest(
        input=tmp_path / "in.pdf", output=case / "out.pdf",
        token_access=testbed.directory / record.access_file, pin_file=pin_file,
        token_label=record.label, trust_roots=[], tsa_url=None, level="B-B",
        moment=testbed.now(), field_name="Signature1", workdir=case))
    return answer, case


def test_a_sut_echoing_its_pins_leaves_them_in_no_evidence(testbed: Testbed,
                                                           tmp_path: Path) -> None:
    """Without isolation the SUT reads the SO PIN beside its PIN file and prints both."""
    with isolation_scope(NOT_ISOLATED):
        answer, case = _sign_with_echo(testbed, tmp_path, tmp_path / "pins.log",
                                       "echo-subscriber")
    pins = (tmp_path / "pins.log").read_text().split()
    assert len(pins) == 2  # the SUT did print them: the user PIN and the SO PIN
    assert answer.outcome is SignerOutcome.REFUSED
    assert answer.reason == f"PIN {REDACTED} refused"
    assert answer.display == f"PIN: {REDACTED} / {REDACTED}"
    assert answer.warnings == [REDACTED, REDACTED]
    assert f"PIN {REDACTED} (SO PIN {REDACTED})" in (case / "stderr.txt").read_text()
    assert _files_holding(case, pins) == []
    assert json.loads((case / "command.json").read_text())["pin_printed"] is True


@pytest.mark.skipif(bubblewrap_problem() is not None, reason=f"{bubblewrap_problem()}")
def test_isolated_a_sut_sees_only_its_pin_and_its_own_pin_log_is_redacted(
        testbed: Testbed, tmp_path: Path) -> None:
    """In the sandbox the SO PIN file is not there to read; the PIN the SUT prints and writes
    in a log of its own (in its working directory, kept as evidence) shows as ***."""
    answer, case = _sign_with_echo(testbed, tmp_path, "pins.log", "echo-isolated")
    holder = testbed.tokens.holding("echo-isolated")
    assert holder is not None
    pins = [(testbed.directory / holder.pin_file).read_text().strip()]
    assert answer.warnings == [REDACTED]  # one PIN only: the SO PIN file was hidden
    assert (case / "sut" / "pins.log").read_text() == f"{REDACTED}\n"
    facts = json.loads((case / "command.json").read_text())
    assert facts["pin_printed"] is True and facts["pin_written"] == ["pins.log"]
    assert _files_holding(case, pins) == []


def test_kyso_conform_with_a_pin_echoing_signer_leaves_no_pin_in_its_output(
        tmp_path: Path) -> None:
    pin_log, out = tmp_path / "pins.log", tmp_path / "out"
    conform(RunOptions(_echo_profile(tmp_path, pin_log), out,
                       only=("signer::happy-path::sign-b-b",), isolation=False),
            progress=lambda line: None)
    pins = sorted(set(pin_log.read_text().split()))
    assert len(pins) == 2, pins  # user PIN and SO PIN, both echoed
    assert list(out.rglob("stderr.txt")) and list(out.rglob("index.json"))
    assert _files_holding(out, pins) == []
    (case,) = load_results(out / "results.json").cases
    printed = [finding for finding in case.findings if finding.check == PIN_PRINTED]
    assert len(printed) == 1 and printed[0].severity is Severity.WARNING
    assert printed[0].verdict is Verdict.FAIL and printed[0].requirements == []
    assert "printed the PIN" in printed[0].actual and REDACTED in printed[0].actual


class _EchoingLibrary:
    """A python-kind signer that shows its PIN in its answer, then in an exception."""

    def __init__(self) -> None:
        self.calls = 0

    def sign(self, request: SignRequest) -> SignerAnswer:
        self.calls += 1
        pin = Path(request.pin_file).read_text().strip()
        if self.calls > 1:
            raise RuntimeError(f"token login failed with PIN {pin}")
        return SignerAnswer(outcome=SignerOutcome.REFUSED, reason=f"PIN {pin}", display=pin)

    def verify(self, request: object) -> None:
        raise NotImplementedError


def test_a_python_entry_point_showing_its_pin_is_redacted(testbed: Testbed,
                                                          tmp_path: Path) -> None:
    record, _ = testbed.tokens.create("echo-python", name=VietnameseName(
        common_name="Phạm Văn Nam", title="Chuyên viên", organization="Sở Tư pháp tỉnh Cà Mau",
        locality="Cà Mau"))
    pin_file = testbed.directory / record.pin_file
    pin = pin_file.read_text().strip()
    signer = PythonSut(load_profile(EXAMPLES / "reference-python.toml"), _EchoingLibrary())
    request = SignRequest(
        input=tmp_path / "in.pdf", output=tmp_path / "case" / "out.pdf",
        token_access=testbed.directory / record.access_file, pin_file=pin_file,
        token_label=record.label, trust_roots=[], tsa_url=None, level="B-B",
        moment=testbed.now(), field_name="Signature1", workdir=tmp_path / "case")
    answer = signer.sign(request)
    assert (answer.reason, answer.display) == (f"PIN {REDACTED}", REDACTED)
    with pytest.raises(SutNoAnswer) as caught:
        signer.sign(request)
    assert caught.value.reason.endswith(f"PIN {REDACTED}")
    assert "RuntimeError" in (tmp_path / "case" / "traceback-2.txt").read_text()
    assert _files_holding(tmp_path / "case", [pin]) == []
