"""The emulated local signing services (``kyso emulate``), driven with plain aiohttp clients.

Not through the service adapters: these tests pin the protocols the adapters' example profiles
are written against. Every signature is made on a real SoftHSM token of the session testbed by
the reference signer in a subprocess, and checked by the reference verifier (PDFs) or by
``cryptography`` (remote-hash's raw signatures). Each family runs once per module; the
misbehaving and special-option services start per test (no subprocess: milliseconds).
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
import os
import signal
import socket
import ssl
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import WSMsgType, web
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, utils
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.fields import enumerate_sig_fields

from conformance.reference.verifier import trust_roots_from_files, verify_in_detail
from emulators import (
    Family,
    Misbehaviour,
    RunningService,
    TestbedDefaults,
    serve_in_thread,
)
from emulators.misbehave import GARBAGE_BYTES, HUGE_BYTES
from scenarios.outcomes import Indication
from testbed.ca.names import VietnameseName
from testbed.documents import administrative_document
from testbed.session import Testbed
from testbed.tokens import write_pin_file

ROOT = Path(__file__).resolve().parents[2]
SIGNER = VietnameseName(common_name="Trần Thị Bích Ngọc", title="Chánh Văn phòng",
                        organization="Sở Thông tin và Truyền thông tỉnh Nghệ An",
                        locality="Nghệ An")


# ---- the world: tokens, documents, the testbed extension fields ---------------------------------
@dataclass(frozen=True)
class Holder:
    """A subscriber's token as a request to a service names it."""

    label: str
    access_file: str
    pin: str


@pytest.fixture(scope="module")
def document() -> bytes:
    return administrative_document()


def _holder(testbed: Testbed, subscriber: str, key_type: str = "p256", **options: Any) -> Holder:
    token, _ = testbed.tokens.create(
        subscriber, key_type=key_type,
        name=SIGNER.model_copy(update={"common_name": f"{SIGNER.common_name} {subscriber}"}),
        **options)
    return Holder(label=token.label,
                  access_file=str(testbed.directory / testbed.state.token(token.label)
                                  .access_file),
                  pin=testbed.tokens.user_pin(token.label))


@pytest.fixture(scope="module")
def holder(testbed: Testbed) -> Holder:
    return _holder(testbed, "emulated-signer")


def _trust(testbed: Testbed) -> list[str]:
    return [str(path) for label, path in testbed.trust_anchor_paths().items()
            if label in ("root-cv", "root-neac")]


def _extension(testbed: Testbed, holder: Holder | None = None, **more: Any) -> dict[str, Any]:
    fields = {"Moment": testbed.now().isoformat(), "TrustFiles": _trust(testbed),
              "TsaUrl": testbed.urls("ca-cv")["tsa"], "Level": "B-LT"}
    if holder is not None:
        fields["TokenAccess"] = holder.access_file
    return {**fields, **more}


def _verified(testbed: Testbed, pdf: bytes) -> list[Any]:
    roots = trust_roots_from_files([Path(path) for path in _trust(testbed)])
    return verify_in_detail(pdf, roots, at=testbed.now()).answer.signatures


def _run(coroutine: Any) -> Any:
    return asyncio.run(coroutine)


# ---- the services, once per module --------------------------------------------------------------
@pytest.fixture(scope="module")
def http_plugin() -> Iterator[RunningService]:
    with serve_in_thread(Family.HTTP_PLUGIN) as service:
        yield service


@pytest.fixture(scope="module")
def ws_oneshot() -> Iterator[RunningService]:
    with serve_in_thread(Family.WS_ONESHOT) as service:
        yield service


@pytest.fixture(scope="module")
def ws_session() -> Iterator[RunningService]:
    with serve_in_thread(Family.WS_SESSION) as service:
        yield service


@pytest.fixture(scope="module")
def remote_hash() -> Iterator[RunningService]:
    with serve_in_thread(Family.REMOTE_HASH, confirm_after=0.2) as service:
        yield service


# ---- http-plugin --------------------------------------------------------------------------------
def _form(body: dict[str, Any]) -> dict[str, str]:
    return {"request": base64.b64encode(json.dumps(body).encode()).decode()}


