"""Adapter contract v1 in one place: what a SUT receives, what it must answer, what exits mean.

* **Answers** are :class:`scenarios.outcomes.SignerAnswer` and :class:`VerifierAnswer` (one JSON
  object on stdout, ``"version": 1``); a refusal to sign is an answer, not an error.
* **Requests** (:class:`SignCase`, :class:`VerifyCase`) are what a ``batch`` SUT reads on stdin
  inside a :class:`BatchInput`; a ``cli`` SUT gets the same values through placeholders in its
  command template. Paths are absolute, times ISO 8601 with an offset, and ``moment`` is the
  testbed instant the SUT must use as "now".
* **Exit codes**: 0 = "I answered"; the profile's ``unsupported_exit_code`` (default 64) =
  "I do not support this case" (SKIPPED, for optional capabilities only); anything else, a
  signal, a timeout or an unusable stdout = no answer (ERROR, with the exit code and stderr tail).
* **No answer** is raised, never returned: :class:`SutNoAnswer` (ERROR; a
  :class:`scenarios.roles.NoAnswer`) and its subclass
  :class:`SutUnsupported` (SKIPPED unless the requirement is mandatory, then FAIL).

The JSON Schemas vendors validate against are generated from these models into
``conformance/sut/schemas/`` (``python -m conformance.sut.contract``); a test fails when the
committed files drift from the models.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from conformance.sut.profile import DEFAULT_UNSUPPORTED_EXIT_CODE, SutProfile
from scenarios import (
    CONTRACT_VERSION,
    NoAnswer,
    SignatureFormat,
    SignerAnswer,
    SignRequest,
    VerifierAnswer,
    VerifyRequest,
)

EXIT_ANSWERED = 0
"""The SUT answered (signed, refused, or a verification result)."""
"""The SUT does not support this case (sysexits EX_USAGE); a profile may declare another."""
SCHEMA_DIR = Path(__file__).resolve().parent / "schemas"


class SutNoAnswer(NoAnswer):
    """The SUT gave no usable answer: the case is ERROR (not FAIL).

    A :class:`scenarios.roles.NoAnswer`, so the scenario player records it. ``kind`` is a short
    word for reports and tests: ``timeout``, ``crash`` (killed by a signal, or the sandbox's
    supervisor killed), ``exit-code`` (an undeclared exit code), ``flood`` (output flood),
    ``no-answer`` (empty stdout, no output file), ``invalid-answer`` (not JSON, or not a valid
    contract-v1 answer), ``start-error``, ``exception`` (a python entry point raised),
    ``missing-result`` (a batch left the case out), ``entry-point`` (a python entry point that
    does not import). ``evidence`` maps a kind of evidence (``command``, ``stdout``,
    ``stderr``, ``traceback``) to its file in the case's directory;
    ``facts`` holds the rest (command line without the PIN, exit code, signal, durations, the
    first bytes of stdout, the tail of stderr).
    """

    verdict = "ERROR"

    def __init__(self, reason: str, evidence: dict[str, Path] | None = None, *,
                 kind: str = "no-answer", facts: dict[str, Any] | None = None) -> None:
        facts = facts or {}
        if evidence is None:
            evidence = {name: Path(facts[f"{name}_file"])
                        for name in ("command", "stdout", "stderr", "traceback")
                        if facts.get(f"{name}_file")}
        super().__init__(reason, evidence)
        self.kind = kind
        self.facts = facts


class SutUnsupported(SutNoAnswer):
    """The SUT (or its profile) declares this case unsupported: SKIPPED with ``reason``.

    Only an optional capability may be skipped: the runner turns this into FAIL when the
    requirement behind the case is mandatory. (As a :class:`NoAnswer`, a runner that does not
    know this class records ERROR, never a silent pass.)
    """

    verdict = "SKIPPED"

    def __init__(self, reason: str, evidence: dict[str, Path] | None = None, *,
                 kind: str = "unsupported", facts: dict[str, Any] | None = None) -> None:
        super().__init__(reason, evidence, kind=kind, facts=facts)


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class SignCase(_Model):
    """One signing case as a batch SUT reads it (a cli SUT gets these values as placeholders)."""

    version: Literal[1] = CONTRACT_VERSION
    case_id: str = Field(description="Echo it in the result.")
    role: Literal["sign"] = "sign"
    input: str = Field(description="Absolute path of the document to sign: a PDF (pades), an "
                       "XML document (xades, xmldsig), any file (cades, cms).")
    output: str = Field(description="Absolute path to write the signed document to (for cades "
                        "and cms the detached signature, DER .p7s); not on refusal.")
    format: SignatureFormat = Field(default=SignatureFormat.PADES, description="The signature "
                                    "to make (TT15/2025 Annex I rows 1.4-1.7); pades when absent.")
    token_access: str = Field(description="Absolute path of the token access JSON: PKCS#11 "
                              "module, environment to export, token/key/certificate labels.")
    pin_file: str = Field(description="Absolute path of the file holding the user PIN.")
    token_label: str
    key_label: str
    certificate_label: str
    module: str = Field(description="Absolute path of the PKCS#11 module.")
    trust_files: list[str] = Field(description="Trust anchors, one PEM file each.")
    tsa_url: str | None = Field(description="Timestamp authority for B-T and above.")
    moment: str = Field(description="The testbed instant to use as 'now' (ISO 8601, offset).")
    level: Literal["B-B", "B-T", "B-LT", "B-LTA"]
    visible: bool = False
    reason: str | None = None
    location: str | None = None
    field_name: str | None = Field(default=None, description="Signature field to use.")


class VerifyCase(_Model):
    """One verification case, as a batch SUT reads it."""

    version: Literal[1] = CONTRACT_VERSION
    case_id: str = Field(description="Echo it in the result.")
    role: Literal["verify"] = "verify"
    input: str = Field(description="Absolute path of the signed document whose signatures to "
                       "verify (PDF, XML), or of the detached signature (.p7s) for cades / cms.")
    trust_files: list[str] = Field(description="Trust anchors, one PEM file each.")
    moment: str = Field(description="Validate as of this instant (ISO 8601, offset).")
    format: SignatureFormat = Field(default=SignatureFormat.PADES, description="What input is "
                                    "(pades when absent).")
    content: str | None = Field(default=None, description="Detached signature (cades, cms): "
                                "absolute path of the signed content; absent otherwise.")


Case = Annotated[SignCase | VerifyCase, Field(discriminator="role")]


class BatchInput(_Model):
    """What a batch SUT reads on stdin: every case of the batch."""

    version: Literal[1] = CONTRACT_VERSION
    cases: list[Case]


class BatchResult(_Model):
    """One case's result from a batch SUT: an answer, or a declared unsupported case."""

    case_id: str = Field(description="The case_id of the request answered.")
    answer: SignerAnswer | VerifierAnswer | None = Field(
        default=None, description="A SignerAnswer for 'sign' cases, a VerifierAnswer for "
        "'verify' cases.")
    unsupported: str | None = Field(default=None, description="Why this case is not supported "
                                    "(it is then SKIPPED); instead of an answer.")


