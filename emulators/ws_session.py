"""``ws-session``: one persistent WebSocket per client, numbered functions, callbacks (VNPT-CA /
BkavCA plugin style).

Connect to ``ws(s)://127.0.0.1:PORT/`` and send JSON messages
``{"id": <int>, "function": "<Name>", "args": {...}}``. Functions:

* ``GetVersion`` (no licence needed) → ``data: {"version": ..., "family": "ws-session"}``;
* ``SetLicense`` ``{"license": "KYSO-..."}``: until a licence was set ON THIS CONNECTION every
  other function answers code 401 "Chưa đăng ký bản quyền" (any key starting with ``KYSO-`` is
  accepted; another key is code 401 "Mã bản quyền không hợp lệ");
* ``SignPDF`` ``{"data": "<base64 PDF>", "pin": "...", + testbed extension fields}``;
* ``VerifyPDF`` ``{"data": "<base64 PDF>", "Moment", "TrustFiles"}``.

For SignPDF and VerifyPDF the service first sends one or two callbacks for the same id,
``{"id": n, "type": "progress", "message": "Đang ký..."}``, then the final message
``{"id": n, "type": "result", "code": 0, "message": ..., "data": {...}}`` with the same
``data`` as the http-plugin family. Operations run concurrently: replies for different ids
interleave (a GetVersion sent after a SignPDF is answered first). An unknown function is code
64; a message that is not a JSON object with an integer ``id`` is code 9 with ``"id": null``.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from dataclasses import dataclass, field
from typing import Any

from aiohttp import WSMsgType, web

from emulators.context import ServiceContext
from emulators.engine import ResultCode
from emulators.fields import (
    BadRequest,
    base64_field,
    json_object,
    testbed_fields,
    text_field,
)
from emulators.misbehave import websocket_reply

VERSION = "kyso-emulated-ws-session 1.0"
LICENCE_PREFIX = "KYSO-"
CODE_NO_LICENCE = 401
MAX_MESSAGE_BYTES = 128 * 1024 * 1024


@dataclass
class _Connection:
    socket: web.WebSocketResponse
    request: web.Request
    licensed: bool = False
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    tasks: set[asyncio.Task[None]] = field(default_factory=set)

    async def send(self, message: dict[str, Any]) -> None:
        async with self.lock:
            if not self.socket.closed:
                await self.socket.send_str(json.dumps(message, ensure_ascii=False))


def _result(number: int | None, code: int, message: str, data: Any = None) -> dict[str, Any]:
    return {"id": number, "type": "result", "code": int(code), "message": message, "data": data}


def add_routes(app: web.Application, context: ServiceContext) -> None:
    """The WebSocket endpoint ``/``."""
    app.router.add_get("/", _SessionService(context).endpoint)


class _SessionService:
    """The session protocol: version, licence, and the signing and verification functions."""

    def __init__(self, context: ServiceContext) -> None:
        self.context = context

    async def operation(self, connection: _Connection, number: int, function: str,
                        args: dict[str, Any]) -> dict[str, Any]:
        """``SignPDF`` or ``VerifyPDF`` (progress callbacks first); {} once a misbehaviour
        has answered."""
        mode = self.context.options.misbehave
        progress = {"id": number, "type": "progress",
                    "message": "Đang ký..." if function == "SignPDF" else "Đang kiểm tra..."}
        if mode is not None:
            async with connection.lock:
                await websocket_reply(connection.request, connection.socket, mode,
                                      {"id": number, "type": "result", "code": 0,
                                       "message": "Đã ký"}, progress=progress)
            return {}
        if function == "SignPDF":
            pdf = base64_field(args, "data")
            pin = text_field(args, "pin")
            fields = testbed_fields(args, self.context.options.defaults)
            label = fields.access().token_label
            await connection.send({"id": number, "type": "progress",
                                   "message": f"Đang mở thiết bị ký '{label}'..."})
            await connection.send(progress)
            outcome = await self.context.engine.sign(pdf, pin, fields)
            return _result(number, outcome.code, outcome.message, outcome.data())
        pdf = base64_field(args, "data")
        fields = testbed_fields(args, self.context.options.defaults)
        await connection.send(progress)
        checked = await self.context.engine.verify(pdf, fields)
        return _result(number, checked.code, checked.message, checked.data())

    async def handle(self, connection: _Connection, text: str) -> None:
        """One message: its function run, its result sent (replies interleave)."""
        number: int | None = None
        try:
            body = json_object(text)
            raw = body.get("id")
            number = raw if isinstance(raw, int) and not isinstance(raw, bool) else None
            if number is None:
                raise BadRequest("id", "an integer is needed")
            function = body.get("function")
            args = body.get("args") or {}
            if not isinstance(args, dict):
                raise BadRequest("args", "not a JSON object")
            if function == "GetVersion":
                reply = _result(number, ResultCode.OK, "Phiên bản dịch vụ ký số",
                                {"version": VERSION, "family": self.context.family.value})
            elif function == "SetLicense":
                key = args.get("license")
                if isinstance(key, str) and key.startswith(LICENCE_PREFIX):
                    connection.licensed = True
                    reply = _result(number, ResultCode.OK, "Đăng ký bản quyền thành công")
                else:
                    reply = _result(number, CODE_NO_LICENCE, "Mã bản quyền không hợp lệ")
            elif function not in ("SignPDF", "VerifyPDF"):
                reply = _result(number, ResultCode.UNSUPPORTED,
                                f"Chức năng không được hỗ trợ: {function}")
            elif not connection.licensed:
                reply = _result(number, CODE_NO_LICENCE, "Chưa đăng ký bản quyền")
            else:
                reply = await self.operation(connection, number, function, args)
        except BadRequest as error:
            reply = _result(number, ResultCode.INTERNAL, error.vietnamese)
        if reply:
            with contextlib.suppress(ConnectionError, RuntimeError):
                await connection.send(reply)

    async def endpoint(self, request: web.Request) -> web.WebSocketResponse:
        """One persistent connection; every message is handled in its own task."""
        socket = web.WebSocketResponse(compress=False, max_msg_size=MAX_MESSAGE_BYTES)
        await socket.prepare(request)
        connection = _Connection(socket=socket, request=request)
        try:
            async for message in socket:
                if message.type is WSMsgType.TEXT:
                    task = asyncio.create_task(self.handle(connection, message.data))
                    connection.tasks.add(task)
                    task.add_done_callback(connection.tasks.discard)
                elif message.type is WSMsgType.ERROR:
                    break
        finally:
            for task in list(connection.tasks):
                task.cancel()
        return socket


__all__ = ["CODE_NO_LICENCE", "LICENCE_PREFIX", "VERSION", "add_routes"]
