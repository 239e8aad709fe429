"""The verdict rules: pyHanko's AdES answer and our own findings folded into one verdict.

pyHanko's answer → ours (:func:`mapped`, name for name): OK → TOTAL-PASSED; AdESFailure.X →
TOTAL-FAILED X; AdESIndeterminate.X → INDETERMINATE X; GENERIC → INDETERMINATE, no
sub-indication. Then the gaps pyHanko leaves are folded in, most serious first. Every rule is a
named function with one signature, ``(context, findings) -> RuleVerdict | None``, and says why it
is here; :data:`RULES` lists them in this order, and the first that returns a verdict decides
(:func:`fold`), the way pyHanko's difference analysis composes its rules in
``pyhanko/sign/diff_analysis/policies.py``. A rule reads the signature only through the format
seam (:class:`~conformance.oracle.formats.DocumentSignature`), so a new format adds no branch
here.

==  ===============================  =========================================  ====================
#   rule                             finding                                    verdict
==  ===============================  =========================================  ====================
1   signature_unreadable             signature cannot be parsed / pyHanko       TOTAL-FAILED
                                     raises (also a filled field whose          FORMAT_FAILURE
                                     /Contents holds no CMS at all)
2   signed_bytes_changed             digest of the signed bytes does not        TOTAL-FAILED
                                     match (``intact``)                         HASH_FAILURE
3   revision_not_covered             byte range does not cover its whole        TOTAL-FAILED
                                     revision                                   FORMAT_FAILURE
4   forbidden_later_changes          later revision not permitted (diff         TOTAL-FAILED
                                     analysis with the P=3 comment rule of      DISALLOWED_
                                     :mod:`.annotations`, DocMDP); every        MODIFICATION
                                     digest matches
5   signer_not_yet_valid             signer not yet valid (pyHanko:             INDETERMINATE
                                     CHAIN_GENERAL_FAILURE)                     NOT_YET_VALID
                                                                                (TOTAL-FAILED when a
                                                                                timestamp proves it)
6   weak_cryptography                RSA < 2048, EC < 256, SHA-1/MD5 anywhere   INDETERMINATE
                                     in the path                                CRYPTO_CONSTRAINTS_
                                                                                FAILURE (unless
                                                                                already TOTAL-
                                                                                FAILED)
7   signer_expired_at_timestamp      PASSED, but the timestamp is after the     INDETERMINATE
                                     signer's notAfter                          EXPIRED
8   signer_revoked_before_timestamp  PASSED, our own check finds it revoked     TOTAL-FAILED
                                     before the timestamp                       REVOKED
9   revocation_unreachable           CHAIN_GENERAL_FAILURE with no revocation   INDETERMINATE
                                     data obtained                              TRY_LATER
10  no_revocation_status             PASSED without any revocation status for   INDETERMINATE
                                     the signer                                 TRY_LATER
--  pyhanko_answer                   none of the above                          pyHanko's answer,
                                                                                explained
==  ===============================  =========================================  ====================
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

from asn1crypto import x509
from pyhanko.sign.ades.report import AdESStatus, AdESSubIndic

from conformance.oracle.algorithms import crypto_weakness
from conformance.oracle.descriptions import name_text
from conformance.oracle.findings import Findings, SignatureContext
from conformance.oracle.model import (
    IntegrityInfo,
    RevocationStatus,
    SignatureKind,
    ValidationProcess,
)
from conformance.oracle.revocation import all_revocation_sources, declares_revocation_service
from conformance.verdict import Indication, SubIndication


class RuleVerdict(NamedTuple):
    """The oracle's verdict on one signature: indication, sub-indication, and why (English)."""

    indication: Indication
    sub_indication: SubIndication | None
    reason: str


Rule = Callable[[SignatureContext, Findings], RuleVerdict | None]
"""A verdict rule: a verdict when its finding applies, None to let the next rule decide."""


# ---- pyHanko's answer in our vocabulary ---------------------------------------------------------
def ades_name(ades: AdESSubIndic | None) -> str | None:
    """pyHanko's own name of its AdES sub-indication (``OK``, ``REVOKED_NO_POE``, ...)."""
    return None if ades is None else str(ades.name)