class BatchOutput(_Model):
    """What a batch SUT prints on stdout: one result per case, in any order."""

    version: Literal[1] = CONTRACT_VERSION
    results: list[BatchResult]


def batch_input_json(cases: Sequence[SignCase | VerifyCase]) -> bytes:
    """A batch SUT's stdin. ``format`` is left out for PAdES and ``content`` when there is
    none, so a PDF-only batch reads exactly what it read before formats existed (a vendor that
    validates against an older schema is not broken by a field it never needs)."""
    data = BatchInput(cases=list(cases)).model_dump(mode="json")
    for case in data["cases"]:
        if case.get("format") == SignatureFormat.PADES.value:
            del case["format"]
        if case.get("content", "") is None:
            del case["content"]
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def iso(moment: datetime) -> str:
    """ISO 8601 with the offset, whole seconds kept as given."""
    return moment.isoformat()


def sign_case(request: SignRequest, case_id: str) -> SignCase:
    """The contract's view of a :class:`SignRequest` (the token access file is read for labels)."""
    from testbed import TokenAccess

    access = TokenAccess.load(request.token_access)
    return SignCase(
        case_id=case_id, input=str(Path(request.input).resolve()),
        output=str(Path(request.output).resolve()),
        token_access=str(Path(request.token_access).resolve()),
        pin_file=str(Path(request.pin_file).resolve()), token_label=request.token_label,
        key_label=access.key_label, certificate_label=access.certificate_label,
        module=access.module, trust_files=[str(Path(p).resolve()) for p in request.trust_roots],
        tsa_url=request.tsa_url, moment=iso(request.moment), level=request.level,  # type: ignore[arg-type]
        visible=request.visible, reason=request.reason, location=request.location,
        field_name=request.field_name, format=request.format)


def verify_case(request: VerifyRequest, case_id: str) -> VerifyCase:
    """The contract's view of a :class:`VerifyRequest`."""
    return VerifyCase(case_id=case_id, input=str(Path(request.input).resolve()),
                      trust_files=[str(Path(p).resolve()) for p in request.trust_roots],
                      moment=iso(request.moment), format=request.format,
                      content=None if request.content is None
                      else str(Path(request.content).resolve()))


# ---- schemas --------------------------------------------------------------------------------
SCHEMA_MODELS: dict[str, type[BaseModel]] = {
    "signer-answer": SignerAnswer,
    "verifier-answer": VerifierAnswer,
    "sign-case": SignCase,
    "verify-case": VerifyCase,
    "batch-input": BatchInput,
    "batch-output": BatchOutput,
}


def schema_texts() -> dict[str, str]:
    """File name → JSON Schema text, for every message that crosses the process boundary."""

    texts = {}
    for name, model in {**SCHEMA_MODELS, "sut-profile": SutProfile}.items():
        schema = model.model_json_schema()
        schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
        schema["$id"] = f"https://kyso.invalid/sut/{name}.schema.json"
        texts[f"{name}.schema.json"] = json.dumps(schema, ensure_ascii=False, indent=2,
                                                  sort_keys=True) + "\n"
    return texts


def write_schemas(directory: Path = SCHEMA_DIR) -> list[Path]:
    """Write the schemas (run after changing a model; a test compares them)."""
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for name, text in schema_texts().items():
        path = directory / name
        path.write_text(text, encoding="utf-8")
        written.append(path)
    return written


def main(argv: Sequence[str] | None = None) -> None:
    for path in write_schemas():
        print(f"wrote {path}")


__all__ = [
    "DEFAULT_UNSUPPORTED_EXIT_CODE", "EXIT_ANSWERED", "SCHEMA_DIR", "BatchInput", "BatchOutput",
    "BatchResult", "SignCase", "SutNoAnswer", "SutUnsupported", "VerifyCase", "batch_input_json",
    "schema_texts",
    "sign_case", "verify_case", "write_schemas",
]


if __name__ == "__main__":
    main()