async def _post_form(url: str, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    async with aiohttp.ClientSession() as http, http.post(url, data=_form(body)) as response:
        return response.status, await response.json()


def _sign_http(service: RunningService, testbed: Testbed, holder: Holder, pdf: bytes, *,
               pin: str | None = None, **fields: Any) -> tuple[int, dict[str, Any]]:
    body = {"FileData": base64.b64encode(pdf).decode(), "FileName": "quyet-dinh.pdf",
            "Pin": holder.pin if pin is None else pin, "Modules": ["libkyso-lockout.so"],
            **_extension(testbed, holder, **fields)}
    return _run(_post_form(f"{service.url}/api/v1/sign/pdf", body))


def test_http_plugin_signs_on_the_token_and_the_output_verifies(
        http_plugin: RunningService, testbed: Testbed, holder: Holder, document: bytes) -> None:
    status, reply = _sign_http(http_plugin, testbed, holder, document)
    assert status == 200 and reply["code"] == 0, reply["message"]
    assert reply["message"].startswith("Đã ký.")
    signed = base64.b64decode(reply["data"]["signedData"])
    assert signed.startswith(document)  # an incremental update of the input
    [signature] = _verified(testbed, signed)
    assert signature.indication is Indication.TOTAL_PASSED
    evidence = reply["data"]["evidence"]
    assert set(evidence) >= {"certificate", "status"}
    assert all(Path(path).is_absolute() and Path(path).is_file() for path in evidence.values())
    operations = http_plugin.context.workdir / "operations"
    assert [p.name for p in operations.rglob("*") if p.is_file() and "pin" in p.name] == []
    assert not list(operations.rglob("*.pdf"))  # documents are not kept, evidence is
    # ... and the service's own verification says the same, in A1's shape
    status, checked = _run(_post_form(f"{http_plugin.url}/api/v1/verify/pdf", {
        "FileData": reply["data"]["signedData"], **_extension(testbed)}))
    assert status == 200 and checked["code"] == 0
    [entry] = checked["data"]["signatures"]
    assert entry["result"] == 0 and entry["subIndication"] is None
    assert entry["message"] == "Chữ ký số hợp lệ" == entry["fields"]["result"]
    assert SIGNER.common_name in entry["fields"]["signer"]
    assert "Chữ ký số hợp lệ" in checked["data"]["display"]


def test_http_plugin_wrong_pin_is_code_2_without_data(
        http_plugin: RunningService, testbed: Testbed, holder: Holder, document: bytes) -> None:
    status, reply = _sign_http(http_plugin, testbed, holder, document, pin="00000000")
    assert (status, reply["code"], reply["data"]) == (200, 2, None)
    assert reply["message"].startswith("Chưa ký. Sai mã PIN")
    assert "00000000" not in json.dumps(reply)


def test_http_plugin_locked_and_absent_tokens_are_codes_3_and_4(
        http_plugin: RunningService, testbed: Testbed, document: bytes,
        tmp_path: Path) -> None:
    locked = _holder(testbed, "emulated-locked", max_pin_tries=2)
    testbed.tokens.lock(locked.label)
    _, reply = _sign_http(http_plugin, testbed, locked, document)
    assert reply["code"] == 3 and "bị khóa" in reply["message"]
    access = json.loads(Path(locked.access_file).read_text(encoding="utf-8"))
    elsewhere = tmp_path / "absent.json"
    elsewhere.write_text(json.dumps({**access, "token_label": "khong-co-token"}))
    absent = Holder(label="khong-co-token", access_file=str(elsewhere), pin="12345678")
    _, reply = _sign_http(http_plugin, testbed, absent, document)
    assert reply["code"] == 4 and "Không tìm thấy" in reply["message"]


def test_http_plugin_names_the_field_of_an_unusable_request(
        http_plugin: RunningService, testbed: Testbed, holder: Holder, document: bytes) -> None:
    body = {"FileData": base64.b64encode(document).decode(), **_extension(testbed, holder)}
    status, reply = _run(_post_form(f"{http_plugin.url}/api/v1/sign/pdf", body))
    assert (status, reply["code"]) == (400, 9) and "Pin" in reply["message"]

    async def not_base64() -> tuple[int, dict[str, Any]]:
        async with aiohttp.ClientSession() as http, http.post(
                f"{http_plugin.url}/api/v1/sign/pdf", data={"request": "{not base64"}) as answer:
            return answer.status, await answer.json()

    status, reply = _run(not_base64())
    assert (status, reply["code"]) == (400, 9) and "request" in reply["message"]


def _widget_width(pdf: bytes) -> float:
    [(_, _, field)] = list(enumerate_sig_fields(PdfFileReader(BytesIO(pdf))))
    x1, _, x2, _ = (float(number) for number in field.get_object()["/Rect"])
    return abs(x2 - x1)


def test_http_plugin_places_a_visible_signature_when_asked(
        http_plugin: RunningService, testbed: Testbed, holder: Holder, document: bytes) -> None:
    widths = []
    for visible in (False, True):
        _, reply = _sign_http(http_plugin, testbed, holder, document, Level="B-B",
                              Visible=visible)
        assert reply["code"] == 0, reply["message"]
        widths.append(_widget_width(base64.b64decode(reply["data"]["signedData"])))
    assert widths[0] == 0 and widths[1] > 100


def test_a_defect_behind_the_service_changes_its_answer(
        testbed: Testbed, holder: Holder, document: bytes) -> None:
    with serve_in_thread(Family.HTTP_PLUGIN, defect="ignores-pin-error") as defective:
        _, reply = _sign_http(defective, testbed, holder, document, pin="00000000")
    # the reference service said code 2 for the same request (test above)
    assert reply["code"] == 0 and reply["data"]["signedData"] is None


def test_token_option_fills_the_testbed_fields_a_web_page_leaves_out(
        testbed: Testbed, holder: Holder, document: bytes) -> None:
    defaults = TestbedDefaults(directory=testbed.directory, token_label=holder.label)
    with serve_in_thread(Family.HTTP_PLUGIN, defaults=defaults) as service:
        status, reply = _run(_post_form(f"{service.url}/api/v1/sign/pdf", {
            "FileData": base64.b64encode(document).decode(), "Pin": holder.pin}))
    assert status == 200 and reply["code"] == 0, reply["message"]
    assert "PAdES B-LT" in reply["message"]
    [signature] = _verified(testbed, base64.b64decode(reply["data"]["signedData"]))
    assert signature.indication is Indication.TOTAL_PASSED


# ---- ws-session ---------------------------------------------------------------------------------
async def _session(url: str, messages: list[dict[str, Any]], finals: int,
                   ) -> list[dict[str, Any]]:
    """Send ``messages`` at once; every message received until ``finals`` results came."""
    received: list[dict[str, Any]] = []
    async with aiohttp.ClientSession() as http, http.ws_connect(f"{url}/") as socket:
        for message in messages:
            await socket.send_json(message)
        while sum(1 for m in received if m.get("type") == "result") < finals:
            message = await socket.receive(timeout=60)
            assert message.type is WSMsgType.TEXT, message
            received.append(json.loads(message.data))
    return received


def test_ws_session_refuses_every_function_but_get_version_without_a_licence(
        ws_session: RunningService, testbed: Testbed, holder: Holder, document: bytes) -> None:
    sign = {"id": 1, "function": "SignPDF", "args": {
        "data": base64.b64encode(document).decode(), "pin": holder.pin,
        **_extension(testbed, holder)}}
    replies = _run(_session(ws_session.url, [
        sign, {"id": 2, "function": "GetVersion"},
        {"id": 3, "function": "SetLicense", "args": {"license": "TRIAL-123"}},
        {"id": 4, "function": "VerifyPDF", "args": {"data": "JVBERi0="}}], finals=4))
    results = {m["id"]: m for m in replies if m["type"] == "result"}
    assert results[1]["code"] == 401 and results[1]["message"] == "Chưa đăng ký bản quyền"
    assert results[2]["code"] == 0 and results[2]["data"]["family"] == "ws-session"
    assert results[3]["code"] == 401
    assert results[4]["code"] == 401
    assert not [m for m in replies if m["type"] == "progress"]


def test_ws_session_signs_with_callbacks_and_interleaves_replies(
        ws_session: RunningService, testbed: Testbed, holder: Holder, document: bytes) -> None:
    replies = _run(_session(ws_session.url, [
        {"id": 10, "function": "SetLicense", "args": {"license": "KYSO-DEMO-2026"}},
        {"id": 11, "function": "SignPDF", "args": {
            "data": base64.b64encode(document).decode(), "pin": holder.pin,
            **_extension(testbed, holder)}},
        {"id": 12, "function": "GetVersion"},
        {"id": 13, "function": "SignPDF", "args": {
            "data": base64.b64encode(document).decode(), "pin": "00000000",
            **_extension(testbed, holder)}},
        {"id": 14, "function": "Unknown"}], finals=5))
    order = [(m["id"], m["type"]) for m in replies]
    results = {m["id"]: m for m in replies if m["type"] == "result"}
    assert results[10]["code"] == 0
    assert order.index((12, "result")) < order.index((11, "result"))  # interleaved
    assert 1 <= order.count((11, "progress")) <= 2
    assert order.index((11, "progress")) < order.index((11, "result"))
    assert results[11]["code"] == 0, results[11]["message"]
    [signature] = _verified(testbed, base64.b64decode(results[11]["data"]["signedData"]))
    assert signature.indication is Indication.TOTAL_PASSED
    assert results[13]["code"] == 2 and results[13]["data"] is None
    assert results[14]["code"] == 64


# ---- ws-oneshot ---------------------------------------------------------------------------------
@dataclass
class FileServer:
    """The calling web application's side: serves the document, receives the signed file."""

    url: str
    uploads: list[tuple[str, bytes]]


@pytest.fixture
def file_server(document: bytes) -> Iterator[FileServer]:
    uploads: list[tuple[str, bytes]] = []

    async def download(request: web.Request) -> web.Response:
        del request
        return web.Response(body=document, content_type="application/pdf")

    async def upload(request: web.Request) -> web.Response:
        form = await request.post()
        part = form["uploadfile"]
        assert isinstance(part, web.FileField)
        uploads.append((part.filename, part.file.read()))
        return web.Response(text=f"stored {part.filename}")

    loop = asyncio.new_event_loop()
    app = web.Application()
    app.router.add_get("/files/quyet-dinh.pdf", download)
    app.router.add_post("/upload", upload)
    runner = web.AppRunner(app)
    loop.run_until_complete(runner.setup())
    site = web.TCPSite(runner, "127.0.0.1", 0)
    loop.run_until_complete(site.start())
    port = runner.addresses[0][1]
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    try:
        yield FileServer(url=f"http://127.0.0.1:{port}", uploads=uploads)
    finally:
        asyncio.run_coroutine_threadsafe(runner.cleanup(), loop).result(timeout=10)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=10)
        loop.close()


