"""Looking at what a signer produced, with the oracle: the judge's eyes on signing checkpoints.

A signer that says "signed" is not believed on its word (TT15-5.1.b, d, e, g; Annex I 1.2–1.3):
the new signature must validate at the signing instant, be made with the key and certificate on
the token, carry what the requested PAdES level needs, cover the whole file, and leave every
earlier signature as it was. A công vụ signature's timestamp must come from the TSA the công vụ
CA publishes (ND68-29.4): its certificate issued by the CA that issued the signer's.
"""

from __future__ import annotations

import json
from pathlib import Path

from asn1crypto import cms, x509

from conformance.oracle import (
    DocumentError,
    DocumentResult,
    PadesLevel,
    SignatureKind,
    open_pdf,
    validate_pdf,
)
from conformance.reference.verifier import trust_roots_from_files
from scenarios.outcomes import Indication, SignerAnswer, SubIndication
from scenarios.roles import SignRequest
from testbed.ca.hierarchy import Branch
from testbed.ca.profiles import ProfileKind, policy_oid

_LEVEL_ORDER = [PadesLevel.B_B, PadesLevel.B_T, PadesLevel.B_LT, PadesLevel.B_LTA]
_STATUS_UNOBTAINABLE = {SubIndication.TRY_LATER, SubIndication.REVOCATION_OUT_OF_BOUNDS_NO_POE}
_CONG_VU_POLICIES = {policy_oid(Branch.CONG_VU, kind) for kind in ProfileKind}


def _signatures(result: DocumentResult) -> list:  # type: ignore[type-arg]
    return [s for s in result.signatures if s.kind is SignatureKind.SIGNATURE]


class OracleInspector:
    """Implements :class:`scenarios.roles.Inspector` with :mod:`conformance.oracle`."""

    def inspect(self, request: SignRequest, answer: SignerAnswer) -> list[str]:
        roots = trust_roots_from_files(request.trust_roots)
        try:
            data = request.output.read_bytes()
            produced = validate_pdf(data, roots, at=request.moment)
        except (OSError, ValueError) as error:
            return [f"the output is not a readable signed PDF ({error})"]
        before = _signatures(validate_pdf(request.input.read_bytes(), roots, at=request.moment)) \
            if b"/ByteRange" in request.input.read_bytes() else []
        after = _signatures(produced)
        if len(after) != len(before) + 1:
            return [f"expected {len(before) + 1} signature(s) in the output, found {len(after)}"]
        problems: list[str] = []
        new = after[-1]
        # a signer that warned the status was unobtainable (Annex II 1.2) produced a signature
        # whose status the oracle cannot obtain either: that much is expected, not a defect
        explained = bool(answer.warnings) and new.sub_indication in _STATUS_UNOBTAINABLE
        if new.indication is not Indication.TOTAL_PASSED and not explained:
            sub = f"/{new.sub_indication.value}" if new.sub_indication else ""
            problems.append(f"the new signature does not validate ({new.indication.value}{sub}: "
                            f"{new.reason})")
        if request.certificate is not None and new.signer is not None:
            expected = x509.Certificate.load(request.certificate.read_bytes())
            if new.signer.serial != expected.serial_number:
                problems.append("signed with another certificate than the one on the token")
        wanted = PadesLevel(request.level)
        if new.pades_level is None or \
                _LEVEL_ORDER.index(new.pades_level) < _LEVEL_ORDER.index(wanted):
            shown = new.pades_level.value if new.pades_level else "none"
            problems.append(f"asked for PAdES {wanted.value}, the output is {shown}")
        elif wanted is not PadesLevel.B_B and request.certificate is not None:
            problems += _timestamp_authority_problems(
                data, new.field_name, x509.Certificate.load(request.certificate.read_bytes()))
        integrity = new.integrity
        # the whole file, or its whole revision followed only by archival (LTA) updates
        if integrity is not None and not (
                integrity.coverage == "ENTIRE_FILE"
                or (integrity.coverage == "ENTIRE_REVISION"
                    and integrity.modification_level == "LTA_UPDATES")):
            problems.append(f"the signature does not cover the whole file "
                            f"({integrity.coverage}, later changes: "
                            f"{integrity.modification_level})")
        for index, (old, kept) in enumerate(zip(before, after[:-1], strict=True)):
            if kept.indication is not old.indication and kept.indication is not \
                    Indication.TOTAL_PASSED:
                problems.append(f"earlier signature {index + 1} was damaged: "
                                f"{old.indication.value} before, {kept.indication.value} after")
        problems += _token_use_problems(request.workdir)
        return problems


