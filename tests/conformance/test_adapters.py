"""SUT adapters against real processes: the reference tools through cli, batch and python, the
misbehaving fake SUT through cli, and pyHanko's own command line as an independent tool.

Requests are built the way the scenario player builds them, on real SoftHSM tokens of the
session testbed; every SUT process runs through the sandbox.
"""

from __future__ import annotations

import importlib.util
import json
import os
import signal
import uuid
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from conformance.sut.adapters import build_roles
from conformance.sut.contract import SutNoAnswer, SutUnsupported
from conformance.sut.process.batch import BatchSut, run_batch
from conformance.sut.process.cli import CliSut
from conformance.sut.process.python import PythonSut
from conformance.sut.profile import SutProfile, load_profile, parse_profile
from scenarios.outcomes import Indication, SignerAnswer, SignerOutcome, VerifierAnswer
from scenarios.roles import NoAnswer, SignRequest, VerifyRequest
from testbed.ca.names import VietnameseName
from testbed.documents import administrative_document
from testbed.session import Testbed


@pytest.fixture(autouse=True)
def _english(monkeypatch: pytest.MonkeyPatch) -> None:
    """These tests pin kyso's English wording (KYSO_LANG=en, English alone); the default
    rendering, Vietnamese first, is checked where it says so."""
    monkeypatch.setenv("KYSO_LANG", "en")


ROOT = Path(__file__).resolve().parent.parent.parent
EXAMPLES = ROOT / "conformance" / "sut" / "examples"
FAKE_SUT = ROOT / "tests" / "fake_suts" / "fake_sut.py"
NAME = VietnameseName(common_name="Trần Văn Bình", title="Chuyên viên",
                      organization="Sở Tư pháp tỉnh Cà Mau", locality="Cà Mau")
HAS_PYHANKO_CLI = importlib.util.find_spec("pyhanko.__main__") is not None  # pyhanko-cli


def _token(testbed: Testbed, subscriber: str, key_type: str = "rsa2048", **options: object
           ) -> str:
    record, _ = testbed.tokens.create(
        subscriber, key_type=key_type,
        name=NAME.model_copy(update={"common_name": f"{NAME.common_name} {subscriber}"}),
        **options)  # type: ignore[arg-type]
    return record.label


def _trust_roots(testbed: Testbed) -> list[Path]:
    anchors = testbed.trust_anchor_paths()
    return [anchors[label] for label in ("root-cv", "root-neac")]


def _sign_request(testbed: Testbed, label: str, source: Path, output: Path, workdir: Path,
                  level: str = "B-LT") -> SignRequest:
    """As scenarios.player.Player._sign builds it."""
    record = testbed.state.token(label)
    certificate = testbed.state.subscriber(record.subscriber).current_certificate
    assert certificate is not None
    authority = testbed.state.authorities[testbed.state.certificates[certificate].issuer]
    tsa_owner = authority.label if authority.tsa else "ca-cv"
    return SignRequest(
        input=source, output=output, token_access=testbed.directory / record.access_file,
        pin_file=testbed.directory / record.pin_file, token_label=label,
        trust_roots=_trust_roots(testbed), tsa_url=testbed.urls(tsa_owner)["tsa"],
        level=level, moment=testbed.now(), field_name=f"Signature-{output.stem}",
        workdir=workdir)


def _verify_request(testbed: Testbed, document: Path, workdir: Path) -> VerifyRequest:
    return VerifyRequest(input=document, trust_roots=_trust_roots(testbed),
                         moment=testbed.now(), workdir=workdir)


def _summary(answer: VerifierAnswer) -> list[tuple[str | None, str, str | None]]:
    return [(s.field_name, s.indication.value, s.sub_indication.value if s.sub_indication
             else None) for s in answer.signatures]


