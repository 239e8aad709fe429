"""Small real signing services for the service adapter's tests (aiohttp on 127.0.0.1).

Each toy speaks one protocol family the way local signing plugins do, signs and verifies with
kyso's reference tools in a SUBPROCESS (``reference_sut.py``, with the token access file the
request names, so the PKCS#11 trace sees the calls), and can misbehave on command
(:attr:`ToyServer.behaviour`: ``hang``, ``close``, ``garbage``, ``huge``). The remote-hash toy
signs digests with a software-key subscriber's key file (a remote service's own HSM, here a
file), so its signatures are real.
"""

from __future__ import annotations

import asyncio
import base64
import json
import os
import re
import secrets
import ssl
import sys
import tempfile
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from aiohttp import WSMsgType, web

ROOT = Path(__file__).resolve().parent.parent.parent
REFERENCE_SUT = ROOT / "conformance" / "sut" / "examples" / "reference_sut.py"
MEBIBYTE = 1024 * 1024


class ToyServer:
    """An aiohttp application in its own thread and loop; ``url`` once started."""

    def __init__(self, build: Callable[[ToyServer, web.Application], None], *,
                 tls: ssl.SSLContext | None = None) -> None:
        self.behaviour = "normal"
        self.calls: list[str] = []
        self.state: dict[str, Any] = {}
        self._tls = tls
        self._build = build
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._runner: web.AppRunner | None = None
        self.url = ""

    def __enter__(self) -> ToyServer:
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self._start(), self._loop).result(10)
        return self

    def __exit__(self, *exc: object) -> None:
        if self._runner is not None:
            asyncio.run_coroutine_threadsafe(self._runner.cleanup(), self._loop).result(10)

        async def cancel_the_rest() -> None:  # handlers still hanging
            others = [task for task in asyncio.all_tasks() if task is not asyncio.current_task()]
            for task in others:
                task.cancel()
            await asyncio.gather(*others, return_exceptions=True)

        asyncio.run_coroutine_threadsafe(cancel_the_rest(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(5)

    async def _start(self) -> None:
        app = web.Application(client_max_size=64 * MEBIBYTE)
        self._build(self, app)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.5)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0, ssl_context=self._tls)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.url = f"{'https' if self._tls else 'http'}://127.0.0.1:{port}"

    @property
    def ws_url(self) -> str:
        return self.url.replace("http", "ws", 1)


# ---- misbehaviour -------------------------------------------------------------------------------
async def misbehave_http(toy: ToyServer, request: web.Request) -> web.StreamResponse | None:
    """None when the toy behaves; otherwise the misbehaving reply (or a hang)."""
    if toy.behaviour == "hang":
        await asyncio.sleep(3600)
    if toy.behaviour == "garbage":
        return web.Response(body=os.urandom(2048), content_type="application/json")
    if toy.behaviour == "close":
        response = web.StreamResponse(headers={"Content-Type": "application/json"})
        response.content_length = 100_000
        await response.prepare(request)
        await response.write(b'{"code": 0, "message": "\xc4\x90\xc3\xa3 k')
        assert request.transport is not None
        request.transport.close()
        return response
    if toy.behaviour == "huge":
        response = web.StreamResponse(headers={"Content-Type": "application/json"})
        response.enable_chunked_encoding()
        await response.prepare(request)
        await response.write(b'{"code": 0, "message": "')
        chunk = b"A" * MEBIBYTE
        try:
            for _ in range(200):
                await response.write(chunk)
        except (ConnectionError, RuntimeError):
            pass
        return response
    return None


async def misbehave_ws(toy: ToyServer, ws: web.WebSocketResponse) -> bool:
    """True when the toy misbehaved on this connection (the caller then stops)."""
    if toy.behaviour == "hang":
        await asyncio.sleep(3600)
    if toy.behaviour == "garbage":
        await ws.send_str(os.urandom(1024).hex()[::3] + "{")
        return True
    if toy.behaviour == "close":
        await ws.close()
        return True
    if toy.behaviour == "huge":
        await ws.send_str('{"Status": 0, "x": "' + "A" * (3 * MEBIBYTE) + '"}')
        return True
    return False


