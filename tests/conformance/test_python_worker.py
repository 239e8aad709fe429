"""The python adapter's sandboxed worker (issue 19): a vendor's entry point runs in its own
process through the sandbox, like a cli SUT: real signatures on the session testbed's SoftHSM
tokens, exceptions and hangs as ERROR, PINs kept out of the evidence, file accesses outside
the case's grants recorded."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from conformance.sut.adapters import build_roles
from conformance.sut.contract import SutNoAnswer, SutUnsupported
from conformance.sut.process.python import PythonSut
from conformance.sut.process.sandbox import (
    IsolationSettings,
    bubblewrap_problem,
    isolation_scope,
)
from conformance.sut.profile import ProfileError, load_profile
from scenarios import Indication, SignerOutcome, SignRequest, VerifyRequest
from testbed import VietnameseName, administrative_document
from testbed.session import Testbed


@pytest.fixture(autouse=True)
def _english(monkeypatch: pytest.MonkeyPatch) -> None:
    """These tests pin kyso's English wording (KYSO_LANG=en, English alone); the default
    rendering, Vietnamese first, is checked where it says so."""
    monkeypatch.setenv("KYSO_LANG", "en")


HEAD = """
roles = {roles}
[sut]
name = "worker test"
vendor = "tests"
version = "0"
[capabilities]
pades_levels = ["B-B", "B-T", "B-LT", "B-LTA"]
[adapter]
kind = "python"
[adapter.python]
entry_point = "{entry_point}"
path = ["."]
timeout_seconds = {timeout}
"""


def _profile(tmp_path: Path, entry_point: str, *, module: str | None = None,
             roles: str = '["signer", "verifier"]', timeout: float = 60,
             extra: str = "") -> PythonSut:
    folder = tmp_path / "profile"
    folder.mkdir(exist_ok=True)
    if module is not None:
        (folder / "vendor_sut.py").write_text(module, encoding="utf-8")
    path = folder / "sut.toml"
    path.write_text(HEAD.format(roles=roles, entry_point=entry_point, timeout=timeout) + extra,
                    encoding="utf-8")
    signer, verifier = build_roles(load_profile(path))
    sut = verifier or signer
    assert isinstance(sut, PythonSut) and sut.isolated
    return sut


@pytest.fixture(scope="module")
def document(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("worker") / "cong-van.pdf"
    path.write_bytes(administrative_document())
    return path


def _roots(testbed: Testbed) -> list[Path]:
    anchors = testbed.trust_anchor_paths()
    return [anchors["root-cv"], anchors["root-neac"]]


def _sign_request(testbed: Testbed, subscriber: str, document: Path, tmp_path: Path,
                  level: str = "B-B") -> SignRequest:
    record, _ = testbed.tokens.create(subscriber, key_type="p256", name=VietnameseName(
        common_name=f"Lê Thị Hoa {subscriber}", title="Chuyên viên",
        organization="Sở Nội vụ tỉnh Huế", locality="Huế"))
    output = tmp_path / "out" / "signed.pdf"
    output.parent.mkdir(parents=True, exist_ok=True)
    return SignRequest(
        input=document, output=output, token_access=testbed.directory / record.access_file,
        pin_file=testbed.directory / record.pin_file, token_label=record.label,
        trust_roots=_roots(testbed), tsa_url=None, level=level, moment=testbed.now(),
        field_name="Signature1", workdir=tmp_path / "sign")


def _verify_request(testbed: Testbed, document: Path, workdir: Path) -> VerifyRequest:
    return VerifyRequest(input=document, trust_roots=_roots(testbed), moment=testbed.now(),
                         workdir=workdir)


def test_the_reference_tools_sign_and_verify_through_the_worker(
        testbed: Testbed, document: Path, tmp_path: Path) -> None:
    sut = _profile(tmp_path, "conformance.sut.examples.reference_python:create")
    request = _sign_request(testbed, "worker-reference", document, tmp_path)
    answer = sut.sign(request)
    assert answer.outcome is SignerOutcome.SIGNED, answer
    assert request.output.read_bytes().startswith(document.read_bytes())
    evidence = json.loads((tmp_path / "sign" / "command.json").read_text())
    assert evidence["exit_code"] == 0 and evidence["method"] == "sign"
    assert evidence["command"][-1] == "conformance.sut.process.python_worker"
    assert testbed.tokens.user_pin(request.token_label) not in json.dumps(evidence)
    started = time.monotonic()
    verdict = sut.verify(_verify_request(testbed, request.output, tmp_path / "verify"))
    assert [s.indication for s in verdict.signatures] == [Indication.TOTAL_PASSED]
    assert time.monotonic() - started < 30
    if bubblewrap_problem() is None:
        assert evidence["isolation"].startswith("bubblewrap")


RAISING = """
class Broken:
    def verify(self, request):
        raise RuntimeError('licence server unreachable\\nsecond line')
    def sign(self, request):
        from conformance.sut.contract import SutUnsupported
        raise SutUnsupported('no B-B here', kind='declared-by-vendor')
