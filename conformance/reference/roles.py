"""The reference signer and verifier as the scenario player's two roles, in process (and the
reference archive tool, ``kyso extend``, as its :class:`scenarios.roles.Archiver`).

They implement :class:`scenarios.roles.Signer` and :class:`scenarios.roles.Verifier` by calling
the reference tools directly (no subprocess), so playing the whole catalogue stays fast. A
software under test plugs into the same two protocols through the adapters in
:mod:`conformance.sut`.

Both store, when the request has a working directory, what TT15 Art. 5 khoản 4 and Art. 6
khoản 2 ask signing and verification software to keep for a signature: the certificate, the CRL
its distribution point names, and the status-check result (``workdir/evidence``, named in the
answer's ``evidence``).
"""

from __future__ import annotations

import asyncio
import json
import urllib.request
from pathlib import Path
from typing import Any

from asn1crypto import x509

from conformance.oracle import DocumentResult, SignatureKind, open_pdf
from conformance.reference.extension import (
    ExtensionError,
    async_extend,
    extension_request,
    write_extended,
)
from conformance.reference.format_roles import (
    sign_in_format,
    signer_certificate,
    verified_in_format,
)
from conformance.reference.signer import sign
from conformance.reference.signing_request import SignerInputError, VisibleSignature
from conformance.reference.verifier import trust_roots_from_files, verify_in_detail
from scenarios import (
    ExtendRequest,
    NoAnswer,
    SignatureFormat,
    SignerAnswer,
    SignerOutcome,
    SignRequest,
    VerifierAnswer,
    VerifyRequest,
)
from testbed import TokenAccess

VISIBLE_BOX = VisibleSignature(page=1, box=(330, 60, 560, 140))
"""Bottom right of the first page: where the signer's block sits in a Vietnamese decision."""

EVIDENCE_DIRECTORY = "evidence"
CRL_FETCH_TIMEOUT = 5.0


class ReferenceSigner:
    """kyso's reference signer (TT15 Art. 5, ND68 Art. 29)."""

    name = "kyso reference signer"

    def sign(self, request: SignRequest) -> SignerAnswer:
        try:
            if request.format is not SignatureFormat.PADES:  # XAdES, XML-DSig, CAdES, CMS
                return with_signer_evidence(request, sign_in_format(request))
            answer = sign(
                request.input, request.output,
                access=TokenAccess.load(request.token_access),
                pin=request.pin_file.read_text(encoding="utf-8").strip(),
                trust_roots=trust_roots_from_files(request.trust_roots),
                moment=request.moment, level=request.level, tsa_url=request.tsa_url,
                visible=VISIBLE_BOX if request.visible else None,
                reason=request.reason, location=request.location,
                field_name=request.field_name)
        except SignerInputError as error:
            return SignerAnswer(outcome=SignerOutcome.REFUSED, reason=str(error),
                                display=f"Chưa ký / Not signed: {error}")
        return with_signer_evidence(request, answer)


class ReferenceVerifier:
    """kyso's reference verifier (TT15 Art. 6, ND68 Art. 31)."""

    name = "kyso reference verifier"

    def verify(self, request: VerifyRequest) -> VerifierAnswer:
        roots = trust_roots_from_files(request.trust_roots)
        if request.format is SignatureFormat.PADES:
            detail = verify_in_detail(request.input, roots, at=request.moment)
        else:
            detail = verified_in_format(request.input, request.content, request.format, roots,
                                        at=request.moment)
        return with_verifier_evidence(request, detail.answer, detail.result)


class ReferenceArchiver:
    """kyso's reference archive tool (``kyso extend``): B-LT, B-LTA, archive timestamp renewal."""

    name = "kyso reference archive tool"

    def extend(self, request: ExtendRequest) -> None:
        try:
            extension = extension_request(
                request.input, request.output, level=request.level, renew=request.renew,
                trust_roots=trust_roots_from_files(request.trust_roots),
                tsa_url=request.tsa_url, moment=request.moment)
            write_extended(request.output, asyncio.run(async_extend(extension)))
        except (ExtensionError, SignerInputError) as error:
            raise NoAnswer(str(error)) from None


