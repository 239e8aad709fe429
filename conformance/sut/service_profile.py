"""The service part of a SUT profile: ``[interaction]`` and ``[adapter.service]``.

A local signing service (a browser plugin listening on 127.0.0.1) or a remote signing API is
driven without any wrapper, from a declarative description of its protocol. Four adapter kinds
share one table, ``[adapter.service]``:

* ``http``: one HTTP request per step (form, JSON, base64-wrapped JSON or text bodies);
* ``ws-oneshot``: one WebSocket connection per step (one message out, one reply back);
* ``ws-session``: one WebSocket connection for the whole run; messages carry a request id that
  the reply echoes (``correlate``), callbacks come before the ``final`` message;
* ``remote-hash``: the service signs a digest (``certificate`` steps, then ``sign_hash`` steps
  that may poll for the user's confirmation); kyso, as the calling software, assembles the PAdES
  signature with pyHanko.

Steps are templates (:mod:`conformance.sut.service.templates`); replies are read with
selectors (:mod:`conformance.sut.service.selectors`). Each table's own rules are checked here,
what needs the whole profile in :mod:`conformance.sut.service.checks`; a bad profile is refused
with one line ``FILE: FIELD: PROBLEM`` (the caller, :mod:`.profile`, adds the file). The field
descriptions are the vendor documentation (``CONTRACT.md`` is generated from them by
:func:`field_reference`).

These tables live beside :mod:`.profile`, not in the service subpackage, because they are part
of the profile's schema: reading any ``sut.toml`` needs them, while the service adapters'
code (transport, steps, cross-table checks) is imported only for a service kind
(:mod:`.kinds`). Selector syntax is checked with :mod:`conformance.sut.service.selectors`,
imported when the first selector is read.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from pydantic import (
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    Tag,
    field_validator,
    model_validator,
)

from bilingual import say
from scenarios import DisplayField

DEFAULT_SERVICE_TIMEOUT_SECONDS = 120.0
DEFAULT_MAX_REPLY_BYTES = 50_000_000
TLS_VERSIONS = ("TLSv1.2", "TLSv1.3")
UNION_TAGS = ("$selector", "$table")
"""Internal tags of the ``signature`` union (selector text or per-signature table); they are
dropped from error paths."""


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


def _selector(value: Any) -> Any:
    # The selector language belongs to the service adapters: imported on the first selector,
    # so that reading a process kind's profile does not load the service subpackage.
    from conformance.sut.service.selectors import SelectorSyntaxError, parse_selector

    if value is not None:
        try:
            parse_selector(value)
        except SelectorSyntaxError as error:
            raise ValueError(str(error)) from None
    return value


SelectorText = Annotated[str, Field(description="A selector, e.g. '$.data.code'.")]


class Interaction(_Model):
    """``[interaction]``: how the PIN reaches the service (service kinds only, mandatory).

    ``none``: the service asks nothing (a remote API confirmed elsewhere, a token without PIN);
    ``pin``: kyso sends the PIN in the request (``{pin}``, redacted from every evidence);
    ``driver``: the service shows its own PIN window and an external UI driver command answers
    it (started with each operation, stopped at its end); ``human``: a person types the PIN in
    the service's window, kyso prints a prompt and waits (within timeout_seconds).
    """

    mode: Literal["none", "pin", "driver", "human"] = Field(
        description="none | pin | driver | human.")
    driver: list[str] | None = Field(
        default=None, min_length=1,
        description="mode = 'driver': the UI driver command as an argument list; placeholders "
        "{python} {profile_dir} {base_url} {pin_file} {token_label} {case_id}.")
    prompt_vi: str | None = Field(default=None, description="mode = 'human': what the tester "
                                  "is told, in Vietnamese (a default is printed otherwise).")
    prompt_en: str | None = Field(default=None, description="mode = 'human': the same, in "
                                  "English.")


class Tls(_Model):
    """``[adapter.service.tls]``: the service's certificate, pinned (required for https/wss)."""

    pinned_certificate: str = Field(
        min_length=1, description="PEM file of the certificate the service must present "
        "(relative to the profile's directory); any other certificate is ERROR 'tls'.")
    min_version: str = Field(default="TLSv1.2", description="TLSv1.2 or TLSv1.3 (TT15 Annex I "
                             "Part 2: TLS 1.2 at least; 1.0 and 1.1 are refused).")

    @field_validator("min_version")
    @classmethod
    def _version(cls, value: str) -> str:
        if value in ("TLSv1", "TLSv1.0", "TLSv1.1", "SSLv3"):
            raise ValueError(f"{value!r} " + say(
                "thấp hơn TLSv1.2 (Phần 2 Phụ lục I Thông tư số 15/2025/TT-BKHCN yêu cầu ít "
                "nhất TLS 1.2)",
                "is below TLSv1.2 (TT15 Annex I Part 2 asks TLS 1.2 at least)"))
        if value not in TLS_VERSIONS:
            versions = ", ".join(TLS_VERSIONS)
            raise ValueError(f"{value!r}: " + say(f"phải là một trong {versions}",
                                                  f"expected one of {versions}"))
        return value


