"""The oracle's result model: what it finds about a document and each of its signatures.

These types cross every boundary of the oracle (the reference verifier renders them, the
defects re-read them, the inspector compares them), so they live apart from the code that
computes them and import no validator. Indications and sub-indications are
:mod:`conformance.verdict`'s vocabulary (ETSI EN 319 102-1).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum

from asn1crypto import x509
from pydantic import BaseModel, ConfigDict, Field

from conformance.verdict import Indication, SubIndication

DEFAULT_FETCH_TIMEOUT = 5.0
"""Seconds per OCSP/CRL/certificate request. A 'no-answer' responder must cost a few seconds,
not pyHanko's default ten, and a loopback testbed answers in milliseconds."""



class DocumentError(ValueError):
    """The file cannot be checked at all (not a PDF, unreadable, damaged beyond parsing)."""


TOO_DEEP = "damaged PDF: objects nested too deeply or referring to each other in a cycle"
"""The :class:`DocumentError` of a PDF that exhausts Python's recursion reading it (pyHanko
parses arrays and dictionaries recursively: a 1.3 KB file of 600 nested arrays is enough)."""


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class SignatureKind(StrEnum):
    SIGNATURE = "signature"
    DOCUMENT_TIMESTAMP = "document-timestamp"


class PadesLevel(StrEnum):
    """ETSI EN 319 142-1 baseline level, as detected from what the file carries."""

    B_B = "B-B"
    B_T = "B-T"
    B_LT = "B-LT"
    B_LTA = "B-LTA"


PADES_SUB_FILTER = "ETSI.CAdES.detached"
"""The /SubFilter of a PAdES baseline signature (EN 319 142-1): a CAdES signature in PDF."""
CMS_SUB_FILTERS = ("adbe.pkcs7.detached", "adbe.pkcs7.sha1")
"""The /SubFilters of a plain CMS (PKCS#7) signature in PDF (ISO 32000-1 12.8.3.3; the CMS
profile of EN 319 142-2): no baseline level, whatever it carries."""


class ValidationProcess(StrEnum):
    """Which EN 319 102-1 process the oracle ran."""

    BASIC = "basic"  # 5.3
    WITH_TIME = "with-time"  # 5.5
    LONG_TERM = "long-term"  # 5.6 (LTA)
    TIMESTAMP = "timestamp"  # 5.4, for document timestamps
    NONE = "none"  # nothing could be run (format failure)


class TimeSource(StrEnum):
    SIGNATURE_TIMESTAMP = "signature-timestamp"
    """genTime of a signature timestamp: a proof of existence (POE)."""
    DOCUMENT_TIMESTAMP = "document-timestamp"
    """The genTime of the document timestamp itself."""
    CLAIMED = "claimed"
    """The signer's own claim (CMS signingTime or the PDF /M entry): no proof."""
    NONE = "none"


class RevocationStatus(StrEnum):
    GOOD = "good"
    REVOKED = "revoked"
    UNKNOWN = "unknown"
    """Asked for but not obtained (responder down, no usable CRL)."""
    NOT_CHECKED = "not-checked"
    """The process stopped before revocation mattered (e.g. a broken hash, no chain)."""


class RevocationSource(StrEnum):
    OCSP = "ocsp"
    CRL = "crl"
    EMBEDDED = "embedded"
    """Revocation data embedded in the PDF (DSS or the signature's revocation attribute)."""
    NONE = "none"


class CertificateInfo(_Model):
    """What a person is shown about a certificate."""

    subject: str = Field(description="Subject DN, most specific attribute first (CN=..., O=...).")
    common_name: str | None = None
    title: str | None = None
    organisation: str | None = None
    organisational_unit: str | None = None
    issuer: str
    issuer_common_name: str | None = None
    issuer_organisation: str | None = None
    serial: int
    not_before: datetime
    not_after: datetime
    key_algorithm: str = Field(description="'rsa', 'ec', ...")
    key_size: int
    certificate_hash: str = Field(description="Digest the issuer signed the certificate with.")

    @property
    def serial_hex(self) -> str:
        return f"{self.serial:X}"


class SigningTime(_Model):
    value: datetime | None = Field(default=None, description="The best known signing time.")
    source: TimeSource = TimeSource.NONE
    claimed: datetime | None = Field(default=None, description="signingTime or /M, if any.")
    timestamp: datetime | None = Field(default=None,
                                       description="genTime of the signature timestamp, if any.")


class RevocationInfo(_Model):
    status: RevocationStatus = RevocationStatus.NOT_CHECKED
    source: RevocationSource = RevocationSource.NONE
    sources: tuple[RevocationSource, ...] = ()
    revoked_at: datetime | None = None
    reason: str | None = None


