"""What a signer produced in a format beside PAdES, looked at with the reference verifiers.

The PDF inspector (:mod:`.inspection`) opens the output with the oracle; a signed XML document
or a detached ``.p7s`` is read by the reference XML or CMS verifier instead, over the same
trust anchors at the signing instant: one more signature, that validates (or whose status the
signer said it could not obtain, TT15 Annex II 1.2), made with the certificate on the token, and
for XAdES and CAdES at the baseline level asked for or above (what it carries: a signature
timestamp for B-T, validation data for B-LT, an archive timestamp for B-LTA).
"""

from __future__ import annotations

from asn1crypto import x509

from conformance.oracle import PadesLevel, SignatureKind
from conformance.reference.format_roles import verified_in_format
from conformance.reference.verifier import trust_roots_from_files
from scenarios import Indication, SignatureFormat, SignerAnswer, SignRequest, SubIndication

_STATUS_UNOBTAINABLE = {SubIndication.TRY_LATER, SubIndication.REVOCATION_OUT_OF_BOUNDS_NO_POE}
_LEVEL_ORDER = [PadesLevel.B_B, PadesLevel.B_T, PadesLevel.B_LT, PadesLevel.B_LTA]


def format_problems(request: SignRequest, answer: SignerAnswer) -> list[str]:
    """Problems with ``request.output`` in ``request.format`` (empty: none)."""
    fmt = request.format
    detail = verified_in_format(request.output, request.input if fmt.detached else None, fmt,
                                trust_roots_from_files(request.trust_roots), at=request.moment)
    found = [s for s in (detail.result.signatures if detail.result else [])
             if s.kind is SignatureKind.SIGNATURE]
    if not found:
        return [f"the output is not a readable {fmt.value} signature "
                f"({detail.answer.error or 'no signature found'})"]
    new, problems = found[-1], []
    explained = bool(answer.warnings) and new.sub_indication in _STATUS_UNOBTAINABLE
    if new.indication is not Indication.TOTAL_PASSED and not explained:
        sub = f"/{new.sub_indication.value}" if new.sub_indication else ""
        problems.append(f"the new signature does not validate ({new.indication.value}{sub}: "
                        f"{new.reason})")
    if request.certificate is not None and new.signer is not None:
        expected = x509.Certificate.load(request.certificate.read_bytes())
        if new.signer.serial != expected.serial_number:
            problems.append("signed with another certificate than the one on the token")
    if fmt in (SignatureFormat.XADES, SignatureFormat.CADES):
        wanted = PadesLevel(request.level)
        reached = new.carried_level or new.pades_level
        if reached is None or _LEVEL_ORDER.index(reached) < _LEVEL_ORDER.index(wanted):
            problems.append(f"asked for {fmt.value} {wanted.value}, the signature carries "
                            f"only what {reached.value if reached else 'none'} needs")
    return problems


__all__ = ["format_problems"]
