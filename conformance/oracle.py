"""The oracle: the one place in kyso that calls pyHanko's validators.

Given a PDF, the trust roots, a validation time and options, :func:`validate_pdf` returns for
every signature and document timestamp an :class:`SignatureResult`: the ETSI EN 319 102-1
indication and sub-indication (in :mod:`conformance.verdict`'s vocabulary), the signer
certificate, the signing time and where it comes from, the revocation status and where it comes
from, the integrity findings, the algorithms, the PAdES level and a reason.

How the time is got right (stack notes, "pyHanko AdES validation that gets the time right"):
one :class:`ValidationTimingInfo` pinned at the validation instant, pyHanko's proof-of-existence
clock pinned there too (:meth:`_Context.handlers`), and the EN 319 102-1 process chosen per
signature from what it carries:

* neither a signature timestamp nor a document timestamp (B-B): ``ades_basic_validation`` (no
  proof of existence: the certificate is judged at the validation time);
* a signature timestamp (B-T, B-LT): ``ades_with_time_validation`` with the PDF integrity
  information, so the timestamp is the proof of existence of the signature;
* a signature timestamp and a document timestamp in a later revision (B-LTA): the validation
  with time first; when it does not pass, ``ades_lta_validation`` (past validation with the
  document timestamps as evidence record). EN 319 102-1 5.6.3.4 ends the long-term process with
  PASSED when the validation with time passed, and pyHanko's past validation run on a passing
  B-LTA turns it into NO_POE on this testbed (see :func:`_run_signature`).

``ades_lta_validation`` is not used for everything because, measured, it returns
SIG_CONSTRAINTS_FAILURE without a signature timestamp and NO_POE without a document timestamp.

pyHanko's answer → ours (:func:`_mapped`, name for name): OK → TOTAL-PASSED; AdESFailure.X →
TOTAL-FAILED X; AdESIndeterminate.X → INDETERMINATE X; GENERIC → INDETERMINATE, no
sub-indication. Then the gaps pyHanko leaves are folded in, most serious first (:func:`_fold`,
each rule with its reason):

==========================================================  =====================================
finding                                                     verdict
==========================================================  =====================================
signature cannot be parsed / pyHanko raises                 TOTAL-FAILED FORMAT_FAILURE
(also a filled field whose /Contents holds no CMS at all)
digest of the signed bytes does not match (``intact``)      TOTAL-FAILED HASH_FAILURE
byte range does not cover its whole revision                TOTAL-FAILED FORMAT_FAILURE
later revision not permitted (diff analysis, DocMDP)        TOTAL-FAILED HASH_FAILURE
signer not yet valid (pyHanko: CHAIN_GENERAL_FAILURE)       INDETERMINATE NOT_YET_VALID (TOTAL-
                                                            FAILED when a timestamp proves it)
RSA < 2048, EC < 256, SHA-1/MD5 anywhere in the path        INDETERMINATE CRYPTO_CONSTRAINTS_
                                                            FAILURE (unless already TOTAL-FAILED)
PASSED, but the timestamp is after the signer's notAfter    INDETERMINATE EXPIRED
PASSED, our own check finds it revoked before the timestamp TOTAL-FAILED REVOKED
CHAIN_GENERAL_FAILURE with no revocation data obtained      INDETERMINATE TRY_LATER
PASSED without any revocation status for the signer         INDETERMINATE TRY_LATER
==========================================================  =====================================

pyHanko's synchronous APIs call ``asyncio.run``; this module runs its own event loop once per
document (:func:`validate_pdf`), with one explicit aiohttp session for every fetch, so it must not
be called from inside a running loop (use :func:`validate_pdf_async` there).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from io import BytesIO
from typing import Any

from asn1crypto import cms, crl, ocsp, tsp, x509
from pydantic import BaseModel, ConfigDict, Field

from conformance.verdict import Indication, SubIndication
from testbed.clock import wall_clock, whole_seconds

logger = logging.getLogger(__name__)

DEFAULT_FETCH_TIMEOUT = 5.0
"""Seconds per OCSP/CRL/certificate request. A 'no-answer' responder must cost a few seconds,
not pyHanko's default ten, and a loopback testbed answers in milliseconds."""

WEAK_DIGESTS = frozenset({"md2", "md5", "sha1"})
"""TT15 Annex I 1.3 lists SHA-2 and SHA-3 only."""
MINIMUM_RSA_BITS = 2048
"""TT15 Annex I 1.2: RSA keys of at least 2048 bits."""
MINIMUM_EC_BITS = 256
"""TT15 Annex I 1.2: ECDSA over curves of at least 256 bits."""


class DocumentError(ValueError):
    """The file cannot be checked at all (not a PDF, unreadable, damaged beyond parsing)."""


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
        default=None, description="pyHanko ModificationLevel of later revisions.")
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
    pades_level: PadesLevel | None = None
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


# ---- public API ---------------------------------------------------------------------------------
def validate_pdf(data: bytes, trust_roots: Sequence[x509.Certificate], *,
                 at: datetime | None = None,
                 options: OracleOptions | None = None) -> DocumentResult:
    """Validate every signature and document timestamp of ``data`` at ``at`` (default: now).

    Raises :class:`DocumentError` when the file is not a readable PDF. Must not be called from
    a running event loop (pyHanko's own rule); see :func:`validate_pdf_async`.
    """
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        pass
    else:
        raise RuntimeError("validate_pdf() runs its own event loop; inside a running loop "
                           "await validate_pdf_async() instead")
    return asyncio.run(validate_pdf_async(data, trust_roots, at=at, options=options))


