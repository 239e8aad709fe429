"""The validation policy handed to pyHanko: trust, revocation, key usage, and the pinned clock.

One :class:`ValidationSettings` per document: the trust roots given (never the system store),
revocation data required for every certificate, taken from the document first and fetched
online through one explicit fetcher backend only when the policy allows it
(:attr:`~conformance.oracle.model.OracleOptions.fetch_revocation_online`), fresh within the
policy's :attr:`~conformance.oracle.model.OracleOptions.revocation_freshness`, the key usage a
document signature needs, and one instant per validation pass that pyHanko's timing information
and proof-of-existence clock both use (stack notes, "pyHanko AdES validation that gets the time
right"; the passes are :mod:`.passes`'s).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import datetime

from asn1crypto import pem, x509
from pyhanko.sign.validation.policy_decl import (
    LocalKnowledge,
    RevinfoOnlineFetchingRule,
    RevocationInfoGatheringSpec,
    SignatureValidationSpec,
    bootstrap_validation_data_handlers,
)
from pyhanko.sign.validation.settings import KeyUsageConstraints
from pyhanko_certvalidator.context import CertValidationPolicySpec, ValidationDataHandlers
from pyhanko_certvalidator.fetchers.aiohttp_fetchers import AIOHttpFetcherBackend
from pyhanko_certvalidator.ltv.poe import POEManager
from pyhanko_certvalidator.ltv.types import ValidationTimingInfo
from pyhanko_certvalidator.policy_decl import (
    REQUIRE_REVINFO,
    CertRevTrustPolicy,
    FreshnessReqType,
    RevocationCheckingPolicy,
    RevocationCheckingRule,
)
from pyhanko_certvalidator.registry import SimpleTrustManager

from conformance.oracle.model import OracleOptions


@dataclass
class ValidationSettings:
    """What every signature of one document is validated with."""

    trust_roots: list[x509.Certificate]
    validation_time: datetime
    options: OracleOptions
    backend: AIOHttpFetcherBackend
    """The one fetcher backend (and aiohttp session) of the document's OCSP, CRL and
    certificate requests."""

    def spec(self, *, carried: LocalKnowledge | None = None, online: bool = True,
             check_revocation: bool = True) -> SignatureValidationSpec:
        """The validation spec (stack notes): trust = the given roots only; revocation data
        required for every certificate, no older than the policy's freshness relative to the
        validation time of the pass (:mod:`.passes` moves it to the best signature time);
        explicit key usage (the AdES API checks none by default).

        ``carried``: the validation data the document carries, used as pyHanko's local
        knowledge. ``online``: OCSP and CRL fetched live (pyHanko then ignores local OCSP
        responses, so the document's own data are a pass of their own, without it).
        ``check_revocation`` False: path, validity and key usage only, to find a definite
        failure that missing revocation data would otherwise hide (:mod:`.passes`).
        """
        checking = REQUIRE_REVINFO if check_revocation else _NO_REVOCATION_CHECK
        policy = CertValidationPolicySpec(
            trust_manager=SimpleTrustManager.build(trust_roots=self.trust_roots),
            revinfo_policy=CertRevTrustPolicy(
                checking, freshness=self.options.revocation_freshness,
                freshness_req_type=FreshnessReqType.MAX_DIFF_REVOCATION_VALIDATION),
        )
        usage = KeyUsageConstraints(key_usage={"digital_signature", "non_repudiation"},
                                    match_all_key_usages=self.options.require_non_repudiation)
        known = carried or LocalKnowledge()
        return SignatureValidationSpec(
            cert_validation_policy=policy,
            revinfo_gathering_policy=RevocationInfoGatheringSpec(
                online_fetching_rule=RevinfoOnlineFetchingRule.ALWAYS_FETCH if online
                else RevinfoOnlineFetchingRule.LOCAL_ONLY,
                fetcher_backend=self.backend),
            local_knowledge=dataclasses.replace(
                known, known_certs=[*self.options.extra_certificates, *known.known_certs]),
            key_usage_settings=usage,
        )

    def handlers(self, spec: SignatureValidationSpec,
                 at: datetime | None = None) -> ValidationDataHandlers:
        """Validation data handlers whose proof-of-existence clock is the pass's time.

        pyHanko's POEManager answers 'now' (the wall clock) for anything it has no proof for,
        and the validation with time takes min(timestamp, that). Measured on the testbed with
        the clock moved ahead of the wall clock: a signature timestamped after the revocation
        came out PASSED because 'now' was earlier than the revocation. Pinning the POE clock at
        the validation time makes the timestamp the only proof.

        A pass on the document's own data (LOCAL_ONLY) still follows AIA caIssuers URLs for
        issuer certificates when the policy allows the network: a CMS need not carry its chain,
        and a missing intermediate is not what "the data fall short" is about.
        """
        handlers = bootstrap_validation_data_handlers(
            spec, timing_info=self.timing(at),
            poe_manager_override=POEManager(current_dt_override=at or self.validation_time))
        if handlers.cert_registry.fetcher is None and self.options.fetch_revocation_online \
                and self.options.fetch_issuer_certificates:
            handlers.cert_registry.fetcher = self.backend.get_fetchers().cert_fetcher
        return handlers

    def timing(self, at: datetime | None = None) -> ValidationTimingInfo:
        """The pass's time (default: the validation time), as pyHanko's point-in-time timing
        information."""
        moment = at or self.validation_time
        return ValidationTimingInfo(validation_time=moment, best_signature_time=moment,
                                    point_in_time_validation=True)


_NO_REVOCATION_CHECK = RevocationCheckingPolicy(RevocationCheckingRule.NO_CHECK,
                                                RevocationCheckingRule.NO_CHECK)


def load_certificates(data: bytes) -> list[x509.Certificate]:
    """Every certificate in PEM (one or many) or DER ``data``."""
    if pem.detect(data):
        return [x509.Certificate.load(der) for kind, _, der in pem.unarmor(data, multiple=True)
                if kind == "CERTIFICATE"]
    return [x509.Certificate.load(data)]
