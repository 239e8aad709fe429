"""``remote-hash``: remote signing of a hash after the user's confirmation (the NEAC standard
remote-signing API, SmartCA / MySign style). The calling software builds the PDF signature
itself: it asks for the certificate, computes the digest of the signed attributes, has the
service sign that digest, and embeds the raw signature.

All JSON in, JSON out (``{"code", "message", "data"}``):

* ``POST /api/v1/credentials/info`` ``{"user_id": "<token label>", "TokenAccess": ...}`` →
  ``data: {"certificate": "<base64 DER>", "chain": ["<base64 DER>", ...]}`` (issuer first).
* ``POST /api/v1/signatures/sign-hash`` ``{"user_id", "hash": "<base64 digest>",
  "hash_algorithm": "sha256"|"sha384"|"sha512", "signature_algorithm":
  "rsa-pkcs1v15"|"rsa-pss"|"ecdsa", "description": "...", "pin": "...", "TokenAccess",
  "Moment", "TrustFiles"}``. Before the user is asked, the service checks the certificate at
  ``Moment`` with the reference certificate check (refused: code 1 and the Vietnamese reason)
  and the PIN (2 wrong, 3 locked; 4 token absent or lost); then ``{"code": 0, "message":
  "Đã gửi yêu cầu xác nhận", "data": {"transaction_id": "..."}}``.
* ``POST /api/v1/signatures/status`` ``{"transaction_id"}`` → ``data: {"status": "pending" |
  "confirmed" | "rejected" | "expired" | "failed", "signature": "<base64>" (confirmed only),
  "warnings": [...], "evidence": {"certificate", "crl", "status"}}``. The code is 0 while
  pending and once confirmed ("Đã ký. Kết quả kiểm tra chứng thư số: ..."), 1 when the user
  rejected or let it expire ("Chưa ký. ..."), the token's code (2, 3, 4, 9) when it failed.
  ``evidence``: what the service kept at the check (TT15 Art. 5 khoản 4), absolute paths.

The user's confirmation: automatic after ``--confirm-after`` seconds (default 0.3), or with
``--confirm manual`` a dialog ``{"id": <transaction_id>, "kind": "confirm", "description"}``
in ``GET /ui/pending``, answered by ``POST /ui/answer {"id", "confirm": true|false}``; no answer
within ``confirm_timeout`` is ``expired``. Only after confirmation is the digest signed, on the
token (:mod:`.hash_signing`): RSA PKCS#1 v1.5 or PSS (MGF1 with the same hash, salt length =
digest length), ECDSA as a DER ``ECDSA-Sig-Value``. ``failed`` means the token refused after
confirmation (the message says why).
"""

from __future__ import annotations

import asyncio
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aiohttp import web

from emulators import hash_signing
from emulators.choices import Confirmation
from emulators.context import ServiceContext
from emulators.dialogs import CONFIRM
from emulators.engine import ResultCode, coded_reply
from emulators.fields import (
    BadRequest,
    TestbedFields,
    base64_field,
    json_object,
    testbed_fields,
    text_field,
)
from emulators.misbehave import http_reply

INFO_PATH = "/api/v1/credentials/info"
SIGN_HASH_PATH = "/api/v1/signatures/sign-hash"
STATUS_PATH = "/api/v1/signatures/status"
SENT_FOR_CONFIRMATION = "Đã gửi yêu cầu xác nhận"


@dataclass
class _Transaction:
    id: str
    access_file: Path
    pin: str = field(repr=False)
    options: list[str]
    directory: Path
    description: str
    signed_message: str
    warnings: list[str]
    evidence: dict[str, str]
    status: str = "pending"
    code: int = ResultCode.OK
    signature: str | None = None
    message: str = "Đang chờ người dùng xác nhận"
    task: asyncio.Task[None] | None = None

    def end(self, status: str, code: int, vietnamese: str, english: str) -> None:
        self.status, self.code = status, code
        self.message = f"Chưa ký. {vietnamese}.\nNot signed. {english}."


async def _json_body(request: web.Request) -> dict[str, Any]:
    return json_object(await request.read())


def _label(body: dict[str, Any]) -> str | None:
    value = body.get("user_id")
    return value if isinstance(value, str) and value else None


def _fields(body: dict[str, Any], context: ServiceContext) -> tuple[TestbedFields, Path]:
    fields = testbed_fields(body, context.options.defaults, token_label=_label(body))
    fields.access()  # BadRequest when there is none or it cannot be read
    if fields.token_access is None:  # pragma: no cover (access() said so already)
        raise BadRequest("TokenAccess", "missing")
    return fields, fields.token_access


def add_routes(app: web.Application, context: ServiceContext) -> None:
    """The three operations of this family."""
    service = _RemoteHashService(context)
    app.router.add_post(INFO_PATH, service.info)
    app.router.add_post(SIGN_HASH_PATH, service.sign_hash)
    app.router.add_post(STATUS_PATH, service.status)
    app.on_shutdown.append(service.stop_transactions)


