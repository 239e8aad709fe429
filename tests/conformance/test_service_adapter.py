"""The service adapter kinds against small real services (aiohttp on 127.0.0.1) that sign and
verify with the reference tools on the session testbed's SoftHSM tokens: http with a
base64-JSON form, ws-oneshot with the fixture server's download and upload and a UI driver,
ws-session with a licence, callbacks and interleaved replies, remote-hash with polling and
pyHanko's assembly; and services that hang, close mid-answer, answer garbage or a huge body:
each is an ERROR of its kind, and the next call works."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from asn1crypto import pem
from cryptography.hazmat.primitives import serialization

from conformance.reference.roles import ReferenceVerifier
from conformance.sut.adapters import build_roles
from conformance.sut.contract import SutNoAnswer, SutUnsupported
from conformance.sut.isolation import bubblewrap_problem
from conformance.sut.profile import load_profile
from conformance.sut.service.adapter import ServiceSut
from scenarios.outcomes import Indication, SignerOutcome
from scenarios.roles import SignRequest, VerifyRequest
from testbed.ca.branches import Branch
from testbed.ca.key_types import KeyType
from testbed.ca.names import VietnameseName
from testbed.documents import administrative_document
from testbed.session import Testbed

from .service_toys import ToyServer, http_plugin, remote_hash, ws_oneshot, ws_session


@pytest.fixture(autouse=True)
def _english(monkeypatch: pytest.MonkeyPatch) -> None:
    """These tests pin kyso's English wording (KYSO_LANG=en, English alone); the default
    rendering, Vietnamese first, is checked where it says so."""
    monkeypatch.setenv("KYSO_LANG", "en")

HEAD = """
roles = {roles}
[sut]
name = "toy"
vendor = "tests"
version = "1"
[capabilities]
pades_levels = ["B-B", "B-T", "B-LT", "B-LTA"]
[interaction]
{interaction}
[adapter]
kind = "{kind}"
[adapter.service]
base_url = "{url}"
timeout_seconds = {timeout}
max_reply_bytes = {cap}
"""

TESTBED_FIELDS = """TokenAccess = "{token_access}"
Moment = "{moment}"
TrustFiles = "{trust_files}"
TsaUrl = "{tsa_url}"
Level = "{level}"
FieldName = "{field_name}"
"""

HTTP_STEPS = """
[[adapter.service.sign]]
name = "sign"
path = "/sign"
encoding = "form"
[adapter.service.sign.body.request."$base64-json"]
FileData = "{input_base64}"
Pin = "{pin}"
""" + TESTBED_FIELDS + """
[adapter.service.sign.reply]
code = "$.code"
message = "$.message"
output = "$.data.signedData | base64"
output_from = "inline-base64"
warnings = "$.data.warnings"
results = {signed = ["0"], refused = ["1", "2"], unsupported = ["64"]}

