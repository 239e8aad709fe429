"""The scenario model: a story of actors, documents and a timeline, with checkpoints.

One source of truth: these pydantic models validate scenario files and generate their JSON Schema
(``scenarios/scenario.schema.json``, committed; a test fails when it drifts). Unknown keys are
errors. Field descriptions are the documentation scenario authors read.

Time is relative (``+30d`` after the scenario's start) so nothing rots; ``start`` may pin an
absolute instant when a case needs one. Events happen in the order written, at non-decreasing
instants. A *checkpoint* is a ``verify`` step, or a ``sign`` step with ``expect``
(:mod:`scenarios.checkpoints`).
"""


from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Annotated, Literal

from pydantic import Field, field_validator, model_validator

from bilingual import say
from testbed import (
    Branch,
    InvalidInputError,
    ProfileKind,
    RevocationReason,
    RuleBreak,
    ServiceMode,
    VietnameseName,
    parse_duration,
    parse_instant,
)

from .checkpoints import Checkpoint, SignExpectation, VerifyExpectation
from .format_rules import check_step_formats, step_formats
from .model_base import SCENARIO_ID, KebabId, StrictModel, Text
from .outcomes import SignatureFormat

SERVICE = re.compile(r"^(ocsp|crl|tsa|certs):[a-z0-9-]+$|^all$")


def resolve_instant(text: str, start: datetime) -> datetime:
    """``+30d`` / ``-2h`` / ``+0s`` after ``start``, or an absolute ISO 8601 instant."""
    text = text.strip()
    if text[:1] in "+-":
        return start + parse_duration(text, field="at")
    return parse_instant(text, field="at")


def _check_instant(value: str) -> str:
    text = value.strip()
    try:
        if text[:1] in "+-":
            parse_duration(text, field="at")
        else:
            parse_instant(text, field="at")
    except InvalidInputError:
        raise ValueError(say(
            f"'{text}' không phải thời gian tương đối (+30d, -2h) cũng không phải thời điểm "
            "ISO 8601 (2026-11-22T09:00:00+07:00)",
            f"'{text}' is neither a relative time (+30d, -2h) nor an ISO 8601 instant "
            "(2026-11-22T09:00:00+07:00)")) from None
    return text


def _check_service(value: str) -> str:
    if not SERVICE.match(value):
        raise ValueError(say(
            f"'{value}' không có dạng ocsp:<ca>, crl:<ca>, tsa:<ca>, certs:<ca> hoặc all",
            f"'{value}' is not ocsp:<ca>, crl:<ca>, tsa:<ca>, certs:<ca> or all"))
    return value


InstantText = Annotated[str, Field(description="'+30d', '-2h', '+0s' (after start) or an "
                                   "absolute ISO 8601 instant; without a zone: Vietnam time.")]
DurationText = Annotated[str, Field(description="'30d', '12h', '90s', '1w', '1y'.")]


TrustAnchors = Annotated[
    list[Literal["root-cv", "root-neac", "root-other"]] | None,
    Field(description="The trust anchors the software is given for this step (default: the "
          "công vụ and NEAC roots). Fewer roots model a trust store a CA was removed from "
          "(TT15-6.3, 5.5).")]


class Actor(StrictModel):
    """A subscriber in the story."""

    name: VietnameseName
    profile: ProfileKind = Field(default=ProfileKind.PERSONAL,
                                 description="personal | organisation (the seal) | device")
    branch: Branch = Field(default=Branch.CONG_VU, description="cong-vu | public | other")
    key: Literal["rsa2048", "rsa3072", "p256", "p384", "rsa1024"] = Field(
        default="p256", description="Key type; rsa1024 (weak-crypto) and p384 only without a "
        "token.")
    token: bool = Field(default=True, description="Key generated on a SoftHSM2 token "
                        "(false: a software key file, for fixtures only).")
    rule_breaks: list[RuleBreak] = Field(default_factory=list)
    max_pin_tries: int = Field(default=5, ge=1, le=999, description="Wrong PINs the token "
                               "accepts before it locks; raise it when a story enters wrong "
                               "PINs (pin: wrong) and must go on: every defective signer is "
                               "asked too, each attempt counts.")

    @model_validator(mode="after")
    def _weak_keys_are_software(self) -> Actor:
        if self.key in ("rsa1024", "p384") and self.token:
            raise ValueError(say(
                f"khóa {self.key} cần token: false (token chỉ giữ rsa2048/rsa3072/p256)",
                f"key {self.key} needs token: false (tokens hold rsa2048/rsa3072/p256)"))
        return self