async def validate_pdf_async(data: bytes, trust_roots: Sequence[x509.Certificate], *,
                             at: datetime | None = None,
                             options: OracleOptions | None = None) -> DocumentResult:
    """The same as :func:`validate_pdf`, for callers that already run an event loop."""
    import aiohttp
    from pyhanko_certvalidator.fetchers.aiohttp_fetchers import AIOHttpFetcherBackend
    from pyhanko_certvalidator.fetchers.api import FetchLimits

    options = options or OracleOptions()
    validation_time = whole_seconds(at) if at is not None else wall_clock()
    reader = open_pdf(data)
    signatures, broken = _embedded_signatures(reader)
    results: list[SignatureResult] = []
    # One explicit session for every OCSP, CRL and certificate fetch of this document; closed
    # here, whatever happens (pyHanko only closes sessions it created itself).
    async with aiohttp.ClientSession() as session:
        limits = FetchLimits() if options.fetch_issuer_certificates \
            else FetchLimits(max_cert_requests=0)
        backend = AIOHttpFetcherBackend(session=session,
                                        per_request_timeout=options.fetch_timeout,
                                        limits=limits)
        context = _Context(reader=reader, trust_roots=list(trust_roots),
                           validation_time=validation_time, options=options, backend=backend,
                           document_timestamps=[s for s in signatures
                                                if _is_document_timestamp(s)])
        for embedded in signatures:
            results.append(await _validate_one(context, embedded))
    results.extend(_unparsable(field_name, kind, error, validation_time)
                   for field_name, kind, error in broken)
    return DocumentResult(validation_time=validation_time, signatures=results)


def open_pdf(data: bytes) -> Any:
    """A pyHanko reader over ``data``, or :class:`DocumentError` saying why not."""
    from pyhanko.pdf_utils.misc import PdfError
    from pyhanko.pdf_utils.reader import PdfFileReader

    if b"%PDF-" not in data[:1024]:  # ISO 32000: the header may follow up to 1 KiB of junk
        raise DocumentError("not a PDF file (no %PDF- header)")
    try:
        reader = PdfFileReader(BytesIO(data), strict=False)
        reader.root  # noqa: B018 (parse the catalogue now, to fail here and not later)
    except (PdfError, ValueError, KeyError, IndexError, TypeError, AttributeError) as error:
        raise DocumentError(f"damaged or truncated PDF ({_one_line(error)})") from None
    return reader


_Broken = tuple[str | None, "SignatureKind", str]
"""A filled signature field pyHanko cannot even open: (field name, kind, why)."""


def _embedded_signatures(reader: Any) -> tuple[list[Any], list[_Broken]]:
    """pyHanko's signatures in signing order, and the filled fields it cannot open.

    pyHanko opens every field at once and raises on the first /Contents that holds no CMS, which
    would make the whole file "unreadable" and report no signature at all. A field that claims to
    be signed but carries no parsable signature is the universal signature forgery (Mladenov et
    al. 2019): it must be reported as a signature that fails (FORMAT_FAILURE), beside the others.
    So on failure every field is opened on its own (pyHanko's own loop, which also skips fields
    with an unknown /SubFilter); unparsable ones come after the others, in field order.
    """
    from pyhanko.pdf_utils.misc import PdfError
    from pyhanko.sign.fields import SigSeedSubFilter, enumerate_sig_fields
    from pyhanko.sign.validation.pdf_embedded import EmbeddedPdfSignature

    errors = (PdfError, ValueError, KeyError, IndexError, TypeError)
    try:
        return list(reader.embedded_signatures), []
    except errors as error:
        first = error
    known = {subfilter.value for subfilter in SigSeedSubFilter}
    opened: list[Any] = []
    broken: list[_Broken] = []
    try:
        for name, value, field_ref in enumerate_sig_fields(reader, filled_status=True):
            signature = value.get_object()
            if signature.get("/SubFilter") not in known:
                continue
            try:
                opened.append(EmbeddedPdfSignature(reader, field_ref, name))
            except errors as error:
                kind = (SignatureKind.DOCUMENT_TIMESTAMP
                        if signature.get("/Type") == "/DocTimeStamp" else SignatureKind.SIGNATURE)
                broken.append((name, kind, _one_line(error)))
        opened.sort(key=lambda embedded: embedded.signed_revision)
    except errors:
        raise DocumentError(f"damaged signature fields ({_one_line(first)})") from None
    return opened, broken


def _unparsable(field_name: str | None, kind: SignatureKind, error: str,
                validation_time: datetime) -> SignatureResult:
    return SignatureResult(
        field_name=field_name, kind=kind, indication=Indication.TOTAL_FAILED,
        sub_indication=SubIndication.FORMAT_FAILURE, process=ValidationProcess.NONE,
        validation_time=validation_time,
        reason=f"the signature field holds no signature that can be parsed ({error})")


def _is_document_timestamp(embedded: Any) -> bool:
    return bool(embedded.sig_object_type == "/DocTimeStamp")


def _one_line(error: BaseException) -> str:
    text = str(error).strip().splitlines()
    return (text[0] if text else type(error).__name__)[:200]


# ---- per-signature validation -------------------------------------------------------------------
@dataclass
class _Context:
    reader: Any
    trust_roots: list[x509.Certificate]
    validation_time: datetime
    options: OracleOptions
    backend: Any
    document_timestamps: list[Any]

    def spec(self) -> Any:
        """The validation spec (stack notes): trust = the given roots only; revocation data
        required for every certificate, fresh relative to the validation time; always fetched
        online; explicit key usage (the AdES API checks none by default)."""
        from pyhanko.sign.validation.policy_decl import (
            LocalKnowledge,
            RevinfoOnlineFetchingRule,
            RevocationInfoGatheringSpec,
            SignatureValidationSpec,
        )
        from pyhanko.sign.validation.settings import KeyUsageConstraints
        from pyhanko_certvalidator.context import CertValidationPolicySpec
        from pyhanko_certvalidator.policy_decl import (
            REQUIRE_REVINFO,
            CertRevTrustPolicy,
            FreshnessReqType,
        )
        from pyhanko_certvalidator.registry import SimpleTrustManager

        policy = CertValidationPolicySpec(
            trust_manager=SimpleTrustManager.build(trust_roots=self.trust_roots),
            revinfo_policy=CertRevTrustPolicy(
                REQUIRE_REVINFO,
                freshness_req_type=FreshnessReqType.MAX_DIFF_REVOCATION_VALIDATION),
        )
        usage = KeyUsageConstraints(key_usage={"digital_signature", "non_repudiation"},
                                    match_all_key_usages=self.options.require_non_repudiation)
        return SignatureValidationSpec(
            cert_validation_policy=policy,
            revinfo_gathering_policy=RevocationInfoGatheringSpec(
                online_fetching_rule=RevinfoOnlineFetchingRule.ALWAYS_FETCH,
                fetcher_backend=self.backend),
            local_knowledge=LocalKnowledge(known_certs=list(self.options.extra_certificates)),
            key_usage_settings=usage,
        )

    def handlers(self, spec: Any) -> Any:
        """Validation data handlers whose proof-of-existence clock is the validation time.

        pyHanko's POEManager answers 'now' (the wall clock) for anything it has no proof for,
        and the validation with time takes min(timestamp, that). Measured on the testbed with
        the clock moved ahead of the wall clock: a signature timestamped after the revocation
        came out PASSED because 'now' was earlier than the revocation. Pinning the POE clock at
        the validation time makes the timestamp the only proof.
        """
        from pyhanko.sign.validation.policy_decl import bootstrap_validation_data_handlers
        from pyhanko_certvalidator.ltv.poe import POEManager

        return bootstrap_validation_data_handlers(
            spec, timing_info=self.timing(),
            poe_manager_override=POEManager(current_dt_override=self.validation_time))

    def timing(self) -> Any:
        from pyhanko_certvalidator.ltv.types import ValidationTimingInfo

        return ValidationTimingInfo(validation_time=self.validation_time,
                                    best_signature_time=self.validation_time,
                                    point_in_time_validation=True)