class Until(_Model):
    """A condition on a reply: the selector's value (as text) is one of ``in``."""

    selector: SelectorText = Field(description="What to look at, e.g. '$.data.status'.")
    in_: list[str] = Field(alias="in", min_length=1, description="Accepted values, as text.")

    @field_validator("selector")
    @classmethod
    def _parses(cls, value: str) -> str:
        return _selector(value)


class Poll(_Model):
    """``poll``: repeat the step until ``until`` holds (within the operation's timeout)."""

    every_seconds: float = Field(gt=0, le=60, description="Pause between two attempts.")
    until: Until = Field(description="{selector = '$.data.status', in = ['confirmed', "
                         "'rejected']}: stop when the value is one of these.")


class Results(_Model):
    """``reply.results``: what the service's result codes mean (codes compared as text)."""

    signed: list[str] = Field(default_factory=list,
                              description="Signer: codes meaning 'signed' (the step worked).")
    done: list[str] = Field(default_factory=list, description="Codes meaning 'the step "
                            "worked' (setup, certificate, verify, intermediate steps).")
    refused: list[str] = Field(default_factory=list, description="Codes meaning 'refused' "
                               "(a signer's refusal, the message kept verbatim as display).")
    unsupported: list[str] = Field(default_factory=list,
                                   description="Codes meaning 'not supported' (SKIPPED).")

    def meaning(self, code: str) -> str | None:
        for name in ("signed", "done", "refused", "unsupported"):
            if code in getattr(self, name):
                return "ok" if name in ("signed", "done") else name
        return None


class Indications(_Model):
    """``reply.indications``: per-signature result codes → EN 319 102-1 indication."""

    total_passed: list[str] = Field(default_factory=list, alias="TOTAL-PASSED")
    total_failed: list[str] = Field(default_factory=list, alias="TOTAL-FAILED")
    indeterminate: list[str] = Field(default_factory=list, alias="INDETERMINATE")

    def indication_of(self, code: str) -> str | None:
        for indication, codes in (("TOTAL-PASSED", self.total_passed),
                                  ("TOTAL-FAILED", self.total_failed),
                                  ("INDETERMINATE", self.indeterminate)):
            if code in codes:
                return indication
        return None


_DISPLAY_KEYS = tuple(field.value for field in DisplayField) + ("result",)


class SignatureFields(_Model):
    """``reply.signature``: selectors relative to ONE element of ``signatures`` (verify)."""

    field_name: SelectorText | None = Field(default=None, description="The PDF field name.")
    indication: SelectorText = Field(description="The result code (mapped by "
                                     "reply.indications) or the indication itself.")
    sub_indication: SelectorText | None = Field(default=None, description="EN 319 102-1 "
                                                "sub-indication (null: none).")
    display: SelectorText | dict[str, SelectorText] | None = Field(
        default=None, description="A selector giving the shown fields as an object, or a "
        "table field → selector (issuer, signer, managing_unit, signing_time, integrity, "
        "validity_at_signing_time, certificate_validity, result).")
    warnings: SelectorText | None = Field(default=None, description="Warnings shown.")

    @field_validator("field_name", "indication", "sub_indication", "warnings")
    @classmethod
    def _selectors(cls, value: Any) -> Any:
        return _selector(value)

    @field_validator("display", mode="before")
    @classmethod
    def _display(cls, value: Any) -> Any:
        if isinstance(value, dict):
            for key, selector in value.items():
                if key not in _DISPLAY_KEYS:
                    known = ", ".join(_DISPLAY_KEYS)
                    raise ValueError(say(f"trường hiển thị {key!r} không xác định (các trường: "
                                         f"{known})",
                                         f"unknown display field {key!r} (known: {known})"))
                try:
                    _selector(selector)
                except ValueError as error:
                    raise ValueError(f"{key!r}: {error}") from None
            return value
        return _selector(value)


def _signature_tag(value: Any) -> str:
    return "$table" if isinstance(value, dict | SignatureFields) else "$selector"