def make():
    return Broken()
"""


def test_an_entry_point_that_raises_is_an_error_with_its_message(
        testbed: Testbed, document: Path, tmp_path: Path) -> None:
    sut = _profile(tmp_path, "vendor_sut:make", module=RAISING)
    with pytest.raises(SutNoAnswer) as caught:
        sut.verify(_verify_request(testbed, document, tmp_path / "case"))
    assert caught.value.kind == "exception"
    assert caught.value.reason == "verify() raised RuntimeError: licence server unreachable"
    assert "licence server" in (tmp_path / "case" / "traceback.txt").read_text()
    assert "traceback" in caught.value.evidence
    # a SutUnsupported raised on purpose comes back as itself
    with pytest.raises(SutUnsupported) as declared:
        sut.sign(_sign_request(testbed, "worker-unsupported", document, tmp_path))
    assert (declared.value.reason, declared.value.kind) == ("no B-B here", "declared-by-vendor")


def test_a_broken_entry_point_is_an_error_naming_the_import(
        testbed: Testbed, document: Path, tmp_path: Path) -> None:
    sut = _profile(tmp_path, "no_such_vendor_module:make")
    with pytest.raises(SutNoAnswer) as caught:
        sut.verify(_verify_request(testbed, document, tmp_path / "case"))
    assert caught.value.kind == "entry-point"
    assert "cannot import 'no_such_vendor_module'" in caught.value.reason


PRINTING = """
from pathlib import Path
from scenarios import SignerAnswer, SignerOutcome
class Chatty:
    def sign(self, request):
        pin = Path(request.pin_file).read_text().strip()
        print('logging in with PIN', pin)
        return SignerAnswer(outcome=SignerOutcome.REFUSED, reason=f'wrong PIN {pin}?',
                            display=f'PIN={pin}')
def make():
    return Chatty()
"""


def test_an_entry_point_that_prints_its_pin_leaves_none_in_evidence(
        testbed: Testbed, document: Path, tmp_path: Path) -> None:
    sut = _profile(tmp_path, "vendor_sut:make", module=PRINTING, roles='["signer"]')
    request = _sign_request(testbed, "worker-chatty", document, tmp_path)
    pin = testbed.tokens.user_pin(request.token_label)
    answer = sut.sign(request)
    assert answer.outcome is SignerOutcome.REFUSED
    assert answer.reason == "wrong PIN ***?" and answer.display == "PIN=***"
    kept = [path for path in (tmp_path / "sign").rglob("*") if path.is_file()]
    assert kept and not [path for path in kept if pin in path.read_text(errors="replace")]
    assert "logging in with PIN ***" in (tmp_path / "sign" / "stderr.txt").read_text()
    assert json.loads((tmp_path / "sign" / "command.json").read_text())["pin_printed"]


HANGING = """
import time
from datetime import UTC, datetime
class Stuck:
    def verify(self, request):
        time.sleep(600)
def make():
    return Stuck()
"""


def test_an_entry_point_that_hangs_hits_the_timeout(
        testbed: Testbed, document: Path, tmp_path: Path) -> None:
    sut = _profile(tmp_path, "vendor_sut:make", module=HANGING, roles='["verifier"]',
                   timeout=2)
    started = time.monotonic()
    with pytest.raises(SutNoAnswer) as caught:
        sut.verify(_verify_request(testbed, document, tmp_path / "case"))
    assert caught.value.kind == "timeout"
    assert time.monotonic() - started < 20


PRYING = """
from scenarios import VerifierAnswer
class Prying:
    def verify(self, request):
        try:
            open({secret!r}).read()
        except OSError:
            pass
        return VerifierAnswer(signatures=[])