[[adapter.service.verify]]
name = "verify"
path = "/verify"
encoding = "form"
[adapter.service.verify.body.request."$base64-json"]
FileData = "{input_base64}"
Moment = "{moment}"
TrustFiles = "{trust_files}"
[adapter.service.verify.reply]
code = "$.code"
message = "$.message"
display = "$.data.display"
signatures = "$.data.signatures[*]"
results = {done = ["0"]}
indications = {TOTAL-PASSED = ["0"], TOTAL-FAILED = ["1"], INDETERMINATE = ["2"]}
[adapter.service.verify.reply.signature]
field_name = "$.fieldName"
indication = "$.result"
sub_indication = "$.subIndication"
display = "$.fields"
warnings = "$.warnings"
"""


def profile_text(kind: str, url: str, steps: str, *, roles: str = '["signer", "verifier"]',
                 interaction: str = 'mode = "pin"', timeout: float = 60,
                 cap: int = 20_000_000) -> str:
    return HEAD.format(roles=roles, interaction=interaction, kind=kind, url=url,
                       timeout=timeout, cap=cap) + steps


def service_sut(tmp_path: Path, text: str) -> ServiceSut:
    """The profile written beside the case directories, built as the runner builds it."""
    path = tmp_path / "sut.toml"
    path.write_text(text, encoding="utf-8")
    signer, verifier = build_roles(load_profile(path))
    sut = signer or verifier
    assert isinstance(sut, ServiceSut)
    return sut


NAME = VietnameseName(common_name="Lê Thị Dịch Vụ", organization="Sở Nội vụ tỉnh Huế")


@pytest.fixture(scope="module")
def token(testbed: Testbed) -> str:
    record, _ = testbed.tokens.create("service-adapter", key_type="p256", name=NAME)
    return record.label


@pytest.fixture(scope="module")
def document(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("service") / "cong-van.pdf"
    path.write_bytes(administrative_document())
    return path


def trust_roots(testbed: Testbed) -> list[Path]:
    anchors = testbed.trust_anchor_paths()
    return [anchors[label] for label in ("root-cv", "root-neac")]


def sign_request(testbed: Testbed, label: str, source: Path, workdir: Path,
                 level: str = "B-B", pin_file: Path | None = None) -> SignRequest:
    record = testbed.state.token(label)
    return SignRequest(
        input=source, output=workdir / "signed.pdf",
        token_access=testbed.directory / record.access_file,
        pin_file=pin_file or testbed.directory / record.pin_file, token_label=label,
        trust_roots=trust_roots(testbed), tsa_url=testbed.urls("ca-cv")["tsa"], level=level,
        moment=testbed.now(), field_name="Signature-service", workdir=workdir)


def verify_request(testbed: Testbed, document: Path, workdir: Path) -> VerifyRequest:
    return VerifyRequest(input=document, trust_roots=trust_roots(testbed),
                         moment=testbed.now(), workdir=workdir)


def no_pin_anywhere(directory: Path, pin: str) -> None:
    for path in directory.rglob("*"):
        if path.is_file():
            assert pin.encode() not in path.read_bytes(), f"the PIN is in {path}"


def independently_valid(testbed: Testbed, signed: Path, tmp_path: Path) -> None:
    answer = ReferenceVerifier().verify(verify_request(testbed, signed, tmp_path / "oracle"))
    assert [s.indication for s in answer.signatures] == [Indication.TOTAL_PASSED], answer


# ---- http: base64-JSON in a form field ----------------------------------------------------------
@pytest.fixture(scope="module")
def http_toy() -> Iterator[ToyServer]:
    with ToyServer(http_plugin) as toy:
        yield toy


def test_http_form_signs_and_verifies_through_the_reference_tools(
        testbed: Testbed, token: str, document: Path, tmp_path: Path,
        http_toy: ToyServer) -> None:
    sut = service_sut(tmp_path, profile_text("http", http_toy.url, HTTP_STEPS))
    request = sign_request(testbed, token, document, tmp_path / "sign")
    answer = sut.sign(request)
    assert answer.outcome is SignerOutcome.SIGNED, answer
    assert answer.display is not None and answer.display.startswith("Đã ký.")
    signed = Path(answer.output or "")
    assert signed.read_bytes().startswith(document.read_bytes())
    independently_valid(testbed, signed, tmp_path)
    # the testbed extension fields reached the service, the token behind the trace
    sent = http_toy.state["last_sign"]
    assert sent["TokenAccess"] == str((tmp_path / "sign" / "token-access.json").resolve()) \
        or not json.loads((tmp_path / "sign" / "pkcs11-trace.json").read_text())["traced"]
    assert sent["TrustFiles"] == [str(p.resolve()) for p in trust_roots(testbed)]
    assert sent["Level"] == "B-B" and sent["Moment"] == request.moment.isoformat()
    trace = json.loads((tmp_path / "sign" / "pkcs11-trace.json").read_text())
    if trace["traced"]:
        assert trace["sign_calls"] >= 1 and not trace["tried_key_extraction"]
    # evidence: each step, the request as sent (PIN as ***), the reply, the selectors
    exchange = json.loads((tmp_path / "sign" / "service-exchange.json").read_text())
    step = exchange["steps"][0]
    assert step["url"] == f"{http_toy.url}/sign" and step["status"] == 200
    inner = step["request_body"]["request"]["$base64-json"]
    assert inner["Pin"] == "***" and inner["FileData"].endswith("characters>")
    assert step["selectors"]["code"] == 0
    no_pin_anywhere(tmp_path / "sign", testbed.tokens.user_pin(token))
    # verification of the signed output, the seven fields carried over
    verdict = sut.verify(verify_request(testbed, signed, tmp_path / "verify"))
    assert [(s.field_name, s.indication) for s in verdict.signatures] == \
        [("Signature-service", Indication.TOTAL_PASSED)]
    assert verdict.signatures[0].display["result"] == "Chữ ký số hợp lệ"
    assert {"issuer", "signer", "signing_time"} <= set(verdict.signatures[0].display)
    assert verdict.display and "hợp lệ" in verdict.display


def test_http_refusal_keeps_the_service_message_verbatim(
        testbed: Testbed, token: str, document: Path, tmp_path: Path,
        http_toy: ToyServer) -> None:
    sut = service_sut(tmp_path, profile_text("http", http_toy.url, HTTP_STEPS))
    wrong = tmp_path / "wrong.pin"
    wrong.write_text("000000")
    wrong.chmod(0o600)
    answer = sut.sign(sign_request(testbed, token, document, tmp_path / "sign", pin_file=wrong))
    assert answer.outcome is SignerOutcome.REFUSED
    assert answer.reason is not None and "Sai mã PIN" in answer.reason
    assert answer.display == answer.reason
    assert not (tmp_path / "sign" / "signed.pdf").exists()
    no_pin_anywhere(tmp_path / "sign", "000000")


def test_http_unknown_and_unsupported_codes(testbed: Testbed, token: str, document: Path,
                                            tmp_path: Path, http_toy: ToyServer) -> None:
    sut = service_sut(tmp_path, profile_text("http", http_toy.url, HTTP_STEPS))
    try:
        http_toy.state["code"] = 64
        with pytest.raises(SutUnsupported, match="Không hỗ trợ"):
            sut.sign(sign_request(testbed, token, document, tmp_path / "a"))
        http_toy.state["code"] = 77
        with pytest.raises(SutNoAnswer) as caught:
            sut.sign(sign_request(testbed, token, document, tmp_path / "b"))
        assert caught.value.kind == "invalid-answer"
        assert "result code 77 (Không hỗ trợ) is not in reply.results" in caught.value.reason
        assert caught.value.evidence["exchange"].exists()
    finally:
        http_toy.state["code"] = None


def test_a_selector_that_misses_names_what_was_there(testbed: Testbed, token: str,
                                                     document: Path, tmp_path: Path,
                                                     http_toy: ToyServer) -> None:
    steps = HTTP_STEPS.replace('display = "$.data.display"', 'display = "$.data.shown"')
    sut = service_sut(tmp_path, profile_text("http", http_toy.url, steps))
    with pytest.raises(SutNoAnswer) as caught:
        sut.verify(verify_request(testbed, document, tmp_path / "verify"))
    assert caught.value.kind == "invalid-answer"
    assert caught.value.reason == ("selector $.data.shown matched nothing (no shown in "
                                   "$.data); keys here: display, signatures")


# ---- ws-oneshot: the service downloads the input and uploads the output; a UI driver ------------
TOY_DRIVER = Path(__file__).resolve().parent.parent / "fake_suts" / "toy_ui_driver.py"
WS_ONESHOT_STEPS = """
[[adapter.service.sign]]
name = "SignPDF"
path = "/SignPDF"
final = {selector = "$.Final", in = ["true"]}
[adapter.service.sign.body]
FileName = "{input_url}"
FileUploadHandler = "{upload_url}"
SessionId = ""
""" + TESTBED_FIELDS + """
[adapter.service.sign.reply]
code = "$.Status"
message = "$.Message"
warnings = "$.Warnings"
output_from = "upload"
results = {signed = ["0"], refused = ["1", "2"]}

