"""The reference verifier for XML: XAdES and plain XML-DSig, answered like the PDF verifier.

For the document's signature (:func:`verify_xml`):

1. parse safely (:mod:`.xml_parsing`: no entities, no DTD, no network; a DOCTYPE is refused);
2. verify it cryptographically with signxml, with the KeyInfo certificate's key, external
   references resolved only from the documents the caller gives (:mod:`.xml_examination`);
3. validate the XAdES signature timestamp (its imprint over ``ds:SignatureValue``, its CMS
   signature, the TSA's path) and take its genTime as the proof of existence;
4. trust the signer only through the path validated to the given roots with revocation
   required (:mod:`conformance.oracle.xml_trust`); a certificate or key in KeyInfo alone is
   never trusted;
5. decide (:mod:`.xml_verdicts`) and answer with the PDF verifier's own model and words: a
   :class:`~conformance.verdict.VerifierAnswer` whose signature carries the indication, the
   sub-indication and the seven TT15-6.4.b fields in Vietnamese (:func:`.verifier.answer_for`),
   so the rest of kyso reads an XML answer exactly as a PDF one.

Every ``ds:Signature`` of the document is verified, in document order (an e-invoice carries
the seller's and, later, the buyer's or the tax authority's); each is one SignatureAnswer.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

from asn1crypto import x509
from lxml import etree
from pyhanko_certvalidator.fetchers import Fetchers
from pyhanko_certvalidator.fetchers.aiohttp_fetchers import AIOHttpFetcherBackend

from bilingual import say
from conformance.oracle import (
    FETCH_TIMEOUT_SECONDS,
    AlgorithmInfo,
    DocumentResult,
    IntegrityInfo,
    PadesLevel,
    RevocationInfo,
    RevocationSource,
    RevocationStatus,
    SignatureKind,
    SignatureResult,
    SigningTime,
    TimeSource,
    ValidationProcess,
    patient_fetchers,
)
from conformance.oracle.descriptions import certificate_info
from conformance.oracle.xml_trust import (
    CarriedData,
    PathFinding,
    PathProblem,
    TimestampFinding,
    async_validate_signature_timestamp,
    async_validate_signer_path,
)
from conformance.reference.verifier import Verification, answer_for
from conformance.reference.xml_archive import archive_imprint
from conformance.reference.xml_examination import (
    DEFAULT_POLICY,
    Examination,
    XmlPolicy,
    examine,
    timestamp_imprint,
)
from conformance.reference.xml_parsing import XmlInputError, parse_xml
from conformance.reference.xml_timestamping import all_signatures
from conformance.reference.xml_verdicts import (
    Verdict,
    examination_verdict,
    path_verdict,
    timestamp_verdict,
)
from conformance.verdict import Indication, SubIndication, VerifierAnswer
from testbed import wall_clock

MAX_DOCUMENT_BYTES = 50 * 1024 * 1024


def _revocation(path: PathFinding | None) -> RevocationInfo:
    if path is None:
        return RevocationInfo()
    sources = path.sources or (RevocationSource.NONE,)
    if path.problem is None:
        status = RevocationStatus.GOOD
    elif path.problem is PathProblem.REVOKED:
        status = RevocationStatus.REVOKED
    elif path.problem is PathProblem.REVOCATION_UNKNOWN:
        status = RevocationStatus.UNKNOWN
    else:
        status = RevocationStatus.NOT_CHECKED
    return RevocationInfo(status=status, source=sources[0], sources=sources,
                          revoked_at=path.revoked_at, reason=path.revocation_reason)


def _signing_time(found: Examination, timestamp: TimestampFinding | None) -> SigningTime:
    if timestamp is not None and timestamp.valid and timestamp.generated is not None:
        return SigningTime(value=timestamp.generated, source=TimeSource.SIGNATURE_TIMESTAMP,
                           claimed=found.claimed_time, timestamp=timestamp.generated)
    if found.claimed_time is not None:
        return SigningTime(value=found.claimed_time, source=TimeSource.CLAIMED,
                           claimed=found.claimed_time)
    return SigningTime()


def _level(found: Examination) -> PadesLevel:
    """What the signature carries (EN 319 132-1 baseline levels share PAdES' names)."""
    if found.timestamp_token is None:
        return PadesLevel.B_B
    if found.carried.empty:
        return PadesLevel.B_T
    return PadesLevel.B_LTA if found.archive_token is not None else PadesLevel.B_LT


def _format(found: Examination) -> str:
    if not found.is_xades:
        return "XML-DSig"
    return f"XAdES-BASELINE-{_level(found).value.removeprefix('B-')}"


def _algorithm(found: Examination) -> AlgorithmInfo | None:
    if found.signer is None:
        return None
    key = found.signer.public_key
    return AlgorithmInfo(signature_algorithm=found.signature_method.rsplit("#", 1)[-1],
                         digest_algorithm=found.digest_method.rsplit("#", 1)[-1],
                         key_algorithm=key.algorithm, key_size=key.bit_size)


def _result(found: Examination, verdict: Verdict, at: datetime, *,
            path: PathFinding | None, timestamp: TimestampFinding | None,
            field_name: str | None) -> SignatureResult:
    checked = found.signer is not None and found.failure in (
        None, SubIndication.HASH_FAILURE, SubIndication.SIG_CRYPTO_FAILURE)
    integrity = IntegrityInfo(
        intact=found.failure is not SubIndication.HASH_FAILURE,
        signature_valid=found.failure is None,
        coverage="ENTIRE_FILE" if found.whole_document else "PARTIAL") if checked else None
    process = ValidationProcess.NONE if found.failure is not None else (
        ValidationProcess.WITH_TIME if timestamp is not None else ValidationProcess.BASIC)
    return SignatureResult(
        field_name=field_name, kind=SignatureKind.SIGNATURE, indication=verdict.indication,
        sub_indication=verdict.sub_indication, reason=verdict.reason,
        carried_level=_level(found),
        signature_format=_format(found), process=process, validation_time=at,
        signer=certificate_info(found.signer) if found.signer is not None else None,
        signing_time=_signing_time(found, timestamp), revocation=_revocation(path),
        integrity=integrity, algorithm=_algorithm(found))


def _carried(found: Examination, fetch: bool) -> CarriedData:
    data = found.carried
    return CarriedData(certificates=tuple(x509.Certificate.load(c) for c in data.certificates),
                       crls=data.crls, ocsp_responses=data.ocsp_responses, fetch=fetch)


async def _archive(found: Examination, roots: Sequence[x509.Certificate], at: datetime,
                   fetchers: Fetchers, carried: CarriedData) -> TimestampFinding | None:
    """B-LTA: the archive timestamp must cover exactly what it is over (EN 319 132-1 5.5.2);
    None without one."""
    if found.archive_token is None or found.signature is None:
        return None
    stamp = await async_validate_signature_timestamp(
        found.archive_token,
        archive_imprint(found.signature, found.reference_octets, found.archive_c14n),
        trust_roots=roots, moment=at, fetchers=fetchers, carried=carried)
    return stamp if stamp.valid else TimestampFinding(False, stamp.generated,
                                                      f"archive timestamp: {stamp.detail}")


async def _trust(found: Examination, roots: Sequence[x509.Certificate], at: datetime,
                 fetchers: Fetchers, carried: CarriedData
                 ) -> tuple[TimestampFinding | None, PathFinding]:
    """Steps 3–4: the timestamps, then the signer's path (again at the proven time when the
    certificate has expired since, with today's revocation data). A broken archive timestamp
    is answered in place of the signature timestamp: either one failing proves nothing."""
    assert found.signer is not None
    timestamp = None
    if found.timestamp_token is not None:
        timestamp = await async_validate_signature_timestamp(
            found.timestamp_token, timestamp_imprint(found), trust_roots=roots, moment=at,
            fetchers=fetchers, carried=carried)
    archive = await _archive(found, roots, at, fetchers, carried)
    if archive is not None and not archive.valid and (timestamp is None or timestamp.valid):
        timestamp = archive
    path = await async_validate_signer_path(found.signer, other_certificates=found.others,
                                            trust_roots=roots, moment=at, fetchers=fetchers,
                                            carried=carried)
    proven = timestamp.generated if timestamp is not None and timestamp.valid else None
    if path.problem is PathProblem.EXPIRED and proven is not None:
        path = await async_validate_signer_path(
            found.signer, other_certificates=found.others, trust_roots=roots, moment=proven,
            fetchers=fetchers, retroactive=True, carried=carried)
    return timestamp, path


async def _validate(found: Examination, roots: Sequence[x509.Certificate], at: datetime,
                    field_name: str | None, fetch: bool) -> SignatureResult:
    verdict = examination_verdict(found)
    if verdict is not None and found.failure is not None:
        return _result(found, verdict, at, path=None, timestamp=None, field_name=field_name)
    async with AIOHttpFetcherBackend(per_request_timeout=FETCH_TIMEOUT_SECONDS) as backend:
        try:
            timestamp, path = await _trust(found, roots, at, patient_fetchers(backend),
                                           _carried(found, fetch))
        except (ValueError, TypeError, KeyError) as error:  # damaged carried OCSP/CRL data
            failed = Verdict(Indication.TOTAL_FAILED, SubIndication.FORMAT_FAILURE,
                             f"validation data cannot be read ({error})")
            return _result(found, failed, at, path=None, timestamp=None,
                           field_name=field_name)
    proven = timestamp.generated if timestamp is not None and timestamp.valid else None
    verdict = verdict or timestamp_verdict(timestamp) or path_verdict(path, proven)
    return _result(found, verdict, at, path=path, timestamp=timestamp, field_name=field_name)


def _read(document: Path | str | bytes) -> tuple[bytes, str]:
    if isinstance(document, bytes):
        return document, ""
    path = Path(document)
    try:
        if path.stat().st_size > MAX_DOCUMENT_BYTES:
            raise XmlInputError(say(
                f"{path}: tệp lớn hơn {MAX_DOCUMENT_BYTES // (1024 * 1024)} MiB",
                f"{path}: larger than {MAX_DOCUMENT_BYTES // (1024 * 1024)} MiB"))
        return path.read_bytes(), str(path)
    except OSError as error:
        raise XmlInputError(say(f"{path}: không đọc được tệp ({error.strerror})",
                                f"{path}: cannot read the file ({error.strerror})")) from None


def verify_xml(document: Path | str | bytes, trust_roots: Sequence[x509.Certificate], *,
               at: datetime | None = None, detached: dict[str, bytes] | None = None,
               fetch_revocation_online: bool = True,
               policy: XmlPolicy = DEFAULT_POLICY) -> VerifierAnswer:
    """Verify the XML signature of ``document`` (a path or the bytes) at ``at`` (default now).

    ``detached`` maps the URIs a detached signature names to the documents' bytes (nothing is
    fetched). ``fetch_revocation_online=False`` uses only the validation data the signature
    carries (B-LT), as an archive without network access must (then a B-B or B-T signature
    stays INDETERMINATE / TRY_LATER). Bad input never raises: the answer's ``error`` says why
    it cannot be checked. ``policy`` is the reference's own unless a defective verifier
    relaxes one of its checks.
    Not to be called inside a running event loop.
    """
    return verify_xml_in_detail(document, trust_roots, at=at, detached=detached,
                                fetch_revocation_online=fetch_revocation_online,
                                policy=policy).answer


def verify_xml_in_detail(document: Path | str | bytes, trust_roots: Sequence[x509.Certificate],
                         *, at: datetime | None = None, detached: dict[str, bytes] | None = None,
                         fetch_revocation_online: bool = True,
                         policy: XmlPolicy = DEFAULT_POLICY) -> Verification:
    """:func:`verify_xml`, also returning the findings behind the answer (what the evidence
    of TT15-6.2 and the defective verifiers of ``kyso mutants`` read)."""
    at = at or wall_clock()
    try:
        data, name = _read(document)
        root = parse_xml(data, name=name)
    except XmlInputError as error:
        text = str(error)
        return Verification(VerifierAnswer(error=text, display=text), None, input_error=True)
    results = asyncio.run(_validate_all(root, trust_roots, at, detached or {},
                                        fetch_revocation_online, policy))
    result = DocumentResult(validation_time=at, signatures=results)
    return Verification(answer_for(result, name=name), result)


async def _validate_all(root: etree._Element, roots: Sequence[x509.Certificate], at: datetime,
                        detached: dict[str, bytes], fetch: bool,
                        policy: XmlPolicy = DEFAULT_POLICY) -> list[SignatureResult]:
    """Every signature of the document, in document order (none: the answer says so)."""
    results = []
    for index, signature in enumerate(all_signatures(root)):
        found = examine(root, detached=detached, index=index, policy=policy)
        results.append(await _validate(found, roots, at, signature.get("Id"), fetch))
    return results


def is_valid(answer: VerifierAnswer) -> bool:
    """Every signature TOTAL-PASSED, and at least one."""
    return bool(answer.signatures) and all(
        signature.indication is Indication.TOTAL_PASSED for signature in answer.signatures)


__all__ = ["is_valid", "verify_xml", "verify_xml_in_detail"]