def make():
    return Prying()
"""


@pytest.mark.skipif(bubblewrap_problem() is not None,
                    reason=f"no sandbox here: {bubblewrap_problem()}")
def test_an_entry_point_reading_outside_its_grants_is_recorded(
        testbed: Testbed, document: Path, tmp_path: Path) -> None:
    hidden = tmp_path / "run-secrets"
    hidden.mkdir()
    secret = hidden / "keys.txt"
    secret.write_text("not for the SUT", encoding="utf-8")
    sut = _profile(tmp_path, "vendor_sut:make", module=PRYING.format(secret=str(secret)),
                   roles='["verifier"]')
    with isolation_scope(IsolationSettings(hidden=(hidden,))):
        answer = sut.verify(_verify_request(testbed, document, tmp_path / "case"))
    assert answer.signatures == []
    access = json.loads((tmp_path / "case" / "command.json").read_text())["access"]
    assert access["traced"]
    assert any(attempt["kind"] == "hidden" and attempt["path"] == str(secret)
               for attempt in access["attempts"]), access


def test_in_process_is_kept_for_trusted_code_and_objects_given_directly(tmp_path: Path) -> None:
    """kyso's reference profile asks for in_process (the demo stays fast); a broken entry
    point there is a profile error at once, as before."""
    examples = Path(__file__).resolve().parents[2] / "conformance" / "sut" / "examples"
    reference = load_profile(examples / "reference-python.toml")
    assert reference.adapter.python is not None and reference.adapter.python.in_process
    assert not PythonSut(reference).isolated
    given = PythonSut(reference).implementation
    assert not PythonSut(reference, implementation=given).isolated
    broken = tmp_path / "broken.toml"
    broken.write_text(HEAD.format(roles='["verifier"]', entry_point="no_such_vendor:make",
                                  timeout=5) + "in_process = true\n", encoding="utf-8")
    with pytest.raises(ProfileError, match="cannot import 'no_such_vendor'"):
        PythonSut(load_profile(broken))


HOSTILE = """
import os, signal, sys
class Hostile:
    def __init__(self, how):
        self.how = how
    def verify(self, request):
        if self.how == 'crash':
            os.kill(os.getpid(), signal.SIGSEGV)
        if self.how == 'exit':
            os._exit(9)
        if self.how == 'silent':
            os._exit(0)
        if self.how == 'flood':
            chunk = b'x' * (1 << 20)
            while True:
                os.write(2, chunk)
        if self.how == 'list':
            return ['TOTAL-PASSED']
        return {'version': 1, 'signatures': 'all good'}
def make(how):
    return Hostile(how)
"""


@pytest.mark.parametrize(("how", "kind"), [
    ("crash", "crash"), ("exit", "exit-code"), ("silent", "no-answer"), ("flood", "flood"),
    ("list", "invalid-answer"), ("garbage", "invalid-answer")])
def test_a_hostile_entry_point_is_an_error_of_its_kind(document: Path, tmp_path: Path,
                                                       how: str, kind: str) -> None:
    """Crash, bad exit, nothing said, an output flood, garbage answers: each an ERROR of its
    own kind, from the light worker as from the old one (issue 22 must not weaken this)."""
    sut = _profile(tmp_path, "vendor_sut:make", module=HOSTILE, roles='["verifier"]',
                   timeout=30, extra=f'options = {{ how = "{how}" }}\n')
    request = VerifyRequest(input=document, trust_roots=[], moment=datetime.now(UTC),
                            workdir=tmp_path / "case")
    with pytest.raises(SutNoAnswer) as caught:
        sut.verify(request)
    assert caught.value.kind == kind, caught.value.reason
    evidence = json.loads((tmp_path / "case" / "command.json").read_text())
    assert evidence["method"] == "verify" and (tmp_path / "case" / "stderr.txt").exists()
