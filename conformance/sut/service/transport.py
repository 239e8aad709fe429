"""How bytes reach a signing service and come back: HTTP, WebSocket (one-shot or one session).

Every exchange is bounded: replies are read incrementally and stopped at ``max_reply_bytes``
(ERROR ``flood``, the rest is never read), an operation's steps share one deadline (the caller's
``asyncio.timeout``: ERROR ``timeout``), and TLS is pinned: the only trust anchor is the
certificate the profile pins, TLS 1.2 at least, and the leaf the service presents must be that
very certificate (checked by the connector right after the handshake, before the request
is sent: ERROR ``tls``). A connection refused, reset, or closed before the answer is
complete is ERROR ``connection``; an answer that cannot be decoded is ERROR ``invalid-answer``.
These are :class:`ServiceFailure`; nothing else escapes an exchange.

``ws-session`` keeps ONE connection for the whole run (:class:`WsSessionTransport`): a reader
task routes every message to the pending request whose ``correlate`` selector matches its id;
messages before the ``final`` one are callbacks. A connection that breaks (or that a timed-out
request leaves in doubt) is dropped; the next operation reconnects and runs the setup steps
again.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import ssl
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import aiohttp
from aiohttp import WSCloseCode, WSMsgType

from bilingual import say
from conformance.sut.service.selectors import Selector, SelectorDecodeError, SelectorMiss, excerpt

_CHUNK = 64 * 1024
_CONNECT_SECONDS = 10.0
_WS_CLOSE_SECONDS = 2.0
_UNCORRELATED_KEPT = 20


INVALID_ANSWER = "invalid-answer"
"""The SutNoAnswer kind for an answer kyso cannot read (not the declared format, no file)."""
START_ERROR = "start-error"
"""The SutNoAnswer kind for a case kyso could not start (the input is unusable)."""


class ServiceFailure(Exception):  # noqa: N818 (what happened: the service failed to answer)
    """The service gave no usable answer; ``kind`` is the SutNoAnswer kind."""

    def __init__(self, kind: str, reason: str, *, reply: bytes | None = None) -> None:
        super().__init__(reason)
        self.kind = kind
        self.reason = reason
        self.reply = reply


@dataclass
class Outgoing:
    """A request as sent (the body already encoded)."""

    url: str
    method: str
    headers: dict[str, str]
    body: bytes | None


@dataclass
class Incoming:
    """What came back: status (HTTP), headers, the raw final message, its decoded form, and the
    callback messages before it (WebSocket)."""

    status: int | None
    headers: dict[str, str]
    raw: bytes
    document: Any
    callbacks: list[Any] = field(default_factory=list)
    seconds: float = 0.0


Decode = Callable[[bytes], Any]
IsFinal = Callable[[Any], bool]


def ssl_context(min_version: str, pinned_der: bytes) -> ssl.SSLContext:
    """Client context: the pinned certificate as the only anchor, TLS ``min_version`` at least."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False  # a loopback service's name does not matter: the pin does
    context.verify_mode = ssl.CERT_REQUIRED
    context.minimum_version = ssl.TLSVersion.TLSv1_3 if min_version == "TLSv1.3" \
        else ssl.TLSVersion.TLSv1_2
    context.verify_flags |= ssl.VERIFY_X509_PARTIAL_CHAIN
    context.load_verify_locations(cadata=pinned_der)
    return context