class Reply(_Model):
    """``reply``: how to read the service's answer to a step."""

    format: Literal["json", "base64-json", "text"] = Field(
        default="json", description="json | base64-json (base64 of a JSON text) | text.")
    code: SelectorText | None = Field(default=None, description="The result code (needs "
                                      "reply.results).")
    message: SelectorText | None = Field(default=None, description="The message shown "
                                         "(Vietnamese, kept verbatim).")
    output: SelectorText | None = Field(default=None, description="Sign: the signed file "
                                        "(inline-base64) or its path (path).")
    output_from: Literal["inline-base64", "upload", "path", "none"] = Field(
        default="none", description="Where the signed file comes from: inline-base64 (the "
        "output selector), upload (POSTed to {upload_url}), path (a local file), none.")
    warnings: SelectorText | None = Field(default=None, description="Warnings shown (a list "
                                          "or one text).")
    evidence: SelectorText | None = Field(default=None, description="Stored evidence (TT15 "
                                          "Art. 5.4 / 6.2): an object certificate/crl/status "
                                          "→ file path.")
    display: SelectorText | None = Field(default=None, description="The full text shown "
                                         "(default: the message).")
    signatures: SelectorText | None = Field(default=None, description="Verify: the list of "
                                            "signatures, e.g. '$.data.signatures[*]'.")
    signature: Annotated[
        Annotated[SelectorText, Tag("$selector")] | Annotated[SignatureFields, Tag("$table")],
        Discriminator(_signature_tag)] | None = Field(
        default=None, description="Verify: a table of per-signature selectors; remote-hash "
        "sign_hash: a selector giving the raw signature (base64 or bytes).")
    certificate: SelectorText | None = Field(default=None, description="remote-hash: the "
                                             "signer's certificate (DER, base64 or PEM).")
    chain: SelectorText | None = Field(default=None, description="remote-hash: the CA "
                                       "certificates (a list).")
    save: dict[str, SelectorText] = Field(default_factory=dict, description="Values kept for "
                                          "later steps as {saved.NAME}.")
    results: Results | None = Field(default=None, description="What the codes mean (see "
                                    "reply.results); required with code.")
    indications: Indications | None = Field(
        default=None, description="Verify: per-signature codes → TOTAL-PASSED, TOTAL-FAILED, "
        "INDETERMINATE (lists of codes); without it the indication selector must give the "
        "indication itself.")

    @field_validator("code", "message", "output", "warnings", "evidence", "display",
                     "signatures", "certificate", "chain")
    @classmethod
    def _selectors(cls, value: Any) -> Any:
        return _selector(value)

    @field_validator("signature")
    @classmethod
    def _signature(cls, value: Any) -> Any:
        return _selector(value) if isinstance(value, str) else value

    @field_validator("save")
    @classmethod
    def _saved(cls, value: dict[str, str]) -> dict[str, str]:
        for name, selector in value.items():
            if not name.isidentifier():
                raise ValueError(f"{name!r}: " + say(
                    "tên lưu chỉ gồm chữ cái, chữ số và '_'",
                    "a saved name is letters, digits and '_'"))
            try:
                _selector(selector)
            except ValueError as error:
                raise ValueError(f"{name!r}: {error}") from None
        return value


class Step(_Model):
    """One exchange with the service (``[[adapter.service.sign]]`` and the other lists)."""

    name: str = Field(min_length=1, description="Shown in the evidence and by 'kyso adapter "
                      "check'.")
    method: Literal["GET", "POST", "PUT"] = Field(default="POST",
                                                  description="http kinds only.")
    path: str | None = Field(default=None, description="Appended to base_url (a template).")
    url: str | None = Field(default=None, description="A full URL template instead of path.")
    headers: dict[str, str] = Field(default_factory=dict, description="Header templates.")
    encoding: Literal["json", "form", "text", "none"] = Field(
        default="json", description="json | form (a table of fields) | text | none; "
        "WebSocket kinds: json or text (the message).")
    body: Any = Field(default=None, description="A TOML value (table, array, string): "
                      "strings are templates, a one-key table '$json', '$base64-json', "
                      "'$base64' or '$join' is a transform.")
    reply: Reply = Field(default_factory=Reply, description="How to read the answer (see "
                         "reply).")
    poll: Poll | None = Field(default=None, description="Repeat the step until a condition "
                              "holds (see poll).")
    correlate: SelectorText | None = Field(default=None, description="ws-session: overrides "
                                           "adapter.service.correlate for this step.")
    final: Until | None = Field(default=None, description="ws kinds: overrides "
                                "adapter.service.final for this step.")

    @field_validator("correlate")
    @classmethod
    def _parses(cls, value: str | None) -> str | None:
        return _selector(value)


