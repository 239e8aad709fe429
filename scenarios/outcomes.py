"""The outcome vocabulary: what a checkpoint expects and what software answered.

It lives in ``scenarios`` because scenario files state expectations in it and the scenario player
compares answers with them; ``conformance`` re-exports it (``conformance.verdict``) and adds its
own verdicts. Three different things, three types, never mixed:

* :class:`Expectation`: what a correct verifier must say (ETSI EN 319 102-1 indication, the *set*
  of sub-indications we accept, the Vietnamese message class a person must see), or what a
  correct signer must do (sign / refuse, warn).
* the software's answer: :class:`VerifierAnswer` / :class:`SignerAnswer` (adapter contract v1;
  the reference tools speak it too);
* :class:`Verdict`: PASS / FAIL / ERROR / SKIPPED, always with a reason. ERROR means the software
  gave no usable answer; FAIL means it answered wrongly.

Names follow EN 319 102-1 (and pyHanko's ``pyhanko.sign.ades.report``), so a lab can read them
against the standard.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from .signature_formats import SignatureFormat as SignatureFormat  # re-exported: the contract

CONTRACT_VERSION = 1


class Indication(StrEnum):
    """EN 319 102-1 main indication."""

    TOTAL_PASSED = "TOTAL-PASSED"
    TOTAL_FAILED = "TOTAL-FAILED"
    INDETERMINATE = "INDETERMINATE"


class SubIndication(StrEnum):
    """EN 319 102-1 sub-indications (clause 5.1.3), spelled as in the standard, and one of
    kyso's own that the standard lacks (:attr:`DISALLOWED_MODIFICATION`)."""

    FORMAT_FAILURE = "FORMAT_FAILURE"
    HASH_FAILURE = "HASH_FAILURE"
    SIG_CRYPTO_FAILURE = "SIG_CRYPTO_FAILURE"
    REVOKED = "REVOKED"
    NOT_YET_VALID = "NOT_YET_VALID"
    SIG_CONSTRAINTS_FAILURE = "SIG_CONSTRAINTS_FAILURE"
    CHAIN_CONSTRAINTS_FAILURE = "CHAIN_CONSTRAINTS_FAILURE"
    CERTIFICATE_CHAIN_GENERAL_FAILURE = "CERTIFICATE_CHAIN_GENERAL_FAILURE"
    CRYPTO_CONSTRAINTS_FAILURE = "CRYPTO_CONSTRAINTS_FAILURE"
    EXPIRED = "EXPIRED"
    POLICY_PROCESSING_ERROR = "POLICY_PROCESSING_ERROR"
    SIGNATURE_POLICY_NOT_AVAILABLE = "SIGNATURE_POLICY_NOT_AVAILABLE"
    TIMESTAMP_ORDER_FAILURE = "TIMESTAMP_ORDER_FAILURE"
    NO_SIGNING_CERTIFICATE_FOUND = "NO_SIGNING_CERTIFICATE_FOUND"
    NO_CERTIFICATE_CHAIN_FOUND = "NO_CERTIFICATE_CHAIN_FOUND"
    REVOKED_NO_POE = "REVOKED_NO_POE"
    REVOKED_CA_NO_POE = "REVOKED_CA_NO_POE"
    OUT_OF_BOUNDS_NO_POE = "OUT_OF_BOUNDS_NO_POE"
    OUT_OF_BOUNDS_NOT_REVOKED = "OUT_OF_BOUNDS_NOT_REVOKED"
    REVOCATION_OUT_OF_BOUNDS_NO_POE = "REVOCATION_OUT_OF_BOUNDS_NO_POE"
    CRYPTO_CONSTRAINTS_FAILURE_NO_POE = "CRYPTO_CONSTRAINTS_FAILURE_NO_POE"
    NO_POE = "NO_POE"
    TRY_LATER = "TRY_LATER"
    SIGNED_DATA_NOT_FOUND = "SIGNED_DATA_NOT_FOUND"
    DISALLOWED_MODIFICATION = "DISALLOWED_MODIFICATION"
    """Not in EN 319 102-1: kyso's own, for a PDF changed after signing in a way the signature
    does not permit (ISO 32000-1 12.8.2.2: DocMDP; pyHanko's difference analysis) while every
    digest matches. The standard's TOTAL-FAILED names fit neither: HASH_FAILURE says that a
    hash of a signed data object does not match the one in the signature, FORMAT_FAILURE that
    the signature does not conform to a base standard, so far that the cryptographic
    verification cannot process it (clause 5.1.3, Table 5). EU DSS reports FORMAT_FAILURE (its
    DocMDP check sits in its format checking block), so checkpoints accept that name too;
    HASH_FAILURE, what pyHanko-based verifiers (and kyso before) say, is tolerated with a
    warning (:mod:`scenarios.judge`)."""