@dataclass
class _Findings:
    """What we learn on the way, before the verdict is folded."""

    process: ValidationProcess = ValidationProcess.NONE
    level: PadesLevel | None = None
    ades: Any = None  # pyHanko AdESSubIndic
    failure_message: str | None = None
    status: Any = None  # pyHanko SignatureStatus
    validation_objects: list[Any] = field(default_factory=list)
    integrity: IntegrityInfo | None = None
    format_error: str | None = None
    notes: list[str] = field(default_factory=list)
    own_check: _OwnRevocationCheck | None = None


@dataclass
class _OwnRevocationCheck:
    """Our own revocation check of the signer at the proven signing time (see
    :func:`_check_revocation_at`)."""

    status: RevocationStatus
    ocsp_responses: list[ocsp.OCSPResponse]
    crls: list[crl.CertificateList]
    revoked_at: datetime | None = None
    reason: str | None = None
    detail: str | None = None


async def _validate_one(context: _Context, embedded: Any) -> SignatureResult:
    import time

    started = time.perf_counter()
    findings = _Findings()
    is_timestamp = _is_document_timestamp(embedded)
    try:
        embedded.compute_integrity_info()
        findings.integrity = _integrity_of(embedded)
    except Exception as error:  # noqa: BLE001 (any parse failure of one signature is its verdict)
        findings.format_error = f"cannot evaluate the signature's integrity: {_one_line(error)}"
    if findings.format_error is None:
        try:
            if is_timestamp:
                await _run_timestamp(context, embedded, findings)
            else:
                await _run_signature(context, embedded, findings)
                await _complete_revocation(context, embedded, findings)
        except Exception as error:  # noqa: BLE001
            # pyHanko raising instead of answering is a format problem of this signature
            # (e.g. a CMS structure it cannot process): it must never pass, and never crash
            # the verifier.
            logger.debug("pyHanko raised", exc_info=error)
            findings.format_error = f"the validator could not process it: {_one_line(error)}"
    indication, sub_indication, reason = _fold(context, embedded, findings)
    signer = _certificate_info(embedded.signer_cert) if _has_signer(embedded) else None
    return SignatureResult(
        field_name=_field_name(embedded),
        kind=SignatureKind.DOCUMENT_TIMESTAMP if is_timestamp else SignatureKind.SIGNATURE,
        indication=indication, sub_indication=sub_indication, reason=reason,
        pades_level=findings.level, process=findings.process,
        validation_time=context.validation_time, signer=signer,
        signing_time=_signing_time(embedded, is_timestamp),
        revocation=_revocation_info(embedded, findings, sub_indication),
        integrity=findings.integrity, algorithm=_algorithm_info(embedded),
        pyhanko_sub_indication=_ades_name(findings.ades),
        seconds=round(time.perf_counter() - started, 3),
    )


def _field_name(embedded: Any) -> str | None:
    try:
        return str(embedded.field_name)
    except Exception:  # noqa: BLE001
        return None


def _has_signer(embedded: Any) -> bool:
    try:
        embedded.signer_cert  # noqa: B018
    except Exception:  # noqa: BLE001
        return False
    return True


def _signature_timestamp(embedded: Any) -> cms.SignedData | None:
    from pyhanko.sign.validation.generic_cms import extract_tst_data_iter

    return next(iter(extract_tst_data_iter(embedded.signer_info, signed=False)), None)


def _later_document_timestamps(context: _Context, embedded: Any) -> list[Any]:
    return [stamp for stamp in context.document_timestamps
            if stamp.signed_revision > embedded.signed_revision]


def _has_dss(context: _Context) -> bool:
    try:
        return "/DSS" in context.reader.root
    except Exception:  # noqa: BLE001
        return False


def _detect_level(context: _Context, embedded: Any) -> PadesLevel:
    """B-T needs a signature timestamp; B-LT a DSS as well; B-LTA a document timestamp in a
    later revision than the signature (EN 319 142-1, compared through ``signed_revision``)."""
    if _signature_timestamp(embedded) is None:
        return PadesLevel.B_B
    if not _has_dss(context):
        return PadesLevel.B_T
    return PadesLevel.B_LTA if _later_document_timestamps(context, embedded) else PadesLevel.B_LT