def _timestamp_authority_problems(data: bytes, field_name: str | None,
                                  signer: x509.Certificate) -> list[str]:
    """ND68-29.4: a công vụ signature (the testbed's công vụ policy OID) is timestamped by the
    TSA the công vụ CA publishes, i.e. a TSA whose certificate the signer's issuing CA issued.
    Other signers: nothing to say."""
    policies = signer.certificate_policies_value
    if policies is None or not any(policy["policy_identifier"].dotted in _CONG_VU_POLICIES
                                   for policy in policies):
        return []
    from pyhanko.sign.validation.generic_cms import extract_tst_data_iter

    try:
        embedded = next(e for e in open_pdf(data).embedded_signatures
                        if e.field_name == field_name and e.sig_object_type != "/DocTimeStamp")
        token = next(iter(extract_tst_data_iter(embedded.signer_info, signed=False)), None)
    except (DocumentError, StopIteration, ValueError, KeyError, TypeError):
        return []  # the checks above already say what is wrong with the signature
    if token is None:
        return []
    tsa = _timestamp_signer(token)
    if tsa is None:
        return ["the signature timestamp does not carry its TSA certificate: whose TSA stamped "
                "it cannot be told (ND68-29.4)"]
    if tsa.issuer != signer.issuer:
        return [f"the signature timestamp is from a TSA certified by "
                f"{tsa.issuer.human_friendly}, not by the công vụ CA that issued the signer's "
                f"certificate ({signer.issuer.human_friendly}) (ND68-29.4)"]
    return []


def _timestamp_signer(token: cms.SignedData) -> x509.Certificate | None:
    """The certificate of the TSA that signed a timestamp token, if the token carries it."""
    try:
        sid = token["signer_infos"][0]["sid"].chosen
    except (IndexError, KeyError, ValueError):
        return None
    for choice in token["certificates"] or []:
        certificate = choice.chosen
        if not isinstance(certificate, x509.Certificate):
            continue
        if isinstance(sid, cms.IssuerAndSerialNumber):
            if certificate.issuer == sid["issuer"] and \
                    certificate.serial_number == sid["serial_number"].native:
                return certificate
        elif certificate.key_identifier == sid.native:
            return certificate
    return None


def _token_use_problems(workdir: Path | None) -> list[str]:
    """What the PKCS#11 trace of the sign call (``pkcs11-trace.json``, written by the cli
    adapter in the case's directory) shows: the private key never read nor wrapped, and the
    signature made on the token (TT15-5.1.b). No trace (or an untraced run): nothing to say."""
    if workdir is None or not Path(workdir).is_dir():
        return []
    summaries = sorted(Path(workdir).rglob("pkcs11-trace*.json"),
                       key=lambda path: path.stat().st_mtime_ns)
    if not summaries:
        return []
    try:
        facts = json.loads(summaries[-1].read_text(encoding="utf-8"))  # the latest call's
    except (OSError, ValueError):
        return []
    if not isinstance(facts, dict) or not facts.get("traced"):
        return []
    problems: list[str] = []
    if facts.get("tried_key_extraction"):
        problems.append("the program tried to read or wrap the private key (PKCS#11 trace)")
    if not facts.get("sign_calls"):
        problems.append("no C_Sign on the token: the signature was not made with the token's "
                        "key (PKCS#11 trace)")
    return problems
