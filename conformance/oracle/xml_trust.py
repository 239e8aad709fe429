"""Trust for XML signatures: the signer's certification path and the signature timestamp.

An XML signature carries its signer's certificate in ``ds:KeyInfo``; that proves nothing by
itself (anyone can put any certificate, or a bare key, there). The reference XML verifier
therefore trusts a signer only through the path validated here, with pyhanko-certvalidator, to
the trust roots it was given: every certificate of the path within its validity at the moment
asked, the revocation status fetched (OCSP or CRL, from the testbed's responders) and required,
and the key usage a document signature needs. The XAdES ``SignatureTimeStamp`` is validated
here too (pyHanko's RFC 3161 token validation: its CMS signature, its imprint and the TSA's
path), so that its genTime may serve as a proof of existence.

This module lives in the oracle because the oracle is the one door to pyHanko's validators
(``tests/test_architecture.py``). The verdict is :mod:`conformance.reference.xml_verdicts`'.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from asn1crypto import cms, x509
from pyhanko.sign.validation.generic_cms import validate_tst_signed_data
from pyhanko.sign.validation.settings import KeyUsageConstraints
from pyhanko_certvalidator import CertificateValidator, ValidationContext
from pyhanko_certvalidator.errors import (
    ExpiredError,
    InsufficientRevinfoError,
    InvalidCertificateError,
    NotYetValidError,
    PathBuildingError,
    PathValidationError,
    RevokedError,
    ValidationError,
)
from pyhanko_certvalidator.fetchers import Fetchers

from conformance.oracle.algorithms import MINIMUM_EC_BITS, MINIMUM_RSA_BITS, WEAK_DIGESTS
from conformance.oracle.certificate import SIGNER_KEY_USAGE
from conformance.oracle.model import RevocationSource


class PathProblem(StrEnum):
    """Why the signer's path did not validate."""

    REVOKED = "revoked"
    ISSUER_REVOKED = "issuer-revoked"
    EXPIRED = "expired"
    NOT_YET_VALID = "not-yet-valid"
    UNTRUSTED = "untrusted"
    KEY_USAGE = "key-usage"
    WEAK_CRYPTOGRAPHY = "weak-cryptography"
    INVALID = "invalid"
    REVOCATION_UNKNOWN = "revocation-unknown"


@dataclass(frozen=True)
class CarriedData:
    """What the signature carries for its validation (XAdES B-LT), DER: certificates, CRLs,
    OCSP responses; used before anything is fetched, and alone when fetching is off."""

    certificates: tuple[x509.Certificate, ...] = ()
    crls: tuple[bytes, ...] = ()
    ocsp_responses: tuple[bytes, ...] = ()
    fetch: bool = True
    """Ask the OCSP responders and CRL distribution points where the carried data fall
    short; False: the carried data only (an archive without network access)."""

    @property
    def empty(self) -> bool:
        return not (self.crls or self.ocsp_responses)


def _context(trust_roots: Sequence[x509.Certificate], others: Sequence[x509.Certificate],
             moment: datetime, fetchers: Fetchers, carried: CarriedData, *, mode: str,
             retroactive: bool = False) -> ValidationContext:
    return ValidationContext(
        trust_roots=list(trust_roots), other_certs=[*others, *carried.certificates],
        moment=moment, allow_fetching=carried.fetch, revocation_mode=mode,
        fetchers=fetchers if carried.fetch else None, crls=list(carried.crls),
        ocsps=list(carried.ocsp_responses), retroactive_revinfo=retroactive)


@dataclass(frozen=True)
class PathFinding:
    """What the path validation found (``problem`` None: valid, status good)."""

    problem: PathProblem | None
    detail: str
    revoked_at: datetime | None = None
    revocation_reason: str | None = None
    sources: tuple[RevocationSource, ...] = ()
    """Where the signer's revocation status came from (what the fetchers actually fetched)."""
    path: tuple[x509.Certificate, ...] = ()


def _problem_of(error: Exception) -> PathFinding:
    end_entity = getattr(error, "is_ee_cert", True)
    if isinstance(error, RevokedError):
        return PathFinding(PathProblem.REVOKED if end_entity else PathProblem.ISSUER_REVOKED,
                           str(error), revoked_at=error.revocation_dt,
                           revocation_reason=error.reason.native)
    if isinstance(error, InsufficientRevinfoError):
        return PathFinding(PathProblem.REVOCATION_UNKNOWN, str(error))
    if isinstance(error, ExpiredError):
        return PathFinding(PathProblem.EXPIRED, str(error))
    if isinstance(error, NotYetValidError):
        return PathFinding(PathProblem.NOT_YET_VALID, str(error))
    if isinstance(error, PathBuildingError) or "self-signed" in str(error):
        # pyhanko-certvalidator says "self-signed" with InvalidCertificateError: no path either
        return PathFinding(PathProblem.UNTRUSTED, str(error))
    if isinstance(error, InvalidCertificateError):
        return PathFinding(PathProblem.KEY_USAGE, str(error))
    return PathFinding(PathProblem.INVALID, str(error))