async def _oneshot(url: str, message: dict[str, Any]) -> dict[str, Any]:
    async with aiohttp.ClientSession() as http, http.ws_connect(url) as socket:
        await socket.send_json(message)
        reply = await socket.receive(timeout=90)
        assert reply.type is WSMsgType.TEXT, reply
        closing = await socket.receive(timeout=10)
        assert closing.type in (WSMsgType.CLOSE, WSMsgType.CLOSED, WSMsgType.CLOSING)
        return json.loads(reply.data)  # type: ignore[no-any-return]


def _driver(service: RunningService, pin_file: Path, *options: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "emulators.ui_driver", "--ui", service.ui_url,
         "--pin-file", str(pin_file), "--timeout", "60", *options],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def test_ws_oneshot_downloads_asks_the_pin_in_its_window_and_uploads(
        ws_oneshot: RunningService, testbed: Testbed, holder: Holder, file_server: FileServer,
        tmp_path: Path) -> None:
    pin_file = write_pin_file(tmp_path / "pin", holder.pin)
    driver = _driver(ws_oneshot, pin_file, "--token-label", holder.label)
    reply = _run(_oneshot(f"{ws_oneshot.url}/SignPDF", {
        "FileName": f"{file_server.url}/files/quyet-dinh.pdf",
        "FileUploadHandler": f"{file_server.url}/upload", "SessionId": "",
        **_extension(testbed, holder)}))
    _, errors = driver.communicate(timeout=30)
    assert driver.returncode == 0, errors
    assert holder.pin not in errors
    assert reply["Status"] == 0, reply["Message"]
    assert reply["FileName"] == "quyet-dinh.pdf"
    assert reply["FileServer"] == "stored quyet-dinh.pdf"
    [(name, signed)] = file_server.uploads
    assert name == "quyet-dinh.pdf"
    [signature] = _verified(testbed, signed)
    assert signature.indication is Indication.TOTAL_PASSED
    verified = _run(_oneshot(f"{ws_oneshot.url}/VerifyPDF", {
        "FileName": f"{file_server.url}/files/quyet-dinh.pdf", **_extension(testbed)}))
    assert verified["Status"] == 0 and verified["Signatures"] == []  # the unsigned original