def failure_of(error: BaseException, url: str) -> ServiceFailure:
    """The ServiceFailure for a client-side exception during an exchange with ``url``."""
    if isinstance(error, ServiceFailure):
        return error
    first = (str(error).splitlines() or [""])[0] or type(error).__name__
    if isinstance(error, aiohttp.ServerFingerprintMismatch):
        return ServiceFailure("tls", f"{url}: " + say(
            "chứng thư chữ ký số của dịch vụ không phải chứng thư đã ghim "
            "(adapter.service.tls.pinned_certificate)",
            "the service's certificate is not the pinned one "
            "(adapter.service.tls.pinned_certificate)"))
    if isinstance(error, aiohttp.ClientConnectorCertificateError | aiohttp.ClientSSLError
                  | ssl.SSLError):
        return ServiceFailure("tls", f"{url}: " + say(f"bắt tay TLS thất bại: {first}",
                                                      f"TLS handshake failed: {first}"))
    if isinstance(error, aiohttp.WSServerHandshakeError):
        return ServiceFailure("connection", f"{url}: " + say(
            f"bắt tay WebSocket bị từ chối (HTTP {error.status}): {error.message}",
            f"WebSocket handshake refused (HTTP {error.status}): {error.message}"))
    if isinstance(error, aiohttp.ClientConnectorError):
        if url.startswith(("https:", "wss:")) \
                and not isinstance(error.os_error, ConnectionRefusedError):
            # the TCP connection was made, the handshake ended it (e.g. no common TLS version)
            name = type(error.os_error).__name__
            return ServiceFailure("tls", f"{url}: " + say(
                f"bắt tay TLS thất bại: {name} (dịch vụ có hỗ trợ TLS từ "
                "adapter.service.tls.min_version trở lên không?)",
                f"TLS handshake failed: {name} (does the service offer TLS at "
                "adapter.service.tls.min_version or above?)"))
        return ServiceFailure("connection", f"{url}: " + say(f"không kết nối được: {first}",
                                                             f"cannot connect: {first}"))
    if isinstance(error, aiohttp.ClientPayloadError | aiohttp.ServerDisconnectedError
                  | aiohttp.ClientOSError | ConnectionError):
        return ServiceFailure("connection", f"{url}: " + say(
            f"kết nối bị ngắt trước khi nhận đủ câu trả lời: {first}",
            f"the connection broke before the answer was complete: {first}"))
    if isinstance(error, aiohttp.ClientResponseError):
        return ServiceFailure(INVALID_ANSWER, f"{url}: " + say(
            f"không phải câu trả lời HTTP hợp lệ: {first}", f"not a valid HTTP answer: {first}"))
    return ServiceFailure("connection", f"{url}: {type(error).__name__}: {first}")


def client_session(pinned_der: bytes | None) -> aiohttp.ClientSession:
    """One client session per adapter (its own loop); the operation's deadline is the limit.

    With a pinned certificate, the connector checks every TLS connection's leaf against it
    (its SHA-256) right after the handshake, before a byte of the request is sent; the
    requests' own context (:func:`ssl_context`) verifies the chain and the TLS version.
    """
    pin = aiohttp.Fingerprint(hashlib.sha256(pinned_der).digest()) if pinned_der else True
    return aiohttp.ClientSession(
        connector=aiohttp.TCPConnector(ssl=pin),
        timeout=aiohttp.ClientTimeout(total=None, sock_connect=_CONNECT_SECONDS),
        auto_decompress=False)


class _Transport:
    """What every transport holds: the HTTP session, the reply cap, the TLS settings, and a
    counter for the ``{request_id}`` placeholder."""

    def __init__(self, session: aiohttp.ClientSession, max_reply_bytes: int,
                 context: ssl.SSLContext | None, pinned_der: bytes | None) -> None:
        self.session = session
        self.cap = max_reply_bytes
        self.context = context
        self.pinned = pinned_der
        self._ids = 0

    def new_request_id(self) -> int:
        self._ids += 1
        return self._ids


class HttpTransport(_Transport):
    """One HTTP request per exchange."""

    async def exchange(self, out: Outgoing, decode: Decode, is_final: IsFinal | None = None
                       ) -> Incoming:
        started = time.monotonic()
        try:
            async with self.session.request(out.method, out.url, headers=out.headers,
                                            data=out.body, ssl=self.context or True,
                                            allow_redirects=False) as response:
                headers = {key: value for key, value in response.headers.items()}
                length = response.content_length
                if length is not None and length > self.cap:
                    raise ServiceFailure("flood", f"{out.url}: " + say(
                        f"câu trả lời báo {length} byte, vượt max_reply_bytes = {self.cap}",
                        f"the reply announces {length} bytes, above max_reply_bytes = "
                        f"{self.cap}"))
                body = bytearray()
                async for chunk in response.content.iter_chunked(_CHUNK):
                    body += chunk
                    if len(body) > self.cap:
                        raise ServiceFailure("flood", f"{out.url}: " + say(
                            f"câu trả lời vượt max_reply_bytes = {self.cap} (dừng đọc tại đó)",
                            f"reply above max_reply_bytes = {self.cap} (reading stopped "
                            "there)"))
                status = response.status
        except (aiohttp.ClientError, ssl.SSLError, OSError) as error:
            raise failure_of(error, out.url) from None
        raw = bytes(body)
        document = _decoded(decode, raw, out.url, status)
        return Incoming(status=status, headers=headers, raw=raw, document=document,
                        seconds=time.monotonic() - started)