async def _run_signature(context: _Context, embedded: Any, findings: _Findings) -> None:
    from pyhanko.sign.ades.report import AdESStatus
    from pyhanko.sign.validation import ades
    from pyhanko.sign.validation.policy_decl import PdfSignatureValidationSpec
    from pyhanko.sign.validation.status import PdfSignatureStatus

    findings.level = _detect_level(context, embedded)
    spec, timing = context.spec(), context.timing()
    has_signature_timestamp = findings.level is not PadesLevel.B_B
    if has_signature_timestamp:
        # B-T / B-LT, and the first step of B-LTA: validation with time (EN 319 102-1 5.5), the
        # signature timestamp being the proof of existence of the signature.
        findings.process = ValidationProcess.WITH_TIME
        result = await ades.ades_with_time_validation(
            embedded.signed_data, spec, timing_info=timing, raw_digest=embedded.compute_digest(),
            validation_data_handlers=context.handlers(spec),
            extra_status_kwargs=embedded.summarise_integrity_info(),
            status_cls=PdfSignatureStatus)
        if _later_document_timestamps(context, embedded):
            findings.process = ValidationProcess.LONG_TERM
            if result.ades_subindic.status is not AdESStatus.PASSED:
                # B-LTA whose validation with time did not pass (e.g. the TSA certificate has
                # expired or been revoked since): past validation with the document timestamps
                # as evidence record (5.6.3). EN 319 102-1 5.6.3.4 ends the long-term process
                # with PASSED when the validation with time passed, so it only runs here.
                # Measured on the testbed: pyHanko's past validation starts from the wall clock
                # (past_validate(init_control_time=None)) and asks revocation data for a root
                # that signs its own OCSP responses and CRLs, so run on a PASSED B-LTA it turns
                # PASSED into NO_POE. When it cannot improve the result, keep the result with
                # time: it names the real problem (e.g. REVOKED_NO_POE), not the artefact.
                long_term = await ades.ades_lta_validation(
                    embedded, PdfSignatureValidationSpec(signature_validation_spec=spec),
                    timing_info=timing)
                if long_term.ades_subindic.status is AdESStatus.PASSED \
                        or long_term.ades_subindic.status is AdESStatus.FAILED:
                    result = long_term
                else:
                    findings.notes.append(
                        f"past validation with the document timestamps did not improve the "
                        f"result ({long_term.ades_subindic.name})")
    else:
        # B-B: no proof of existence, the certificate is judged at the validation time. No
        # status_cls/extra_status_kwargs here: they raise TypeError on the success path.
        findings.process = ValidationProcess.BASIC
        result = await ades.ades_basic_validation(
            embedded.signed_data, spec, timing_info=timing, raw_digest=embedded.compute_digest(),
            validation_data_handlers=context.handlers(spec))
    _record(findings, result)


async def _complete_revocation(context: _Context, embedded: Any, findings: _Findings) -> None:
    """pyHanko passed a timestamped signature without looking at the signer's revocation status
    (measured: an expired signer with a timestamp inside its validity; its code says "we can't
    process expiration here since we don't have access to timestamped revocation information").
    A certificate revoked before the timestamp and expired since would then pass. So check the
    status ourselves at the proven time, with revocation data fetched now (the MAX_DIFF freshness
    rule accepts data issued after that time)."""
    from pyhanko.sign.ades.report import AdESStatus

    proven = _timestamp_time(embedded)
    if findings.ades is None or findings.ades.status is not AdESStatus.PASSED or proven is None:
        return
    if _revocation_sources(embedded, *_revocation_objects(findings.validation_objects)):
        return
    findings.own_check = await _check_revocation_at(context, embedded, proven)


async def _check_revocation_at(context: _Context, embedded: Any,
                               moment: datetime) -> _OwnRevocationCheck:
    from pyhanko_certvalidator import CertificateValidator, ValidationContext
    from pyhanko_certvalidator.errors import (
        InsufficientRevinfoError,
        PathValidationError,
        RevokedError,
    )
    from pyhanko_certvalidator.policy_decl import (
        REQUIRE_REVINFO,
        CertRevTrustPolicy,
        FreshnessReqType,
    )

    signer = embedded.signer_cert
    validation_context = ValidationContext(
        trust_roots=context.trust_roots,
        other_certs=[*embedded.other_embedded_certs, *context.options.extra_certificates],
        moment=moment, best_signature_time=moment, allow_fetching=True,
        revinfo_policy=CertRevTrustPolicy(
            REQUIRE_REVINFO, freshness_req_type=FreshnessReqType.MAX_DIFF_REVOCATION_VALIDATION),
        fetcher_backend=context.backend)
    validator = CertificateValidator(signer, validation_context=validation_context)
    status, detail = RevocationStatus.GOOD, None
    try:
        await validator.async_validate_path()
    except RevokedError as error:
        status, detail = RevocationStatus.REVOKED, _one_line(error)
    except InsufficientRevinfoError as error:
        status, detail = RevocationStatus.UNKNOWN, _one_line(error)
    except PathValidationError as error:
        status, detail = RevocationStatus.UNKNOWN, _one_line(error)
    responses = list(validation_context.ocsps)
    lists = list(validation_context.crls)
    revoked_at, reason = _revocation_in(signer, responses, lists)
    if status is RevocationStatus.GOOD and not _revocation_sources(embedded, responses, lists):
        status = RevocationStatus.UNKNOWN
    return _OwnRevocationCheck(status=status, ocsp_responses=responses, crls=lists,
                               revoked_at=revoked_at, reason=reason, detail=detail)


def _revocation_in(certificate: x509.Certificate, responses: Iterable[ocsp.OCSPResponse],
                   lists: Iterable[crl.CertificateList]) -> tuple[datetime | None, str | None]:
    """The revocation date and reason of ``certificate`` in the given OCSP responses / CRLs."""
    serial = certificate.serial_number
    for response in responses:
        try:
            singles = response["response_bytes"]["response"].parsed["tbs_response_data"][
                "responses"]
        except (KeyError, TypeError, ValueError):
            continue
        for single in singles:
            status = single["cert_status"]
            if single["cert_id"]["serial_number"].native == serial and status.name == "revoked":
                info = status.chosen
                reason = info["revocation_reason"].native if info["revocation_reason"] else None
                return info["revocation_time"].native, reason
    for certificate_list in lists:
        if certificate_list.issuer != certificate.issuer:
            continue
        for entry in certificate_list["tbs_cert_list"]["revoked_certificates"] or []:
            if entry["user_certificate"].native == serial:
                return entry["revocation_date"].native, None
    return None, None


async def _run_timestamp(context: _Context, embedded: Any, findings: _Findings) -> None:
    from pyhanko.sign.validation import ades

    findings.process = ValidationProcess.TIMESTAMP

    def imprint(algorithm: str) -> bytes:
        return bytes(embedded.compute_digest(algorithm))

    spec = context.spec()
    result = await ades.ades_timestamp_validation(
        embedded.signed_data, spec, imprint, timing_info=context.timing(),
        validation_data_handlers=context.handlers(spec))
    _record(findings, result)