def test_ws_oneshot_pin_window_cancel_and_timeout(
        testbed: Testbed, holder: Holder, file_server: FileServer) -> None:
    message = {"FileName": f"{file_server.url}/files/quyet-dinh.pdf",
               "FileUploadHandler": f"{file_server.url}/upload",
               **_extension(testbed, holder)}
    with serve_in_thread(Family.WS_ONESHOT, pin_timeout=0.5) as service:
        reply = _run(_oneshot(f"{service.url}/SignPDF", message))
        assert reply == {"Status": 9, "Message": "Hết thời gian chờ nhập PIN"}

        async def cancelled() -> dict[str, Any]:
            async with aiohttp.ClientSession() as http:
                sent = asyncio.ensure_future(_oneshot(f"{service.url}/SignPDF", message))
                for _ in range(50):
                    async with http.get(f"{service.ui_url}/pending") as response:
                        pending = await response.json()
                    if pending:
                        break
                    await asyncio.sleep(0.01)
                assert pending[0]["kind"] == "pin" and pending[0]["token_label"] == holder.label
                async with http.post(f"{service.ui_url}/answer",
                                     json={"id": pending[0]["id"], "cancel": True}) as response:
                    assert response.status == 200
                return await sent

        assert _run(cancelled())["Status"] == 1
    assert file_server.uploads == []


