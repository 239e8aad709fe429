"""One step of a service profile, played: fill the templates, exchange, decode, read the reply.

:class:`StepRunner` turns a :class:`~conformance.sut.service_profile.Step` into a request (URL,
headers, body in its encoding), hands it to the kind's transport, decodes the reply in the
declared format, repeats it while a ``poll`` condition does not hold, and reads the result
code (``reply.results``: ok, refused, unsupported; any other code is ERROR with the service's
message), the message and the values to ``save``. Selectors missing at run time are ERROR
``invalid-answer`` naming where they stopped.

Everything is recorded for ``service-exchange.json`` (:class:`Operation.records`): the request
as filled with the PIN replaced by ``***`` and big values shortened (transforms kept as written,
so a PIN never hides inside base64), the reply's status, headers and an excerpt (redacted), the
callbacks, timings, and every selector's value or miss. An observer (``kyso adapter check``)
sees the same, line by line, as it happens.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from bilingual import say
from conformance.sut.service.selectors import (
    SelectorDecodeError,
    SelectorMiss,
    excerpt,
    parse_selector,
)
from conformance.sut.service.templates import redact, render, render_evidence, shorten
from conformance.sut.service.transport import (
    INVALID_ANSWER,
    Incoming,
    Outgoing,
    ServiceFailure,
    WsSessionTransport,
    json_decoder,
)
from conformance.sut.service_profile import ServiceAdapter, Step, Until

_CONTENT_TYPES = {"json": "application/json", "form": "application/x-www-form-urlencoded",
                  "text": "text/plain; charset=utf-8"}
_RECORDS_PER_STEP = 12
"""A long poll keeps its first and last attempts in the evidence (and the count)."""


@dataclass
class Operation:
    """The state of one operation (setup, sign, verify, certificate + sign_hash)."""

    name: str
    values: dict[str, Any]
    secrets: list[str]
    saved: dict[str, Any]
    observer: Callable[[str], None] | None = None
    records: list[dict[str, Any]] = field(default_factory=list)
    omitted_attempts: int = 0
    notes: list[str] = field(default_factory=list)
    """What kyso itself did or could not do (remote-hash assembly), for the evidence."""

    def note(self, text: str) -> None:
        if self.observer is not None:
            self.observer(redact(text, self.secrets))


@dataclass
class StepOutcome:
    """A played step: its decoded reply and what its code means."""

    step: Step
    document: Any
    meaning: str | None
    code: str | None
    message: str | None
    record: dict[str, Any]


def code_text(value: Any) -> str:
    """A code as the results tables compare it (text)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


