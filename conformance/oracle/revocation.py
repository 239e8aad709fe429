"""The signer's revocation status: where it came from, and our own check where pyHanko has none.

pyHanko's validation with time passes a timestamped signature without looking at the signer's
revocation status in some cases (:func:`complete_revocation`), so the oracle checks the status
itself at the proven time, with pyhanko-certvalidator, through the document's fetcher backend.
Which kinds of revocation data the validation had (OCSP, CRL, embedded in the document) are
told apart here too, for the verdict rules and for what a person is shown.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from asn1crypto import crl, ocsp, x509
from pyhanko.sign.ades.report import AdESStatus
from pyhanko_certvalidator import CertificateValidator, ValidationContext
from pyhanko_certvalidator.errors import (
    InsufficientRevinfoError,
    PathValidationError,
    RevokedError,
)
from pyhanko_certvalidator.ltv.poe import ValidationObject, ValidationObjectType
from pyhanko_certvalidator.policy_decl import (
    REQUIRE_REVINFO,
    CertRevTrustPolicy,
    FreshnessReqType,
)

from conformance.oracle.descriptions import one_line
from conformance.oracle.findings import Findings, OwnRevocationCheck, SignatureContext
from conformance.oracle.formats import DocumentSignature, revocation_data_digest
from conformance.oracle.model import RevocationInfo, RevocationSource, RevocationStatus
from conformance.verdict import SubIndication


async def complete_revocation(context: SignatureContext, findings: Findings) -> None:
    """pyHanko passed a timestamped signature without looking at the signer's revocation status
    (measured: an expired signer with a timestamp inside its validity; its code says "we can't
    process expiration here since we don't have access to timestamped revocation information").
    A certificate revoked before the timestamp and expired since would then pass. So check the
    status ourselves at the proven time, with the revocation data the document carries, else
    (when the policy allows it) fetched now (the MAX_DIFF freshness rule accepts data issued
    after that time)."""
    signature = context.signature
    proven = signature.proven_time
    if findings.ades is None or findings.ades.status is not AdESStatus.PASSED or proven is None:
        return
    if revocation_sources(signature, *revocation_objects(findings.validation_objects)):
        return
    findings.own_check = await _check_revocation_at(context, proven)


async def _check_revocation_at(context: SignatureContext,
                               moment: datetime) -> OwnRevocationCheck:
    """The status at ``moment`` from the data the document carries first; fetched online only
    when they say nothing and the policy allows it (pyhanko-certvalidator ignores local OCSP
    responses as soon as it may fetch, so these are two checks)."""
    check = await _status_at(context, moment, online=False)
    if check.status is RevocationStatus.UNKNOWN \
            and context.settings.options.fetch_revocation_online:
        check = await _status_at(context, moment, online=True)
    return check


async def _status_at(context: SignatureContext, moment: datetime, *,
                     online: bool) -> OwnRevocationCheck:
    signature, settings = context.signature, context.settings
    signer = signature.signer_certificate
    carried = context.carried
    validation_context = ValidationContext(
        trust_roots=settings.trust_roots,
        other_certs=[*signature.other_certificates, *settings.options.extra_certificates,
                     *carried.certificates],
        crls=[] if online else list(carried.crls),
        ocsps=[] if online else list(carried.ocsp_responses),
        moment=moment, best_signature_time=moment, allow_fetching=online,
        revinfo_policy=CertRevTrustPolicy(
            REQUIRE_REVINFO, freshness=settings.options.revocation_freshness,
            freshness_req_type=FreshnessReqType.MAX_DIFF_REVOCATION_VALIDATION),
        fetcher_backend=settings.backend)
    validator = CertificateValidator(signer, validation_context=validation_context)
    status, detail = RevocationStatus.GOOD, None
    try:
        await validator.async_validate_path()
    except RevokedError as error:
        status, detail = RevocationStatus.REVOKED, one_line(error)
    except InsufficientRevinfoError as error:
        status, detail = RevocationStatus.UNKNOWN, one_line(error)
    except PathValidationError as error:
        status, detail = RevocationStatus.UNKNOWN, one_line(error)
    responses = list(validation_context.ocsps)
    lists = list(validation_context.crls)
    revoked_at, reason = _revocation_in(signer, responses, lists)
    if status is RevocationStatus.GOOD and not revocation_sources(signature, responses, lists):
        status = RevocationStatus.UNKNOWN
    return OwnRevocationCheck(status=status, ocsp_responses=responses, crls=lists,
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


def declares_revocation_service(certificate: x509.Certificate) -> bool:
    """Whether the certificate names an OCSP responder or a CRL distribution point."""
    return bool(certificate.ocsp_urls or certificate.crl_distribution_points)


def revocation_objects(objects: Iterable[ValidationObject]
                       ) -> tuple[list[ocsp.OCSPResponse], list[crl.CertificateList]]:
    """The OCSP responses and CRLs among pyHanko's validation objects."""
    responses, lists = [], []
    for item in objects:
        if item.object_type is ValidationObjectType.OCSP_RESPONSE:
            responses.append(item.value.ocsp_response_data)
        elif item.object_type is ValidationObjectType.CRL:
            lists.append(item.value.crl_data)
    return responses, lists


def revocation_sources(signature: DocumentSignature, responses: Iterable[ocsp.OCSPResponse],
                       lists: Iterable[crl.CertificateList]) -> tuple[RevocationSource, ...]:
    """Which kinds of revocation data about the signer the validation had: an OCSP response
    naming its serial, or a CRL from its issuer; 'embedded' when that same data sits in the
    document.
    """
    signer = signature.signer_certificate
    embedded_digests = signature.embedded_revocation_digests()
    found: set[RevocationSource] = set()
    for response in responses:
        if _ocsp_names(response, signer.serial_number):
            found.add(RevocationSource.EMBEDDED
                      if revocation_data_digest(response.dump()) in embedded_digests
                      else RevocationSource.OCSP)
    for certificate_list in lists:
        if certificate_list.issuer == signer.issuer:
            found.add(RevocationSource.EMBEDDED
                      if revocation_data_digest(certificate_list.dump()) in embedded_digests
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


def all_revocation_sources(signature: DocumentSignature,
                           findings: Findings) -> tuple[RevocationSource, ...]:
    """The revocation sources of pyHanko's validation and of our own check together."""
    responses, lists = revocation_objects(findings.validation_objects)
    if findings.own_check is not None:
        responses += findings.own_check.ocsp_responses
        lists += findings.own_check.crls
    return revocation_sources(signature, responses, lists)


def revocation_info(signature: DocumentSignature, findings: Findings,
                    sub_indication: SubIndication | None) -> RevocationInfo:
    """The signer's revocation status as shown in the result, and where it came from."""
    if not signature.has_signer:
        return RevocationInfo()
    sources = all_revocation_sources(signature, findings)
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