def mapped(ades: AdESSubIndic) -> tuple[Indication, SubIndication | None]:
    """pyHanko's AdES sub-indication → our indication and sub-indication, name for name.

    pyHanko's OK is TOTAL-PASSED; its FAILED family is TOTAL-FAILED; its INDETERMINATE family is
    INDETERMINATE. The names are the standard's (EN 319 102-1 clause 5.1.3) on both sides;
    pyHanko's GENERIC (no standard name) becomes INDETERMINATE without a sub-indication.
    """
    status = ades.status
    if status is AdESStatus.PASSED:
        return Indication.TOTAL_PASSED, None
    indication = (Indication.TOTAL_FAILED if status is AdESStatus.FAILED
                  else Indication.INDETERMINATE)
    try:
        return indication, SubIndication(ades.name)
    except ValueError:
        return indication, None


def _pyhanko_indication(findings: Findings) -> tuple[Indication, SubIndication | None]:
    ades = findings.ades
    assert ades is not None, "a process ran without a format error, so it recorded an answer"
    return mapped(ades)


def _integrity(findings: Findings) -> IntegrityInfo:
    integrity = findings.integrity
    assert integrity is not None
    return integrity


# ---- the rules, in the order of RULES -----------------------------------------------------------
def signature_unreadable(context: SignatureContext, findings: Findings) -> RuleVerdict | None:
    """1. Nothing could be evaluated: the signature's structure is broken."""
    if findings.format_error is not None:
        return RuleVerdict(Indication.TOTAL_FAILED, SubIndication.FORMAT_FAILURE,
                           findings.format_error)
    return None


def signed_bytes_changed(context: SignatureContext, findings: Findings) -> RuleVerdict | None:
    """2. The signed bytes do not hash to the signed digest. pyHanko says so too
    (HASH_FAILURE), but a tampered file can still come out valid=True with intact=False (stack
    notes)."""
    if not _integrity(findings).intact:
        return RuleVerdict(Indication.TOTAL_FAILED, SubIndication.HASH_FAILURE,
                           "the signed bytes were changed: their digest does not match the "
                           "signature")
    return None


def revision_not_covered(context: SignatureContext, findings: Findings) -> RuleVerdict | None:
    """3. The byte range does not cover the whole revision it signs: bytes the signer did not
    sign take part in what is displayed (PDF structure, not a hash): FORMAT_FAILURE."""
    integrity = _integrity(findings)
    if integrity.coverage not in ("ENTIRE_FILE", "ENTIRE_REVISION"):
        return RuleVerdict(Indication.TOTAL_FAILED, SubIndication.FORMAT_FAILURE,
                           f"the signature does not cover its whole revision (coverage "
                           f"{integrity.coverage})")
    return None


def forbidden_later_changes(context: SignatureContext, findings: Findings) -> RuleVerdict | None:
    """4. Later revisions changed what the signer signed beyond what is permitted (pyHanko's
    difference analysis, which the PDF seam completes with the comment rule of
    :mod:`.annotations` for a certification at P=3; not part of pyHanko's AdES indication).
    Every digest matches (rule 2 came first): the signature is intact, the document is not as
    signed. EN 319 102-1 has no name for that (HASH_FAILURE is a digest that does not match), so
    kyso says DISALLOWED_MODIFICATION (see :class:`~conformance.verdict.SubIndication`).
    Permitted changes (form filling, DSS, document timestamps, comments under P=3) keep
    docmdp_ok true. After a certification signature (DocMDP) the permission level /P narrows
    what is permitted: a form fill under P=1, a new visible signature field (pyHanko's reading
    of the sneaky signature attack) are refused although an approval signature allows them."""
    integrity = _integrity(findings)
    if integrity.docmdp_ok is False or integrity.modification_level == "OTHER":
        what = (f"after its certification (DocMDP P={integrity.certification}) in a way its "
                "permissions do not allow, though an approval signature would permit it"
                if integrity.forbidden_only_by_certification
                else "after signing in a way that is not permitted")
        return RuleVerdict(Indication.TOTAL_FAILED, SubIndication.DISALLOWED_MODIFICATION,
                           f"every digest matches, but the document was modified {what}"
                           + (f" ({integrity.changes})" if integrity.changes else ""))
    return None