def _decoded(decode: Decode, raw: bytes, url: str, status: int | None) -> Any:
    try:
        return decode(raw)
    except (ValueError, UnicodeDecodeError) as error:
        shown = f"HTTP {status}, " if status is not None else ""
        cause = f"{type(error).__name__}: {str(error)[:100]}"
        first = excerpt(raw[:120])
        raise ServiceFailure(INVALID_ANSWER, f"{url}: {shown}" + say(
            f"câu trả lời không đúng định dạng đã khai báo ({cause}); các byte đầu: {first}",
            f"the reply is not in the declared format ({cause}); first bytes: {first}"),
            reply=raw) from None


def _ws_connect(session: aiohttp.ClientSession, url: str, cap: int,
                context: ssl.SSLContext | None) -> Any:
    return session.ws_connect(url, max_msg_size=cap, ssl=context or True, autoclose=True,
                              timeout=aiohttp.ClientWSTimeout(ws_close=_WS_CLOSE_SECONDS))


def _message_bytes(message: aiohttp.WSMessage, url: str) -> bytes | None:
    """The payload of a data message; None for a message to skip; ServiceFailure when the
    connection ended or the message was too big."""
    if message.type is WSMsgType.TEXT:
        return str(message.data).encode("utf-8")
    if message.type is WSMsgType.BINARY:
        return bytes(message.data)
    if message.type is WSMsgType.ERROR:
        data = message.data
        if getattr(data, "code", None) == WSCloseCode.MESSAGE_TOO_BIG:
            raise ServiceFailure("flood", f"{url}: " + say(
                "một thông điệp vượt max_reply_bytes", "a message above max_reply_bytes"))
        raise ServiceFailure("connection", f"{url}: " + say(f"lỗi WebSocket: {data}",
                                                            f"WebSocket error: {data}"))
    if message.type in (WSMsgType.CLOSE, WSMsgType.CLOSING, WSMsgType.CLOSED):
        raise ServiceFailure("connection", f"{url}: " + say(
            "dịch vụ đóng WebSocket trước câu trả lời cuối cùng",
            "the service closed the WebSocket before the final answer"))
    return None


class WsOneshotTransport(_Transport):
    """One WebSocket connection per exchange: one message out, messages in until the final."""

    async def exchange(self, out: Outgoing, decode: Decode, is_final: IsFinal | None = None
                       ) -> Incoming:
        started = time.monotonic()
        callbacks: list[Any] = []
        try:
            async with _ws_connect(self.session, out.url, self.cap, self.context) as ws:
                await ws.send_str((out.body or b"").decode("utf-8"))
                while True:
                    raw = _message_bytes(await ws.receive(), out.url)
                    if raw is None:
                        continue
                    document = _decoded(decode, raw, out.url, None)
                    if is_final is None or is_final(document):
                        return Incoming(status=None, headers={}, raw=raw, document=document,
                                        callbacks=callbacks, seconds=time.monotonic() - started)
                    callbacks.append(document)
        except (aiohttp.ClientError, ssl.SSLError, OSError) as error:
            raise failure_of(error, out.url) from None


@dataclass
class _Pending:
    request_id: int
    correlate: Selector
    queue: asyncio.Queue[Any] = field(default_factory=asyncio.Queue)