class Document(StrictModel):
    """A PDF the testbed generates for the story."""

    subject: str | None = Field(default=None, description="The decision's subject line "
                                "('Về việc ...'); default: the testbed's sample decision.")
    pages: int = Field(default=1, ge=1, le=2)
    form_field: bool = Field(default=False, description="Add a fillable text field.")


class _Step(StrictModel):
    at: InstantText = "+0s"
    note: str | None = Field(default=None, description="Free text shown in the timeline.")
    formats: list[SignatureFormat] | None = Field(
        default=None, min_length=1, description="Play this step only in these of the "
        "scenario's formats (default: all of them), e.g. a timestamped level plain CMS lacks.")

    @field_validator("at")
    @classmethod
    def _valid_at(cls, value: str) -> str:
        return _check_instant(value)


# ---- certificate and token events -------------------------------------------------------------
class Issue(_Step):
    do: Literal["issue"]
    actor: str
    validity: DurationText | None = Field(default=None, description="Default: legal maximum.")


class Renew(_Step):
    do: Literal["renew"]
    actor: str


class ChangeInfo(_Step):
    do: Literal["change-info"]
    actor: str
    title: str | None = None
    organization: str | None = None
    organizational_unit: str | None = None
    locality: str | None = None


class Revoke(_Step):
    do: Literal["revoke"]
    actor: str
    reason: RevocationReason = RevocationReason.UNSPECIFIED
    invalidity: InstantText | None = Field(default=None, description="When the key was "
                                           "(suspected) compromised.")


class Reissue(_Step):
    do: Literal["reissue"]
    actor: str


class LoseToken(_Step):
    do: Literal["lose-token"]
    actor: str
    reported: InstantText | None = Field(default=None, description="When the loss was reported "
                                         "(default: the step's instant).")


class LockToken(_Step):
    do: Literal["lock-token"]
    actor: str


class RestoreToken(_Step):
    do: Literal["restore-token"]
    actor: str


class ReturnToken(_Step):
    do: Literal["return-token"]
    actor: str


class CompromiseCa(_Step):
    do: Literal["compromise-ca"]
    authority: str = "ca-cv"


# ---- services ---------------------------------------------------------------------------------
class Outage(_Step):
    do: Literal["outage"]
    service: str = Field(description="ocsp:<ca>, crl:<ca>, tsa:<ca> or certs:<ca>; all: every "
                         "service of every authority (years later, the CAs are gone)")
    mode: Literal["http-500", "no-answer", "slow", "unauthorized", "unknown"] = "http-500"
    delay_seconds: float = Field(default=5.0, ge=0, le=60)

    @field_validator("service")
    @classmethod
    def _service(cls, value: str) -> str:
        return _check_service(value)

    @property
    def service_mode(self) -> ServiceMode:
        return ServiceMode(self.mode)


class Recover(_Step):
    do: Literal["recover"]
    service: str

    @field_validator("service")
    @classmethod
    def _service(cls, value: str) -> str:
        return _check_service(value)


class StaleCrl(_Step):
    do: Literal["stale-crl"]
    authority: str = "ca-cv"


class PublishCrl(_Step):
    do: Literal["publish-crl"]
    authority: str = "ca-cv"


class RevocationHistory(_Step):
    """The authority's long revocation history from before the story (serial, date and reason
    only: ``testbed.ca.revocation_history`` says why that is honest): its next CRL is long."""

    do: Literal["revocation-history"]
    authority: str = "ca-cv"
    revoked: int = Field(ge=1, le=1_000_000, description="How many past revocations; dated "
                         "over the CA's life up to the step's instant.")
    seed: int = Field(default=1, description="The same seed gives the same serials.")


class RenewTsa(_Step):
    """A TSA rolls its key: a successor certificate, used from now on (same URL)."""

    do: Literal["renew-tsa"]
    authority: str = "ca-cv"


