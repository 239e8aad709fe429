"""Value templates of service profiles: placeholders, value transforms, and their evidence form.

A step's URL, headers and body are templates. A string holds placeholders (``{input_base64}``,
``{saved.transaction}``); a string that is *exactly* one placeholder takes that value's own type
(``"{trust_files}"`` becomes a JSON array, ``"{request_id}"`` a number, a saved value whatever
the service sent). A table with the single key ``"$json"``, ``"$base64-json"``, ``"$base64"``
or ``"$join"`` is a value transform of what it holds::

    body = {request = {"$base64-json" = {FileData = "{input_base64}", Pin = "{pin}"}}}
    body = {"$join" = {separator = "|", items = ["{input_name}", "{token_label}"]}}

Templates are checked at profile load (:func:`check_value`: unknown placeholders, placeholders
not available in that operation, ``{pin}`` outside ``interaction.mode = "pin"``, malformed
transforms) and filled at run time (:func:`render`). :func:`render_evidence` fills the same
template for the evidence file: the PIN becomes ``***``, big values are shortened, transforms
stay visible, so no secret is ever encoded where redaction could not find it.
"""

from __future__ import annotations

import base64
import json
import re
import string
from collections.abc import Mapping
from enum import StrEnum
from pathlib import Path
from typing import Any

from bilingual import say
from conformance.sut.redaction import REDACTED, redact
from scenarios import VerifyRequest

SAVED_PREFIX = "saved."
EVIDENCE_VALUE_LIMIT = 120
"""Longer base64-like strings are shortened in the evidence (documents, certificates)."""
TEXT_LIMIT = 4000
"""Longer strings of any kind are shortened too."""
_BASE64_LIKE = re.compile(r"[A-Za-z0-9+/=_\-\s]+")


class ServicePlaceholder(StrEnum):
    """What a service step's template may contain (besides ``{saved.NAME}``)."""

    INPUT_BASE64 = "input_base64"
    """The document to sign or verify, base64 (standard alphabet, no line breaks)."""
    INPUT_NAME = "input_name"
    """The document's file name, e.g. 'cong-van.pdf'."""
    INPUT_URL = "input_url"
    """URL on kyso's fixture file server (127.0.0.1) where the service can GET the document."""
    UPLOAD_URL = "upload_url"
    """URL on kyso's fixture file server where the service POSTs the signed file (multipart)."""
    OUTPUT = "output"
    """Absolute path where the signed PDF is expected (output_from = 'path')."""
    TOKEN_LABEL = "token_label"
    """CKA_LABEL of the token to sign with."""
    TOKEN_ACCESS = "token_access"
    """Absolute path of the token access JSON (module, environment, labels; never the PIN)."""
    MODULE = "module"
    """Absolute path of the PKCS#11 module to load."""
    PIN = "pin"
    """The user PIN itself: only with interaction.mode = 'pin'; redacted from every evidence."""
    PIN_FILE = "pin_file"
    """Absolute path of a file (mode 0600) holding the user PIN."""
    MOMENT = "moment"
    """The testbed instant to use as 'now' (ISO 8601 with offset)."""
    LEVEL = "level"
    """The PAdES baseline level asked for: B-B, B-T, B-LT or B-LTA."""
    TSA_URL = "tsa_url"
    """The timestamp authority's URL (empty when there is none)."""
    TRUST_FILES = "trust_files"
    """The trust anchors as PEM file paths: a whole-string "{trust_files}" is a JSON array."""
    FIELD_NAME = "field_name"
    """The signature field name to use (empty: the service chooses)."""
    VISIBLE = "visible"
    """Whether a visible signature is asked for: a whole-string "{visible}" is true/false."""
    FORMAT = "format"
    """The signature format: pades (the default), xades, xmldsig, cades or cms."""
    CONTENT_BASE64 = "content_base64"
    """Verifying a detached signature (cades, cms): the signed content, base64 (empty
    otherwise); ``input_base64`` is then the signature (.p7s)."""
    CONTENT_NAME = "content_name"
    """The signed content's file name (empty when the signature is not detached)."""
    BASE_URL = "base_url"
    """The profile's adapter.service.base_url."""
    CASE_ID = "case_id"
    """An identifier of the case, unique within the run."""
    REQUEST_ID = "request_id"
    """A number unique on the connection (ws-session: matched by the correlate selector)."""
    HASH_BASE64 = "hash_base64"
    """remote-hash sign_hash steps: the digest to sign (of the CMS signed attributes), base64."""
    HASH_ALGORITHM = "hash_algorithm"
    """remote-hash sign_hash steps: sha256, sha384 or sha512."""
    SIGNATURE_ALGORITHM = "signature_algorithm"
    """remote-hash sign_hash steps: rsa-pkcs1v15, rsa-pss or ecdsa (DER signature expected)."""
    PYTHON = "python"
    """The Python interpreter running kyso."""
    PROFILE_DIR = "profile_dir"
    """The directory holding this sut.toml."""


