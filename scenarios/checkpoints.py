"""What makes a step a checkpoint, and what the software must do there.

A *checkpoint* is a ``verify`` step, or a ``sign`` step with ``expect``: it names the
requirement IDs it evidences, says why (Vietnamese and English) and flags the bug classes it
probes (:class:`Flag`, explained once, like Wycheproof's notes). What a correct signer must do
is a :class:`SignExpectation`; what a correct verifier must say is a :class:`VerifyExpectation`.
"""

from __future__ import annotations

import re
from enum import StrEnum
from typing import Literal

from pydantic import Field, field_validator, model_validator

from bilingual import say

from .model_base import KebabId, StrictModel, Text
from .outcomes import DisplayField, Indication, MessageClass, SubIndication

REQUIREMENT_ID = re.compile(r"^(TT15|ND68|ND23|ND30|TT41)-[0-9A-Za-z.]+(-[0-9A-Za-z.]+)*$")


class Flag(StrEnum):
    """Named bug classes a checkpoint probes (explained once, like Wycheproof's notes)."""

    JUDGED_AT_NOW = "judged-at-now"
    """Verifier judges the certificate at validation time, not at the (proven) signing time."""
    BACKDATED_CLAIMED_TIME = "backdated-claimed-time"
    """The signer's own clock is trusted as if it were a timestamp."""
    CRL_ONLY = "crl-only"
    """Only CRLs are consulted, where the status must come from OCSP (the CRL cannot give it);
    a SUT declaring ``ocsp = false`` cannot play such a case."""
    OCSP_ONLY = "ocsp-only"
    """Only OCSP is consulted, where OCSP gives no status and the newest CRL must be used; a SUT
    declaring ``crl = false`` cannot play such a case."""
    OFFLINE_VALIDATION = "offline-validation"
    """No service answers: the verdict must come from the validation data in the document
    (PAdES B-LT/B-LTA); a SUT declaring ``offline = false`` cannot play such a case."""
    STATUS_UNKNOWN_AS_GOOD = "status-unknown-as-good"
    LARGE_CRL = "large-crl"
    """The CRL to read is of realistic size (100,000 entries, megabytes): software that gives
    up on it, times out, or reads only part of it answers wrong."""
    STALE_CRL = "stale-crl"
    SHADOW_ATTACK = "shadow-attack"
    INCREMENTAL_UPDATE = "incremental-update"
    SIGNATURE_WRAPPING = "signature-wrapping"
    WEAK_CRYPTO = "weak-crypto"
    UNTRUSTED_ROOT = "untrusted-root"
    NO_PRE_SIGN_CHECK = "no-pre-sign-check"
    KEY_OFF_TOKEN = "key-off-token"
    VIETNAMESE_DISPLAY = "vietnamese-display"
    TIMESTAMP_NOT_CHECKED = "timestamp-not-checked"
    """A signature timestamp's time is believed without validating the token (imprint, TSA)."""
    UNIVERSAL_SIGNATURE_FORGERY = "universal-signature-forgery"
    """A signature field without a usable signature (/Contents, /ByteRange) is shown as valid."""
    ALGORITHM_SUPPORT = "algorithm-support"
    """An allowed algorithm (RSASSA-PSS, ECDSA P-384) is not supported and so not verified."""
    AIA_CHASING = "aia-chasing"
    """The issuing CA's certificate is not in the signature and is not fetched (AIA)."""
    CERTIFICATION_PERMISSIONS = "certification-permissions"
    """A certification signature's DocMDP permissions (P=1/2/3) are ignored or misread."""


class Checkpoint(StrictModel):
    """What makes a step a checkpoint: an ID, the requirements it evidences, and why."""

    id: KebabId = Field(description="kebab-case, unique in the scenario.")
    requirements: list[str] = Field(min_length=1, description="Requirement IDs, e.g. TT15-6.1.c")
    why: Text
    flags: list[Flag] = Field(default_factory=list)

    @field_validator("requirements")
    @classmethod
    def _requirement_ids(cls, values: list[str]) -> list[str]:
        for value in values:
            if not REQUIREMENT_ID.match(value):
                raise ValueError(say(f"'{value}' không phải mã yêu cầu dạng TT15-6.1.c",
                                     f"'{value}' is not a requirement ID like TT15-6.1.c"))
        return values


class SignExpectation(StrictModel):
    outcome: Literal["signed", "refused", "warn-or-refuse"] = Field(
        description="warn-or-refuse: signing without a warning is wrong, refusing is allowed "
        "(status unobtainable: TT15 Annex II 1.2 asks a warning; signing may proceed or stop).")
    warning: bool | None = Field(default=None, description="true: a warning must be shown "
                                 "(e.g. status unobtainable, TT15 Annex II 1.2); false: none.")
    vietnamese_result: bool = Field(
        default=True, description="The signer must say 'đã ký' / 'chưa ký' in Vietnamese "
        "(TT15-5.6.b) in its displayed text.")
    evidence: bool = Field(
        default=False, description="The software must say where it stored the certificate, "
        "the CRL at signing time and the status-check result, TT15-6.2 / 5.4.")


class VerifyExpectation(StrictModel):
    signature: int = Field(default=-1, description="Which signature: 0 = first, -1 = last.")
    indication: Indication
    sub_indications: list[SubIndication] = Field(
        default_factory=list, description="Accepted sub-indications; empty: any.")
    message_class: MessageClass | None = None
    display: list[DisplayField] = Field(
        default_factory=lambda: list(DisplayField),
        description="The TT15-6.4.b fields that must be shown, each checked against the "
        "testbed's truth (scenarios/display.py). Default: all seven, as TT15-6.4.b asks at "
        "every verification; a checkpoint listing fewer says why in 'display_why'.")
    display_why: Text | None = Field(
        default=None, description="Why this checkpoint checks fewer than the seven fields "
        "(e.g. a signature that cannot be parsed: no certificate to name): required when "
        "'display' omits any, refused otherwise.")
    evidence: bool = Field(
        default=False, description="The software must say where it stored the certificate, "
        "the CRL at signing time and the status-check result, TT15-6.2 / 5.4.")

    @field_validator("display")
    @classmethod
    def _no_repeats(cls, values: list[DisplayField]) -> list[DisplayField]:
        if len(set(values)) != len(values):
            raise ValueError(say("một trường hiển thị được liệt kê hai lần",
                                 "a display field is listed twice"))
        return values

    @model_validator(mode="after")
    def _narrowing_is_explained(self) -> VerifyExpectation:
        if self.omitted_display() and self.display_why is None:
            omitted = ", ".join(f.value for f in self.omitted_display())
            raise ValueError(say(
                f"'display' bỏ qua {omitted}: TT15-6.4.b yêu cầu đủ bảy trường; hãy nêu lý do "
                "trong 'display_why'",
                f"'display' omits {omitted}: TT15-6.4.b asks for all seven; say why in "
                "'display_why'"))
        if not self.omitted_display() and self.display_why is not None:
            raise ValueError(say(
                "'display_why' giải thích việc thu hẹp, nhưng 'display' liệt kê đủ bảy trường",
                "'display_why' explains a narrowing, but 'display' lists all seven fields"))
        return self

    def omitted_display(self) -> list[DisplayField]:
        """The TT15-6.4.b fields this checkpoint does not check (empty: it checks all
        seven)."""
        return [field for field in DisplayField if field not in self.display]