def _record(findings: _Findings, result: Any) -> None:
    findings.ades = result.ades_subindic
    findings.failure_message = result.failure_msg
    findings.status = result.api_status
    findings.validation_objects = list(result.validation_objects)


# ---- folding pyHanko's answer and our own findings into one verdict ----------------------------
def _ades_name(ades: Any) -> str | None:
    return None if ades is None else str(ades.name)


def _mapped(ades: Any) -> tuple[Indication, SubIndication | None]:
    """pyHanko's AdES sub-indication → our indication and sub-indication, name for name.

    pyHanko's OK is TOTAL-PASSED; its FAILED family is TOTAL-FAILED; its INDETERMINATE family is
    INDETERMINATE. The names are the standard's (EN 319 102-1 clause 5.1.3) on both sides;
    pyHanko's GENERIC (no standard name) becomes INDETERMINATE without a sub-indication.
    """
    from pyhanko.sign.ades.report import AdESStatus

    status = ades.status
    if status is AdESStatus.PASSED:
        return Indication.TOTAL_PASSED, None
    indication = (Indication.TOTAL_FAILED if status is AdESStatus.FAILED
                  else Indication.INDETERMINATE)
    try:
        return indication, SubIndication(ades.name)
    except ValueError:
        return indication, None


def _fold(context: _Context, embedded: Any,
          findings: _Findings) -> tuple[Indication, SubIndication | None, str]:
    """The verdict, most serious finding first. Each rule says why it is here."""
    reasons: list[str] = []
    # 1. Nothing could be evaluated: the signature's structure is broken.
    if findings.format_error is not None:
        return Indication.TOTAL_FAILED, SubIndication.FORMAT_FAILURE, findings.format_error
    integrity = findings.integrity
    assert integrity is not None
    # 2. The signed bytes do not hash to the signed digest. pyHanko says so too (HASH_FAILURE),
    #    but a tampered file can still come out valid=True with intact=False (stack notes).
    if not integrity.intact:
        return (Indication.TOTAL_FAILED, SubIndication.HASH_FAILURE,
                "the signed bytes were changed: their digest does not match the signature")
    # 3. The byte range does not cover the whole revision it signs: bytes the signer did not
    #    sign take part in what is displayed (PDF structure, not a hash): FORMAT_FAILURE.
    if integrity.coverage not in ("ENTIRE_FILE", "ENTIRE_REVISION"):
        return (Indication.TOTAL_FAILED, SubIndication.FORMAT_FAILURE,
                f"the signature does not cover its whole revision (coverage {integrity.coverage})")
    # 4. Later revisions changed what the signer signed beyond what is permitted (pyHanko's
    #    difference analysis; not part of its AdES indication). What a person sees is not what
    #    was signed: the signed content's hash no longer describes the document → HASH_FAILURE.
    #    Permitted changes (form filling, DSS, document timestamps) keep docmdp_ok true.
    #    After a certification signature (DocMDP) the permission level /P narrows what is
    #    permitted: a form fill under P=1, a new visible signature field (pyHanko's reading of
    #    the sneaky signature attack) are refused although an approval signature allows them.
    if integrity.docmdp_ok is False or integrity.modification_level == "OTHER":
        what = (f"after its certification (DocMDP P={integrity.certification}) in a way its "
                "permissions do not allow, though an approval signature would permit it"
                if integrity.forbidden_only_by_certification
                else "after signing in a way that is not permitted")
        return (Indication.TOTAL_FAILED, SubIndication.HASH_FAILURE,
                f"the document was modified {what}"
                + (f" ({integrity.changes})" if integrity.changes else ""))
    indication, sub_indication = _mapped(findings.ades)
    if findings.failure_message:
        reasons.append(findings.failure_message)
    signer = embedded.signer_cert
    # 5. A signer certificate that is not yet valid: pyHanko reports a generic chain failure
    #    (measured); EN 319 102-1 names it NOT_YET_VALID. Proven by a timestamp before notBefore
    #    it is TOTAL-FAILED; otherwise (claimed time or validation time) INDETERMINATE.
    not_before = signer.not_valid_before
    proven = _timestamp_time(embedded)
    if indication is not Indication.TOTAL_PASSED and (
            context.validation_time < not_before or (proven is not None and proven < not_before)):
        failed = proven is not None and proven < not_before
        return (Indication.TOTAL_FAILED if failed else Indication.INDETERMINATE,
                SubIndication.NOT_YET_VALID,
                f"the signer's certificate is valid only from {not_before.isoformat()}")
    # 6. Cryptographic constraints of TT15 Annex I 1.2/1.3, checked here explicitly whatever
    #    pyHanko's default algorithm policy did. EN 319 102-1 lists CRYPTO_CONSTRAINTS_FAILURE as
    #    INDETERMINATE; a TOTAL-FAILED found by pyHanko (e.g. REVOKED) stays the stronger verdict.
    weakness = _crypto_weakness(embedded, findings) if context.options.check_crypto_constraints \
        else None
    if weakness and indication is not Indication.TOTAL_FAILED:
        return Indication.INDETERMINATE, SubIndication.CRYPTO_CONSTRAINTS_FAILURE, weakness
    # 7. pyHanko's validation with time passes an expired signer whenever the timestamp is not
    #    before notBefore; a timestamp after notAfter proves the certificate had expired when
    #    the signature was made (EN 319 102-1: EXPIRED).
    not_after = signer.not_valid_after
    if indication is Indication.TOTAL_PASSED and proven is not None and proven > not_after:
        return (Indication.INDETERMINATE, SubIndication.EXPIRED,
                f"the signature timestamp ({proven.isoformat()}) is later than the end of the "
                f"signer's certificate validity ({not_after.isoformat()})")
    # 8. Our own status check at the proven time (see _complete_revocation): revoked at or
    #    before the time the timestamp proves → the signature was made with a revoked
    #    certificate: TOTAL-FAILED REVOKED (EN 319 102-1: revocation before best-signature-time).
    own = findings.own_check
    if indication is Indication.TOTAL_PASSED and own is not None \
            and own.status is RevocationStatus.REVOKED and proven is not None \
            and (own.revoked_at is None or own.revoked_at <= proven):
        return (Indication.TOTAL_FAILED, SubIndication.REVOKED,
                "the signer's certificate was revoked before the time proven by the signature "
                "timestamp" + (f" ({own.detail})" if own.detail else ""))
    # 9. A responder that cannot be reached: pyHanko reports CERTIFICATE_CHAIN_GENERAL_FAILURE
    #    and stops (measured); EN 319 102-1 says TRY_LATER when revocation information is not
    #    available yet. Recognised by the missing revocation data for the signer.
    revocation_found = _all_revocation_sources(embedded, findings)
    if sub_indication is SubIndication.CERTIFICATE_CHAIN_GENERAL_FAILURE \
            and not revocation_found and _declares_revocation_service(signer):
        return (Indication.INDETERMINATE, SubIndication.TRY_LATER,
                "the revocation status of the signer's certificate could not be obtained "
                "(OCSP and CRL unreachable)" + (f"; {reasons[0]}" if reasons else ""))
    # 10. Status not obtained is never valid (TT15 Annex II 1.2 asks for a warning; a verifier
    #    must not say "hợp lệ" without a status). pyHanko with REQUIRE_REVINFO should never
    #    pass without one; this rule holds even if it did.
    if indication is Indication.TOTAL_PASSED and not _is_document_timestamp(embedded) \
            and not revocation_found and not _revoked(findings):
        return (Indication.INDETERMINATE, SubIndication.TRY_LATER,
                "no revocation status was obtained for the signer's certificate")
    if indication is Indication.TOTAL_PASSED:
        return indication, None, _passed_reason(findings)
    reasons.insert(0, _explained(sub_indication, signer, findings))
    return indication, sub_indication, "; ".join(reasons + findings.notes)