def test_ws_oneshot_pin_window_closes_when_the_page_goes_away(
        ws_oneshot: RunningService, testbed: Testbed, holder: Holder,
        file_server: FileServer) -> None:
    async def leave() -> tuple[list[Any], list[Any]]:
        async with aiohttp.ClientSession() as http:
            async with http.ws_connect(f"{ws_oneshot.url}/SignPDF") as socket:
                await socket.send_json({
                    "FileName": f"{file_server.url}/files/quyet-dinh.pdf",
                    "FileUploadHandler": f"{file_server.url}/upload",
                    **_extension(testbed, holder)})
                for _ in range(100):
                    shown = await _get_json(f"{ws_oneshot.ui_url}/pending")
                    if shown:
                        break
                    await asyncio.sleep(0.02)
            await asyncio.sleep(0.3)
            return shown, await _get_json(f"{ws_oneshot.ui_url}/pending")

    shown, after = _run(leave())
    assert [dialog["kind"] for dialog in shown] == ["pin"]
    assert after == []  # no later UI driver may type a PIN into a window nobody waits for


def test_ui_driver_gives_up_when_no_dialog_shows(ws_oneshot: RunningService,
                                                 tmp_path: Path) -> None:
    pin_file = write_pin_file(tmp_path / "pin", "12345678")
    driver = _driver(ws_oneshot, pin_file, "--timeout", "0.3")
    _, errors = driver.communicate(timeout=30)
    assert driver.returncode == 1 and "no pin dialog" in errors


# ---- remote-hash --------------------------------------------------------------------------------
async def _post_json(url: str, body: dict[str, Any]) -> dict[str, Any]:
    async with aiohttp.ClientSession() as http, http.post(url, json=body) as response:
        return await response.json()  # type: ignore[no-any-return]


async def _sign_hash(service: RunningService, body: dict[str, Any], *,
                     poll: bool = True) -> tuple[dict[str, Any], dict[str, Any] | None]:
    started = await _post_json(f"{service.url}/api/v1/signatures/sign-hash", body)
    if started["code"] != 0 or not poll:
        return started, None
    for _ in range(600):
        status = await _post_json(f"{service.url}/api/v1/signatures/status",
                                  {"transaction_id": started["data"]["transaction_id"]})
        if status["data"]["status"] != "pending":
            return started, status
        await asyncio.sleep(0.05)
    raise AssertionError("still pending after 30 s")


def _hash_request(testbed: Testbed, holder: Holder, digest: bytes, algorithm: str,
                  hash_algorithm: str = "sha256", pin: str | None = None) -> dict[str, Any]:
    return {"user_id": holder.label, "hash": base64.b64encode(digest).decode(),
            "hash_algorithm": hash_algorithm, "signature_algorithm": algorithm,
            "description": "Ký Quyết định số 12/QĐ-STTTT", "pin": pin or holder.pin,
            **_extension(testbed, holder)}


@pytest.mark.parametrize(("key_type", "algorithm", "hash_algorithm"), [
    ("p256", "ecdsa", "sha256"), ("rsa2048", "rsa-pkcs1v15", "sha384"),
    ("rsa2048", "rsa-pss", "sha256")])