# ---- documents --------------------------------------------------------------------------------
class Sign(_Step):
    """Sign a document (or a signed artifact, adding a signature)."""

    do: Literal["sign"]
    actor: str
    trust: TrustAnchors = None
    document: str | None = Field(default=None, description="A document from 'documents'.")
    input: str | None = Field(default=None, description="An artifact produced earlier.")
    output: str = Field(description="Name of the artifact this step produces.")
    by: Literal["sut", "fixture"] = Field(
        default="sut", description="sut: the signer under test (the reference signer by "
        "default); fixture: the testbed itself prepares a signed document, rules broken on "
        "purpose if asked.")
    level: Literal["B-B", "B-T", "B-LT", "B-LTA"] = "B-B"
    visible: bool = False
    appearance: Literal["nd30-annex-i"] | None = Field(
        default=None, description="What the visible signature must show, read from its "
        "appearance stream (needs visible: true; the signer under test only). nd30-annex-i: "
        "Decree 30/2020 Annex I for state documents: the agency's name and the signing time in "
        "ISO 8601 with the Vietnam offset (2026-11-22T09:00:00+07:00).")
    digest: Literal["sha256", "sha384", "sha512", "sha1"] = Field(
        default="sha256", description="fixture only: sha1 for weak-crypto cases.")
    claimed_time: InstantText | None = Field(
        default=None, description="fixture only: the signing time the signer claims "
        "(backdated-claimed-time cases); default: the step's instant.")
    rsa_pss: bool = Field(default=False, description="fixture only: sign with RSASSA-PSS "
                          "(TT15 Annex I 1.2) instead of PKCS#1 v1.5; needs an RSA key.")
    embed_chain: bool = Field(default=True, description="fixture only: false leaves the "
                              "issuing CA's certificate out of the CMS (the verifier must "
                              "fetch it from the AIA caIssuers URL).")
    tsa: str | None = Field(default=None, description="fixture only: the authority whose TSA "
                            "stamps (e.g. ca-other, an untrusted TSA); default: the issuer's.")
    timestamp_defect: Literal["imprint-mismatch"] | None = Field(
        default=None, description="fixture only, level B-T: imprint-mismatch embeds a real "
        "token of the TSA over other data as the signature timestamp.")
    certify: Literal[1, 2, 3] | None = Field(
        default=None, description="fixture only: a certification signature (DocMDP, ISO "
        "32000-1 12.8.2.2) instead of an approval signature, with this permission level: 1 no "
        "changes, 2 form filling and signing, 3 also annotations; the document's first "
        "signature only.")
    pin: Literal["right", "wrong"] = Field(
        default="right", description="The PIN file the signer under test is handed: wrong "
        "(a PIN that is not the token's) for wrong-PIN cases; each attempt counts towards the "
        "token's lock (actor max_pin_tries).")
    expect: SignExpectation | None = None
    checkpoint: Checkpoint | None = None

    @model_validator(mode="after")
    def _source_and_checkpoint(self) -> Sign:
        if (self.document is None) == (self.input is None):
            raise ValueError(say("cần đúng một trong hai: 'document' hoặc 'input'",
                                 "give exactly one of 'document' and 'input'"))
        if (self.expect is None) != (self.checkpoint is None):
            raise ValueError(say("'expect' và 'checkpoint' phải đi cùng nhau",
                                 "'expect' and 'checkpoint' go together"))
        if self.by == "fixture" and self.expect is not None:
            raise ValueError(say("fixture không phải đối tượng kiểm thử: không được có 'expect'",
                                 "a fixture is not under test: it cannot have 'expect'"))
        if self.by == "sut" and (self.digest != "sha256" or self.claimed_time is not None
                                 or self.rsa_pss or not self.embed_chain
                                 or self.tsa is not None or self.timestamp_defect is not None):
            fields = "'digest', 'claimed_time', 'rsa_pss', 'embed_chain', 'tsa'"
            raise ValueError(say(f"{fields} và 'timestamp_defect' chỉ dành cho by: fixture",
                                 f"{fields} and 'timestamp_defect' are for by: fixture"))
        if self.appearance is not None and (not self.visible or self.by != "sut"):
            raise ValueError(say("'appearance' cần visible: true và by: sut",
                                 "'appearance' needs visible: true and by: sut"))
        if self.by == "sut" and self.certify is not None:
            raise ValueError(say(
                "'certify' chỉ dành cho by: fixture (phần mềm được kiểm thử chỉ được yêu cầu ký "
                "phê duyệt)",
                "'certify' is for by: fixture (the signer under test is asked for approval "
                "signatures)"))
        if self.by == "fixture" and self.pin != "right":
            raise ValueError(say("'pin' chỉ dành cho by: sut (fixture không đăng nhập token)",
                                 "'pin' is for by: sut (a fixture does not log in to a token)"))
        if self.timestamp_defect is not None and self.level != "B-T":
            raise ValueError(say("'timestamp_defect' cần level: B-T",
                                 "'timestamp_defect' needs level: B-T"))
        if self.tsa is not None and self.level == "B-B":
            raise ValueError(say("'tsa' cần một mức có dấu thời gian (B-T, B-LT, B-LTA)",
                                 "'tsa' needs a timestamped level (B-T, B-LT, B-LTA)"))
        return self