[[adapter.service.verify]]
name = "VerifyPDF"
path = "/VerifyPDF"
body = {FileName = "{input_url}", Moment = "{moment}", TrustFiles = "{trust_files}"}
final = {selector = "$.Final", in = ["true"]}
[adapter.service.verify.reply]
code = "$.Status"
message = "$.Message"
display = "$.Display"
signatures = "$.Signatures[*]"
results = {done = ["0"]}
indications = {TOTAL-PASSED = ["0"], TOTAL-FAILED = ["1"], INDETERMINATE = ["2"]}
[adapter.service.verify.reply.signature]
field_name = "$.fieldName"
indication = "$.result"
display = {result = "$.message", signer = "$.fields.signer"}
"""
DRIVER = f'mode = "driver"\ndriver = ["{{python}}", "{TOY_DRIVER}", "{{base_url}}", "{{pin_file}}"]'


@pytest.fixture(scope="module")
def oneshot_toy() -> Iterator[ToyServer]:
    with ToyServer(ws_oneshot) as toy:
        yield toy


def test_ws_oneshot_downloads_uploads_and_a_driver_types_the_pin(
        testbed: Testbed, token: str, document: Path, tmp_path: Path,
        oneshot_toy: ToyServer) -> None:
    sut = service_sut(tmp_path, profile_text("ws-oneshot", oneshot_toy.ws_url, WS_ONESHOT_STEPS,
                                             interaction=DRIVER))
    answer = sut.sign(sign_request(testbed, token, document, tmp_path / "sign"))
    assert answer.outcome is SignerOutcome.SIGNED, answer
    signed = tmp_path / "sign" / "signed.pdf"
    independently_valid(testbed, signed, tmp_path)
    exchange = json.loads((tmp_path / "sign" / "service-exchange.json").read_text())
    assert exchange["fixture"]["downloads"] == 1
    assert exchange["fixture"]["uploads"][0]["bytes"] == signed.stat().st_size
    assert exchange["steps"][0]["callbacks"] == [{"Status": 0, "Message": "Đang ký..."}]
    assert exchange["driver"]["exit_code"] == 0
    if bubblewrap_problem() is None:  # the tester's tool near the PIN is confined like a SUT
        assert exchange["driver"]["isolation"].startswith("bubblewrap")
    pin = testbed.tokens.user_pin(token)
    output = (tmp_path / "sign" / "driver-output.txt").read_text()
    assert "answered dialog" in output and "PIN ***" in output
    no_pin_anywhere(tmp_path / "sign", pin)
    verdict = sut.verify(verify_request(testbed, signed, tmp_path / "verify"))
    assert verdict.signatures[0].indication is Indication.TOTAL_PASSED
    assert verdict.signatures[0].display["result"] == "Chữ ký số hợp lệ"
    assert set(verdict.signatures[0].display) == {"result", "signer"}


def test_without_the_driver_nobody_types_the_pin_and_the_case_times_out(
        testbed: Testbed, token: str, document: Path, tmp_path: Path,
        oneshot_toy: ToyServer, capfd: pytest.CaptureFixture[str]) -> None:
    sut = service_sut(tmp_path, profile_text("ws-oneshot", oneshot_toy.ws_url, WS_ONESHOT_STEPS,
                                             interaction='mode = "human"', timeout=1.5))
    started = time.monotonic()
    with pytest.raises(SutNoAnswer) as caught:
        sut.sign(sign_request(testbed, token, document, tmp_path / "sign"))
    assert caught.value.kind == "timeout"
    assert "no final answer within 1.5 s (waiting at step 'SignPDF')" in caught.value.reason
    assert time.monotonic() - started < 10
    prompt = capfd.readouterr().err
    assert "hãy nhập mã PIN của thiết bị" in prompt and "type the PIN of token" in prompt
    assert testbed.tokens.user_pin(token) not in prompt


# ---- ws-session: licence once per connection, callbacks, interleaved replies ---------------------
WS_SESSION_STEPS = """
correlate = "$.id"
final = {selector = "$.type", in = ["result"]}

