"""The signer's certificate, validated before anyone may sign with it: path, validity, revocation.

TT 15/2025 Art. 5.1.a asks signing software to check the signer's certificate, along the trusted
path of Art. 5.2.b and against the criteria of Annex II, *before allowing signing*; Decree 68
Art. 29.1–29.2 asks the same of công vụ software (Art. 31 validity, Art. 32 path), and Decree 23
Art. 15.1.c tells the signer not to sign on an invalid result. This module is the validation
behind that check, done with pyhanko-certvalidator: a path to one of the given trust roots,
every certificate of the path inside its validity period at ``moment``, revocation status
fetched live (OCSP and CRL, from the URLs in the certificates, through an explicit
:class:`AIOHttpFetcherBackend`), and the key usage a document signature needs. What the signer
is shown for each outcome is :mod:`conformance.reference.certificate_check`'s.

Three outcomes, because the law has three answers:

* ``OK``: sign.
* ``REFUSE``: expired, not yet valid, revoked, issuing CA revoked, no path to a trusted root, key
  usage unfit, or any other path failure (bad signature on a certificate, a forbidden
  algorithm). Nothing may be signed.
* ``WARN``: everything else is fine but the revocation status could not be obtained: OCSP and
  CRL both unreachable, or the only CRL available is stale (its nextUpdate has passed, so it is
  not "the newest CRL at the signing time"). Annex II row 1.2 asks the software to *display a
  warning to the signer* in that case; it does not ask for a refusal. The reference signer
  therefore proceeds after the warning and records it (an open question the catalogue keeps:
  legal-requirements.md, open question 4). A stale CRL is never taken as "good": the first
  validation pass insists on fresh revocation data, and only when *that* is missing does a second
  pass, tolerant of missing data, look for any other reason to refuse (a revocation the stale CRL
  does list, an expired issuer, ...).

``revoked`` and ``could not fetch`` are told apart by pyhanko-certvalidator's exception types:
:class:`RevokedError` is proof of revocation; :class:`InsufficientRevinfoError` (and its
:class:`StaleRevinfoError`) only says that proof of *non*-revocation is missing.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from asn1crypto import x509
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
    StaleRevinfoError,
    ValidationError,
)
from pyhanko_certvalidator.fetchers import Fetchers
from pyhanko_certvalidator.fetchers.aiohttp_fetchers import AIOHttpFetcherBackend
from pyhanko_certvalidator.policy_decl import (
    CertRevTrustPolicy,
    FreshnessReqType,
    RevocationCheckingPolicy,
    RevocationCheckingRule,
)

from conformance.oracle.fetchers import patient_fetchers
from testbed import VIETNAM

SIGNER_KEY_USAGE = KeyUsageConstraints(key_usage={"non_repudiation"}, match_all_key_usages=True)
"""The key usage the reference signer demands of a certificate before it signs a document.