class Tamper(_Step):
    """Change an artifact the way an attacker (or a clerk filling a form) would."""

    do: Literal["tamper"]
    input: str
    output: str
    kind: Literal["byte-flip", "content-update", "form-fill", "comment", "truncate",
                  "append-garbage",
                  "usf-empty-contents", "usf-bad-byterange", "signature-wrapping",
                  "shadow-prepare-hide", "shadow-prepare-replace",
                  "shadow-prepare-hide-and-replace", "shadow-hide", "shadow-replace",
                  "shadow-hide-and-replace", "evil-annotation", "sneaky-signature"] = \
        Field(description="byte-flip: one byte inside the signed range; content-update: an "
              "incremental update changing page content; form-fill: an allowed form fill; "
              "comment: a reader's sticky note (a /Text annotation; permitted after a "
              "certification at P=3 only); "
              "truncate: cut inside the signature; append-garbage: bytes after %%EOF; "
              "usf-empty-contents / usf-bad-byterange: universal signature forgery, the last "
              "signature's /Contents zeroed or its /ByteRange set to [0 0 0 0], in place; "
              "signature-wrapping: new content in the gap between the last signature's byte "
              "ranges, the second range moved to a copy of itself (digest still valid); "
              "shadow-prepare-*: the attacker authors the (unsigned) document the victim will "
              "sign, with content the signed version does not show (input may be a document); "
              "shadow-hide / shadow-replace / shadow-hide-and-replace: the incremental update "
              "of that shadow attack (a cover emptied, a drawn XObject replaced, a hidden "
              "content stream put on the page); evil-annotation: a FreeText annotation "
              "covering the date; sneaky-signature: a new visible signature, by a throwaway "
              "self-signed key, covering the date (certification attacks, testbed.pdf_attacks).")


class Extend(_Step):
    """The archive keeps a signed document alive (the reference archive tool, ``kyso
    extend``): raises it to B-LT or B-LTA with the validation data of this instant, or renews
    its archive timestamp. A refusal (e.g. a last archive timestamp that no longer validates)
    breaks the story."""

    do: Literal["extend"]
    input: str
    output: str
    level: Literal["B-LT", "B-LTA"] = "B-LTA"
    renew: bool = Field(default=False, description="Renew the archive timestamp (needs "
                        "level B-LTA and a document that has one).")

    @model_validator(mode="after")
    def _renewal_at_lta(self) -> Extend:
        if self.renew and self.level != "B-LTA":
            raise ValueError(say("'renew' cần level: B-LTA", "'renew' needs level: B-LTA"))
        return self


class Verify(_Step):
    do: Literal["verify"]
    input: str
    trust: TrustAnchors = None
    expect: VerifyExpectation
    checkpoint: Checkpoint


Step = Annotated[
    Issue | Renew | ChangeInfo | Revoke | Reissue | LoseToken | LockToken | RestoreToken
    | ReturnToken | CompromiseCa | Outage | Recover | StaleCrl | PublishCrl
    | RevocationHistory | RenewTsa | Sign | Tamper | Extend | Verify,
    Field(discriminator="do"),
]


