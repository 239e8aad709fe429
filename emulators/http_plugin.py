"""``http-plugin``: plain HTTP on a loopback port, Viettel-CA / FPT-CA plugin style.

Both operations take ``Content-Type: application/x-www-form-urlencoded`` with ONE form field,
``request`` = base64 of a JSON object, and answer ``application/json``
``{"code": <int>, "message": "<Vietnamese>", "data": {...} | null}``.

``POST /api/v1/sign/pdf``::

    {"FileData": "<base64 PDF>", "FileName": "x.pdf", "Pin": "...",
     "Modules": ["libkyso-lockout.so"],            (PKCS#11 modules to load; informational)
     "TokenAccess": ..., "Moment": ..., "TrustFiles": [...], "TsaUrl": ..., "Level": ...,
     "FieldName": ...}                             (testbed extension fields, see fields.py)
    → {"code": 0, "message": "Đã ký. ...", "data": {"signedData": "<base64 PDF>",
       "warnings": [...], "evidence": {"certificate": "/abs/...", "crl": ..., "status": ...}}}
    → {"code": 2, "message": "Chưa ký. Sai mã PIN ...", "data": null}

``POST /api/v1/verify/pdf``: ``{"FileData", "TrustFiles", "Moment"}`` →
``{"code": 0, "message": ..., "data": {"display": "<full text>", "evidence": {...},
"signatures": [{"fieldName", "result": 0|1|2, "subIndication", "message", "fields": {...},
"warnings"}]}}`` (result 0 = TOTAL-PASSED, 1 = TOTAL-FAILED, 2 = INDETERMINATE; ``fields``
holds the seven TT15-6.4.b fields and ``result``, as the reference verifier shows them).

A request the service cannot read is HTTP 400 with code 9 naming the field.
"""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any

from aiohttp import web

from emulators.context import ServiceContext
from emulators.engine import ResultCode, coded_reply
from emulators.fields import BadRequest, base64_field, testbed_fields, text_field
from emulators.misbehave import http_reply

SIGN_PATH = "/api/v1/sign/pdf"
VERIFY_PATH = "/api/v1/verify/pdf"


async def request_object(request: web.Request) -> dict[str, Any]:
    """The JSON object in the form field ``request`` (base64)."""
    form = await request.post()
    value = form.get("request")
    if not isinstance(value, str) or not value:
        raise BadRequest("request", "missing form field (base64 of a JSON object)")
    try:
        body = json.loads(base64.b64decode(value, validate=True))
    except (binascii.Error, ValueError):
        raise BadRequest("request", "not base64 of a JSON object") from None
    if not isinstance(body, dict):
        raise BadRequest("request", "not a JSON object")
    return body


def add_routes(app: web.Application, context: ServiceContext) -> None:
    """The two operations of this family."""

    async def sign(request: web.Request) -> web.StreamResponse:
        if context.options.misbehave is not None:
            return await http_reply(request, context.options.misbehave)
        try:
            body = await request_object(request)
            pdf = base64_field(body, "FileData")
            pin = text_field(body, "Pin")
            modules = body.get("Modules", [])
            if not isinstance(modules, list) or not all(isinstance(m, str) for m in modules):
                raise BadRequest("Modules", "must be a list of PKCS#11 module names")
            outcome = await context.engine.sign(pdf, pin, testbed_fields(
                body, context.options.defaults))
        except BadRequest as error:
            return coded_reply(ResultCode.INTERNAL, error.vietnamese, status=400)
        return coded_reply(outcome.code, outcome.message, outcome.data())

    async def verify(request: web.Request) -> web.StreamResponse:
        if context.options.misbehave is not None:
            return await http_reply(request, context.options.misbehave)
        try:
            body = await request_object(request)
            pdf = base64_field(body, "FileData")
            outcome = await context.engine.verify(pdf, testbed_fields(
                body, context.options.defaults))
        except BadRequest as error:
            return coded_reply(ResultCode.INTERNAL, error.vietnamese, status=400)
        return coded_reply(outcome.code, outcome.message, outcome.data())

    app.router.add_post(SIGN_PATH, sign)
    app.router.add_post(VERIFY_PATH, verify)


__all__ = ["SIGN_PATH", "VERIFY_PATH", "add_routes", "request_object"]