class MessageClass(StrEnum):
    """What a person must be told (TT15-6.4.a: "hợp lệ" / "không hợp lệ" in Vietnamese).

    INDETERMINATE is not named by TT15; a verifier that cannot conclude must not say "hợp lệ"
    (Annex II 1.2 calls for a warning), so it has its own class.
    """

    VALID = "valid"
    INVALID = "invalid"
    INDETERMINATE = "indeterminate"

    @property
    def vietnamese(self) -> str:
        return {
            MessageClass.VALID: "Chữ ký số hợp lệ",
            MessageClass.INVALID: "Chữ ký số không hợp lệ",
            MessageClass.INDETERMINATE: "Không xác định được tính hợp lệ của chữ ký số",
        }[self]

    @property
    def english(self) -> str:
        return {
            MessageClass.VALID: "The signature is valid",
            MessageClass.INVALID: "The signature is invalid",
            MessageClass.INDETERMINATE: "The validity of the signature cannot be determined",
        }[self]

    @classmethod
    def of(cls, indication: Indication) -> MessageClass:
        return {Indication.TOTAL_PASSED: cls.VALID, Indication.TOTAL_FAILED: cls.INVALID,
                Indication.INDETERMINATE: cls.INDETERMINATE}[indication]


class DisplayField(StrEnum):
    """The seven fields a verifier must show at least (TT15-6.4.b)."""

    ISSUER = "issuer"
    """Cơ quan, tổ chức tạo lập, cấp, phát hành chứng thư."""
    SIGNER = "signer"
    """Chủ thể ký."""
    MANAGING_UNIT = "managing_unit"
    """Đơn vị quản lý chứng thư chữ ký số."""
    SIGNING_TIME = "signing_time"
    """Thời điểm ký số hoặc dấu thời gian (nếu có)."""
    INTEGRITY = "integrity"
    """Tính toàn vẹn."""
    VALIDITY_AT_SIGNING_TIME = "validity_at_signing_time"
    """Tính hợp lệ của chữ ký số tại thời điểm ký."""
    CERTIFICATE_VALIDITY = "certificate_validity"
    """Thời hạn có hiệu lực của chứng thư."""

    @property
    def vietnamese_label(self) -> str:
        return _FIELD_LABELS[self][0]

    @property
    def english_label(self) -> str:
        return _FIELD_LABELS[self][1]


_FIELD_LABELS = {
    DisplayField.ISSUER: ("Tổ chức cấp chứng thư", "Issuing CA"),
    DisplayField.SIGNER: ("Chủ thể ký", "Signer"),
    DisplayField.MANAGING_UNIT: ("Đơn vị quản lý chứng thư", "Certificate-managing unit"),
    DisplayField.SIGNING_TIME: ("Thời điểm ký", "Signing time"),
    DisplayField.INTEGRITY: ("Tính toàn vẹn", "Integrity"),
    DisplayField.VALIDITY_AT_SIGNING_TIME: ("Tính hợp lệ của chữ ký tại thời điểm ký",
                                            "Validity at signing time"),
    DisplayField.CERTIFICATE_VALIDITY: ("Thời hạn hiệu lực của chứng thư",
                                        "Certificate validity period"),
}


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Expectation(_Model):
    """What a correct verifier must conclude about one signature."""

    indication: Indication
    sub_indications: set[SubIndication] = Field(
        default_factory=set,
        description="Accepted sub-indications; empty = any (or none, for TOTAL-PASSED).")
    message_class: MessageClass | None = Field(
        default=None, description="Defaults to the class of the indication.")

    def expected_message_class(self) -> MessageClass:
        return self.message_class or MessageClass.of(self.indication)


class SignatureAnswer(_Model):
    """A verifier's answer about one signature (adapter contract v1)."""

    field_name: str | None = Field(default=None, description="The PDF signature field.")
    indication: Indication
    sub_indication: SubIndication | None = None
    display: dict[str, str] = Field(
        default_factory=dict,
        description="What a person is shown, field by field (keys: DisplayField values, plus "
        "'result' for the valid/invalid message), verbatim, in the language shown.")
    warnings: list[str] = Field(default_factory=list)


StoredEvidence = Annotated[dict[str, str], Field(
    description="Where the software stored the validation data of the signature "
    "(TT15 Art. 5 khoản 4, Art. 6 khoản 2): keys 'certificate' (the signer certificate, DER "
    "or PEM), 'crl' (the CRL at the signing time named in the certificate, DER or PEM) and "
    "'status' (the result of the certificate status check, any non-empty text); values are "
    "paths of the files it saved, absolute or relative to the request's working directory. "
    "Optional: empty when the software stores nothing.")]


class VerifierAnswer(_Model):
    """A verifier's whole answer for one document (adapter contract v1)."""

    version: Literal[1] = CONTRACT_VERSION
    signatures: list[SignatureAnswer] = Field(default_factory=list)
    display: str | None = Field(default=None, description="Full text shown to the person.")
    error: str | None = Field(default=None, description="Why the document could not be "
                              "checked at all (not a PDF, no signature, ...).")
    evidence: StoredEvidence = Field(default_factory=dict)


class SignerOutcome(StrEnum):
    SIGNED = "signed"
    REFUSED = "refused"


class SignerAnswer(_Model):
    """A signer's answer (adapter contract v1): a refusal is an answer, not an error."""

    version: Literal[1] = CONTRACT_VERSION
    outcome: SignerOutcome
    output: str | None = Field(default=None, description="Path of the signed document.")
    reason: str | None = Field(default=None, description="Why it refused, as shown.")
    warnings: list[str] = Field(default_factory=list, description="Warnings shown to the "
                                "signer (e.g. revocation status unobtainable, Annex II 1.2).")
    display: str | None = Field(default=None, description="Text shown to the signer "
                                "(TT15-5.6: 'đã ký' / 'chưa ký' and the validity result).")
    evidence: StoredEvidence = Field(default_factory=dict)