class Scenario(StrictModel):
    """One story, played on a fresh testbed."""

    id: KebabId = Field(description="kebab-case; the file name without .yaml")
    title: Text
    description: Text
    regimes: list[Literal["public", "cong-vu", "state-doc"]] = Field(min_length=1)
    start: InstantText | None = Field(
        default=None, description="Absolute start instant; default: when the run starts.")
    service_key: Literal["rsa2048", "rsa3072", "p256", "p384"] = Field(
        default="rsa2048", description="Key algorithm of the OCSP responders and TSAs "
        "(kyso up --service-key).")
    actors: dict[str, Actor] = Field(default_factory=dict)
    documents: dict[str, Document] = Field(default_factory=dict)
    formats: list[SignatureFormat] = Field(
        default_factory=lambda: [SignatureFormat.PADES], min_length=1,
        description="Formats the story is played in, once each (TT15 Annex I rows 1.4-1.7): "
        "pades (PDF), xades / xmldsig (XML), cades / cms (detached, over a .docx).")
    timeline: list[Step] = Field(min_length=1)

    @field_validator("start")
    @classmethod
    def _absolute_start(cls, value: str | None) -> str | None:
        if value is not None:
            if value.strip()[:1] in "+-":
                raise ValueError(say("start phải là một thời điểm ISO 8601 tuyệt đối",
                                     "start must be an absolute ISO 8601 instant"))
            _check_instant(value)
        return value

    @model_validator(mode="after")
    def _references(self) -> Scenario:
        for actor in self.actors:
            if not SCENARIO_ID.match(actor):
                raise ValueError(f"actors.{actor}: " + say(
                    "tên actor phải viết kebab-case (a-z, 0-9, '-'): tên này thành subscriber id",
                    "actor names are kebab-case (a-z, 0-9, '-'): they become subscriber ids"))
        if len(set(self.formats)) != len(self.formats):
            raise ValueError("formats: " + say("mỗi định dạng chỉ được ghi một lần",
                                               "each format may be listed once"))
        produced: dict[str, set[SignatureFormat]] = {}
        checkpoint_ids: set[str] = set()
        previous: timedelta | None = None
        for index, step in enumerate(self.timeline):
            where = f"timeline[{index}]"
            played = step_formats(step, self.formats)
            check_step_formats(where, step, played, self.formats)
            actor = getattr(step, "actor", None)
            if actor is not None and actor not in self.actors:
                known = ", ".join(self.actors)
                raise ValueError(f"{where}.actor: " + say(
                    f"'{actor}' không phải một trong các actor ({known or 'chưa có'})",
                    f"'{actor}' is not one of the actors ({known or 'none'})"))
            document = getattr(step, "document", None)
            if document is not None and document not in self.documents:
                raise ValueError(f"{where}.document: " + say(
                    f"'{document}' không có trong documents",
                    f"'{document}' is not in documents"))
            source = getattr(step, "input", None)
            # a tamper step may also change a document before anyone signs it (the attacker
            # authors a shadow document)
            if source is not None and not set(played) <= produced.get(source, set()) and not (
                    isinstance(step, Tamper) and source in self.documents):
                raise ValueError(f"{where}.input: " + say(
                    f"'{source}' không do bước nào trước đó tạo ra",
                    f"'{source}' is not produced by an earlier step"))
            output = getattr(step, "output", None)
            if output is not None:
                if output in produced or output in self.documents:
                    raise ValueError(f"{where}.output: " + say(f"'{output}' đã được dùng",
                                                               f"'{output}' is already used"))
                produced[output] = set(played)
            checkpoint = getattr(step, "checkpoint", None)
            if checkpoint is not None:
                if checkpoint.id in checkpoint_ids:
                    raise ValueError(f"{where}.checkpoint.id: " + say(
                        f"'{checkpoint.id}' bị dùng hai lần",
                        f"'{checkpoint.id}' is used twice"))
                checkpoint_ids.add(checkpoint.id)
            if step.at.strip()[:1] in "+-":
                offset = parse_duration(step.at, field="at")
                if previous is not None and offset < previous:
                    raise ValueError(f"{where}.at: " + say(
                        f"'{step.at}' sớm hơn bước trước",
                        f"'{step.at}' is before the previous step"))
                previous = offset
        return self

    def checkpoints(self) -> list[tuple[int, Sign | Verify]]:
        """As its first format plays it (a variant, :mod:`scenarios.formats`, has one)."""
        return [(index, step) for index, step in enumerate(self.timeline)
                if isinstance(step, Sign | Verify) and step.checkpoint is not None
                and self.formats[0] in step_formats(step, self.formats)]