def _explained(sub_indication: SubIndication | None, signer: x509.Certificate,
               findings: _Findings) -> str:
    """A technical English sentence for a sub-indication pyHanko gave without a message."""
    details = getattr(findings.status, "revocation_details", None)
    validity = (f"valid {signer.not_valid_before.isoformat()} to "
                f"{signer.not_valid_after.isoformat()}")
    if sub_indication in (SubIndication.REVOKED_NO_POE, SubIndication.REVOKED) and details:
        reason = details.revocation_reason.native if details.revocation_reason else "unspecified"
        return (f"the signer's certificate was revoked at {details.revocation_date.isoformat()} "
                f"({reason}) and nothing proves the signature existed before")
    if sub_indication in (SubIndication.OUT_OF_BOUNDS_NO_POE, SubIndication.EXPIRED):
        return f"the signer's certificate ({validity}) is outside its validity at the " \
            "validation time and no timestamp proves an earlier signing time"
    if sub_indication is SubIndication.NO_CERTIFICATE_CHAIN_FOUND:
        return f"no path from the signer's certificate (issued by " \
            f"{_name_text(signer.issuer)}) to a trusted root"
    return f"pyHanko's EN 319 102-1 result: {_ades_name(findings.ades)}"


def _passed_reason(findings: _Findings) -> str:
    if findings.process is ValidationProcess.BASIC:
        return "signature verified; certificate valid and not revoked at the validation time"
    if findings.process is ValidationProcess.TIMESTAMP:
        return "document timestamp verified"
    return "signature verified; certificate valid and not revoked at the time proven by the " \
        "signature timestamp"


def _revoked(findings: _Findings) -> bool:
    status = findings.status
    return bool(status is not None and getattr(status, "revocation_details", None))


def _timestamp_time(embedded: Any) -> datetime | None:
    token = _signature_timestamp(embedded)
    if token is None:
        return None
    try:
        info = token["encap_content_info"]["content"].parsed
        assert isinstance(info, tsp.TSTInfo)
        value = info["gen_time"].native
        return value if isinstance(value, datetime) else None
    except Exception:  # noqa: BLE001
        return None


def _crypto_weakness(embedded: Any, findings: _Findings) -> str | None:
    """The first TT15 Annex I violation: key sizes and digests of the signature and the path."""
    problems: list[str] = []
    signer_info = embedded.signer_info
    digest = signer_info["digest_algorithm"]["algorithm"].native
    if digest in WEAK_DIGESTS:
        problems.append(f"the signature uses {digest.upper()}")
    try:
        signature_digest = signer_info["signature_algorithm"].hash_algo
        if signature_digest in WEAK_DIGESTS and signature_digest != digest:
            problems.append(f"the signature algorithm uses {signature_digest.upper()}")
    except (ValueError, KeyError):
        pass
    for certificate in _path_certificates(embedded, findings):
        name = certificate.subject.native.get("common_name", "?")
        key = certificate.public_key
        bits = key.bit_size
        if key.algorithm == "rsa" and bits < MINIMUM_RSA_BITS:
            problems.append(f"the key of '{name}' is RSA-{bits} (minimum {MINIMUM_RSA_BITS})")
        elif key.algorithm == "ec" and bits < MINIMUM_EC_BITS:
            problems.append(f"the key of '{name}' is EC-{bits} (minimum {MINIMUM_EC_BITS})")
        if certificate.subject != certificate.issuer and certificate.hash_algo in WEAK_DIGESTS:
            problems.append(f"the certificate '{name}' is signed with "
                            f"{certificate.hash_algo.upper()}")
    if not problems:
        return None
    return "cryptographic constraints of TT15 Annex I not met: " + "; ".join(problems)


def _path_certificates(embedded: Any, findings: _Findings) -> list[x509.Certificate]:
    """The signer's path without its root: pyHanko's validated path, or else the chain the
    signature carries (followed by issuer name), so a failed validation is still checked."""
    path = getattr(findings.status, "validation_path", None)
    if path is not None:
        certificates = list(path.iter_certs(include_root=False))
        if certificates:
            return certificates
    chain = [embedded.signer_cert]
    pool = list(embedded.other_embedded_certs)
    while len(chain) < 8:
        issuer = next((c for c in pool if c.subject == chain[-1].issuer
                       and c.subject != c.issuer), None)
        if issuer is None or issuer in chain:
            break
        chain.append(issuer)
    return chain


def _declares_revocation_service(certificate: x509.Certificate) -> bool:
    return bool(certificate.ocsp_urls or certificate.crl_distribution_points)