# ---- the reference tools behind a toy -----------------------------------------------------------
async def reference_sign(fields: dict[str, Any], document: bytes) -> tuple[int, dict[str, Any],
                                                                          bytes | None]:
    """(code, reference answer, signed bytes) for the testbed fields of a request.

    Codes as the emulated services': 0 signed, 1 refused, 2 wrong PIN, 9 internal error.
    """
    with tempfile.TemporaryDirectory(prefix="kyso-toy-") as directory:
        folder = Path(directory)
        source, output, pin_file = folder / "in.pdf", folder / "out.pdf", folder / "pin"
        source.write_bytes(document)
        descriptor = os.open(pin_file, os.O_WRONLY | os.O_CREAT, 0o600)
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            handle.write(fields["Pin"])
        command = [sys.executable, str(REFERENCE_SUT), "sign", "--input", str(source),
                   "--output", str(output), "--token-access", fields["TokenAccess"],
                   "--pin-file", str(pin_file), "--moment", fields["Moment"],
                   "--level", fields["Level"], "--tsa-url", fields.get("TsaUrl") or "",
                   "--field-name", fields.get("FieldName") or ""]
        for path in fields["TrustFiles"]:
            command += ["--trust", path]
        answer = await _run(command, folder)
        if answer is None:
            return 9, {"display": "Lỗi nội bộ"}, None
        if answer["outcome"] == "signed":
            return 0, answer, output.read_bytes()
        return (2 if "Sai mã PIN" in (answer.get("reason") or "") else 1), answer, None


async def reference_verify(fields: dict[str, Any], document: bytes) -> dict[str, Any] | None:
    with tempfile.TemporaryDirectory(prefix="kyso-toy-") as directory:
        folder = Path(directory)
        source = folder / "in.pdf"
        source.write_bytes(document)
        command = [sys.executable, str(REFERENCE_SUT), "verify", "--input", str(source),
                   "--moment", fields["Moment"]]
        for path in fields["TrustFiles"]:
            command += ["--trust", path]
        return await _run(command, folder)