[[adapter.service.setup]]
name = "SetLicense"
path = "/"
body = {id = "{request_id}", function = "SetLicense", args = {license = "KYSO-TEST"}}
reply = {code = "$.code", message = "$.message", results = {done = ["0"]}}

[[adapter.service.sign]]
name = "SignPDF"
path = "/"
[adapter.service.sign.body]
id = "{request_id}"
function = "SignPDF"
[adapter.service.sign.body.args]
data = "{input_base64}"
Pin = "{pin}"
""" + TESTBED_FIELDS + """
[adapter.service.sign.reply]
code = "$.code"
message = "$.message"
output = "$.data.signedData | base64"
output_from = "inline-base64"
results = {signed = ["0"], refused = ["1", "2"], unsupported = ["401"]}

[[adapter.service.verify]]
name = "VerifyPDF"
path = "/"
[adapter.service.verify.body]
id = "{request_id}"
function = "VerifyPDF"
[adapter.service.verify.body.args]
data = "{input_base64}"
Moment = "{moment}"
TrustFiles = "{trust_files}"
delay = "{case_id}"
[adapter.service.verify.reply]
code = "$.code"
message = "$.message"
signatures = "$.data.signatures[*]"
results = {done = ["0"]}
indications = {TOTAL-PASSED = ["0"], TOTAL-FAILED = ["1"], INDETERMINATE = ["2"]}
[adapter.service.verify.reply.signature]
indication = "$.result"
field_name = "$.fieldName"
"""


def test_ws_session_keeps_one_connection_and_routes_interleaved_replies(
        testbed: Testbed, token: str, document: Path, tmp_path: Path) -> None:
    with ToyServer(ws_session) as toy:
        sut = service_sut(tmp_path, profile_text("ws-session", toy.ws_url, WS_SESSION_STEPS))
        answer = sut.sign(sign_request(testbed, token, document, tmp_path / "sign"))
        assert answer.outcome is SignerOutcome.SIGNED, answer
        signed = tmp_path / "sign" / "signed.pdf"
        exchange = json.loads((tmp_path / "sign" / "service-exchange.json").read_text())
        assert [step["step"] for step in exchange["steps"]] == ["SetLicense", "SignPDF"]
        assert exchange["steps"][1]["callbacks"][0]["type"] == "progress"
        # two verifications at once: the first answers after 1.5 s, the second at once
        slow, fast = tmp_path / "slow-1.5", tmp_path / "fast-0"
        answers: dict[str, object] = {}

        def verify(workdir: Path) -> None:
            answers[workdir.name] = sut.verify(verify_request(testbed, signed, workdir))

        threads = [threading.Thread(target=verify, args=(folder,)) for folder in (slow, fast)]
        for thread in threads:
            thread.start()
            time.sleep(0.3)
        for thread in threads:
            thread.join(60)
        assert set(answers) == {"slow-1.5", "fast-0"}, answers
        for verdict in answers.values():
            assert [s.indication for s in verdict.signatures] == [Indication.TOTAL_PASSED]
        assert toy.state["connections"] == 1 and toy.state["licences"] == 1
        fast_exchange = json.loads((fast / "service-exchange.json").read_text())
        slow_exchange = json.loads((slow / "service-exchange.json").read_text())
        assert fast_exchange["seconds"] < slow_exchange["seconds"]
        # the service drops the connection: ERROR connection, then a reconnect and a new licence
        toy.behaviour = "close"
        with pytest.raises(SutNoAnswer) as caught:
            sut.verify(verify_request(testbed, signed, tmp_path / "closed"))
        assert caught.value.kind == "connection"
        toy.behaviour = "normal"
        verdict = sut.verify(verify_request(testbed, signed, tmp_path / "again-0"))
        assert [s.indication for s in verdict.signatures] == [Indication.TOTAL_PASSED]
        assert toy.state["connections"] == 2 and toy.state["licences"] == 2
        sut.close()


# ---- remote-hash: certificate, digest, polling, pyHanko's assembly ------------------------------
REMOTE_HASH_STEPS = """
[[adapter.service.certificate]]
name = "credentials/info"
path = "/credentials/info"
body = {user_id = "{token_label}", TokenAccess = "{token_access}"}
[adapter.service.certificate.reply]
code = "$.code"
message = "$.message"
certificate = "$.data.certificate | base64"
chain = "$.data.chain"
results = {done = ["0"]}