def signer_not_yet_valid(context: SignatureContext, findings: Findings) -> RuleVerdict | None:
    """5. A signer certificate that is not yet valid: pyHanko reports a generic chain failure
    (measured); EN 319 102-1 names it NOT_YET_VALID. Proven by a timestamp before notBefore it
    is TOTAL-FAILED; otherwise (claimed time or validation time) INDETERMINATE."""
    indication, _ = _pyhanko_indication(findings)
    signature = context.signature
    not_before = signature.signer_certificate.not_valid_before
    proven = signature.proven_time
    if indication is not Indication.TOTAL_PASSED and (
            context.settings.validation_time < not_before
            or (proven is not None and proven < not_before)):
        failed = proven is not None and proven < not_before
        return RuleVerdict(Indication.TOTAL_FAILED if failed else Indication.INDETERMINATE,
                           SubIndication.NOT_YET_VALID,
                           f"the signer's certificate is valid only from "
                           f"{not_before.isoformat()}")
    return None


def weak_cryptography(context: SignatureContext, findings: Findings) -> RuleVerdict | None:
    """6. Cryptographic constraints of TT15 Annex I 1.2/1.3, checked here explicitly whatever
    pyHanko's default algorithm policy did. EN 319 102-1 lists CRYPTO_CONSTRAINTS_FAILURE as
    INDETERMINATE; a TOTAL-FAILED found by pyHanko (e.g. REVOKED) stays the stronger verdict."""
    indication, _ = _pyhanko_indication(findings)
    weakness = crypto_weakness(context.signature, findings) \
        if context.settings.options.check_crypto_constraints else None
    if weakness and indication is not Indication.TOTAL_FAILED:
        return RuleVerdict(Indication.INDETERMINATE, SubIndication.CRYPTO_CONSTRAINTS_FAILURE,
                           weakness)
    return None


def signer_expired_at_timestamp(context: SignatureContext,
                                findings: Findings) -> RuleVerdict | None:
    """7. pyHanko's validation with time passes an expired signer whenever the timestamp is not
    before notBefore; a timestamp after notAfter proves the certificate had expired when the
    signature was made (EN 319 102-1: EXPIRED)."""
    indication, _ = _pyhanko_indication(findings)
    signature = context.signature
    not_after = signature.signer_certificate.not_valid_after
    proven = signature.proven_time
    if indication is Indication.TOTAL_PASSED and proven is not None and proven > not_after:
        return RuleVerdict(Indication.INDETERMINATE, SubIndication.EXPIRED,
                           f"the signature timestamp ({proven.isoformat()}) is later than the "
                           f"end of the signer's certificate validity ({not_after.isoformat()})")
    return None


def signer_revoked_before_timestamp(context: SignatureContext,
                                    findings: Findings) -> RuleVerdict | None:
    """8. Our own status check at the proven time (see
    :func:`~conformance.oracle.revocation.complete_revocation`): revoked at or before the time
    the timestamp proves → the signature was made with a revoked certificate: TOTAL-FAILED
    REVOKED (EN 319 102-1: revocation before best-signature-time)."""
    indication, _ = _pyhanko_indication(findings)
    proven = context.signature.proven_time
    own = findings.own_check
    if indication is Indication.TOTAL_PASSED and own is not None \
            and own.status is RevocationStatus.REVOKED and proven is not None \
            and (own.revoked_at is None or own.revoked_at <= proven):
        return RuleVerdict(Indication.TOTAL_FAILED, SubIndication.REVOKED,
                           "the signer's certificate was revoked before the time proven by the "
                           "signature timestamp" + (f" ({own.detail})" if own.detail else ""))
    return None


def revocation_unreachable(context: SignatureContext, findings: Findings) -> RuleVerdict | None:
    """9. A responder that cannot be reached: pyHanko reports CERTIFICATE_CHAIN_GENERAL_FAILURE
    and stops (measured); EN 319 102-1 says TRY_LATER when revocation information is not
    available yet. Recognised by the missing revocation data for the signer."""
    _, sub_indication = _pyhanko_indication(findings)
    signature = context.signature
    revocation_found = all_revocation_sources(signature, findings)
    if sub_indication is SubIndication.CERTIFICATE_CHAIN_GENERAL_FAILURE \
            and not revocation_found \
            and declares_revocation_service(signature.signer_certificate):
        online = ("OCSP and CRL unreachable" if context.settings.options.fetch_revocation_online
                  else "online fetching not allowed by the policy")
        return RuleVerdict(Indication.INDETERMINATE, SubIndication.TRY_LATER,
                           "the revocation status of the signer's certificate could not be "
                           f"obtained (none the document carries is fresh enough; {online})"
                           + (f"; {findings.failure_message}" if findings.failure_message
                              else ""))
    return None