P = ServicePlaceholder
_ALWAYS = frozenset({P.BASE_URL, P.PYTHON, P.PROFILE_DIR, P.REQUEST_ID})
_CASE = _ALWAYS | {P.CASE_ID, P.MOMENT, P.TRUST_FILES}
_TOKEN = frozenset({P.TOKEN_LABEL, P.TOKEN_ACCESS, P.MODULE, P.PIN, P.PIN_FILE})
ALLOWED: dict[str, frozenset[ServicePlaceholder]] = {
    "setup": _ALWAYS,
    "sign": _CASE | _TOKEN | {P.INPUT_BASE64, P.INPUT_NAME, P.INPUT_URL, P.UPLOAD_URL, P.OUTPUT,
                              P.LEVEL, P.TSA_URL, P.FIELD_NAME, P.VISIBLE, P.FORMAT},
    "verify": _CASE | {P.INPUT_BASE64, P.INPUT_NAME, P.INPUT_URL, P.FORMAT, P.CONTENT_BASE64,
                       P.CONTENT_NAME},
    "certificate": _CASE | _TOKEN,
    "sign_hash": _CASE | _TOKEN | {P.HASH_BASE64, P.HASH_ALGORITHM, P.SIGNATURE_ALGORITHM,
                                   P.LEVEL, P.INPUT_NAME, P.FIELD_NAME},
    "driver": frozenset({P.PYTHON, P.PROFILE_DIR, P.BASE_URL, P.PIN_FILE, P.TOKEN_LABEL,
                         P.CASE_ID}),
}
"""Placeholders available per operation (``driver``: the interaction driver command)."""

TRANSFORMS = ("$json", "$base64-json", "$base64", "$join")


def placeholders_in(text: str) -> list[tuple[str, str, str | None]]:
    """(name, format spec, conversion) of every placeholder in ``text``; ValueError if the
    braces are unbalanced (``{{`` and ``}}`` are literal braces)."""
    return [(name, spec or "", conversion) for _, name, spec, conversion
            in string.Formatter().parse(text) if name is not None]


def check_text(where: str, text: str, operation: str, *, pin_allowed: bool,
               saved: set[str]) -> None:
    """Raise ValueError(``where: problem``) for a bad template string."""
    try:
        found = placeholders_in(text)
    except ValueError as error:
        raise ValueError(f"{where}: {error} " + say(
            "(viết {{ và }} cho dấu ngoặc nhọn thường)",
            "(write {{ and }} for literal braces)")) from None
    allowed = ALLOWED[operation]
    for name, spec, conversion in found:
        if spec or conversion:
            raise ValueError(f"{where}: " + say(
                f"biến thay thế {{{name}}} không nhận định dạng hay chuyển đổi",
                f"placeholder {{{name}}} takes no format or conversion"))
        if name.startswith(SAVED_PREFIX):
            key = name.removeprefix(SAVED_PREFIX)
            if operation == "driver":
                raise ValueError(f"{where}: " + say(
                    f"biến thay thế {{{name}}} không dùng được ở đây",
                    f"placeholder {{{name}}} is not available here"))
            if key not in saved:
                known = ", ".join(sorted(saved))
                raise ValueError(f"{where}: " + say(
                    f"{{{name}}} không được bước nào trước đó lưu (reply.save của setup hoặc "
                    f"của một bước trước; đã lưu: {known or 'không có'})",
                    f"{{{name}}} is not saved by an earlier step (reply.save of setup or of an "
                    f"earlier step; saved: {known or 'none'})"))
            continue
        if name not in P._value2member_map_:
            known = " ".join(f"{{{p.value}}}" for p in P) + " {saved.NAME}"
            raise ValueError(f"{where}: " + say(
                f"biến thay thế {{{name}}} không xác định", f"unknown placeholder {{{name}}}")
                + " (" + say("các biến", "known") + f": {known})")
        if P(name) not in allowed:
            raise ValueError(f"{where}: " + say(
                f"biến thay thế {{{name}}} không dùng được trong các bước {operation}",
                f"placeholder {{{name}}} is not available in {operation} steps"))
        if name == P.PIN and not pin_allowed:
            raise ValueError(f"{where}: " + say(
                "{pin} cần interaction.mode = 'pin' (nếu không, mã PIN do người hoặc trình "
                "điều khiển giao diện nhập, kyso không bao giờ gửi)",
                "{pin} needs interaction.mode = 'pin' (the PIN is otherwise typed by a person "
                "or a UI driver, never sent by kyso)"))
        if name == P.TRUST_FILES and text != "{trust_files}":
            raise ValueError(f"{where}: " + say(
                "{trust_files} là một danh sách: nó phải là nguyên cả chuỗi (\"{trust_files}\" "
                "thành một mảng JSON; dùng {\"$join\" = ...} để có văn bản)",
                "{trust_files} is a list: it must be a whole string (\"{trust_files}\" becomes "
                "a JSON array; use {\"$join\" = ...} for text)"))


