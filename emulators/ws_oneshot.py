"""``ws-oneshot``: one WebSocket connection per operation, VGCA Sign Service style.

``ws(s)://127.0.0.1:PORT/SignPDF``: the client sends ONE text message::

    {"FileName": "<URL to GET the PDF from>",
     "FileUploadHandler": "<URL to POST the signed PDF to, multipart field 'uploadfile'>",
     "SessionId": "", "TokenAccess": ..., "Moment": ..., "TrustFiles": [...], "TsaUrl": ...,
     "Level": ..., "FieldName": ...}

There is NO PIN in the message: the service downloads the file, then asks for the PIN in its
own window (``GET /ui/pending`` shows ``{"id", "kind": "pin", "token_label"}``; ``POST
/ui/answer {"id", "pin"}`` types it, ``{"id", "cancel": true}`` cancels; 60 s without an answer
is code 9 "Hết thời gian chờ nhập PIN"), signs, uploads the signed PDF (multipart POST,
field ``uploadfile``, the original file name) and sends ONE reply, then closes::

    {"Status": 0, "Message": "Đã ký. ...", "FileName": "x.pdf",
     "FileServer": "<the upload handler's reply text>", "Warnings": [...], "Evidence": {...}}

``ws(s)://127.0.0.1:PORT/VerifyPDF``: ``{"FileName": "<URL>", "Moment", "TrustFiles"}`` → one
reply ``{"Status", "Message", "Display", "Signatures": [A1's shape], "Evidence"}``.

Status codes as the other families (0, 1 refused or cancelled, 2, 3, 4, 9, 64).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from pathlib import PurePosixPath
from typing import Any
from urllib.parse import unquote, urlsplit

import aiohttp
from aiohttp import WSMsgType, web

from bilingual import say
from emulators.context import ServiceContext
from emulators.dialogs import PIN, Dialog
from emulators.engine import ResultCode
from emulators.fields import BadRequest, json_object, testbed_fields, text_field
from emulators.misbehave import websocket_reply

MAX_MESSAGE_BYTES = 1024 * 1024
MAX_DOCUMENT_BYTES = 100 * 1024 * 1024
TRANSFER_TIMEOUT_SECONDS = 60.0
FIRST_MESSAGE_TIMEOUT_SECONDS = 30.0


def _url(body: dict[str, Any], name: str) -> str:
    url = text_field(body, name)
    if urlsplit(url).scheme not in ("http", "https"):
        raise BadRequest(name, f"not an http(s) URL: {url[:100]}")
    return url


def _file_name(url: str) -> str:
    name = PurePosixPath(unquote(urlsplit(url).path)).name
    return name or "document.pdf"


async def _download(url: str) -> bytes:
    timeout = aiohttp.ClientTimeout(total=TRANSFER_TIMEOUT_SECONDS)
    async with aiohttp.ClientSession(timeout=timeout) as http, http.get(url) as response:
        if response.status != 200:
            raise _TransferError(f"HTTP {response.status}")
        data = bytearray()
        async for chunk in response.content.iter_chunked(1 << 16):
            data.extend(chunk)
            if len(data) > MAX_DOCUMENT_BYTES:
                raise _TransferError(say(f"quá {MAX_DOCUMENT_BYTES} byte",
                                         f"more than {MAX_DOCUMENT_BYTES} bytes"))
        return bytes(data)


async def _upload(url: str, name: str, pdf: bytes) -> str:
    form = aiohttp.FormData()
    form.add_field("uploadfile", pdf, filename=name, content_type="application/pdf")
    timeout = aiohttp.ClientTimeout(total=TRANSFER_TIMEOUT_SECONDS)
    async with aiohttp.ClientSession(timeout=timeout) as http, \
            http.post(url, data=form) as response:
        text = await response.text(errors="replace")
        if response.status >= 300:
            raise _TransferError(f"HTTP {response.status}: {text[:200]}")
        return text


class _TransferError(Exception):
    pass


Operation = Callable[[dict[str, Any], web.WebSocketResponse], Awaitable[dict[str, Any]]]


async def _pin_or_departure(context: ServiceContext, dialog: Dialog,
                            socket: web.WebSocketResponse) -> dict[str, Any] | None:
    """The PIN dialog's answer; None after ``pin_timeout`` (the window closes by itself) or when
    the client went away meanwhile (the window closes with its page): a later driver must never
    answer a dialog nobody waits for."""
    waiting = asyncio.ensure_future(context.dialogs.wait(dialog, context.options.pin_timeout))
    departure = asyncio.ensure_future(socket.receive())
    try:
        done, _ = await asyncio.wait({waiting, departure},
                                     return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in (waiting, departure):
            task.cancel()
        context.dialogs.close(dialog)
    if waiting in done:
        return waiting.result()
    raise _ClientGone


class _ClientGone(Exception):  # noqa: N818 (control flow: nobody to answer)
    pass


def add_routes(app: web.Application, context: ServiceContext) -> None:
    """``/SignPDF`` and ``/VerifyPDF``."""
    service = _OneshotService(context)
    app.router.add_get("/SignPDF", service.endpoint(service.sign))
    app.router.add_get("/VerifyPDF", service.endpoint(service.verify))


class _OneshotService:
    """The two operations and the WebSocket endpoint that runs either."""

    def __init__(self, context: ServiceContext) -> None:
        self.context = context

    async def sign(self, body: dict[str, Any], socket: web.WebSocketResponse
                   ) -> dict[str, Any]:
        """Download the PDF, ask for the PIN in the service's window, sign, upload the result."""
        source = _url(body, "FileName")
        upload = _url(body, "FileUploadHandler")
        fields = testbed_fields(body, self.context.options.defaults)
        label = fields.access().token_label
        name = _file_name(source)
        try:
            pdf = await _download(source)
        except (_TransferError, aiohttp.ClientError, TimeoutError) as error:
            return {"Status": ResultCode.INTERNAL,
                    "Message": f"Không tải được tệp từ {source}: {error or type(error).__name__}"}
        dialog = self.context.dialogs.open(PIN, token_label=label, file_name=name)
        answer = await _pin_or_departure(self.context, dialog, socket)
        if answer is None:
            return {"Status": ResultCode.INTERNAL, "Message": "Hết thời gian chờ nhập PIN"}
        if answer.get("cancel") is True:
            return {"Status": ResultCode.REFUSED,
                    "Message": "Chưa ký. Người dùng đã hủy thao tác ký.\n"
                               "Not signed. The user cancelled."}
        outcome = await self.context.engine.sign(pdf, answer["pin"], fields)
        reply: dict[str, Any] = {"Status": outcome.code, "Message": outcome.message,
                                 "FileName": name, "FileServer": "",
                                 "Warnings": outcome.warnings, "Evidence": outcome.evidence}
        if outcome.code == ResultCode.OK and outcome.signed_pdf is not None:
            try:
                reply["FileServer"] = await _upload(upload, name, outcome.signed_pdf)
            except (_TransferError, aiohttp.ClientError, TimeoutError) as error:
                return {**reply, "Status": ResultCode.INTERNAL,
                        "Message": f"Không tải lên được tệp đã ký tới {upload}: "
                                   f"{error or type(error).__name__}"}
        return reply

    async def verify(self, body: dict[str, Any], socket: web.WebSocketResponse
                     ) -> dict[str, Any]:
        """Download the PDF and verify it."""
        del socket
        source = _url(body, "FileName")
        fields = testbed_fields(body, self.context.options.defaults)
        try:
            pdf = await _download(source)
        except (_TransferError, aiohttp.ClientError, TimeoutError) as error:
            return {"Status": ResultCode.INTERNAL,
                    "Message": f"Không tải được tệp từ {source}: {error or type(error).__name__}"}
        outcome = await self.context.engine.verify(pdf, fields)
        return {"Status": outcome.code, "Message": outcome.message, "Display": outcome.display,
                "Signatures": outcome.signatures, "Evidence": outcome.evidence,
                "Error": outcome.error}

    def endpoint(self, operation: Operation) -> Callable[[web.Request],
                                                         Awaitable[web.WebSocketResponse]]:
        """One WebSocket per operation: one message in, one reply out, then close."""
        async def handler(request: web.Request) -> web.WebSocketResponse:
            socket = web.WebSocketResponse(compress=False, max_msg_size=MAX_MESSAGE_BYTES)
            await socket.prepare(request)
            try:
                message = await socket.receive(timeout=FIRST_MESSAGE_TIMEOUT_SECONDS)
            except TimeoutError:
                await socket.close()
                return socket
            if message.type is not WSMsgType.TEXT:
                await socket.close()
                return socket
            if self.context.options.misbehave is not None:
                await websocket_reply(request, socket, self.context.options.misbehave,
                                      {"Status": 0, "Message": "Đã ký"})
                await socket.close()
                return socket
            try:
                reply = await operation(json_object(message.data), socket)
            except BadRequest as error:
                reply = {"Status": ResultCode.INTERNAL, "Message": error.vietnamese}
            except _ClientGone:
                return socket
            reply["Status"] = int(reply["Status"])
            await socket.send_str(json.dumps(reply, ensure_ascii=False))
            await socket.close()
            return socket

        return handler


__all__ = ["add_routes"]