class WsSessionTransport(_Transport):
    """One WebSocket connection for the run; requests and replies matched by request id."""

    def __init__(self, session: aiohttp.ClientSession, url: str, max_reply_bytes: int,
                 context: ssl.SSLContext | None, pinned_der: bytes | None, decode: Decode
                 ) -> None:
        super().__init__(session, max_reply_bytes, context, pinned_der)
        self.url = url
        self.decode = decode
        self._ws: aiohttp.ClientWebSocketResponse | None = None
        self._reader: asyncio.Task[None] | None = None
        self._pending: dict[int, _Pending] = {}
        self._lock = asyncio.Lock()
        self.connections = 0
        self.uncorrelated: list[Any] = []

    @property
    def connected(self) -> bool:
        return self._ws is not None and not self._ws.closed

    async def ensure(self, setup: Callable[[], Awaitable[None]]) -> None:
        """Connect if needed; after each new connection, run ``setup`` (once, under a lock)."""
        async with self._lock:
            if self.connected:
                return
            await self.drop()
            try:
                self._ws = await _ws_connect(self.session, self.url, self.cap, self.context)
            except (aiohttp.ClientError, ssl.SSLError, OSError) as error:
                raise failure_of(error, self.url) from None
            self.connections += 1
            self._reader = asyncio.get_running_loop().create_task(self._read(self._ws))
            try:
                await setup()
            except BaseException:
                await self.drop()
                raise

    async def drop(self) -> None:
        """Close the connection (the next operation reconnects and runs setup again)."""
        ws, self._ws = self._ws, None
        reader, self._reader = self._reader, None
        if reader is not None:
            reader.cancel()
        if ws is not None and not ws.closed:
            with contextlib.suppress(TimeoutError, aiohttp.ClientError, OSError):
                await asyncio.wait_for(ws.close(), _WS_CLOSE_SECONDS)
        self._fail_all(ServiceFailure("connection", f"{self.url}: " + say(
            "kết nối bị ngắt", "connection dropped")))

    async def exchange(self, out: Outgoing, decode: Decode, is_final: IsFinal | None = None,
                       *, request_id: int = 0, correlate: Selector | None = None) -> Incoming:
        if self._ws is None or self._ws.closed:
            raise ServiceFailure("connection", f"{self.url}: " + say(
                "kết nối của phiên đã đóng", "the session connection is closed"))
        assert correlate is not None
        started = time.monotonic()
        pending = _Pending(request_id, correlate)
        self._pending[request_id] = pending
        callbacks: list[Any] = []
        try:
            try:
                await self._ws.send_str((out.body or b"").decode("utf-8"))
            except (aiohttp.ClientError, OSError) as error:
                raise failure_of(error, self.url) from None
            while True:
                item = await pending.queue.get()
                if isinstance(item, ServiceFailure):
                    raise item
                raw, document = item
                if is_final is None or is_final(document):
                    return Incoming(status=None, headers={}, raw=raw, document=document,
                                    callbacks=callbacks, seconds=time.monotonic() - started)
                callbacks.append(document)
        finally:
            self._pending.pop(request_id, None)

    async def _read(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        try:
            while True:
                raw = _message_bytes(await ws.receive(), self.url)
                if raw is None:
                    continue
                try:
                    document = self.decode(raw)
                except (ValueError, UnicodeDecodeError):
                    shown = excerpt(raw[:120])
                    raise ServiceFailure(INVALID_ANSWER, f"{self.url}: " + say(
                        f"một thông điệp không phải JSON: {shown}",
                        f"a message that is not JSON: {shown}"), reply=raw) from None
                self._route(raw, document)
        except ServiceFailure as failure:
            self._fail_all(failure)
            if self._ws is ws:
                self._ws = None
            if not ws.closed:
                await ws.close()
        except asyncio.CancelledError:
            raise

    def _route(self, raw: bytes, document: Any) -> None:
        for pending in list(self._pending.values()):
            try:
                value = pending.correlate.evaluate(document)
            except (SelectorMiss, SelectorDecodeError):
                continue
            if _same_id(value, pending.request_id):
                pending.queue.put_nowait((raw, document))
                return
        self.uncorrelated = [*self.uncorrelated, document][-_UNCORRELATED_KEPT:]

    def _fail_all(self, failure: ServiceFailure) -> None:
        for pending in self._pending.values():
            pending.queue.put_nowait(failure)


def _same_id(value: Any, request_id: int) -> bool:
    if isinstance(value, bool):
        return False
    return str(value).strip() == str(request_id)


def json_decoder(format_name: str) -> Decode:
    """The decoder of a reply format (json, base64-json, text)."""
    from conformance.sut.service.selectors import decode_base64

    if format_name == "json":
        return lambda raw: json.loads(raw.decode("utf-8"))
    if format_name == "base64-json":
        return lambda raw: json.loads(decode_base64(raw.decode("ascii").strip()))
    return lambda raw: raw.decode("utf-8")


__all__ = [
    "INVALID_ANSWER", "START_ERROR", "HttpTransport", "Incoming", "Outgoing", "ServiceFailure",
    "WsOneshotTransport", "WsSessionTransport", "client_session", "failure_of", "json_decoder",
    "ssl_context",
]
