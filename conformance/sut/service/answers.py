"""Contract-v1 answers from what a service's steps answered (signer and verifier).

A signer's answer: the service's refusal (its message, verbatim, is the reason and the display),
or the signed file with the warnings, display and stored evidence its replies name. A verifier's
answer: each element of the reply's signature list read with the per-signature selectors, its
result code mapped through ``reply.indications``. What does not fit the contract (an indication
that is not EN 319 102-1's, evidence that is not an object) is ERROR ``invalid-answer``.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from bilingual import say
from conformance.sut.service.selectors import excerpt
from conformance.sut.service.steps import Operation, StepOutcome, code_text, select
from conformance.sut.service.transport import INVALID_ANSWER, ServiceFailure
from conformance.sut.service_profile import SignatureFields
from scenarios import (
    Indication,
    SignatureAnswer,
    SignerAnswer,
    SignerOutcome,
    SubIndication,
    VerifierAnswer,
)


def refusal(outcome: StepOutcome) -> SignerAnswer:
    """The service's refusal: its message, verbatim, is the reason and the display."""
    message = outcome.message or f"result code {outcome.code}"
    return SignerAnswer(outcome=SignerOutcome.REFUSED, reason=message, display=message)


def collect_warnings(outcomes: list[StepOutcome], operation: Operation) -> list[str]:
    warnings: list[str] = []
    for outcome in outcomes:
        if outcome.step.reply.warnings is not None:
            warnings += texts_of(select(outcome.record, "warnings", outcome.step.reply.warnings,
                                      outcome.document, operation))
    return warnings


def display_of(outcomes: list[StepOutcome], operation: Operation) -> str | None:
    for outcome in reversed(outcomes):
        if outcome.step.reply.display is not None:
            return text_of(select(outcome.record, "display", outcome.step.reply.display,
                                outcome.document, operation))
    return next((o.message for o in reversed(outcomes) if o.message), None)


def stored_evidence(outcomes: list[StepOutcome], operation: Operation) -> dict[str, str]:
    for outcome in reversed(outcomes):
        if outcome.step.reply.evidence is not None:
            value = select(outcome.record, "evidence", outcome.step.reply.evidence,
                           outcome.document, operation)
            if value is None:
                return {}
            if not isinstance(value, dict):
                raise ServiceFailure(INVALID_ANSWER, "reply.evidence: " + say(
                    f"không phải đối tượng; nhận được {excerpt(value)}",
                    f"not an object; got {excerpt(value)}"))
            return {str(key): str(path) for key, path in value.items() if path}
    return {}


def texts_of(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, list):
        return [text_of(item) for item in value if item is not None]
    return [text_of(value)]


def text_of(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return json.dumps(value, ensure_ascii=False)


def write_output(path: Path, data: bytes) -> None:
    """The signed file, written atomically (never half a file)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.partial-{os.getpid()}")
    partial.write_bytes(data)
    os.replace(partial, path)


def verifier_answer(outcomes: list[StepOutcome], operation: Operation) -> VerifierAnswer:
    """The verification as the service answered it: its refusal (the document could not be
    checked), or every signature of the list, read with the per-signature selectors."""
    last = outcomes[-1]
    if last.meaning == "refused":
        return VerifierAnswer(signatures=[], error=last.message or f"code {last.code}",
                              display=last.message)
    source = next(o for o in reversed(outcomes) if o.step.reply.signatures)
    reply = source.step.reply
    assert reply.signatures is not None and isinstance(reply.signature, SignatureFields)
    found = select(source.record, "signatures", reply.signatures, source.document,
                   operation)
    if not isinstance(found, list):
        raise ServiceFailure(INVALID_ANSWER, "reply.signatures: " + say(
            f"không phải danh sách; nhận được {excerpt(found)}",
            f"not a list; got {excerpt(found)}"))
    signatures = [signature_answer(source, reply.signature, element, index, operation)
                  for index, element in enumerate(found)]
    return VerifierAnswer(signatures=signatures, display=display_of(outcomes, operation),
                          evidence=stored_evidence(outcomes, operation))

def signature_answer(source: StepOutcome, fields: SignatureFields, element: Any, index: int,
                     operation: Operation) -> SignatureAnswer:
    """One element of the signature list as a contract-v1 SignatureAnswer."""
    record = source.record
    at = f"signature[{index}]"
    code = code_text(select(record, f"{at}.indication", fields.indication, element,
                            operation))
    table = source.step.reply.indications
    indication = table.indication_of(code) if table is not None else code
    if indication not in Indication._value2member_map_:
        raise ServiceFailure(INVALID_ANSWER, f"{at}: " + (say(
            f"mã kết quả kiểm tra {code} không có trong reply.indications",
            f"indication code {code} is not in reply.indications") if table is not None
            else say(f"{code!r} không phải kết quả kiểm tra (indication) theo EN 319 102-1",
                     f"{code!r} is not an EN 319 102-1 indication")))
    sub = None
    if fields.sub_indication is not None:
        value = select(record, f"{at}.sub_indication", fields.sub_indication, element,
                       operation)
        if value not in (None, "", "null"):
            if str(value) not in SubIndication._value2member_map_:
                raise ServiceFailure(INVALID_ANSWER, f"{at}: " + say(
                    f"{value!r} không phải lý do chi tiết (sub-indication) theo EN 319 102-1",
                    f"{value!r} is not an EN 319 102-1 sub-indication"))
            sub = SubIndication(str(value))
    field_name = None
    if fields.field_name is not None:
        value = select(record, f"{at}.field_name", fields.field_name, element, operation)
        field_name = None if value is None else str(value)
    display: dict[str, str] = {}
    if isinstance(fields.display, str):
        shown = select(record, f"{at}.display", fields.display, element, operation)
        if not isinstance(shown, dict):
            raise ServiceFailure(INVALID_ANSWER, f"{at}.display: " + say(
                f"không phải đối tượng; nhận được {excerpt(shown)}",
                f"not an object; got {excerpt(shown)}"))
        display = {str(key): text_of(value) for key, value in shown.items()
                   if value is not None}
    elif isinstance(fields.display, dict):
        for key, selector in fields.display.items():
            value = select(record, f"{at}.display.{key}", selector, element, operation)
            if value is not None:
                display[key] = text_of(value)
    warnings = []
    if fields.warnings is not None:
        warnings = texts_of(select(record, f"{at}.warnings", fields.warnings, element,
                                 operation))
    return SignatureAnswer(field_name=field_name, indication=Indication(indication),
                           sub_indication=sub, display=display, warnings=warnings)


__all__ = ["collect_warnings", "display_of", "refusal", "signature_answer", "stored_evidence",
           "text_of", "texts_of", "verifier_answer", "write_output"]