def _sources(fetchers: Fetchers, certificate: x509.Certificate, carried: CarriedData
             ) -> tuple[RevocationSource, ...]:
    found = [] if carried.empty else [RevocationSource.EMBEDDED]
    if not carried.fetch:
        return tuple(found)
    ocsp, crl = fetchers.ocsp_fetcher, fetchers.crl_fetcher
    for source, fetched in ((RevocationSource.OCSP, ocsp.fetched_responses_for_cert),
                            (RevocationSource.CRL, crl.fetched_crls_for_cert)):
        try:
            if list(fetched(certificate)):
                found.append(source)
        except KeyError:  # the aiohttp fetchers raise for a certificate they fetched nothing for
            continue
    return tuple(found)


def _weakness(path: Sequence[x509.Certificate]) -> str | None:
    """TT15 Annex I 1.2/1.3 on the path: key sizes, certificate digests (roots excepted)."""
    for certificate in path:
        key, name = certificate.public_key, certificate.subject.human_friendly
        if key.algorithm == "rsa" and key.bit_size < MINIMUM_RSA_BITS:
            return f"the key of '{name}' is RSA-{key.bit_size} (minimum {MINIMUM_RSA_BITS})"
        if key.algorithm == "ec" and key.bit_size < MINIMUM_EC_BITS:
            return f"the key of '{name}' is EC-{key.bit_size} (minimum {MINIMUM_EC_BITS})"
        if certificate.subject != certificate.issuer and certificate.hash_algo in WEAK_DIGESTS:
            return f"the certificate '{name}' is signed with {certificate.hash_algo.upper()}"
    return None


async def async_validate_signer_path(
    certificate: x509.Certificate, *, other_certificates: Sequence[x509.Certificate],
    trust_roots: Sequence[x509.Certificate], moment: datetime, fetchers: Fetchers,
    key_usage: KeyUsageConstraints = SIGNER_KEY_USAGE, retroactive: bool = False,
    carried: CarriedData = CarriedData(),
) -> PathFinding:
    """Validate the signer's path at ``moment`` with revocation required. ``retroactive``
    accepts revocation data issued after ``moment`` (validating at a time a timestamp proves,
    with the status known now); ``carried`` is what the signature brings along."""
    context = _context(trust_roots, other_certificates, moment, fetchers, carried,
                       mode="require", retroactive=retroactive)
    try:
        path = list(await CertificateValidator(
            certificate, validation_context=context).async_validate_path())
        key_usage.validate(certificate)
    except (PathBuildingError, PathValidationError, ValidationError) as error:
        found = _problem_of(error)
        return PathFinding(found.problem, found.detail, revoked_at=found.revoked_at,
                           revocation_reason=found.revocation_reason,
                           sources=_sources(fetchers, certificate, carried))
    weak = _weakness(path)
    if weak is not None:
        return PathFinding(PathProblem.WEAK_CRYPTOGRAPHY, weak, path=tuple(path))
    return PathFinding(None, "path validated with revocation data",
                       sources=_sources(fetchers, certificate, carried), path=tuple(path))


@dataclass(frozen=True)
class TimestampFinding:
    """A signature timestamp, checked: ``valid`` means intact, signed and its TSA trusted."""

    valid: bool
    generated: datetime | None
    detail: str


async def async_validate_signature_timestamp(
    token: bytes, expected_imprint: Callable[[str], bytes], *,
    trust_roots: Sequence[x509.Certificate], moment: datetime, fetchers: Fetchers,
    carried: CarriedData = CarriedData(),
) -> TimestampFinding:
    """Validate an RFC 3161 token (DER ContentInfo) whose imprint must be
    ``expected_imprint(algorithm)``; the TSA's path is validated at ``moment``."""
    try:
        signed_data = cms.ContentInfo.load(token)["content"]
        generated = signed_data["encap_content_info"]["content"].parsed["gen_time"].native
    except (ValueError, KeyError, TypeError) as error:
        return TimestampFinding(False, None, f"the timestamp token cannot be read ({error})")
    context = _context(trust_roots, (), moment, fetchers, carried, mode="soft-fail")
    try:
        status = await validate_tst_signed_data(signed_data, context, expected_imprint)
    except Exception as error:  # noqa: BLE001 (any failure: the token proves nothing)
        return TimestampFinding(False, generated, f"the timestamp token is not valid ({error})")
    if not status.get("intact"):
        return TimestampFinding(False, generated, "the timestamp's imprint does not match the "
                                "signature value")
    if not status.get("valid"):
        return TimestampFinding(False, generated, "the timestamp token's signature is not valid")
    if status.get("trust_problem_indic") is not None:
        return TimestampFinding(False, generated, "the timestamp authority is not trusted "
                                f"({status['trust_problem_indic']})")
    return TimestampFinding(True, generated, "signature timestamp valid")


__all__ = ["CarriedData", "PathFinding", "PathProblem", "TimestampFinding",
           "async_validate_signature_timestamp", "async_validate_signer_path"]