def test_remote_hash_signs_the_digest_on_the_token_after_confirmation(
        remote_hash: RunningService, testbed: Testbed, key_type: str, algorithm: str,
        hash_algorithm: str) -> None:
    signer = _holder(testbed, f"remote-{key_type}-{algorithm}", key_type)
    info = _run(_post_json(f"{remote_hash.url}/api/v1/credentials/info",
                           {"user_id": signer.label, "TokenAccess": signer.access_file}))
    assert info["code"] == 0
    certificate = x509.load_der_x509_certificate(base64.b64decode(info["data"]["certificate"]))
    issuer = x509.load_der_x509_certificate(base64.b64decode(info["data"]["chain"][0]))
    assert certificate.issuer == issuer.subject
    digest = hashlib.new(hash_algorithm, "Quyết định số 12".encode()).digest()
    started, final = _run(_sign_hash(remote_hash, _hash_request(
        testbed, signer, digest, algorithm, hash_algorithm)))
    assert started["message"] == "Đã gửi yêu cầu xác nhận"
    assert final is not None and final["data"]["status"] == "confirmed"
    assert final["code"] == 0 and final["message"].startswith("Đã ký. ")
    evidence = final["data"]["evidence"]
    assert set(evidence) == {"certificate", "crl", "status"}
    assert Path(evidence["certificate"]).read_bytes() == base64.b64decode(
        info["data"]["certificate"])
    signature = base64.b64decode(final["data"]["signature"])
    chosen = {"sha256": hashes.SHA256(), "sha384": hashes.SHA384()}[hash_algorithm]
    key = certificate.public_key()
    if algorithm == "ecdsa":
        assert isinstance(key, ec.EllipticCurvePublicKey)
        key.verify(signature, digest, ec.ECDSA(utils.Prehashed(chosen)))
    elif algorithm == "rsa-pss":
        key.verify(signature, digest,  # type: ignore[call-arg]
                   padding.PSS(padding.MGF1(chosen), len(digest)), utils.Prehashed(chosen))
    else:
        key.verify(signature, digest, padding.PKCS1v15(),  # type: ignore[call-arg]
                   utils.Prehashed(chosen))


def test_remote_hash_refuses_a_revoked_certificate_before_asking_the_user(
        remote_hash: RunningService, testbed: Testbed) -> None:
    revoked = _holder(testbed, "remote-revoked")
    testbed.revoke(testbed.state.token(revoked.label).certificate)
    started, _ = _run(_sign_hash(remote_hash, _hash_request(
        testbed, revoked, hashlib.sha256(b"x").digest(), "ecdsa")))
    assert started["code"] == 1 and started["data"] is None
    assert started["message"].startswith("Chưa ký. Chứng thư chữ ký số đã bị thu hồi")
    wrong, _ = _run(_sign_hash(remote_hash, _hash_request(
        testbed, _holder(testbed, "remote-wrong-pin"), hashlib.sha256(b"x").digest(), "ecdsa",
        pin="00000000")))
    assert wrong["code"] == 2
    mismatch, _ = _run(_sign_hash(remote_hash, _hash_request(
        testbed, revoked, hashlib.sha256(b"x").digest(), "rsa-pss")))
    assert mismatch["code"] == 64


def test_remote_hash_manual_confirmation_can_be_rejected_or_expire(testbed: Testbed,
                                                                   holder: Holder) -> None:
    with serve_in_thread(Family.REMOTE_HASH, confirm="manual", confirm_timeout=0.5) as service:

        async def rejected() -> tuple[dict[str, Any], dict[str, Any]]:
            started, _ = await _sign_hash(service, _hash_request(
                testbed, holder, hashlib.sha256(b"y").digest(), "ecdsa"), poll=False)
            transaction = started["data"]["transaction_id"]
            pending = await _get_json(f"{service.ui_url}/pending")
            assert pending == [{"id": transaction, "kind": "confirm",
                                "description": "Ký Quyết định số 12/QĐ-STTTT"}]
            waiting = await _post_json(f"{service.url}/api/v1/signatures/status",
                                       {"transaction_id": transaction})
            assert (waiting["code"], waiting["data"]["status"]) == (0, "pending")
            await _post_json(f"{service.ui_url}/answer", {"id": transaction, "confirm": False})
            await asyncio.sleep(0.1)
            return started, await _post_json(f"{service.url}/api/v1/signatures/status",
                                             {"transaction_id": transaction})

        started, final = _run(rejected())
        assert started["code"] == 0
        assert (final["code"], final["data"]["status"]) == (1, "rejected")
        assert "signature" not in final["data"]
        assert final["message"].startswith("Chưa ký. Người dùng từ chối ký")
        _, expired = _run(_sign_hash(service, _hash_request(
            testbed, holder, hashlib.sha256(b"z").digest(), "ecdsa")))
    assert expired is not None
    assert (expired["code"], expired["data"]["status"]) == (1, "expired")


async def _get_json(url: str) -> Any:
    async with aiohttp.ClientSession() as http, http.get(url) as response:
        return await response.json()