nonRepudiation (contentCommitment) is the bit that commits the holder to a document's content
(EN 319 412-2 §4.3.2, and pyHanko's own signer default); a certificate for authentication or a
device (digitalSignature alone) is refused. TT15 Annex II row 1.5 makes this check *optional*
for software, so it is a setting: pass another :class:`KeyUsageConstraints` to change it."""

FETCH_TIMEOUT_SECONDS = 5.0
"""Per-request timeout for OCSP, CRL and certificate fetches (a responder that never answers
must not hang the signer; after it, the status counts as unobtainable)."""


class CheckOutcome(StrEnum):
    """What the signer does after the check."""

    OK = "ok"
    REFUSE = "refuse"
    WARN = "warn"


class Problem(StrEnum):
    """Why the check refused or warned."""

    EXPIRED = "expired"
    NOT_YET_VALID = "not-yet-valid"
    REVOKED = "revoked"
    ISSUER_REVOKED = "issuer-revoked"
    ISSUER_EXPIRED = "issuer-expired"
    ISSUER_NOT_YET_VALID = "issuer-not-yet-valid"
    UNTRUSTED = "untrusted"
    KEY_USAGE = "key-usage"
    INVALID = "invalid"
    """Any other path failure (a certificate's signature, a forbidden algorithm, ...)."""
    REVOCATION_UNOBTAINABLE = "revocation-unobtainable"
    REVOCATION_STALE = "revocation-stale"


@dataclass(frozen=True)
class CertificateFinding:
    """What the validation found, before it is put in words for the signer."""

    outcome: CheckOutcome
    problem: Problem | None
    detail: str
    """The validation library's own words (English), for logs and evidence."""
    qualifier: str = ""
    """What the signer is told besides the problem (when the certificate was revoked or
    expired, in Vietnam time; the revocation reason), empty when nothing."""
    path: tuple[x509.Certificate, ...] = ()
    """The validated path, root first (empty when no path could be validated)."""


def _when(instant: datetime) -> str:
    return instant.astimezone(VIETNAM).isoformat()


def _refusal_of(error: Exception) -> CertificateFinding | None:
    """The refusal an exception proves, or None when it only says "status unknown"."""
    if isinstance(error, InsufficientRevinfoError):
        return None
    end_entity = getattr(error, "is_ee_cert", True)
    if isinstance(error, RevokedError):
        problem = Problem.REVOKED if end_entity else Problem.ISSUER_REVOKED
        qualifier = f"{_when(error.revocation_dt)}, {error.reason.native.replace('_', ' ')}"
    elif isinstance(error, ExpiredError):
        problem = Problem.EXPIRED if end_entity else Problem.ISSUER_EXPIRED
        qualifier = _when(error.expired_dt)
    elif isinstance(error, NotYetValidError):
        problem = Problem.NOT_YET_VALID if end_entity else Problem.ISSUER_NOT_YET_VALID
        qualifier = _when(error.valid_from)
    elif isinstance(error, PathBuildingError):
        problem, qualifier = Problem.UNTRUSTED, ""
    elif isinstance(error, InvalidCertificateError):
        problem, qualifier = Problem.KEY_USAGE, ""
    else:
        problem, qualifier = Problem.INVALID, ""
    return CertificateFinding(CheckOutcome.REFUSE, problem, str(error), qualifier=qualifier)


_NO_REVOCATION_CHECK = CertRevTrustPolicy(
    RevocationCheckingPolicy(RevocationCheckingRule.NO_CHECK, RevocationCheckingRule.NO_CHECK))
"""Pass 2: path, validity periods and key usage only."""
_ANY_REVOCATION_DATA = CertRevTrustPolicy(
    RevocationCheckingPolicy(RevocationCheckingRule.CHECK_IF_DECLARED_SOFT,
                             RevocationCheckingRule.CHECK_IF_DECLARED_SOFT),
    freshness=timedelta(days=36500),
    freshness_req_type=FreshnessReqType.MAX_DIFF_REVOCATION_VALIDATION)
"""Pass 3: whatever revocation data can be had, however old, may still *prove* a revocation
(a stale CRL that lists the certificate). Its "good" is never taken as good."""


async def _validate(certificate: x509.Certificate, *, chain_candidates: Sequence[x509.Certificate],
                    trust_roots: Sequence[x509.Certificate], moment: datetime,
                    fetchers: Fetchers, revinfo_policy: CertRevTrustPolicy | None,
                    key_usage: KeyUsageConstraints) -> list[x509.Certificate]:
    context = ValidationContext(
        trust_roots=list(trust_roots), other_certs=list(chain_candidates), moment=moment,
        allow_fetching=True, revocation_mode="require", revinfo_policy=revinfo_policy,
        fetchers=fetchers)
    validator = CertificateValidator(certificate, validation_context=context)
    path = await validator.async_validate_path()
    key_usage.validate(certificate)  # explicit: raises InvalidCertificateError
    return list(path)


async def async_validate_signing_certificate(
    certificate: x509.Certificate,
    *,
    chain_candidates: Iterable[x509.Certificate],
    trust_roots: Iterable[x509.Certificate],
    moment: datetime,
    fetchers: Fetchers | None = None,
    key_usage: KeyUsageConstraints = SIGNER_KEY_USAGE,
) -> CertificateFinding:
    """Validate ``certificate`` for signing at ``moment`` (see the module doc for the outcomes).

    ``chain_candidates`` are the CA certificates that may complete the path (those stored on
    the token); ``trust_roots`` the roots the signer trusts. Revocation data is fetched live;
    without ``fetchers`` an :class:`AIOHttpFetcherBackend` is opened for the call.
    """
    if fetchers is None:
        async with AIOHttpFetcherBackend(per_request_timeout=FETCH_TIMEOUT_SECONDS) as owned:
            return await async_validate_signing_certificate(
                certificate, chain_candidates=chain_candidates, trust_roots=trust_roots,
                moment=moment, fetchers=owned, key_usage=key_usage)
    candidates, roots = list(chain_candidates), list(trust_roots)
    patient = patient_fetchers(fetchers)

    async def attempt(policy: CertRevTrustPolicy | None) -> list[x509.Certificate]:
        return await _validate(certificate, chain_candidates=candidates, trust_roots=roots,
                               moment=moment, fetchers=patient, revinfo_policy=policy,
                               key_usage=key_usage)

    try:
        path = await attempt(None)  # pass 1: 'require', fresh OCSP or the current CRL
    except (PathBuildingError, PathValidationError, ValidationError) as error:
        refusal = _refusal_of(error)
        if refusal is not None:
            return refusal
        unknown = error
    else:
        return CertificateFinding(CheckOutcome.OK, None,
                                  "path validated with fresh revocation data", path=tuple(path))
    # Fresh revocation data is missing. Any *other* reason to refuse (an expired certificate or
    # issuer, the key usage, a revocation that older data does prove) still wins over the
    # warning: pyhanko-certvalidator stops at the first failing check, so ask again.
    path = []
    for policy in (_NO_REVOCATION_CHECK, _ANY_REVOCATION_DATA):
        try:
            path = await attempt(policy)
        except (PathBuildingError, PathValidationError, ValidationError) as error:
            refusal = _refusal_of(error)
            if refusal is not None:
                return refusal
    stale = isinstance(unknown, StaleRevinfoError) or "not recent enough" in str(unknown)
    problem = Problem.REVOCATION_STALE if stale else Problem.REVOCATION_UNOBTAINABLE
    return CertificateFinding(CheckOutcome.WARN, problem, str(unknown), path=tuple(path))