[[adapter.service.sign_hash]]
name = "sign-hash"
path = "/signatures/sign-hash"
[adapter.service.sign_hash.body]
user_id = "{token_label}"
hash = "{hash_base64}"
hash_algorithm = "{hash_algorithm}"
signature_algorithm = "{signature_algorithm}"
description = "{input_name}"
pin = "{pin}"
[adapter.service.sign_hash.reply]
code = "$.code"
message = "$.message"
save = {transaction = "$.data.transaction_id"}
results = {done = ["0"], refused = ["1", "2", "3", "4"]}

[[adapter.service.sign_hash]]
name = "status"
path = "/signatures/status"
body = {transaction_id = "{saved.transaction}"}
[adapter.service.sign_hash.poll]
every_seconds = 0.1
until = {selector = "$.data.status", in = ["confirmed", "rejected", "expired"]}
[adapter.service.sign_hash.reply]
code = "$.data.status"
message = "$.message"
signature = "$.data.signature"
results = {signed = ["confirmed"], refused = ["rejected", "expired"]}
"""


@pytest.fixture(scope="module")
def remote_subscriber(testbed: Testbed) -> dict[str, object]:
    """A subscriber whose key is held by the remote service (a key file here)."""
    record = testbed.issue("service-remote-hash", name=NAME, key_type=KeyType.P256,
                           branch=Branch.PUBLIC)
    key = serialization.load_pem_private_key(
        testbed.private_key_path(record.label).read_bytes(), password=None)
    chain = [pem.unarmor(testbed.certificate_pem(r.label).encode())[2]
             for r in testbed.chain(record.label)[1:-1]]
    return {"certificate": testbed.certificate_der(record.label), "chain": chain, "key": key}


@pytest.mark.parametrize("level", ["B-B", "B-LT"])
def test_remote_hash_polls_for_the_confirmation_and_pyhanko_assembles(
        testbed: Testbed, token: str, document: Path, tmp_path: Path,
        remote_subscriber: dict[str, object], level: str) -> None:
    with ToyServer(remote_hash) as toy:
        toy.state.update(remote_subscriber, polls=3)
        sut = service_sut(tmp_path, profile_text("remote-hash", toy.url, REMOTE_HASH_STEPS,
                                                 roles='["signer"]'))
        answer = sut.sign(sign_request(testbed, token, document, tmp_path / "sign", level=level))
        assert answer.outcome is SignerOutcome.SIGNED, answer
        assert answer.display == "Đã ký"
        assert toy.calls == ["info", "sign-hash", "status", "status", "status", "status"]
        assert toy.state["last_sign_hash"]["signature_algorithm"] == "ecdsa"
        assert toy.state["last_sign_hash"]["description"] == document.name
        signed = tmp_path / "sign" / "signed.pdf"
        assert signed.read_bytes().startswith(document.read_bytes())
        independently_valid(testbed, signed, tmp_path)
        from pyhanko.pdf_utils.reader import PdfFileReader

        with signed.open("rb") as handle:
            reader = PdfFileReader(handle)
            assert ("/DSS" in reader.root) is (level == "B-LT")
        exchange = json.loads((tmp_path / "sign" / "service-exchange.json").read_text())
        statuses = [s for s in exchange["steps"] if s["step"] == "status"]
        assert [s["selectors"]["poll.until"] for s in statuses] == \
            ["pending", "pending", "pending", "confirmed"]
        no_pin_anywhere(tmp_path / "sign", testbed.tokens.user_pin(token))


def test_remote_hash_refusal_is_the_service_message(
        testbed: Testbed, token: str, document: Path, tmp_path: Path,
        remote_subscriber: dict[str, object]) -> None:
    with ToyServer(remote_hash) as toy:
        toy.state.update(remote_subscriber, refuse="Chứng thư số đã bị thu hồi")
        sut = service_sut(tmp_path, profile_text("remote-hash", toy.url, REMOTE_HASH_STEPS,
                                                 roles='["signer"]'))
        answer = sut.sign(sign_request(testbed, token, document, tmp_path / "sign"))
        assert answer.outcome is SignerOutcome.REFUSED
        assert answer.reason == answer.display == "Chứng thư số đã bị thu hồi"
        assert not (tmp_path / "sign" / "signed.pdf").exists()


# ---- misbehaving services: ERROR of the right kind, and the next call works ----------------------
@pytest.mark.parametrize(("behaviour", "kind", "words"), [
    ("hang", "timeout", "no final answer within 2.0 s"),
    ("close", "connection", "the connection broke before the answer was complete"),
    ("garbage", "invalid-answer", "the reply is not in the declared format"),
    ("huge", "flood", "reply above max_reply_bytes = 1000000"),
])
def test_a_misbehaving_http_service_is_an_error_and_the_run_goes_on(
        testbed: Testbed, document: Path, tmp_path: Path, http_toy: ToyServer,
        behaviour: str, kind: str, words: str) -> None:
    sut = service_sut(tmp_path, profile_text("http", http_toy.url, HTTP_STEPS, timeout=2,
                                             cap=1_000_000))
    http_toy.behaviour = behaviour
    http_toy.state["quick"] = True  # the next answer must not need the timeout's time
    started = time.monotonic()
    try:
        with pytest.raises(SutNoAnswer) as caught:
            sut.verify(verify_request(testbed, document, tmp_path / "bad"))
        http_toy.behaviour = "normal"
        answer = sut.verify(verify_request(testbed, document, tmp_path / "good"))
        assert answer.signatures == [] and answer.display == "Tài liệu không có chữ ký số"
    finally:
        http_toy.behaviour = "normal"
        http_toy.state["quick"] = False
    assert caught.value.kind == kind
    assert words in caught.value.reason
    assert time.monotonic() - started < 10
    exchange = json.loads((tmp_path / "bad" / "service-exchange.json").read_text())
    assert exchange["error"]["kind"] == kind and exchange["steps"][0]["error"]["kind"] == kind


@pytest.mark.parametrize(("behaviour", "kind"), [
    ("hang", "timeout"), ("close", "connection"), ("garbage", "invalid-answer"),
    ("huge", "flood")])
def test_a_misbehaving_websocket_service_is_an_error_and_the_run_goes_on(
        testbed: Testbed, document: Path, tmp_path: Path, oneshot_toy: ToyServer,
        behaviour: str, kind: str) -> None:
    sut = service_sut(tmp_path, profile_text("ws-oneshot", oneshot_toy.ws_url,
                                             WS_ONESHOT_STEPS, interaction='mode = "none"',
                                             timeout=2, cap=1_000_000))
    oneshot_toy.behaviour = behaviour
    oneshot_toy.state["quick"] = True
    try:
        with pytest.raises(SutNoAnswer) as caught:
            sut.verify(verify_request(testbed, document, tmp_path / "bad"))
        assert caught.value.kind == kind, caught.value.reason
        oneshot_toy.behaviour = "normal"
        answer = sut.verify(verify_request(testbed, document, tmp_path / "good"))
        assert answer.signatures == [] and answer.display == "Tài liệu không có chữ ký số"
    finally:
        oneshot_toy.behaviour = "normal"
        oneshot_toy.state["quick"] = False


def test_a_service_that_is_not_there_is_a_connection_error(testbed: Testbed, document: Path,
                                                           tmp_path: Path) -> None:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    sut = service_sut(tmp_path, profile_text("http", f"http://127.0.0.1:{port}", HTTP_STEPS))
    with pytest.raises(SutNoAnswer) as caught:
        sut.verify(verify_request(testbed, document, tmp_path / "verify"))
    assert caught.value.kind == "connection"
    assert "cannot connect" in caught.value.reason


# ---- TLS: the pinned certificate, TLS 1.2 at least -------------------------------------------
def _self_signed(directory: Path, name: str) -> tuple[Path, Path]:
    import datetime
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    start = datetime.datetime(2020, 1, 1, tzinfo=datetime.UTC)
    certificate = (x509.CertificateBuilder().subject_name(subject).issuer_name(subject)
                   .public_key(key.public_key()).serial_number(x509.random_serial_number())
                   .not_valid_before(start).not_valid_after(start.replace(year=2099))
                   .add_extension(x509.SubjectAlternativeName(
                       [x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
                   .sign(key, hashes.SHA256()))
    certificate_file, key_file = directory / f"{name}.pem", directory / f"{name}.key"
    certificate_file.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                           serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return certificate_file, key_file


def test_tls_pins_the_service_certificate_and_refuses_old_versions(
        testbed: Testbed, document: Path, tmp_path: Path) -> None:
    import ssl

    certificate, key = _self_signed(tmp_path, "service")
    other, _ = _self_signed(tmp_path, "impostor")
    server = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server.load_cert_chain(certificate, key)
    server.maximum_version = ssl.TLSVersion.TLSv1_2
    with ToyServer(http_plugin, tls=server) as toy:
        def profile(pinned: Path, version: str = "TLSv1.2") -> ServiceSut:
            text = profile_text("http", toy.url, HTTP_STEPS) + (
                f'[adapter.service.tls]\npinned_certificate = "{pinned.name}"\n'
                f'min_version = "{version}"\n')
            return service_sut(tmp_path, text)

        answer = profile(certificate).verify(verify_request(testbed, document, tmp_path / "a"))
        assert answer.signatures == []
        with pytest.raises(SutNoAnswer) as caught:
            profile(other).verify(verify_request(testbed, document, tmp_path / "b"))
        assert caught.value.kind == "tls" and "TLS handshake failed" in caught.value.reason
        with pytest.raises(SutNoAnswer) as caught:
            profile(certificate, "TLSv1.3").verify(verify_request(testbed, document,
                                                                   tmp_path / "c"))
        assert caught.value.kind == "tls", caught.value.reason
    assert "POST" not in json.dumps(toy.calls)  # nothing reached the impostor check


# ---- kyso adapter check -------------------------------------------------------------------------
def test_adapter_check_says_step_by_step_where_a_profile_misses(
        tmp_path: Path, http_toy: ToyServer, capsys: pytest.CaptureFixture[str]) -> None:
    from conformance.cli import main
    from conformance.sut.adapter_check import check_adapter

    good = tmp_path / "good.toml"
    good.write_text(profile_text("http", http_toy.url, HTTP_STEPS), encoding="utf-8")
    lines: list[str] = []
    assert check_adapter(good, out=tmp_path / "kept", emit=lines.append) == 0
    text = "\n".join(lines)
    assert "✓ signed" in text and "✓ verified: 1 signature(s)" in text
    assert "✓ the oracle: PAdES baseline B-B, ecdsa with sha256, TOTAL-PASSED" in text
    assert "Pin\": \"***\"" in text and "code 0 → ok" in text
    assert (tmp_path / "kept" / "sign" / "service-exchange.json").exists()
    kept = tmp_path / "kept" / "testbed"  # its public part only: no PIN, key or token store
    assert (kept / "registry.json").exists() and list(kept.glob("tokens/*.json"))
    assert not [*kept.glob("tokens/*pin"), *kept.glob("keys/*.key.pem"), *kept.glob("**/hsm")]

    misfit = tmp_path / "misfit.toml"  # a typo in the verify step's indication table
    misfit.write_text(profile_text("http", http_toy.url, HTTP_STEPS.replace(
        'TOTAL-PASSED = ["0"], TOTAL-FAILED = ["1"]', 'TOTAL-PASSED = ["1"], TOTAL-FAILED = '
        '["0"]'), roles='["verifier"]'), encoding="utf-8")
    lines.clear()
    assert check_adapter(misfit, emit=lines.append) == 1
    text = "\n".join(lines)
    assert "verifying a reference signature (the SUT gave none)" in text
    assert "ChuKyThamChieu: TOTAL-FAILED" in text and "check reply.indications" in text

    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    away = tmp_path / "away.toml"
    away.write_text(profile_text("http", f"http://127.0.0.1:{port}", HTTP_STEPS,
                                 roles='["signer"]'), encoding="utf-8")
    assert check_adapter(away, emit=lines.append) == 3

    broken = tmp_path / "broken.toml"
    broken.write_text(profile_text("http", http_toy.url, HTTP_STEPS, interaction="")
                      .replace("[interaction]\n", ""), encoding="utf-8")
    assert main(["adapter", "check", "--sut", str(broken)]) == 2
    assert capsys.readouterr().err.startswith(f"kyso: {broken}: interaction: required table")