# ---- misbehaviour -------------------------------------------------------------------------------
async def _http_misbehaviour(service: RunningService) -> tuple[str, Any]:
    """What a client sees of one sign request: ('timeout'|'payload'|'status', detail)."""
    timeout = aiohttp.ClientTimeout(total=1)
    async with aiohttp.ClientSession(timeout=timeout) as http:
        try:
            async with http.post(f"{service.url}/api/v1/sign/pdf",
                                 data={"request": "e30="}) as response:
                total = 0
                first = b""
                async for chunk in response.content.iter_chunked(1 << 20):
                    first = first or chunk[:64]
                    total += len(chunk)
                return "status", (response.status, response.content_length, total, first)
        except TimeoutError:
            return "timeout", None
        except aiohttp.ClientPayloadError as error:
            return "payload", str(error)


@pytest.mark.parametrize("mode", list(Misbehaviour))
def test_http_misbehaviour_modes_do_what_they_say(mode: Misbehaviour) -> None:
    with serve_in_thread(Family.HTTP_PLUGIN, misbehave=mode) as service:
        kind, detail = _run(_http_misbehaviour(service))
        assert _run(_get_json(f"{service.url}/health")) == {"status": "ok",
                                                            "family": "http-plugin"}
    if mode is Misbehaviour.HANG:
        assert kind == "timeout"
    elif mode is Misbehaviour.CLOSE:
        assert kind == "payload" and "Not enough data" in detail
    elif mode is Misbehaviour.GARBAGE:
        status, length, total, first = detail
        assert (kind, status, length, total) == ("status", 200, GARBAGE_BYTES, GARBAGE_BYTES)
        with pytest.raises(ValueError):
            json.loads(first)
    else:
        status, length, total, first = detail
        assert (kind, status) == ("status", 200) and total == length > HUGE_BYTES
        assert first.startswith(b'{"code": 0')


async def _ws_misbehaviour(service: RunningService, patience: float) -> list[Any]:
    """Every frame a ws-session client gets for one SignPDF (with a licence)."""
    frames: list[Any] = []
    async with aiohttp.ClientSession() as http, http.ws_connect(
            f"{service.url}/", max_msg_size=HUGE_BYTES + (1 << 20)) as socket:
        await socket.send_json({"id": 1, "function": "SetLicense",
                                "args": {"license": "KYSO-TEST"}})
        licensed = await socket.receive(timeout=10)
        assert json.loads(licensed.data)["code"] == 0  # set-up calls behave
        await socket.send_json({"id": 2, "function": "SignPDF", "args": {}})
        while True:
            try:
                message = await socket.receive(timeout=patience)
            except TimeoutError:
                frames.append("timeout")
                break
            text = message.data if message.type is WSMsgType.TEXT else None
            frames.append((message.type, text))
            if text is None or '"type": "progress"' not in text[:200]:
                break  # anything but a callback ends the exchange
    return frames


@pytest.mark.parametrize("mode", list(Misbehaviour))
def test_websocket_misbehaviour_modes_do_what_they_say(mode: Misbehaviour) -> None:
    with serve_in_thread(Family.WS_SESSION, misbehave=mode) as service:
        frames = _run(_ws_misbehaviour(service, 1 if mode is Misbehaviour.HANG else 30))
    if mode is Misbehaviour.HANG:
        assert frames == ["timeout"]
        return
    if mode is Misbehaviour.CLOSE:
        (kind, progress), (closed, _) = frames
        assert kind is WSMsgType.TEXT and json.loads(progress)["type"] == "progress"
        assert closed in (WSMsgType.CLOSED, WSMsgType.CLOSE, WSMsgType.ERROR)
        return
    kind, text = frames[0]
    assert kind is WSMsgType.TEXT
    if mode is Misbehaviour.GARBAGE:
        assert len(text) == GARBAGE_BYTES
        with pytest.raises(ValueError):
            json.loads(text)
    else:
        assert len(text) > HUGE_BYTES
        assert json.loads(text)["id"] == 2


# ---- binding, TLS, the command line -------------------------------------------------------------
def _listeners(port: int) -> set[str]:
    """Local addresses (hex, as /proc/net shows them) listening on ``port``."""
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with open(table, encoding="ascii") as handle:
            for line in handle.readlines()[1:]:
                local, state = line.split()[1], line.split()[3]
                address, hex_port = local.rsplit(":", 1)
                if state == "0A" and int(hex_port, 16) == port:
                    found.add(address)
    return found


@pytest.mark.parametrize("family", list(Family))
def test_every_family_listens_on_127_0_0_1_only(family: Family) -> None:
    with serve_in_thread(family) as service:
        assert _listeners(service.port) == {"0100007F"}  # 127.0.0.1, nothing on 0.0.0.0 / ::
        assert _run(_get_json(f"{service.http_url}/health")) == {"status": "ok",
                                                                 "family": family.value}
        assert service.url.startswith("ws://" if family.websocket else "http://")