def no_revocation_status(context: SignatureContext, findings: Findings) -> RuleVerdict | None:
    """10. Status not obtained is never valid (TT15 Annex II 1.2 asks for a warning; a verifier
    must not say "hợp lệ" without a status). pyHanko with REQUIRE_REVINFO should never pass
    without one; this rule holds even if it did."""
    indication, _ = _pyhanko_indication(findings)
    signature = context.signature
    if indication is Indication.TOTAL_PASSED \
            and signature.kind is not SignatureKind.DOCUMENT_TIMESTAMP \
            and not all_revocation_sources(signature, findings) and not _revoked(findings):
        return RuleVerdict(Indication.INDETERMINATE, SubIndication.TRY_LATER,
                           "no revocation status was obtained for the signer's certificate")
    return None


def pyhanko_answer(context: SignatureContext, findings: Findings) -> RuleVerdict:
    """When no rule applies: pyHanko's answer, with a reason a person can follow."""
    indication, sub_indication = _pyhanko_indication(findings)
    source = [findings.data_source] if findings.data_source else []
    if indication is Indication.TOTAL_PASSED:
        return RuleVerdict(indication, None, "; ".join([_passed_reason(findings), *source]))
    reasons = [_explained(sub_indication, context.signature.signer_certificate, findings)]
    if findings.failure_message:
        reasons.append(findings.failure_message)
    return RuleVerdict(indication, sub_indication, "; ".join(reasons + findings.notes + source))


RULES: tuple[Rule, ...] = (
    signature_unreadable,
    signed_bytes_changed,
    revision_not_covered,
    forbidden_later_changes,
    signer_not_yet_valid,
    weak_cryptography,
    signer_expired_at_timestamp,
    signer_revoked_before_timestamp,
    revocation_unreachable,
    no_revocation_status,
)
"""The rules in the order of the table above: the first verdict wins."""


def fold(context: SignatureContext, findings: Findings) -> RuleVerdict:
    """The verdict, most serious finding first: the first rule that decides, else pyHanko."""
    for rule in RULES:
        verdict = rule(context, findings)
        if verdict is not None:
            return verdict
    return pyhanko_answer(context, findings)


# ---- reasons ------------------------------------------------------------------------------------
def _explained(sub_indication: SubIndication | None, signer: x509.Certificate,
               findings: Findings) -> str:
    """A technical English sentence for a sub-indication pyHanko gave without a message."""
    details = getattr(findings.status, "revocation_details", None)
    validity = (f"valid {signer.not_valid_before.isoformat()} to "
                f"{signer.not_valid_after.isoformat()}")
    if sub_indication in (SubIndication.REVOKED_NO_POE, SubIndication.REVOKED) and details:
        reason = (details.revocation_reason.native.replace("_", " ")  # a reason, not a code
                  if details.revocation_reason else "unspecified")
        return (f"the signer's certificate was revoked at {details.revocation_date.isoformat()} "
                f"({reason}) and nothing proves the signature existed before")
    if sub_indication in (SubIndication.OUT_OF_BOUNDS_NO_POE, SubIndication.EXPIRED):
        return f"the signer's certificate ({validity}) is outside its validity at the " \
            "validation time and no timestamp proves an earlier signing time"
    if sub_indication is SubIndication.NO_CERTIFICATE_CHAIN_FOUND:
        return f"no path from the signer's certificate (issued by " \
            f"{name_text(signer.issuer)}) to a trusted root"
    return f"pyHanko's EN 319 102-1 result: {ades_name(findings.ades)}"


def _passed_reason(findings: Findings) -> str:
    if findings.process is ValidationProcess.BASIC:
        return "signature verified; certificate valid and not revoked at the validation time"
    if findings.process is ValidationProcess.TIMESTAMP:
        return "document timestamp verified"
    return "signature verified; certificate valid and not revoked at the time proven by the " \
        "signature timestamp"


def _revoked(findings: Findings) -> bool:
    status = findings.status
    return bool(status is not None and getattr(status, "revocation_details", None))