def with_signer_evidence(request: SignRequest, answer: SignerAnswer) -> SignerAnswer:
    """``answer`` naming the evidence stored in ``request.workdir`` (TT15-5.4): the token's
    certificate, its issuer's CRL and the pre-sign check result; unchanged without a workdir or
    a signed document."""
    if request.workdir is None or answer.outcome is not SignerOutcome.SIGNED:
        return answer
    if request.certificate is not None and request.certificate.is_file():
        certificate = request.certificate.read_bytes()
    else:
        certificate = _last_signer_certificate(request.output, request.format)
    if certificate is None:
        return answer
    status = {"outcome": answer.outcome.value, "warnings": answer.warnings,
              "display": answer.display, "moment": request.moment.isoformat()}
    return answer.model_copy(update={"evidence": store_evidence(request.workdir, certificate,
                                                                status)})


def with_verifier_evidence(request: VerifyRequest, answer: VerifierAnswer,
                           result: DocumentResult | None = None) -> VerifierAnswer:
    """``answer`` naming the evidence stored in ``request.workdir`` (TT15-6.2) for the last
    signature: its certificate, the CRL its distribution point names and the status-check
    result (from the oracle's ``result`` when given, else from the answer)."""
    if request.workdir is None or not answer.signatures:
        return answer
    certificate = _last_signer_certificate(request.input, request.format)
    if certificate is None:
        return answer
    last = answer.signatures[-1]
    status: dict[str, Any] = {
        "field_name": last.field_name, "indication": last.indication.value,
        "sub_indication": last.sub_indication.value if last.sub_indication else None,
        "moment": request.moment.isoformat()}
    found = [s for s in result.signatures if s.kind is SignatureKind.SIGNATURE] \
        if result is not None else []
    if found:
        revocation = found[-1].revocation
        status.update({
            "indication": found[-1].indication.value,
            "sub_indication": found[-1].sub_indication.value if found[-1].sub_indication
            else None,
            "revocation_status": revocation.status.value,
            "revocation_source": revocation.source.value,
            "revoked_at": revocation.revoked_at.isoformat() if revocation.revoked_at else None,
            "validation_time": found[-1].validation_time.isoformat()})
    return answer.model_copy(update={"evidence": store_evidence(request.workdir, certificate,
                                                                status)})


def store_evidence(workdir: Path, certificate: bytes, status: dict[str, Any]) -> dict[str, str]:
    """Write the three evidence files into ``workdir/evidence``; their paths, relative to
    ``workdir``, by key. No CRL is written when its distribution point cannot be reached."""
    directory = workdir / EVIDENCE_DIRECTORY
    directory.mkdir(parents=True, exist_ok=True)
    stored: dict[str, str] = {}
    (directory / "certificate.der").write_bytes(certificate)
    stored["certificate"] = f"{EVIDENCE_DIRECTORY}/certificate.der"
    crl = _fetch_crl(certificate)
    if crl:
        (directory / "crl.der").write_bytes(crl)
        stored["crl"] = f"{EVIDENCE_DIRECTORY}/crl.der"
    (directory / "status.json").write_text(
        json.dumps(status, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    stored["status"] = f"{EVIDENCE_DIRECTORY}/status.json"
    return stored


def _last_signer_certificate(document: Path,
                             fmt: SignatureFormat = SignatureFormat.PADES) -> bytes | None:
    if fmt is not SignatureFormat.PADES:
        return signer_certificate(document, fmt)
    try:
        signatures = open_pdf(document.read_bytes()).embedded_signatures
        return bytes(signatures[-1].signer_cert.dump()) if signatures else None
    except Exception:  # noqa: BLE001 (no parsable signature: nothing to keep)
        return None


def _fetch_crl(certificate: bytes) -> bytes | None:
    """The CRL at the certificate's first CRL distribution point URL (None if unreachable)."""
    try:
        points = x509.Certificate.load(certificate).crl_distribution_points
        url = points[0].url if points else None
    except (ValueError, TypeError, KeyError):
        return None
    if not url or not url.startswith(("http://", "https://")):
        return None
    try:
        with urllib.request.urlopen(url, timeout=CRL_FETCH_TIMEOUT) as response:  # noqa: S310
            return bytes(response.read())
    except (OSError, ValueError):
        return None