class _RemoteHashService:
    """The routes' handlers, and the transactions waiting for (or past) the user's answer."""

    def __init__(self, context: ServiceContext) -> None:
        self.context = context
        self.transactions: dict[str, _Transaction] = {}

    async def confirm_and_sign(self, transaction: _Transaction) -> None:
        """Wait for the user's answer (or confirm after a pause), then sign on the token."""
        if self.context.options.confirm is Confirmation.AUTO:
            await asyncio.sleep(self.context.options.confirm_after)
            answer: dict[str, Any] | None = {"confirm": True}
        else:
            dialog = self.context.dialogs.open(CONFIRM, dialog_id=transaction.id,
                                               description=transaction.description)
            answer = await self.context.dialogs.wait(dialog,
                                                     self.context.options.confirm_timeout)
        if answer is None:
            transaction.end("expired", ResultCode.REFUSED, "Hết thời gian chờ người dùng xác "
                            "nhận", "The user did not confirm in time")
        elif answer.get("confirm") is not True:
            transaction.end("rejected", ResultCode.REFUSED, "Người dùng từ chối ký",
                            "The user rejected the request")
        else:
            signed = await hash_signing.call("sign", transaction.access_file,
                                             pin=transaction.pin, options=transaction.options,
                                             directory=transaction.directory)
            if signed["code"] == ResultCode.OK:
                transaction.status, transaction.signature = "confirmed", signed["signature"]
                transaction.message = transaction.signed_message
            else:
                transaction.status, transaction.code = "failed", signed["code"]
                transaction.message = signed["message"]
        transaction.pin = ""  # the PIN is not kept once the transaction has ended

    async def info(self, request: web.Request) -> web.StreamResponse:
        """``credentials/info``: the token's certificate and its chain."""
        if self.context.options.misbehave is not None:
            return await http_reply(request, self.context.options.misbehave)
        try:
            _, access_file = _fields(await _json_body(request), self.context)
        except BadRequest as error:
            return coded_reply(ResultCode.INTERNAL, error.vietnamese, status=400)
        directory = self.context.engine.operation_directory("info")
        answer = await hash_signing.call("certificate", access_file, directory=directory)
        if answer["code"] != ResultCode.OK:
            return coded_reply(answer["code"], answer["message"])
        return coded_reply(ResultCode.OK, answer["message"],
                           {"certificate": answer["certificate"], "chain": answer["chain"]})

    async def sign_hash(self, request: web.Request) -> web.StreamResponse:
        """``signatures/sign-hash``: check the certificate and the PIN, then open a
        transaction that waits for the user's confirmation."""
        if self.context.options.misbehave is not None:
            return await http_reply(request, self.context.options.misbehave)
        try:
            body = await _json_body(request)
            fields, access_file = _fields(body, self.context)
            digest = base64_field(body, "hash")
            hash_algorithm = text_field(body, "hash_algorithm").lower()
            scheme = text_field(body, "signature_algorithm").lower()
            pin = text_field(body, "pin")
        except BadRequest as error:
            return coded_reply(ResultCode.INTERNAL, error.vietnamese, status=400)
        if hash_signing.HASH_LENGTHS.get(hash_algorithm) != len(digest):
            return coded_reply(ResultCode.UNSUPPORTED,
                               f"Không hỗ trợ: hash_algorithm '{hash_algorithm}' với "
                               f"{len(digest)} byte")
        elliptic = not fields.access().key_type.startswith("rsa")
        if scheme not in hash_signing.SIGNATURE_ALGORITHMS or (scheme == "ecdsa") != elliptic:
            return coded_reply(ResultCode.UNSUPPORTED,
                               f"Không hỗ trợ: signature_algorithm '{scheme}' với khóa "
                               f"{fields.access().key_type}")
        directory = self.context.engine.operation_directory("sign-hash")
        check = await hash_signing.call(
            "check", access_file, pin=pin, directory=directory,
            options=["--moment", fields.moment.isoformat(),
                     *[f"--trust={path.resolve()}" for path in fields.trust_files]])
        if check["code"] != ResultCode.OK:
            return coded_reply(check["code"], check["message"])
        transaction = _Transaction(
            id=secrets.token_hex(12), access_file=access_file, pin=pin,
            options=["--hash", body["hash"], "--hash-algorithm", hash_algorithm,
                     "--signature-algorithm", scheme],
            directory=directory, description=str(body.get("description") or ""),
            signed_message=check["message"], warnings=list(check.get("warnings", [])),
            evidence=dict(check.get("evidence", {})))
        self.transactions[transaction.id] = transaction
        transaction.task = asyncio.create_task(self.confirm_and_sign(transaction))
        return coded_reply(ResultCode.OK, SENT_FOR_CONFIRMATION,
                           {"transaction_id": transaction.id, "warnings": transaction.warnings})

    async def status(self, request: web.Request) -> web.StreamResponse:
        """``signatures/status``: where a transaction is (the signature once confirmed)."""
        if self.context.options.misbehave is not None:
            return await http_reply(request, self.context.options.misbehave)
        try:
            transaction_id = text_field(await _json_body(request), "transaction_id")
        except BadRequest as error:
            return coded_reply(ResultCode.INTERNAL, error.vietnamese, status=400)
        transaction = self.transactions.get(transaction_id)
        if transaction is None:
            return coded_reply(ResultCode.INTERNAL,
                               f"Không tìm thấy giao dịch '{transaction_id}'", status=404)
        data: dict[str, Any] = {"status": transaction.status, "warnings": transaction.warnings,
                                "evidence": transaction.evidence}
        if transaction.signature is not None:
            data["signature"] = transaction.signature
        return coded_reply(transaction.code, transaction.message, data)

    async def stop_transactions(self, app: web.Application) -> None:
        """On shutdown: cancel the transactions still waiting."""
        del app
        for transaction in self.transactions.values():
            if transaction.task is not None:
                transaction.task.cancel()


__all__ = ["INFO_PATH", "SENT_FOR_CONFIRMATION", "SIGN_HASH_PATH", "STATUS_PATH", "add_routes"]