def _revocation_objects(objects: Iterable[Any]
                        ) -> tuple[list[ocsp.OCSPResponse], list[crl.CertificateList]]:
    """The OCSP responses and CRLs among pyHanko's validation objects."""
    from pyhanko_certvalidator.ltv.poe import ValidationObjectType

    responses, lists = [], []
    for item in objects:
        if item.object_type is ValidationObjectType.OCSP_RESPONSE:
            responses.append(item.value.ocsp_response_data)
        elif item.object_type is ValidationObjectType.CRL:
            lists.append(item.value.crl_data)
    return responses, lists


def _revocation_sources(embedded: Any, responses: Iterable[ocsp.OCSPResponse],
                        lists: Iterable[crl.CertificateList]) -> tuple[RevocationSource, ...]:
    """Which kinds of revocation data about the signer the validation had: an OCSP response
    naming its serial, or a CRL from its issuer; 'embedded' when that same data sits in the PDF.
    """
    signer = embedded.signer_cert
    embedded_digests = _embedded_revocation_digests(embedded)
    found: set[RevocationSource] = set()
    for response in responses:
        if _ocsp_names(response, signer.serial_number):
            found.add(RevocationSource.EMBEDDED if _digest(response.dump()) in embedded_digests
                      else RevocationSource.OCSP)
    for certificate_list in lists:
        if certificate_list.issuer == signer.issuer:
            found.add(RevocationSource.EMBEDDED
                      if _digest(certificate_list.dump()) in embedded_digests
                      else RevocationSource.CRL)
    order = [RevocationSource.OCSP, RevocationSource.CRL, RevocationSource.EMBEDDED]
    return tuple(source for source in order if source in found)


def _ocsp_names(response: ocsp.OCSPResponse, serial: int) -> bool:
    """Whether the response settles the serial's status: good or revoked. An 'unknown' answer
    is no revocation data (RFC 6960 2.2): counting it would show a person 'not revoked'."""
    try:
        basic = response["response_bytes"]["response"].parsed
        return any(single["cert_id"]["serial_number"].native == serial
                   and single["cert_status"].name in ("good", "revoked")
                   for single in basic["tbs_response_data"]["responses"])
    except (KeyError, TypeError, ValueError):
        return False


def _digest(data: bytes) -> bytes:
    import hashlib

    return hashlib.sha256(data).digest()


def _embedded_revocation_digests(embedded: Any) -> set[bytes]:
    """Digests of the OCSP responses and CRLs in the PDF's DSS and in the signature itself."""
    from pyhanko.pdf_utils.decode_limits import DecodePurpose
    from pyhanko.sign.validation.dss import DocumentSecurityStore
    from pyhanko.sign.validation.errors import NoDSSFoundError

    digests: set[bytes] = set()
    try:
        dss = DocumentSecurityStore.read_dss(embedded.reader)
        for item in dss.ocsps:
            digests.add(_digest(item.get_object().read_data(DecodePurpose.OCSP_RESPONSE)))
        for item in dss.crls:
            digests.add(_digest(item.get_object().read_data(DecodePurpose.CRL)))
    except (NoDSSFoundError, KeyError, ValueError, TypeError):
        pass
    from pyhanko.sign.general import find_unique_cms_attribute

    try:
        archival = find_unique_cms_attribute(embedded.signer_info["signed_attrs"],
                                             "adobe_revocation_info_archival")
    except Exception:  # noqa: BLE001 (absent or malformed: nothing embedded there)
        return digests
    for item in archival["ocsp"] or []:
        digests.add(_digest(item.dump()))
    for item in archival["crl"] or []:
        digests.add(_digest(item.dump()))
    return digests


def _all_revocation_sources(embedded: Any, findings: _Findings) -> tuple[RevocationSource, ...]:
    responses, lists = _revocation_objects(findings.validation_objects)
    if findings.own_check is not None:
        responses += findings.own_check.ocsp_responses
        lists += findings.own_check.crls
    return _revocation_sources(embedded, responses, lists)


def _revocation_info(embedded: Any, findings: _Findings,
                     sub_indication: SubIndication | None) -> RevocationInfo:
    if not _has_signer(embedded):
        return RevocationInfo()
    sources = _all_revocation_sources(embedded, findings)
    own = findings.own_check
    if own is not None and own.status is RevocationStatus.REVOKED:
        return RevocationInfo(status=RevocationStatus.REVOKED,
                              source=sources[0] if sources else RevocationSource.NONE,
                              sources=sources, revoked_at=own.revoked_at, reason=own.reason)
    details = getattr(findings.status, "revocation_details", None)
    if details is not None:
        reason = details.revocation_reason
        return RevocationInfo(
            status=RevocationStatus.REVOKED, source=sources[0] if sources else
            RevocationSource.NONE, sources=sources, revoked_at=details.revocation_date,
            reason=str(reason.native) if reason is not None else None)
    if sub_indication in (SubIndication.REVOKED, SubIndication.REVOKED_NO_POE):
        return RevocationInfo(status=RevocationStatus.REVOKED,
                              source=sources[0] if sources else RevocationSource.NONE,
                              sources=sources)
    if sources:
        return RevocationInfo(status=RevocationStatus.GOOD, source=sources[0], sources=sources)
    if sub_indication is SubIndication.TRY_LATER:
        return RevocationInfo(status=RevocationStatus.UNKNOWN)
    return RevocationInfo()


# ---- descriptions ------------------------------------------------------------------------------
_NAME_ORDER = [("common_name", "CN"), ("title", "T"), ("organizational_unit_name", "OU"),
               ("organization_name", "O"), ("locality_name", "L"),
               ("state_or_province_name", "ST"), ("country_name", "C"), ("user_id", "UID")]


def _name_text(name: x509.Name) -> str:
    values = name.native
    parts = []
    for key, short in _NAME_ORDER:
        value = values.get(key)
        if value:
            for item in value if isinstance(value, list) else [value]:
                parts.append(f"{short}={item}")
    return ", ".join(parts) or name.human_friendly


def _first(value: Any) -> str | None:
    if isinstance(value, list):
        return str(value[0]) if value else None
    return str(value) if value else None