async def _run(command: list[str], cwd: Path) -> dict[str, Any] | None:
    process = await asyncio.create_subprocess_exec(
        *command, cwd=cwd, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    stdout, _ = await process.communicate()
    if process.returncode != 0:
        return None
    answer: dict[str, Any] = json.loads(stdout)
    return answer


RESULTS = {"TOTAL-PASSED": 0, "TOTAL-FAILED": 1, "INDETERMINATE": 2}


def signatures_of(answer: dict[str, Any]) -> list[dict[str, Any]]:
    """A1's signature list from a reference VerifierAnswer."""
    return [{"fieldName": s["field_name"], "result": RESULTS[s["indication"]],
             "subIndication": s["sub_indication"], "message": s["display"].get("result"),
             "fields": s["display"], "warnings": s["warnings"]}
            for s in answer["signatures"]]


# ---- http-plugin style -------------------------------------------------------------------------
def http_plugin(toy: ToyServer, app: web.Application) -> None:
    """``POST /sign`` and ``/verify``: form field ``request`` = base64(JSON); JSON replies."""

    async def read(request: web.Request) -> dict[str, Any]:
        form = await request.post()
        fields: dict[str, Any] = json.loads(base64.b64decode(str(form["request"])))
        return fields

    async def sign(request: web.Request) -> web.StreamResponse:
        toy.calls.append("sign")
        if (bad := await misbehave_http(toy, request)) is not None:
            return bad
        fields = await read(request)
        toy.state["last_sign"] = {key: value for key, value in fields.items()
                                  if key not in ("FileData", "Pin")}
        if toy.state.get("code") is not None:
            return web.json_response({"code": toy.state["code"], "message": "Không hỗ trợ",
                                      "data": None})
        code, answer, signed = await reference_sign(fields, base64.b64decode(fields["FileData"]))
        if code != 0:
            return web.json_response({"code": code, "message": answer.get("display"),
                                      "data": None})
        return web.json_response({"code": 0, "message": answer["display"], "data": {
            "signedData": base64.b64encode(signed or b"").decode(),
            "warnings": answer["warnings"]}})

    async def verify(request: web.Request) -> web.StreamResponse:
        toy.calls.append("verify")
        if (bad := await misbehave_http(toy, request)) is not None:
            return bad
        fields = await read(request)
        toy.state["last_verify"] = {key: value for key, value in fields.items()
                                    if key != "FileData"}
        if toy.state.get("quick"):  # the answer to a document without signatures, at once
            return web.json_response({"code": 0, "message": "Không có chữ ký số", "data": {
                "display": "Tài liệu không có chữ ký số", "signatures": []}})
        answer = await reference_verify(fields, base64.b64decode(fields["FileData"]))
        if answer is None:
            return web.json_response({"code": 9, "message": "Lỗi nội bộ", "data": None})
        return web.json_response({"code": 0, "message": "Đã kiểm tra", "data": {
            "display": answer["display"], "signatures": signatures_of(answer)}})

    app.router.add_post("/sign", sign)
    app.router.add_post("/verify", verify)


# ---- ws-oneshot style (VGCA): download, PIN window, upload ------------------------------------
def ws_oneshot(toy: ToyServer, app: web.Application) -> None:
    """``/SignPDF`` and ``/VerifyPDF``; the PIN comes through ``POST /ui/answer``."""
    import aiohttp

    dialogs: dict[str, asyncio.Future[str]] = {}

    async def pending(request: web.Request) -> web.Response:
        return web.json_response([{"id": key, "kind": "pin"} for key, future in dialogs.items()
                                  if not future.done()])

    async def answer(request: web.Request) -> web.Response:
        body = await request.json()
        future = dialogs.get(body["id"])
        if future is None or future.done():
            raise web.HTTPNotFound()
        future.set_result(body["pin"])
        return web.json_response({"status": "ok"})

    async def fetch(url: str) -> bytes:
        async with aiohttp.ClientSession() as session, session.get(url) as reply:
            return await reply.read()

    async def sign(request: web.Request) -> web.WebSocketResponse:
        toy.calls.append("sign")
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        message = await ws.receive()
        if await misbehave_ws(toy, ws):
            return ws
        fields = json.loads(message.data)
        key = secrets.token_hex(4)
        dialogs[key] = asyncio.get_running_loop().create_future()
        try:
            pin = await asyncio.wait_for(dialogs[key], 30)
        except TimeoutError:
            await ws.send_json({"Status": 9, "Message": "Hết thời gian chờ nhập PIN"})
            return ws
        document = await fetch(fields["FileName"])
        code, reference, signed = await reference_sign({**fields, "Pin": pin}, document)
        server_text = ""
        if signed is not None:
            form = aiohttp.FormData()
            form.add_field("uploadfile", signed, filename="signed.pdf",
                           content_type="application/pdf")
            async with aiohttp.ClientSession() as session, \
                    session.post(fields["FileUploadHandler"], data=form) as reply:
                server_text = await reply.text()
        await ws.send_json({"Status": 0, "Message": "Đang ký..."})  # a progress callback
        await ws.send_json({"Status": code, "Message": reference.get("display"),
                            "FileServer": server_text, "Final": True,
                            "Warnings": reference.get("warnings", [])})
        await ws.close()
        return ws

    async def verify(request: web.Request) -> web.WebSocketResponse:
        toy.calls.append("verify")
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        message = await ws.receive()
        if message.type is not WSMsgType.TEXT or await misbehave_ws(toy, ws):
            return ws
        fields = json.loads(message.data)
        if toy.state.get("quick"):  # the answer to a document without signatures, at once
            await ws.send_json({"Status": 0, "Message": "Không có chữ ký số", "Final": True,
                                "Display": "Tài liệu không có chữ ký số", "Signatures": []})
            await ws.close()
            return ws
        answer = await reference_verify(fields, await fetch(fields["FileName"]))
        assert answer is not None
        await ws.send_json({"Status": 0, "Message": "Đã kiểm tra", "Final": True,
                            "Display": answer["display"], "Signatures": signatures_of(answer)})
        await ws.close()
        return ws

    app.router.add_get("/SignPDF", sign)
    app.router.add_get("/VerifyPDF", verify)
    app.router.add_get("/ui/pending", pending)
    app.router.add_post("/ui/answer", answer)


# ---- ws-session style (VNPT/Bkav): numbered functions, licence, callbacks --------------------
def ws_session(toy: ToyServer, app: web.Application) -> None:
    """``/``: messages ``{"id", "function", "args"}``; ``SetLicense`` first; callbacks; replies
    for different ids interleave (VerifyPDF answers after a delay given in its args)."""
    toy.state.setdefault("licences", 0)
    toy.state.setdefault("connections", 0)

    async def session(request: web.Request) -> web.WebSocketResponse:
        toy.state["connections"] += 1
        ws = web.WebSocketResponse(max_msg_size=64 * MEBIBYTE)
        await ws.prepare(request)
        licensed = False
        tasks = set()
        async for message in ws:
            if message.type is not WSMsgType.TEXT:
                break
            call = json.loads(message.data)
            number, function = call["id"], call["function"]
            toy.calls.append(function)
            if function == "SetLicense":
                licensed = str(call["args"]["license"]).startswith("KYSO-")
                toy.state["licences"] += 1
                await ws.send_json({"id": number, "type": "result", "code": 0 if licensed else 401,
                                    "message": "OK"})
                continue
            if not licensed:
                await ws.send_json({"id": number, "type": "result", "code": 401,
                                    "message": "Chưa đăng ký bản quyền"})
                continue
            if await misbehave_ws(toy, ws):
                break
            task = asyncio.get_running_loop().create_task(answer(ws, number, function,
                                                                 call["args"]))
            tasks.add(task)
            task.add_done_callback(tasks.discard)
        return ws

    async def answer(ws: web.WebSocketResponse, number: int, function: str,
                     args: dict[str, Any]) -> None:
        await ws.send_json({"id": number, "type": "progress", "message": "Đang xử lý..."})
        await ws.send_json({"id": number + 1000, "type": "notice", "message": "other id"})
        delay = re.search(r"\d+(?:\.\d+)?", str(args.get("delay", "0")))  # "slow-1.5-2"
        await asyncio.sleep(float(delay.group(0)) if delay else 0)
        if function == "SignPDF":
            code, reference, signed = await reference_sign(args, base64.b64decode(args["data"]))
            data = {"signedData": base64.b64encode(signed).decode()} if signed else None
            await ws.send_json({"id": number, "type": "result", "code": code,
                                "message": reference.get("display"), "data": data})
        else:
            reference = await reference_verify(args, base64.b64decode(args["data"]))
            assert reference is not None
            await ws.send_json({"id": number, "type": "result", "code": 0, "message": "OK",
                                "data": {"display": reference["display"],
                                         "signatures": signatures_of(reference)}})

    app.router.add_get("/", session)


# ---- remote-hash style (NEAC remote signing) ---------------------------------------------------
def remote_hash(toy: ToyServer, app: web.Application) -> None:
    """credentials/info, sign-hash (→ a transaction), status (pending, then confirmed).

    ``toy.state``: ``certificate`` and ``chain`` (DER), ``key`` (a cryptography private key),
    ``refuse`` (a message: sign-hash refuses with code 1), ``polls`` (pending answers before
    the confirmation).
    """
    transactions: dict[str, dict[str, Any]] = {}

    async def info(request: web.Request) -> web.StreamResponse:
        toy.calls.append("info")
        if (bad := await misbehave_http(toy, request)) is not None:
            return bad
        return web.json_response({"code": 0, "message": "OK", "data": {
            "certificate": base64.b64encode(toy.state["certificate"]).decode(),
            "chain": [base64.b64encode(c).decode() for c in toy.state["chain"]]}})

    async def sign_hash(request: web.Request) -> web.Response:
        toy.calls.append("sign-hash")
        body = await request.json()
        toy.state["last_sign_hash"] = {k: v for k, v in body.items() if k != "pin"}
        if toy.state.get("refuse"):
            return web.json_response({"code": 1, "message": toy.state["refuse"], "data": None})
        transaction = secrets.token_hex(8)
        transactions[transaction] = {"hash": base64.b64decode(body["hash"]),
                                     "algorithm": body["hash_algorithm"],
                                     "polls": toy.state.get("polls", 2)}
        return web.json_response({"code": 0, "message": "Đã gửi yêu cầu xác nhận",
                                  "data": {"transaction_id": transaction}})

    async def status(request: web.Request) -> web.Response:
        toy.calls.append("status")
        body = await request.json()
        transaction = transactions[body["transaction_id"]]
        if transaction["polls"] > 0:
            transaction["polls"] -= 1
            return web.json_response({"code": 0, "data": {"status": "pending"}})
        signature = sign_digest(toy.state["key"], transaction["hash"], transaction["algorithm"])
        return web.json_response({"code": 0, "message": "Đã ký", "data": {
            "status": "confirmed", "signature": base64.b64encode(signature).decode()}})

    app.router.add_post("/credentials/info", info)
    app.router.add_post("/signatures/sign-hash", sign_hash)
    app.router.add_post("/signatures/status", status)


def sign_digest(key: Any, digest: bytes, algorithm: str) -> bytes:
    """A raw signature over a precomputed digest (RSA PKCS#1 v1.5 or ECDSA, DER)."""
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa, utils

    chosen = {"sha256": hashes.SHA256(), "sha384": hashes.SHA384(),
              "sha512": hashes.SHA512()}[algorithm]
    if isinstance(key, rsa.RSAPrivateKey):
        return key.sign(digest, padding.PKCS1v15(), utils.Prehashed(chosen))
    assert isinstance(key, ec.EllipticCurvePrivateKey)
    return key.sign(digest, ec.ECDSA(utils.Prehashed(chosen)))