def check_value(where: str, value: Any, operation: str, *, pin_allowed: bool,
                saved: set[str]) -> None:
    """Check every string of a TOML value (table, array, string) and its transforms."""
    if isinstance(value, str):
        check_text(where, value, operation, pin_allowed=pin_allowed, saved=saved)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            check_value(f"{where}[{index}]", item, operation, pin_allowed=pin_allowed,
                        saved=saved)
    elif isinstance(value, dict):
        transform = _transform_of(value)
        if transform is None:
            for key, item in value.items():
                if key.startswith("$"):
                    known = ", ".join(TRANSFORMS)
                    raise ValueError(f"{where}: " + say(
                        f"phép biến đổi {key!r} không xác định (các phép: {known}; phép biến "
                        "đổi là trường duy nhất của bảng chứa nó)",
                        f"unknown transform {key!r} (known: {known}; a transform is the only "
                        "key of its table)"))
                check_value(f"{where}.{key}", item, operation, pin_allowed=pin_allowed,
                            saved=saved)
            return
        inner = value[transform]
        if transform == "$join":
            if not isinstance(inner, dict) or set(inner) != {"separator", "items"} \
                    or not isinstance(inner["separator"], str) \
                    or not isinstance(inner["items"], list):
                raise ValueError(f"{where}.{transform}: " + say(
                    "cần một bảng {separator = \"|\", items = [...]}",
                    "needs a table {separator = \"|\", items = [...]}"))
            inner = inner["items"]
        check_value(f"{where}.{transform}", inner, operation, pin_allowed=pin_allowed,
                    saved=saved)


def _transform_of(value: dict[str, Any]) -> str | None:
    if len(value) == 1:
        (key,) = value
        if key in TRANSFORMS:
            return str(key)
    return None


def render(value: Any, values: Mapping[str, Any]) -> Any:
    """``value`` with placeholders filled from ``values`` and transforms applied."""
    if isinstance(value, str):
        return _fill(value, values)
    if isinstance(value, list):
        return [render(item, values) for item in value]
    if isinstance(value, dict):
        transform = _transform_of(value)
        if transform is None:
            return {key: render(item, values) for key, item in value.items()}
        inner = value[transform]
        if transform == "$join":
            items: list[Any] = []
            for item in render(inner["items"], values):  # "{trust_files}" joins its files
                items.extend(item if isinstance(item, list) else [item])
            return str(inner["separator"]).join(_as_text(item) for item in items)
        filled = render(inner, values)
        if transform == "$json":
            return json.dumps(filled, ensure_ascii=False)
        if transform == "$base64-json":
            return base64.b64encode(json.dumps(filled, ensure_ascii=False).encode()).decode()
        data = filled if isinstance(filled, bytes) else _as_text(filled).encode("utf-8")
        return base64.b64encode(data).decode()
    return value


def _fill(text: str, values: Mapping[str, Any]) -> Any:
    parts = list(string.Formatter().parse(text))
    if len(parts) == 1 and parts[0][0] == "" and parts[0][1] is not None:
        return values.get(parts[0][1], "")  # a whole-string placeholder keeps its type
    out = ""
    for literal, name, _, _ in parts:
        out += literal
        if name is not None:
            out += _as_text(values.get(name, ""))
    return out


def _as_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bytes):
        return base64.b64encode(value).decode()
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    return json.dumps(value, ensure_ascii=False)


def render_evidence(value: Any, values: Mapping[str, Any], secrets: list[str]) -> Any:
    """``value`` filled for the evidence file: secrets replaced by ``***``, long strings
    shortened, transforms kept as they are written (their inner value filled)."""
    if isinstance(value, str):
        return shorten(redact(_fill(value, values), secrets))
    if isinstance(value, list):
        return [render_evidence(item, values, secrets) for item in value]
    if isinstance(value, dict):
        return {key: render_evidence(item, values, secrets) for key, item in value.items()}
    return value


def shorten(value: Any, limit: int = EVIDENCE_VALUE_LIMIT) -> Any:
    """Long base64-like strings, and any very long string (in any depth of ``value``), cut to
    their start and their length; messages a person reads are kept whole."""
    if isinstance(value, str):
        if len(value) <= limit or (len(value) <= TEXT_LIMIT
                                   and not _BASE64_LIKE.fullmatch(value)):
            return value
        return f"{value[:40]}…<{len(value)} characters>"
    if isinstance(value, list):
        return [shorten(item, limit) for item in value]
    if isinstance(value, dict):
        return {key: shorten(item, limit) for key, item in value.items()}
    return value


__all__ = [
    "ALLOWED", "REDACTED", "SAVED_PREFIX", "TRANSFORMS", "ServicePlaceholder", "check_text",
    "check_value", "format_values", "placeholders_in", "redact", "render", "render_evidence",
    "shorten",
]


def format_values(request: VerifyRequest) -> dict[str, str]:
    """A verify step's format placeholders: the format, and a detached signature's signed
    content (base64, name), empty for a signature inside its document."""
    content = None if request.content is None else Path(request.content)
    return {"format": request.format.value,
            "content_base64": "" if content is None
            else base64.b64encode(content.read_bytes()).decode("ascii"),
            "content_name": "" if content is None else content.name}