class ServiceAdapter(_Model):
    """``[adapter.service]``: a local signing service or a remote signing API."""

    base_url: str = Field(description="http:// or https:// (http, remote-hash), ws:// or "
                          "wss:// (ws kinds), e.g. 'http://127.0.0.1:8711'.")
    timeout_seconds: float = Field(default=DEFAULT_SERVICE_TIMEOUT_SECONDS, gt=0, le=3600,
                                   description="Per operation, all its steps and polls; then "
                                   "ERROR 'timeout'.")
    max_reply_bytes: int = Field(default=DEFAULT_MAX_REPLY_BYTES, ge=1024, le=2_000_000_000,
                                 description="A larger reply (or upload) is ERROR 'flood'.")
    tls: Tls | None = Field(default=None, description="The service's certificate, pinned "
                            "(see [adapter.service.tls]); required for https:// and wss://.")
    correlate: SelectorText | None = Field(default=None, description="ws-session: where a "
                                           "message carries its request id ({request_id}), "
                                           "e.g. '$.id'.")
    final: Until | None = Field(default=None, description="ws kinds: which message ends a "
                                "step, e.g. {selector = '$.type', in = ['result']}; the others "
                                "are callbacks (kept as evidence).")
    rsa_pss: bool = Field(default=False, description="remote-hash: ask RSASSA-PSS signatures "
                          "(default RSA PKCS#1 v1.5).")
    setup: list[Step] = Field(default_factory=list, description="Once per run (and again after "
                              "a reconnect), in order: a session, a licence.")
    sign: list[Step] = Field(default_factory=list, description="Per signing case.")
    verify: list[Step] = Field(default_factory=list, description="Per verification case.")
    certificate: list[Step] = Field(default_factory=list,
                                    description="remote-hash: get the signer's certificate.")
    sign_hash: list[Step] = Field(default_factory=list,
                                  description="remote-hash: sign the digest (may poll).")

    @field_validator("correlate")
    @classmethod
    def _parses(cls, value: str | None) -> str | None:
        return _selector(value)

    @model_validator(mode="after")
    def _url(self) -> ServiceAdapter:
        parts = urlsplit(self.base_url)
        if parts.scheme not in ("http", "https", "ws", "wss") or not parts.hostname:
            raise ValueError(f"adapter.service.base_url: {self.base_url!r} " + say(
                "không phải URL http(s):// hay ws(s)://", "is not an http(s):// or ws(s):// URL"))
        return self


def pinned_certificate_der(directory: Path, tls: Tls) -> bytes:
    """The DER of the pinned certificate (path relative to the profile's ``directory``);
    ValueError(``adapter.service.tls.pinned_certificate: problem``) if it is unusable."""
    where = "adapter.service.tls.pinned_certificate"
    path = (directory / tls.pinned_certificate)
    try:
        data = path.read_bytes()
    except OSError as error:
        reason = error.strerror or error
        raise ValueError(f"{where}: " + say(f"không đọc được {path} ({reason})",
                                            f"cannot read {path} ({reason})")) from None
    try:
        certificate = x509.load_pem_x509_certificate(data)
    except ValueError:
        raise ValueError(f"{where}: {path} " + say(
            "không phải chứng thư chữ ký số dạng PEM", "is not a PEM certificate")) from None
    return certificate.public_bytes(serialization.Encoding.DER)


# ---- vendor documentation ----------------------------------------------------------------------
def field_reference() -> str:
    """The Markdown reference of every service table, from the field descriptions (pasted into
    CONTRACT.md between the 'generated' markers; a test keeps them equal)."""
    lines: list[str] = []
    for title, model in (("[interaction]", Interaction), ("[adapter.service]", ServiceAdapter),
                         ("[adapter.service.tls]", Tls), ("a step", Step), ("reply", Reply),
                         ("reply.results", Results), ("reply.signature (verify)",
                                                      SignatureFields),
                         ("poll", Poll), ("poll.until and final", Until)):
        summary = (model.__doc__ or "").strip().splitlines()[0].replace("``", "`")
        summary = re.sub(r"^`[^`]+`:? ?", "", summary)
        lines += [f"**{title}** — {summary[:1].upper()}{summary[1:]}", "",
                  "| key | meaning |", "| --- | --- |"]
        for name, field in model.model_fields.items():
            description = (field.description or "").replace("|", "\\|")
            lines.append(f"| `{field.alias or name}` | {description} |")
        lines.append("")
    return "\n".join(lines)


__all__ = [
    "DEFAULT_MAX_REPLY_BYTES", "DEFAULT_SERVICE_TIMEOUT_SECONDS",
    "Indications", "Interaction", "Poll", "Reply", "Results", "ServiceAdapter",
    "SignatureFields", "Step", "Tls", "UNION_TAGS", "Until", "field_reference",
    "pinned_certificate_der",
]
