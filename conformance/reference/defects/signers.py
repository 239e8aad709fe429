"""Defective signers: the reference signer skipping a step, changing a parameter, or
damaging its output afterwards.

Most variants run the reference signer on a changed request (no timestamp, another TSA, a
rewritten input) or change its answer; a few sign the way naive products do (PKCS#11 straight
into pyHanko), reusing the reference signer's token plumbing so that only the named defect
differs.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, replace
from datetime import datetime
from io import BytesIO
from pathlib import Path
from typing import Any

from asn1crypto import keys as asn1_keys
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.pdf_utils.writer import copy_into_new_writer
from pyhanko.sign import fields, signers
from pyhanko.sign.pkcs11 import PKCS11Signer
from pyhanko.sign.timestamps import HTTPTimeStamper
from pyhanko_certvalidator import ValidationContext

from conformance.oracle import CheckOutcome
from conformance.reference.certificate_check import check_certificate
from conformance.reference.pades_signing import _PdfSignerAt, _stamp_style
from conformance.reference.roles import VISIBLE_BOX, ReferenceSigner, with_signer_evidence
from conformance.reference.signer import _answer_refused
from conformance.reference.signing_request import Refusal
from conformance.reference.signing_token import login_user, token_certificates, token_session
from conformance.reference.verifier import trust_roots_from_files
from scenarios import SignatureFormat, SignerAnswer, SignerOutcome, SignRequest
from testbed import TokenAccess

from .catalogue import Defect


@dataclass(frozen=True)
class DefectiveSigner:
    """The reference signer with one defect."""

    defect: Defect

    @property
    def name(self) -> str:
        return f"reference signer with defect {self.defect.value}"

    def sign(self, request: SignRequest) -> SignerAnswer:
        answer = self._sign(request)
        if self.defect is Defect.NO_EVIDENCE_SIGNER:
            return answer.model_copy(update={"evidence": {}})
        return answer if answer.evidence else with_signer_evidence(request, answer)

    def _sign(self, request: SignRequest) -> SignerAnswer:
        defect = self.defect
        if request.format is not SignatureFormat.PADES and defect in _PDF_SIGNING_DEFECTS:
            if defect is Defect.NO_VALIDITY_CHECK:  # XML or CMS signed without the check
                from .format_signers import sign_unchecked

                return sign_unchecked(request)
            return ReferenceSigner().sign(request)  # a PDF mistake: nothing to get wrong here
        if defect is Defect.NO_TIMESTAMP:
            return ReferenceSigner().sign(replace(request, level="B-B"))
        if defect is Defect.NO_ARCHIVE_TIMESTAMP and request.level == "B-LTA":
            return ReferenceSigner().sign(replace(request, level="B-LT"))
        if defect is Defect.INCOMPLETE_VALIDATION_DATA and request.level in ("B-LT", "B-LTA"):
            return _naive_sign(request, unfetched_validation_data=True)
        if defect is Defect.NO_VALIDITY_CHECK:
            return _naive_sign(request, check=False)
        if defect is Defect.SHA1_DIGEST:
            return _naive_sign(request, digest="sha1")
        if defect is Defect.SOFTWARE_KEY:
            return _naive_sign(request, software_key=True)
        if defect is Defect.PKCS7_SUBFILTER:
            return _naive_sign(request, subfilter=fields.SigSeedSubFilter.ADOBE_PKCS7_DETACHED)
        if defect is Defect.LOCAL_APPEARANCE and request.visible:
            return _naive_sign(request, stamp=_local_stamp(request.moment))
        if defect is Defect.FOREIGN_TSA and request.tsa_url:
            return ReferenceSigner().sign(replace(request, tsa_url=request.tsa_url.replace(
                "/kyso/tsa/ca-cv", "/kyso/tsa/ca-public")))
        if defect is Defect.DROPS_EARLIER_SIGNATURES:
            rewritten = request.workdir / "rewritten.pdf" if request.workdir else \
                request.output.with_suffix(".rewritten.pdf")
            _rewrite_without_history(request.input, rewritten)
            return ReferenceSigner().sign(replace(request, input=rewritten))
        answer = ReferenceSigner().sign(request)
        if defect is Defect.IGNORES_PIN_ERROR and answer.outcome is SignerOutcome.REFUSED \
                and "Wrong PIN" in (answer.reason or ""):
            # the login's return value is not looked at; what follows fails unnoticed
            return SignerAnswer(outcome=SignerOutcome.SIGNED, output=str(request.output),
                                display="Đã ký. / Signed.")
        if defect is Defect.PARTIAL_COVERAGE and answer.outcome is SignerOutcome.SIGNED:
            with request.output.open("ab") as output:
                output.write(b"\n% unsigned bytes appended after signing\n")
        if defect is Defect.NO_STATUS_WARNING:
            return answer.model_copy(update={"warnings": [], "display": (
                "Đã ký. / Signed." if answer.outcome is SignerOutcome.SIGNED else answer.display)})
        if defect is Defect.ENGLISH_ONLY_SIGNER:
            # the reference's reasons are "Vietnamese / English": keep the English half only
            english = "Signed." if answer.outcome is SignerOutcome.SIGNED else \
                f"Not signed: {(answer.reason or '').split(' / ')[-1]}"
            return answer.model_copy(update={"display": english})
        return answer


_PDF_SIGNING_DEFECTS = {
    Defect.INCOMPLETE_VALIDATION_DATA, Defect.NO_VALIDITY_CHECK, Defect.SHA1_DIGEST,
    Defect.SOFTWARE_KEY, Defect.PKCS7_SUBFILTER, Defect.LOCAL_APPEARANCE,
    Defect.DROPS_EARLIER_SIGNATURES}
"""Variants that sign through the naive PDF signer or rewrite the PDF: in another format the
reference signs instead, except ``no-validity-check``, which has its XML / CMS form
(:mod:`.format_signers`)."""


def _rewrite_without_history(source: Path, target: Path) -> None:
    """Save the document as a brand-new file: earlier revisions (and signatures) lose their
    byte ranges, as in a program that 'saves as' before signing."""
    reader = PdfFileReader(BytesIO(source.read_bytes()), strict=False)
    writer = copy_into_new_writer(reader)
    output = BytesIO()
    writer.write(output)
    target.write_bytes(output.getvalue())


LOCAL_APPEARANCE_TEXT = "Đã ký số\nNgày ký: %(ngay_ky)s"
"""What a careless product draws: no agency, the time as a Vietnamese reader writes it."""


def _local_stamp(moment: datetime) -> tuple[str, dict[str, str]]:
    """The appearance text of :data:`Defect.LOCAL_APPEARANCE`: ``22/11/2026 09:00``."""
    from testbed import VIETNAM

    return LOCAL_APPEARANCE_TEXT, {
        "ngay_ky": moment.astimezone(VIETNAM).strftime("%d/%m/%Y %H:%M")}


def _naive_sign(request: SignRequest, *, check: bool = True, digest: str = "sha256",
                software_key: bool = False, stamp: tuple[str, dict[str, str]] | None = None,
                subfilter: fields.SigSeedSubFilter = fields.SigSeedSubFilter.PADES,
                unfetched_validation_data: bool = False) -> SignerAnswer:
    """A signer as naive products write it: PKCS#11 straight into pyHanko, B-B/B-T only.
    It reuses the reference signer's token plumbing (same package) so that only the named
    defect differs. ``stamp``: (text template, its values) of a visible signature drawn in the
    reference's box and font, when the request asks for a visible one. ``subfilter``: the
    format written (PAdES, or a plain CMS signature). ``unfetched_validation_data``: B-LT
    (and B-LTA) as a careless product makes it: a DSS with what it has at hand, the
    certificates, and no OCSP response or CRL (nothing fetched)."""
    access = TokenAccess.load(request.token_access)
    pin = request.pin_file.read_text(encoding="utf-8").strip()
    roots = trust_roots_from_files(request.trust_roots)
    try:
        with token_session(access, access.module) as session:
            certificate, chain = token_certificates(session, access)
            if check:
                result = check_certificate(certificate, chain_candidates=chain,
                                           trust_roots=roots, moment=request.moment)
                if result.outcome is CheckOutcome.REFUSE:
                    return _answer_refused(result.message, result)
            login_user(session, access.module, pin, access.token_label)
            if software_key:
                stray = (ec.generate_private_key(ec.SECP256R1()) if access.key_type == "p256"
                         else rsa.generate_private_key(65537, 2048))
                key_info = asn1_keys.PrivateKeyInfo.load(stray.private_bytes(
                    serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
                    serialization.NoEncryption()))
                signer: signers.Signer = signers.SimpleSigner(
                    signing_cert=certificate, signing_key=key_info, cert_registry=None)
            else:
                signer = PKCS11Signer(session, key_id=bytes.fromhex(access.key_id),
                                      signing_cert=certificate, ca_chain=chain,
                                      use_raw_mechanism=access.key_type == "p256")
            timestamper = HTTPTimeStamper(request.tsa_url) \
                if request.level != "B-B" and request.tsa_url else None
            metadata = signers.PdfSignatureMetadata(
                field_name=request.field_name, md_algorithm=digest, subfilter=subfilter,
                **(_unfetched_lt(request, roots) if unfetched_validation_data else {}))
            visible = stamp is not None and request.visible
            pdf_signer = _PdfSignerAt(
                metadata, signer=signer, timestamper=timestamper, moment=request.moment,
                stamp_style=_stamp_style(stamp[0]) if visible and stamp
                else None,
                new_field_spec=fields.SigFieldSpec(
                    sig_field_name=request.field_name or "ChuKy1", on_page=VISIBLE_BOX.page - 1,
                    box=VISIBLE_BOX.box) if visible else None)
            writer = IncrementalPdfFileWriter(BytesIO(request.input.read_bytes()), strict=False)
            output = BytesIO()
            asyncio.run(pdf_signer.async_sign_pdf(
                writer, output=output,
                appearance_text_params=stamp[1] if visible and stamp else None))
    except Refusal as refusal:
        return _answer_refused(refusal.message, refusal.check)
    request.output.write_bytes(output.getvalue())
    return SignerAnswer(outcome=SignerOutcome.SIGNED, output=str(request.output),
                        display="Đã ký. / Signed.")


def _unfetched_lt(request: SignRequest, roots: list[Any]) -> dict[str, Any]:
    """pyHanko's B-LT (B-LTA) settings with a validation context that fetches nothing: the DSS
    then holds the certificates only."""
    context = ValidationContext(trust_roots=roots, allow_fetching=False,
                                revocation_mode="soft-fail", moment=request.moment)
    return {"embed_validation_info": True, "validation_context": context,
            "use_pades_lta": request.level == "B-LTA"}
