"""Services that misbehave on command (``--misbehave MODE``), for the misbehaving-SUT matrix.

A suite that drives a vendor's service must survive the service: every operation (never
``GET /health``, the UI dialogs, nor ws-session's ``GetVersion``/``SetLicense`` set-up) then
answers this way instead of working:

* ``hang``: never answers (the connection stays open);
* ``close``: sends the first part of an answer, then drops the connection: over HTTP a
  ``Content-Length`` larger than what is sent; over WebSocket a progress message (ws-session)
  and no final message;
* ``garbage``: 2 KB of random bytes that are not JSON, with status 200 (HTTP) or as one text
  frame (WebSocket);
* ``huge``: 200 MB, sent as fast as the loopback takes it: a JSON answer whose ``signedData``
  is a 200 MB string (HTTP: streamed with its Content-Length; WebSocket: one text frame).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import secrets
import string
from typing import Any

from aiohttp import WSMsgType, web

from emulators.choices import Misbehaviour

GARBAGE_BYTES = 2048
HUGE_BYTES = 200 * 1024 * 1024
_CHUNK = 1024 * 1024
_PARTIAL = b'{"code": 0, "message": "\xc4\x90\xc3\xa3 k\xc3\xbd", "data": {"signedData": "JVBERi0x'
"""The first bytes of a plausible answer ("Đã ký"), before the connection drops."""




def garbage_bytes() -> bytes:
    """Random bytes that are neither JSON nor UTF-8 (the first byte can start neither)."""
    return b"\xff" + secrets.token_bytes(GARBAGE_BYTES - 1)


def garbage_text() -> str:
    """Random printable text that is not JSON (a text frame must be UTF-8)."""
    alphabet = string.ascii_letters + string.digits + "<>{}[]:,;!?#%&*"
    return "<" + "".join(secrets.choice(alphabet) for _ in range(GARBAGE_BYTES - 1))


def _huge_prefix(envelope: dict[str, Any]) -> tuple[bytes, bytes]:
    """(prefix, suffix) around the huge string: ``{...envelope, "data": {"signedData": "``."""
    marker = "\x00HUGE\x00"
    text = json.dumps({**envelope, "data": {"signedData": marker}}, ensure_ascii=False)
    before, after = text.split(json.dumps(marker)[1:-1], 1)
    return before.encode("utf-8"), after.encode("utf-8")


async def _forever() -> None:
    await asyncio.Event().wait()


async def http_reply(request: web.Request, mode: Misbehaviour,
                     envelope: dict[str, Any] | None = None) -> web.StreamResponse:
    """Misbehave as the answer to one HTTP operation (``envelope``: the family's reply keys)."""
    if mode is Misbehaviour.HANG:
        await _forever()
    if mode is Misbehaviour.GARBAGE:
        return web.Response(body=garbage_bytes(), status=200, content_type="application/json")
    response = web.StreamResponse(status=200, headers={"Content-Type": "application/json"})
    if mode is Misbehaviour.CLOSE:
        response.content_length = len(_PARTIAL) + 100_000
        await response.prepare(request)
        await response.write(_PARTIAL)
        if request.transport is not None:
            request.transport.close()
        return response  # aiohttp finds the connection closed and leaves it so
    prefix, suffix = _huge_prefix(envelope or {"code": 0, "message": "Đã ký"})
    response.content_length = len(prefix) + HUGE_BYTES + len(suffix)
    await response.prepare(request)
    await response.write(prefix)
    chunk = b"A" * _CHUNK
    for _ in range(HUGE_BYTES // _CHUNK):
        await response.write(chunk)
    await response.write(suffix)
    await response.write_eof()
    return response


async def websocket_reply(request: web.Request, socket: web.WebSocketResponse,
                          mode: Misbehaviour, envelope: dict[str, Any],
                          progress: dict[str, Any] | None = None) -> None:
    """Misbehave as the answer to one WebSocket operation (``envelope``: the final message's
    identifying keys, e.g. ``{"id": 7, "type": "result", "code": 0}``)."""
    if mode is Misbehaviour.HANG:
        await _forever()
    if mode is Misbehaviour.GARBAGE:
        await socket.send_str(garbage_text())
        return
    if mode is Misbehaviour.CLOSE:
        if progress is not None:
            await socket.send_json(progress)
        if request.transport is not None:
            request.transport.close()  # no close frame, no final message
        return
    prefix, suffix = _huge_prefix(envelope)
    message = bytearray(prefix)
    message.extend(b"A" * HUGE_BYTES)
    message.extend(suffix)
    with contextlib.suppress(ConnectionError, RuntimeError):
        await socket.send_frame(bytes(message), WSMsgType.TEXT)
    del message


__all__ = ["GARBAGE_BYTES", "HUGE_BYTES", "Misbehaviour", "garbage_bytes", "garbage_text",
           "http_reply", "websocket_reply"]
