"""The validation policy handed to pyHanko: trust, revocation, key usage, and the pinned clock.

One :class:`ValidationSettings` per document: the trust roots given (never the system store),
revocation data required for every certificate and always fetched online through one explicit
fetcher backend, the key usage a document signature needs, and one validation instant that
pyHanko's timing information and proof-of-existence clock both use (stack notes, "pyHanko AdES
validation that gets the time right").
"""

from __future__ import annotations

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

    def spec(self) -> SignatureValidationSpec:
        """The validation spec (stack notes): trust = the given roots only; revocation data
        required for every certificate, fresh relative to the validation time; always fetched
        online; explicit key usage (the AdES API checks none by default)."""
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

    def handlers(self, spec: SignatureValidationSpec) -> ValidationDataHandlers:
        """Validation data handlers whose proof-of-existence clock is the validation time.

        pyHanko's POEManager answers 'now' (the wall clock) for anything it has no proof for,
        and the validation with time takes min(timestamp, that). Measured on the testbed with
        the clock moved ahead of the wall clock: a signature timestamped after the revocation
        came out PASSED because 'now' was earlier than the revocation. Pinning the POE clock at
        the validation time makes the timestamp the only proof.
        """
        return bootstrap_validation_data_handlers(
            spec, timing_info=self.timing(),
            poe_manager_override=POEManager(current_dt_override=self.validation_time))

    def timing(self) -> ValidationTimingInfo:
        """The validation time, as pyHanko's point-in-time timing information."""
        return ValidationTimingInfo(validation_time=self.validation_time,
                                    best_signature_time=self.validation_time,
                                    point_in_time_validation=True)


def load_certificates(data: bytes) -> list[x509.Certificate]:
    """Every certificate in PEM (one or many) or DER ``data``."""
    if pem.detect(data):
        return [x509.Certificate.load(der) for kind, _, der in pem.unarmor(data, multiple=True)
                if kind == "CERTIFICATE"]
    return [x509.Certificate.load(data)]