def test_tls_serves_wss_with_the_printed_loopback_certificate() -> None:
    with serve_in_thread(Family.WS_SESSION, tls=True) as service:
        assert service.url.startswith("wss://") and service.cert_path is not None
        pinned = ssl.create_default_context(cafile=str(service.cert_path))

        async def version(context: ssl.SSLContext | bool) -> dict[str, Any]:
            async with aiohttp.ClientSession() as http, http.ws_connect(
                    f"{service.url}/", ssl=context) as socket:
                await socket.send_json({"id": 1, "function": "GetVersion"})
                return json.loads((await socket.receive(timeout=10)).data)  # type: ignore

        assert _run(version(pinned))["code"] == 0
        with pytest.raises(aiohttp.ClientConnectorCertificateError):
            _run(version(True))  # the system's trust store does not know it


def _emulate(*arguments: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "conformance.cli", "emulate", *arguments], cwd=ROOT,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1", "KYSO_LANG": "vi-en"})


def test_kyso_emulate_prints_its_ready_lines_and_stops_on_sigint() -> None:
    process = _emulate("remote-hash", "--port", "0", "--tls", "--confirm", "manual")
    try:
        assert process.stdout is not None
        ready = process.stdout.readline().strip()
        assert ready.startswith("kyso-emulate: remote-hash lắng nghe tại / listening on "
                                "https://127.0.0.1:"), ready
        certificate = process.stdout.readline().strip()
        assert certificate.startswith("kyso-emulate: certificate ")
        url = ready.rsplit(" ", 1)[1]
        pinned = ssl.create_default_context(cafile=certificate.split(" ", 2)[2])

        async def health() -> Any:
            async with aiohttp.ClientSession() as http, http.get(f"{url}/health",
                                                                 ssl=pinned) as response:
                return await response.json()

        assert _run(health()) == {"status": "ok", "family": "remote-hash"}
        process.send_signal(signal.SIGINT)
        out, _ = process.communicate(timeout=20)
        assert process.returncode == 0
        assert out.strip().endswith("kyso-emulate: stopped")
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def test_kyso_emulate_with_a_default_token_signs_what_a_web_page_sends_and_logs_no_pin(
        testbed: Testbed, holder: Holder, document: bytes) -> None:
    process = _emulate("http-plugin", "--port", "0", "--token", holder.label,
                       "--dir", str(testbed.directory))
    try:
        assert process.stdout is not None
        url = process.stdout.readline().strip().rsplit(" ", 1)[1]
        status, reply = _run(_post_form(f"{url}/api/v1/sign/pdf", {
            "FileData": base64.b64encode(document).decode(), "FileName": "cong-van.pdf",
            "Pin": holder.pin}))
        assert status == 200 and reply["code"] == 0, reply["message"]
        process.send_signal(signal.SIGINT)
        out, errors = process.communicate(timeout=20)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert process.returncode == 0
    assert "POST /api/v1/sign/pdf → 200" in errors
    assert holder.pin not in out + errors


def test_kyso_emulate_on_a_taken_port_is_one_line_and_exit_2() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        process = _emulate("remote-hash", "--port", str(taken.getsockname()[1]))
        out, errors = process.communicate(timeout=30)
    assert process.returncode == 2 and out == ""
    assert len(errors.strip().splitlines()) == 1 and "not available" in errors


def test_kyso_emulate_refuses_an_unknown_default_token(testbed: Testbed) -> None:
    process = _emulate("ws-session", "--token", "khong-co-ai", "--dir", str(testbed.directory))
    out, errors = process.communicate(timeout=30)
    assert process.returncode == 2 and out == ""
    assert len(errors.strip().splitlines()) == 1 and "khong-co-ai" in errors


@pytest.mark.parametrize("arguments", [
    ("sideways",), ("http-plugin", "--misbehave", "sideways"),
    ("http-plugin", "--defect", "no-such-defect"), ("ws-session", "--confirm", "manual"),
    ("http-plugin", "--port", "70000"), ("http-plugin", "--confirm-after", "x")])
def test_kyso_emulate_bad_options_are_one_line_and_exit_2(arguments: tuple[str, ...]) -> None:
    process = _emulate(*arguments)
    out, errors = process.communicate(timeout=30)
    assert process.returncode == 2, errors
    assert out == "" and len(errors.strip().splitlines()) == 1