class StepRunner:
    """Plays steps over one transport."""

    def __init__(self, kind: str, service: ServiceAdapter, transport: Any) -> None:
        self.kind = kind
        self.service = service
        self.transport = transport

    async def run(self, step: Step, operation: Operation) -> StepOutcome:
        attempt = 0
        while True:
            attempt += 1
            incoming, record = await self._attempt(step, operation, attempt)
            if step.poll is None or self._holds(step.poll.until, incoming.document, record,
                                                operation):
                break
            until, every = step.poll.until, step.poll.every_seconds
            operation.note("  poll: " + say(
                f"{until.selector} chưa thuộc {until.in_}; thử lại sau {every} s",
                f"{until.selector} not yet in {until.in_}; again in {every} s"))
            await asyncio.sleep(step.poll.every_seconds)
        return self._read(step, incoming, record, operation)

    # ---- one exchange ----------------------------------------------------------------------
    async def _attempt(self, step: Step, operation: Operation, attempt: int
                       ) -> tuple[Incoming, dict[str, Any]]:
        request_id = self.transport.new_request_id()
        values = {**operation.values, "request_id": request_id,
                  **{f"saved.{name}": value for name, value in operation.saved.items()}}
        secrets = operation.secrets
        url = self._url(step, values)
        headers = {name: _text(render(value, values)) for name, value in step.headers.items()}
        body = render(step.body, values) if step.encoding != "none" else None
        payload = _encode(step.encoding, body)
        if payload is not None and self.kind in ("http", "remote-hash") \
                and not any(name.lower() == "content-type" for name in headers):
            headers["Content-Type"] = _CONTENT_TYPES[step.encoding]
        method = step.method if self.kind in ("http", "remote-hash") else "WS"
        record: dict[str, Any] = {
            "operation": operation.name, "step": step.name, "attempt": attempt,
            "method": method, "url": redact(url, secrets),
            "request_headers": redact(headers, secrets),
            "request_body": render_evidence(step.body, values, secrets),
            "request_bytes": len(payload or b""), "selectors": {}}
        self._keep(operation, record)
        shown = json.dumps(record["request_body"], ensure_ascii=False)
        operation.note(f"→ {step.name}: {method} {record['url']} ({step.encoding}, "
                       f"{record['request_bytes']} bytes) {excerpt(shown, 300)}")
        out = Outgoing(url=url, method=step.method, headers=headers, body=payload)
        decode = json_decoder(step.reply.format)
        final = step.final or self.service.final
        is_final = None if final is None else (
            lambda document: self._holds(final, document, None, operation))
        try:
            if isinstance(self.transport, WsSessionTransport):
                correlate = parse_selector(step.correlate or self.service.correlate or "$.id")
                incoming = await self.transport.exchange(out, decode, is_final,
                                                         request_id=request_id,
                                                         correlate=correlate)
            else:
                incoming = await self.transport.exchange(out, decode, is_final)
        except ServiceFailure as failure:
            record["error"] = {"kind": failure.kind, "reason": redact(failure.reason, secrets)}
            if failure.reply is not None:
                record["reply_excerpt"] = redact(excerpt(failure.reply[:300], 300), secrets)
            operation.note(f"← {step.name}: ERROR {failure.kind}: {failure.reason}")
            raise
        record.update({
            "status": incoming.status,
            "reply_headers": {key: value for key, value in incoming.headers.items()
                              if key.lower() in ("content-type", "content-length")},
            "reply_bytes": len(incoming.raw),
            "reply": shorten(redact(incoming.document, secrets)),
            "callbacks": [shorten(redact(callback, secrets)) for callback in incoming.callbacks],
            "seconds": round(incoming.seconds, 3)})
        status = f"HTTP {incoming.status}" if incoming.status is not None else "message"
        callbacks = f", {len(incoming.callbacks)} callback(s)" if incoming.callbacks else ""
        shown = excerpt(json.dumps(record["reply"], ensure_ascii=False), 300)
        operation.note(f"← {step.name}: {status}, {len(incoming.raw)} bytes{callbacks}: {shown}")
        return incoming, record

    def _url(self, step: Step, values: dict[str, Any]) -> str:
        if step.url is not None:
            return _text(render(step.url, values))
        return self.service.base_url.rstrip("/") + _text(render(step.path or "", values))

    def _keep(self, operation: Operation, record: dict[str, Any]) -> None:
        same = [r for r in operation.records if r["step"] == record["step"]
                and r["operation"] == record["operation"]]
        if len(same) >= _RECORDS_PER_STEP:
            operation.records.remove(same[_RECORDS_PER_STEP // 2])
            operation.omitted_attempts += 1
        operation.records.append(record)

    def _holds(self, until: Until, document: Any, record: dict[str, Any] | None,
               operation: Operation) -> bool:
        try:
            value = parse_selector(until.selector).evaluate(document)
        except (SelectorMiss, SelectorDecodeError) as error:
            if record is None:  # a message that is not the final one
                return False
            record["selectors"]["poll.until"] = f"missed: {error}"
            raise ServiceFailure(INVALID_ANSWER, str(error)) from None
        if record is not None:
            record["selectors"]["poll.until"] = shorten(redact(value, operation.secrets))
        return code_text(value) in until.in_

    # ---- reading the reply -----------------------------------------------------------------
    def _read(self, step: Step, incoming: Incoming, record: dict[str, Any],
              operation: Operation) -> StepOutcome:
        reply = step.reply
        code = meaning = message = None
        if reply.message is not None:
            found = select(record, "message", reply.message, incoming.document, operation,
                           required=reply.code is None)
            message = None if found is None else _text(found)
        if reply.code is not None:
            code = code_text(select(record, "code", reply.code, incoming.document, operation))
            assert reply.results is not None
            meaning = reply.results.meaning(code)
            if meaning is None:
                said = f" ({message})" if message else ""
                raise ServiceFailure(INVALID_ANSWER, f"{step.name}: " + say(
                    f"mã kết quả {code}{said} không có trong reply.results",
                    f"result code {code}{said} is not in reply.results"))
            operation.note(f"  code {code} → {meaning}")
        elif incoming.status is not None and incoming.status >= 400:
            shown = excerpt(incoming.raw[:200], 200)
            raise ServiceFailure(INVALID_ANSWER, f"{step.name}: " + say(
                f"HTTP {incoming.status} và không có reply.code để đọc; {shown}",
                f"HTTP {incoming.status} and no reply.code to read; {shown}"))
        if meaning in (None, "ok"):
            for name, selector in reply.save.items():
                operation.saved[name] = select(record, f"save.{name}", selector,
                                               incoming.document, operation)
        return StepOutcome(step=step, document=incoming.document, meaning=meaning, code=code,
                           message=message, record=record)


def select(record: dict[str, Any], name: str, selector: str, document: Any,
           operation: Operation, *, required: bool = True) -> Any:
    """Evaluate ``selector`` on ``document``, recording its value or miss; a miss is ERROR
    ``invalid-answer`` unless not ``required`` (then None)."""
    try:
        value = parse_selector(selector).evaluate(document)
    except (SelectorMiss, SelectorDecodeError) as error:
        record["selectors"][name] = f"missed: {redact(str(error), operation.secrets)}"
        operation.note(f"  {name}: {error}")
        if not required:
            return None
        raise ServiceFailure(INVALID_ANSWER, str(error)) from None
    shown = shorten(redact(value if not isinstance(value, bytes)
                           else f"<{len(value)} bytes>", operation.secrets))
    record["selectors"][name] = shown
    operation.note(f"  {name} = {excerpt(shown, 160)}")
    return value


def _encode(encoding: str, body: Any) -> bytes | None:
    if encoding == "none" or body is None:
        return None
    if encoding == "json":
        return json.dumps(body, ensure_ascii=False).encode("utf-8")
    if encoding == "form":
        return urlencode({key: _text(value) for key, value in body.items()}).encode("ascii")
    return _text(body).encode("utf-8")


def _text(value: Any) -> str:
    if isinstance(value, str):
        return value
    if value is None:
        return ""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    return json.dumps(value, ensure_ascii=False)


__all__ = ["Operation", "StepOutcome", "StepRunner", "code_text", "select"]
