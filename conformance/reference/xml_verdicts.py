"""The verdict on one XML signature (ETSI EN 319 102-1 indications), from what was found.

In order, the first that applies:

==  ==========================================  ===================================
1   signxml: a Reference digest differs          TOTAL-FAILED HASH_FAILURE
    signxml: the SignatureValue does not verify  TOTAL-FAILED SIG_CRYPTO_FAILURE
    unreadable / SignedProperties not covered    TOTAL-FAILED FORMAT_FAILURE
    no certificate in KeyInfo, or not the one    INDETERMINATE
    SigningCertificateV2 names                   NO_SIGNING_CERTIFICATE_FOUND
    SHA-1 (TT15 Annex I 1.3)                     INDETERMINATE CRYPTO_CONSTRAINTS_FAILURE
    a transform other than c14n / enveloped      INDETERMINATE SIG_CONSTRAINTS_FAILURE
    (XSLT, XPath: refused, never run)
    a remote Reference (never fetched)           INDETERMINATE SIGNED_DATA_NOT_FOUND
2   part of the document outside every           INDETERMINATE SIG_CONSTRAINTS_FAILURE
    Reference (signature wrapping), or a
    comment outside the signatures (unsigned
    under canonical XML without comments)
3   a signature timestamp that does not verify   INDETERMINATE NO_POE
4   the signer's path (at the validation time;   see :data:`_PATH_VERDICTS`; a revocation
    at the time the timestamp proves, when the   after the proven time passes, one at or
    certificate has expired since)               before it is TOTAL-FAILED REVOKED
==  ==========================================  ===================================
"""

from __future__ import annotations

from datetime import datetime
from typing import NamedTuple

from conformance.oracle.xml_trust import PathFinding, PathProblem, TimestampFinding
from conformance.reference.xml_examination import Examination
from conformance.verdict import Indication, SubIndication


class Verdict(NamedTuple):
    indication: Indication
    sub_indication: SubIndication | None
    reason: str


_TOTAL_FAILURES = {SubIndication.HASH_FAILURE, SubIndication.SIG_CRYPTO_FAILURE,
                   SubIndication.FORMAT_FAILURE}

_PATH_VERDICTS: dict[PathProblem, SubIndication] = {
    PathProblem.ISSUER_REVOKED: SubIndication.REVOKED_CA_NO_POE,
    PathProblem.EXPIRED: SubIndication.OUT_OF_BOUNDS_NO_POE,
    PathProblem.NOT_YET_VALID: SubIndication.NOT_YET_VALID,
    PathProblem.UNTRUSTED: SubIndication.NO_CERTIFICATE_CHAIN_FOUND,
    PathProblem.KEY_USAGE: SubIndication.CHAIN_CONSTRAINTS_FAILURE,
    PathProblem.WEAK_CRYPTOGRAPHY: SubIndication.CRYPTO_CONSTRAINTS_FAILURE,
    PathProblem.INVALID: SubIndication.CERTIFICATE_CHAIN_GENERAL_FAILURE,
    PathProblem.REVOCATION_UNKNOWN: SubIndication.TRY_LATER,
}
"""INDETERMINATE, with these sub-indications (no proof the signature was made in time)."""


def examination_verdict(found: Examination) -> Verdict | None:
    """Rules 1–2: what the signature itself shows, before any trust."""
    if found.failure is not None:
        indication = Indication.TOTAL_FAILED if found.failure in _TOTAL_FAILURES \
            else Indication.INDETERMINATE
        return Verdict(indication, found.failure, found.detail)
    if not found.whole_document:
        return Verdict(Indication.INDETERMINATE, SubIndication.SIG_CONSTRAINTS_FAILURE,
                       "part of the document is outside every signed Reference")
    return None


def timestamp_verdict(timestamp: TimestampFinding | None) -> Verdict | None:
    """Rule 3: a timestamp that is there must prove something."""
    if timestamp is not None and not timestamp.valid:
        return Verdict(Indication.INDETERMINATE, SubIndication.NO_POE, timestamp.detail)
    return None


def path_verdict(path: PathFinding, proven: datetime | None) -> Verdict:
    """Rule 4, the signer's path; ``proven`` is the time a valid timestamp proves."""
    if path.problem is None:
        return Verdict(Indication.TOTAL_PASSED, None, path.detail)
    if path.problem is PathProblem.REVOKED:
        revoked_at = path.revoked_at
        if proven is not None and revoked_at is not None and proven < revoked_at:
            return Verdict(Indication.TOTAL_PASSED, None,
                           f"revoked at {revoked_at.isoformat()}, after the signature "
                           f"timestamp ({proven.isoformat()})")
        if proven is not None:
            return Verdict(Indication.TOTAL_FAILED, SubIndication.REVOKED,
                           f"the signer's certificate was revoked before the time proven by "
                           f"the signature timestamp ({path.detail})")
        return Verdict(Indication.INDETERMINATE, SubIndication.REVOKED_NO_POE, path.detail)
    return Verdict(Indication.INDETERMINATE, _PATH_VERDICTS[path.problem], path.detail)


__all__ = ["Verdict", "examination_verdict", "path_verdict", "timestamp_verdict"]