class IntegrityInfo(_Model):
    intact: bool = Field(description="The digest of the signed bytes matches.")
    signature_valid: bool = Field(description="The cryptographic signature verifies.")
    coverage: str | None = Field(default=None, description="pyHanko SignatureCoverageLevel.")
    modification_level: str | None = Field(
        default=None, description="pyHanko ModificationLevel of later revisions (ANNOTATIONS: "
        "comments after a certification at P=3, which the oracle's comment rule clears; "
        "pyHanko's default analysis never gives it).")
    docmdp_ok: bool | None = None
    changes: str | None = Field(default=None, description="What changed after signing, if "
                                "anything (form fields filled, or the suspicious change).")
    certification: int | None = Field(
        default=None, description="The DocMDP permission level /P when this is a "
        "certification signature (1 no changes, 2 form filling and signing, 3 also "
        "annotations); None for an approval signature.")
    forbidden_only_by_certification: bool = Field(
        default=False, description="The later changes are refused only because of the "
        "certification's permissions: after an approval signature they would be permitted "
        "(e.g. a form fill under P=1, a new visible signature under P=2).")

    @property
    def unchanged_since_signing(self) -> bool:
        return self.intact and self.modification_level in (None, "NONE", "LTA_UPDATES")


class AlgorithmInfo(_Model):
    signature_algorithm: str
    digest_algorithm: str
    key_algorithm: str
    key_size: int


class SignatureResult(_Model):
    """The oracle's finding about one signature or document timestamp."""

    field_name: str | None
    kind: SignatureKind
    indication: Indication
    sub_indication: SubIndication | None = None
    reason: str = Field(description="Why (English, technical): pyHanko's and our own findings.")
    pades_level: PadesLevel | None = Field(
        default=None, description="The EN 319 142-1 baseline level; None for anything that is "
        "not a PAdES baseline signature (another /SubFilter, a document timestamp).")
    carried_level: PadesLevel | None = Field(
        default=None, description="What the signature carries, whatever its format: a "
        "signature timestamp (B-T), validation data (B-LT), an archive timestamp (B-LTA); "
        "equal to pades_level in a PAdES signature.")
    sub_filter: str | None = Field(
        default=None, description="The format the signature declares of itself: the PDF "
        "/SubFilter without its slash (ETSI.CAdES.detached, adbe.pkcs7.detached, "
        "adbe.pkcs7.sha1, ETSI.RFC3161); None when absent.")
    signature_format: str | None = Field(
        default=None, description="What the signature is, in words: 'PAdES baseline B-T', "
        "'CMS (adbe.pkcs7.detached)', 'document timestamp (ETSI.RFC3161)'.")
    process: ValidationProcess
    validation_time: datetime
    signer: CertificateInfo | None = None
    signing_time: SigningTime = SigningTime()
    revocation: RevocationInfo = RevocationInfo()
    integrity: IntegrityInfo | None = None
    algorithm: AlgorithmInfo | None = None
    pyhanko_sub_indication: str | None = Field(
        default=None, description="pyHanko's own AdES sub-indication, before folding.")
    seconds: float = Field(default=0.0, description="Time spent validating this signature.")


class DocumentResult(_Model):
    validation_time: datetime
    signatures: list[SignatureResult] = Field(default_factory=list)

    @property
    def signature_count(self) -> int:
        return sum(1 for s in self.signatures if s.kind is SignatureKind.SIGNATURE)


@dataclass(frozen=True)
class OracleOptions:
    """Knobs of the oracle; the defaults are the reference policy."""

    fetch_timeout: float = DEFAULT_FETCH_TIMEOUT
    require_non_repudiation: bool = True
    """keyUsage must carry digitalSignature AND nonRepudiation (a document signature is a
    commitment; ND68 Art. 7 limits a certificate's purpose through keyUsage)."""
    check_crypto_constraints: bool = True
    extra_certificates: Sequence[x509.Certificate] = field(default_factory=tuple)
    """Intermediates known beforehand (the AIA caIssuers URL usually provides them)."""
    fetch_issuer_certificates: bool = True
    """Follow AIA caIssuers URLs for issuer certificates the signature does not carry (a CMS
    need not include the chain; TT15-6.1.b asks for the path all the same)."""
    fetch_revocation_online: bool = True
    """Ask the OCSP responders and CRL distribution points when the validation data the
    document carries (DSS/VRI, the CMS) fall short. False: the document's own data only, as a
    verifier in an archive without network access must work (a B-B or B-T signature then
    stays INDETERMINATE / TRY_LATER, which is what it is)."""
    read_document_validation_data: bool = True
    """Use the certificates, OCSP responses and CRLs the document carries (DSS/VRI, the CMS).
    False only models a verifier that ignores them (the defect ``ignore-embedded-data``)."""
    archive_timestamps: bool = True
    """Take a signature's archive (document) timestamps as evidence (EN 319 102-1 5.6.3 past
    validation) when the validation with time does not pass. False only models a verifier that
    ignores them (the defect ``ignore-archive-timestamps``)."""
    revocation_freshness: timedelta | None = None
    """How much older than the best signature time revocation data may be (EU DSS's
    RevocationFreshness constraint, EN 319 102-1 5.2.5.4): None takes each OCSP response's or
    CRL's own thisUpdate..nextUpdate interval, as EU DSS does with the value 0. Judged relative
    to the validation time when the data are fresh for it, else relative to the time a
    timestamp proves; never only to the wall clock."""