def _certificate_info(certificate: x509.Certificate) -> CertificateInfo:
    subject = certificate.subject.native
    issuer = certificate.issuer.native
    return CertificateInfo(
        subject=_name_text(certificate.subject),
        common_name=_first(subject.get("common_name")), title=_first(subject.get("title")),
        organisation=_first(subject.get("organization_name")),
        organisational_unit=_first(subject.get("organizational_unit_name")),
        issuer=_name_text(certificate.issuer),
        issuer_common_name=_first(issuer.get("common_name")),
        issuer_organisation=_first(issuer.get("organization_name")),
        serial=certificate.serial_number,
        not_before=certificate.not_valid_before, not_after=certificate.not_valid_after,
        key_algorithm=certificate.public_key.algorithm,
        key_size=certificate.public_key.bit_size,
        certificate_hash=certificate.hash_algo,
    )


def _signing_time(embedded: Any, is_timestamp: bool) -> SigningTime:
    if is_timestamp:
        try:
            info = embedded.signed_data["encap_content_info"]["content"].parsed
            generated = info["gen_time"].native
        except Exception:  # noqa: BLE001
            return SigningTime()
        return SigningTime(value=generated, source=TimeSource.DOCUMENT_TIMESTAMP,
                           timestamp=generated)
    try:
        claimed = embedded.self_reported_timestamp
    except Exception:  # noqa: BLE001
        claimed = None
    proven = _timestamp_time(embedded)
    if proven is not None:
        return SigningTime(value=proven, source=TimeSource.SIGNATURE_TIMESTAMP, claimed=claimed,
                           timestamp=proven)
    if claimed is not None:
        return SigningTime(value=claimed, source=TimeSource.CLAIMED, claimed=claimed)
    return SigningTime()


def _integrity_of(embedded: Any) -> IntegrityInfo:
    """Digest check and pyHanko's coverage and difference analysis (computed beforehand)."""
    from pyhanko.sign.diff_analysis import DiffResult
    from pyhanko.sign.general import find_unique_cms_attribute

    summary = embedded.summarise_integrity_info()
    coverage = summary.get("coverage")
    diff = summary.get("diff_result")
    level = None
    changes = None
    if isinstance(diff, DiffResult):
        level = diff.modification_level.name
        if diff.changed_form_fields:
            changes = "form fields changed: " + ", ".join(sorted(diff.changed_form_fields))
    elif diff is not None:
        level = "OTHER"
        changes = _one_line(diff)
    elif coverage is not None:
        level = "NONE" if coverage.name == "ENTIRE_FILE" else None
    if _is_document_timestamp(embedded):
        # a document timestamp carries the document digest in TSTInfo's messageImprint; its
        # messageDigest attribute is the digest of the TSTInfo itself
        intact = _timestamp_imprint_matches(embedded)
    else:
        try:
            expected = find_unique_cms_attribute(embedded.signer_info["signed_attrs"],
                                                 "message_digest").native
            intact = bytes(embedded.compute_digest()) == bytes(expected)
        except Exception:  # noqa: BLE001 (no messageDigest: nothing proves integrity)
            intact = False
    docmdp_ok = summary.get("docmdp_ok")
    certification = _certification_level(embedded)
    return IntegrityInfo(
        intact=intact, signature_valid=True,
        coverage=coverage.name if coverage is not None else None,
        modification_level=level, docmdp_ok=docmdp_ok, changes=changes,
        certification=certification,
        forbidden_only_by_certification=certification is not None and docmdp_ok is False
        and coverage is not None and coverage.name == "ENTIRE_REVISION"
        and _permitted_after_approval(embedded))


def _certification_level(embedded: Any) -> int | None:
    """The DocMDP /P of a certification signature (read from its signed /Reference), or None."""
    try:
        level = embedded.docmdp_level
    except Exception:  # noqa: BLE001 (a malformed /Reference certifies nothing we can read)
        return None
    return int(level.value) if level is not None else None


def _permitted_after_approval(embedded: Any) -> bool:
    """Whether pyHanko's difference analysis would accept the later revisions after an
    *approval* signature (the same review without the DocMDP level): then the certification's
    permissions are the only thing broken. Run only for certifications that failed it."""
    from pyhanko.sign.diff_analysis import DEFAULT_DIFF_POLICY, DiffResult, ModificationLevel

    try:
        review = DEFAULT_DIFF_POLICY.review_file(
            embedded.reader, embedded.signed_revision, field_mdp_spec=embedded.fieldmdp,
            doc_mdp=None)
    except Exception:  # noqa: BLE001 (pyHanko raises what it cannot explain: not permitted)
        return False
    return isinstance(review, DiffResult) and \
        review.modification_level <= ModificationLevel.FORM_FILLING


def _timestamp_imprint_matches(embedded: Any) -> bool:
    try:
        info = embedded.signed_data["encap_content_info"]["content"].parsed
        imprint = info["message_imprint"]
        algorithm = imprint["hash_algorithm"]["algorithm"].native
        return bytes(embedded.compute_digest(algorithm)) == bytes(imprint["hashed_message"].native)
    except Exception:  # noqa: BLE001
        return False


def _algorithm_info(embedded: Any) -> AlgorithmInfo | None:
    try:
        signer_info = embedded.signer_info
        key = embedded.signer_cert.public_key
        return AlgorithmInfo(
            signature_algorithm=signer_info["signature_algorithm"].signature_algo,
            digest_algorithm=signer_info["digest_algorithm"]["algorithm"].native,
            key_algorithm=key.algorithm, key_size=key.bit_size)
    except Exception:  # noqa: BLE001
        return None


def load_certificates(data: bytes) -> list[x509.Certificate]:
    """Every certificate in PEM (one or many) or DER ``data``."""
    from asn1crypto import pem

    if pem.detect(data):
        return [x509.Certificate.load(der) for kind, _, der in pem.unarmor(data, multiple=True)
                if kind == "CERTIFICATE"]
    return [x509.Certificate.load(data)]


__all__ = [
    "AlgorithmInfo", "CertificateInfo", "DocumentError", "DocumentResult", "IntegrityInfo",
    "OracleOptions", "PadesLevel", "RevocationInfo", "RevocationSource", "RevocationStatus",
    "SignatureKind", "SignatureResult", "SigningTime", "TimeSource", "ValidationProcess",
    "load_certificates", "open_pdf", "validate_pdf", "validate_pdf_async",
]