@pytest.fixture(scope="module")
def document(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("adapters") / "cong-van.pdf"
    path.write_bytes(administrative_document())
    return path


@pytest.fixture(scope="module")
def reference_profiles() -> dict[str, SutProfile]:
    return {kind: load_profile(EXAMPLES / f"reference-{kind}.toml")
            for kind in ("cli", "batch", "python")}


# ---- the reference tools through every adapter kind --------------------------------------------
def test_reference_tools_give_identical_outcomes_through_cli_batch_and_python(
        testbed: Testbed, document: Path, tmp_path: Path,
        reference_profiles: dict[str, SutProfile]) -> None:
    label = _token(testbed, "sut-adapters-reference")
    signed: dict[str, Path] = {}
    for kind, profile in reference_profiles.items():
        signer, verifier = build_roles(profile)
        assert signer is not None and verifier is not None
        output = tmp_path / f"signed-{kind}.pdf"
        answer = signer.sign(_sign_request(testbed, label, document, output,
                                           tmp_path / f"sign-{kind}"))
        assert answer.outcome is SignerOutcome.SIGNED, answer
        assert answer.display is not None and answer.display.startswith("Đã ký.")
        assert output.read_bytes().startswith(document.read_bytes())
        signed[kind] = output
    assert isinstance(build_roles(reference_profiles["cli"])[0], CliSut)
    assert isinstance(build_roles(reference_profiles["batch"])[0], BatchSut)
    assert isinstance(build_roles(reference_profiles["python"])[0], PythonSut)
    # Each kind verifies the cli-signed document: the same answer, whatever the adapter.
    answers = {}
    for kind, profile in reference_profiles.items():
        _, verifier = build_roles(profile)
        assert verifier is not None
        answers[kind] = verifier.verify(_verify_request(testbed, signed["cli"],
                                                        tmp_path / f"verify-{kind}"))
    assert _summary(answers["cli"]) == [("Signature-signed-cli", "TOTAL-PASSED", None)]
    # the same answer but for where each process stored its evidence (TT15-6.2)
    assert all(set(answer.evidence) == {"certificate", "crl", "status"}
               for answer in answers.values())
    bare = {kind: answer.model_copy(update={"evidence": {}}) for kind, answer in answers.items()}
    assert bare["cli"] == bare["batch"] == bare["python"]
    # Evidence of a process call: the command (PIN file path, never the PIN), stdout, stderr.
    evidence = json.loads((tmp_path / "sign-cli" / "command.json").read_text())
    pin = testbed.tokens.user_pin(label)
    assert pin not in json.dumps(evidence)
    assert str(testbed.directory / testbed.state.token(label).pin_file) in evidence["command"]
    assert evidence["exit_code"] == 0
    assert (tmp_path / "sign-cli" / "stdout.txt").read_bytes().startswith(b"{")
    assert (tmp_path / "sign-cli" / "stderr.txt").exists()
    assert (tmp_path / "sign-cli" / "sut").is_dir()  # the SUT's private cwd


def test_run_batch_answers_many_cases_in_one_process(
        testbed: Testbed, document: Path, tmp_path: Path,
        reference_profiles: dict[str, SutProfile]) -> None:
    requests: list[tuple[str, SignRequest | VerifyRequest]] = [
        ("verifier::unsigned::a", _verify_request(testbed, document, tmp_path / "a")),
        ("verifier::unsigned::b", _verify_request(testbed, document, tmp_path / "b")),
    ]
    outcomes = run_batch(reference_profiles["batch"], requests, tmp_path / "batch")
    assert set(outcomes) == {"verifier::unsigned::a", "verifier::unsigned::b"}
    for outcome in outcomes.values():
        assert isinstance(outcome, VerifierAnswer)
        assert outcome.signatures == [] and outcome.error is not None
    stdin_bytes = json.loads((tmp_path / "batch" / "command.json").read_text())["stdin_bytes"]
    assert stdin_bytes > 0


def test_the_defective_verifier_passes_a_revoked_signer(
        testbed: Testbed, document: Path, tmp_path: Path,
        reference_profiles: dict[str, SutProfile]) -> None:
    label = _token(testbed, "sut-adapters-revoked")
    signer, reference = build_roles(reference_profiles["python"])
    assert signer is not None and reference is not None
    output = tmp_path / "revoked.pdf"
    answer = signer.sign(_sign_request(testbed, label, document, output, tmp_path / "sign",
                                       level="B-B"))
    assert answer.outcome is SignerOutcome.SIGNED
    testbed.revoke(label, reason="key_compromise")
    _, defective = build_roles(load_profile(EXAMPLES / "defective-verifier-cli.toml"))
    assert defective is not None
    wrong = defective.verify(_verify_request(testbed, output, tmp_path / "defective"))
    right = reference.verify(_verify_request(testbed, output, tmp_path / "reference"))
    assert [s.indication for s in wrong.signatures] == [Indication.TOTAL_PASSED]
    assert [s.indication for s in right.signatures] != [Indication.TOTAL_PASSED]


# ---- misbehaving SUTs ---------------------------------------------------------------------------
def _fake_profile(tmp_path: Path, behaviour: str, marker: str, *, timeout: float = 1.0) -> Path:
    path = tmp_path / "fake.toml"
    path.write_text(f"""
roles = ["verifier"]
[sut]
name = "fake"
vendor = "tests"
version = "0"
[capabilities]
[adapter]
kind = "cli"
[adapter.cli]
verify = ["{{python}}", "{FAKE_SUT}", "{behaviour}", "{marker}"]
timeout_seconds = {timeout}
""", encoding="utf-8")
    return path


@pytest.fixture
def marker() -> Iterator[str]:
    marker = f"kyso-fake-sut-{uuid.uuid4().hex}"
    yield marker
    survivors = []
    for entry in os.listdir("/proc"):
        try:
            if entry.isdigit() and marker.encode() in Path(f"/proc/{entry}/cmdline").read_bytes():
                survivors.append(int(entry))
        except OSError:
            continue
    for pid in survivors:
        os.kill(pid, signal.SIGKILL)
    assert not survivors, f"processes of the fake SUT survived: {survivors}"


@pytest.mark.parametrize(("behaviour", "kind", "words"), [
    ("sleep-forever", "timeout", "timeout after 1.0 s"),
    ("segfault", "crash", "killed by SIGSEGV"),
    ("invalid-json", "invalid-answer", "stdout not JSON: b'{\"version\": 1, \"indication\""),
    ("silent-exit-0", "no-answer", "no output on stdout"),
    ("huge-stdout", "invalid-answer", "stdout exceeded the 1048576-byte cap"),
    ("stderr-spam-then-exit-3", "exit-code", "fatal: the last words"),
    ("print-env", "invalid-answer", "not a valid contract-v1 VerifierAnswer"),
])
def test_a_misbehaving_sut_is_an_error_and_the_run_goes_on(
        testbed: Testbed, tmp_path: Path, marker: str, behaviour: str, kind: str,
        words: str, document: Path) -> None:
    timeout = 10.0 if behaviour == "huge-stdout" else 1.0
    _, verifier = build_roles(load_profile(_fake_profile(tmp_path, behaviour, marker,
                                                         timeout=timeout)))
    assert verifier is not None
    with pytest.raises(SutNoAnswer) as caught:
        verifier.verify(_verify_request(testbed, document, tmp_path / "case"))
    error = caught.value
    assert error.kind == kind and error.verdict == "ERROR"
    assert words in error.reason, error.reason
    assert "\n" not in error.reason
    assert isinstance(error, NoAnswer)  # the scenario player records it as ERROR
    assert error.evidence == {"command": tmp_path / "case" / "command.json",
                              "stdout": tmp_path / "case" / "stdout.txt",
                              "stderr": tmp_path / "case" / "stderr.txt"}
    assert all(path.exists() for path in error.evidence.values())
    assert error.facts["timed_out"] is (kind == "timeout")


def test_an_unsupported_exit_code_or_a_declared_capability_is_skipped(
        testbed: Testbed, tmp_path: Path, document: Path) -> None:
    profile = parse_profile("""
roles = ["signer", "verifier"]
[sut]
name = "picky"
vendor = "tests"
version = "0"
[capabilities]
pades_levels = ["B-B"]
[adapter]
kind = "cli"
[adapter.cli]
sign = ["/bin/sh", "-c", "exit 3", "{input}"]
verify = ["/bin/sh", "-c", "echo 'no PAdES here' >&2; exit 64", "{input}"]
""")
    sut = CliSut(profile)
    with pytest.raises(SutUnsupported) as caught:
        sut.verify(_verify_request(testbed, document, tmp_path / "verify"))
    assert caught.value.verdict == "SKIPPED"
    assert caught.value.reason == ("the SUT declared this case unsupported (exit code 64): "
                                   "no PAdES here")
    label = _token(testbed, "sut-adapters-picky")
    request = _sign_request(testbed, label, document, tmp_path / "out.pdf", tmp_path / "sign")
    with pytest.raises(SutUnsupported) as declared:
        sut.sign(request)  # B-LT: declared unsupported, the SUT is not even started
    assert declared.value.kind == "declared-unsupported"
    assert "B-LT" in declared.value.reason
    assert not (tmp_path / "sign" / "sut").exists()


def test_a_python_entry_point_that_raises_is_an_error(testbed: Testbed, tmp_path: Path,
                                                      document: Path) -> None:
    (tmp_path / "broken_sut.py").write_text(
        "class Broken:\n"
        "    def verify(self, request):\n"
        "        raise RuntimeError('licence server unreachable')\n"
        "def make():\n"
        "    return Broken()\n", encoding="utf-8")
    profile_path = tmp_path / "broken.toml"
    profile_path.write_text("""
roles = ["verifier"]
[sut]
name = "broken"
vendor = "tests"
version = "0"
[capabilities]
[adapter]
kind = "python"
[adapter.python]
entry_point = "broken_sut:make"
path = ["."]
""", encoding="utf-8")
    _, verifier = build_roles(load_profile(profile_path))
    assert isinstance(verifier, PythonSut)
    with pytest.raises(SutNoAnswer) as caught:
        verifier.verify(_verify_request(testbed, document, tmp_path / "case"))
    assert caught.value.kind == "exception"
    assert caught.value.reason == "verify() raised RuntimeError: licence server unreachable"
    assert "licence server" in (tmp_path / "case" / "traceback.txt").read_text()


# ---- pyHanko's command line as a second, independent tool ---------------------------------------
@pytest.mark.skipif(not HAS_PYHANKO_CLI, reason="pyhanko-cli is not installed")
def test_pyhanko_cli_signs_and_verifies_through_its_profile(
        testbed: Testbed, document: Path, tmp_path: Path,
        reference_profiles: dict[str, SutProfile]) -> None:
    profile = load_profile(EXAMPLES / "pyhanko-cli.toml")
    signer, verifier = build_roles(profile)
    assert signer is not None and verifier is not None
    label = _token(testbed, "sut-adapters-pyhanko")
    output = tmp_path / "pyhanko.pdf"
    answer = signer.sign(_sign_request(testbed, label, document, output, tmp_path / "sign",
                                       level="B-B"))
    assert answer == SignerAnswer(outcome=SignerOutcome.SIGNED, output=str(output))
    evidence = (tmp_path / "sign" / "command.json").read_text()
    assert testbed.tokens.user_pin(label) not in evidence
    verdict = verifier.verify(_verify_request(testbed, output, tmp_path / "verify"))
    assert _summary(verdict) == [("Signature-pyhanko", "TOTAL-PASSED", None)]
    _, reference = build_roles(reference_profiles["python"])
    assert reference is not None
    checked = reference.verify(_verify_request(testbed, output, tmp_path / "reference"))
    assert [s.indication for s in checked.signatures] == [Indication.TOTAL_PASSED]


@pytest.mark.skipif(not HAS_PYHANKO_CLI, reason="pyhanko-cli is not installed")
def test_pyhanko_cli_signs_with_an_expired_certificate(
        testbed: Testbed, document: Path, tmp_path: Path, restore_clock: None,
        reference_profiles: dict[str, SutProfile]) -> None:
    """pyHanko's CLI checks nothing before signing; the reference signer refuses."""
    now = testbed.now()
    testbed.set_clock(now - timedelta(days=10))
    label = _token(testbed, "sut-adapters-expired", validity=timedelta(days=2))
    testbed.set_clock(now)
    signer, verifier = build_roles(load_profile(EXAMPLES / "pyhanko-cli.toml"))
    assert signer is not None and verifier is not None
    output = tmp_path / "expired.pdf"
    answer = signer.sign(_sign_request(testbed, label, document, output, tmp_path / "sign",
                                       level="B-B"))
    assert answer.outcome is SignerOutcome.SIGNED and output.exists()
    verdict = verifier.verify(_verify_request(testbed, output, tmp_path / "verify"))
    assert [s.indication for s in verdict.signatures] != [Indication.TOTAL_PASSED]
    reference, _ = build_roles(reference_profiles["python"])
    assert reference is not None
    refused = reference.sign(_sign_request(testbed, label, document, tmp_path / "ref.pdf",
                                           tmp_path / "reference", level="B-B"))
    assert refused.outcome is SignerOutcome.REFUSED
    assert not (tmp_path / "ref.pdf").exists()
