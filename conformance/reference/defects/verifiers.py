"""Defective verifiers: the reference verifier, reading the oracle's findings carelessly.

A verifier variant re-reads the oracle's findings the way a careless program would (a revoked
or expired certificate taken as good, a status 'unknown' taken as good, ...), or validates with
a careless input: at the signer's claimed time, trusting any root the document embeds, without
the signature timestamps. The reference verifier itself never imports this module.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from asn1crypto import x509
from pyhanko.pdf_utils.misc import PdfError

from conformance.oracle import (
    DocumentError,
    OracleOptions,
    RevocationSource,
    SignatureKind,
    SignatureResult,
    open_pdf,
)
from conformance.reference.messages import vietnam_time
from conformance.reference.roles import with_verifier_evidence
from conformance.reference.verifier import answer_for, trust_roots_from_files
from scenarios import (
    DisplayField,
    Indication,
    MessageClass,
    SignatureFormat,
    SubIndication,
    VerifierAnswer,
    VerifyRequest,
)
from testbed import wall_clock

from .catalogue import Defect
from .shared import verified_once

_REVOCATION = {SubIndication.REVOKED, SubIndication.REVOKED_NO_POE,
               SubIndication.REVOKED_CA_NO_POE}
_EXPIRY = {SubIndication.EXPIRED, SubIndication.OUT_OF_BOUNDS_NO_POE,
           SubIndication.OUT_OF_BOUNDS_NOT_REVOKED, SubIndication.NOT_YET_VALID}
_WEAK = {SubIndication.CRYPTO_CONSTRAINTS_FAILURE, SubIndication.CRYPTO_CONSTRAINTS_FAILURE_NO_POE}
_CONSTRAINTS = {SubIndication.SIG_CONSTRAINTS_FAILURE, SubIndication.CHAIN_CONSTRAINTS_FAILURE}


def _passed(result: SignatureResult) -> SignatureResult:
    return result.model_copy(update={"indication": Indication.TOTAL_PASSED,
                                      "sub_indication": None})


def _careless(defect: Defect, result: SignatureResult) -> SignatureResult:
    """How a program with ``defect`` reads the oracle's finding about one signature."""
    sub = result.sub_indication
    integrity = result.integrity
    if defect is Defect.IGNORE_REVOCATION and sub in _REVOCATION:
        return _passed(result)
    if defect is Defect.IGNORE_EXPIRY and sub in _EXPIRY:
        return _passed(result)
    if defect is Defect.UNKNOWN_AS_GOOD and sub is SubIndication.TRY_LATER:
        return _passed(result)
    if defect is Defect.UNKNOWN_AS_GOOD and _ocsp_without_status(result):
        return _passed(result)
    if defect is Defect.OCSP_ONLY and result.indication is Indication.TOTAL_PASSED \
            and RevocationSource.CRL in result.revocation.sources:
        # pyHanko fetches the CRL only when OCSP did not settle the status (measured: a good
        # OCSP answer leaves sources == (ocsp,)): without the CRL there is no status at all
        return result.model_copy(update={"indication": Indication.INDETERMINATE,
                                          "sub_indication": SubIndication.TRY_LATER})
    if defect is Defect.ACCEPT_WEAK_CRYPTO and sub in _WEAK:
        return _passed(result)
    if defect is Defect.IGNORE_KEY_USAGE and sub in _CONSTRAINTS:
        return _passed(result)
    if defect is Defect.ACCEPT_UNPARSABLE and sub is SubIndication.FORMAT_FAILURE \
            and result.signer is None:
        return _passed(result)
    if defect in _CERTIFICATION_DEFECTS:
        return _careless_certification(defect, result)
    algorithm = result.algorithm
    if algorithm is not None and (
            (defect is Defect.NO_RSA_PSS and algorithm.signature_algorithm == "rsassa_pss")
            or (defect is Defect.P256_ONLY and algorithm.key_algorithm == "ec"
                and algorithm.key_size != 256)):
        # what such a product reports: the signature does not verify
        return result.model_copy(update={"indication": Indication.TOTAL_FAILED,
                                          "sub_indication": SubIndication.SIG_CRYPTO_FAILURE})
    if integrity is not None and result.indication is Indication.TOTAL_FAILED:
        bytes_changed = not integrity.intact or not integrity.signature_valid
        if defect is Defect.IGNORE_BYTE_RANGE_COVERAGE and not bytes_changed \
                and integrity.coverage not in ("ENTIRE_FILE", "ENTIRE_REVISION") \
                and result.pyhanko_sub_indication == "OK":
            # the digest of the ranges matches and pyHanko's AdES validation passed: a program
            # that never compares the ranges with the revision sees nothing wrong
            return _passed(result)
        if defect is Defect.IGNORE_DOCMDP and integrity.forbidden_only_by_certification:
            return _passed(result)
        if defect is Defect.SKIP_INTEGRITY and bytes_changed:
            return _passed(result)
        if defect is Defect.ACCEPT_INCREMENTAL_UPDATES and not bytes_changed:
            return _passed(result)
    return result


_CERTIFICATION_DEFECTS = {Defect.CERTIFICATION_FORBIDS_ALL, Defect.CERTIFICATION_FORBIDS_COMMENTS}


def _careless_certification(defect: Defect, result: SignatureResult) -> SignatureResult:
    """A certification read too strictly: as P=1 (any change but an archive update refused), or
    as forbidding comments (pyHanko's difference analysis alone, which lacks P=3)."""
    integrity = result.integrity
    if integrity is None or integrity.certification is None \
            or result.indication is not Indication.TOTAL_PASSED:
        return result
    level = integrity.modification_level
    if defect is Defect.CERTIFICATION_FORBIDS_ALL and level not in (None, "NONE", "LTA_UPDATES"):
        return result.model_copy(update={"indication": Indication.TOTAL_FAILED,
                                          "sub_indication": SubIndication.DISALLOWED_MODIFICATION})
    if defect is Defect.CERTIFICATION_FORBIDS_COMMENTS and level == "ANNOTATIONS":
        # what kyso said before the P=3 comment rule: pyHanko's refusal, as a changed document
        return result.model_copy(update={
            "indication": Indication.TOTAL_FAILED,
            "sub_indication": SubIndication.DISALLOWED_MODIFICATION,
            "integrity": integrity.model_copy(update={"docmdp_ok": False,
                                                      "modification_level": "OTHER"})})
    return result


def _ocsp_without_status(result: SignatureResult) -> bool:
    """An OCSP answer about the signer was received, yet the chain could not be validated and
    nothing else was obtained: the OCSP answer gave no status ('unknown'; the oracle counts the
    response as revocation data, so pyHanko's CERTIFICATE_CHAIN_GENERAL_FAILURE stays)."""
    return (result.sub_indication is SubIndication.CERTIFICATE_CHAIN_GENERAL_FAILURE
            and result.revocation.sources == (RevocationSource.OCSP,))


def _english(answer: VerifierAnswer) -> VerifierAnswer:
    """The same answer with every text a person sees in English only."""
    return answer.model_copy(update={
        "signatures": [signature.model_copy(update={"display": {
            key: (MessageClass.of(signature.indication).english if key == "result"
                  else "(shown in English only)") for key in signature.display}})
            for signature in answer.signatures],
        "display": "English only"})


_DISPLAY_DEFECTS = {Defect.SUBJECT_AS_ISSUER, Defect.OU_ONLY_MANAGING_UNIT,
                    Defect.SIGNED_BYTES_INTEGRITY, Defect.VALIDITY_END_ONLY}
"""Defects of one TT15-6.4.b field only: the verdict and every other field stay right, so only
the display check of that field can catch them."""


def _careless_field(defect: Defect, result: SignatureResult) -> dict[str, str]:
    """The one field a display defect shows wrongly for ``result`` (empty: shown rightly)."""
    signer, integrity = result.signer, result.integrity
    if defect is Defect.SUBJECT_AS_ISSUER and signer is not None:
        name = signer.common_name or signer.subject
        return {DisplayField.ISSUER.value: f"{name} ({signer.organisation})"
                if signer.organisation else name}
    if defect is Defect.OU_ONLY_MANAGING_UNIT and signer is not None:
        return {DisplayField.MANAGING_UNIT.value:
                signer.organisational_unit or "Không ghi trong chứng thư"}
    if defect is Defect.SIGNED_BYTES_INTEGRITY and integrity is not None \
            and integrity.intact and integrity.signature_valid:
        return {DisplayField.INTEGRITY.value:
                "Toàn vẹn: giá trị băm của phần đã ký khớp với chữ ký"}
    if defect is Defect.VALIDITY_END_ONLY and signer is not None:
        return {DisplayField.CERTIFICATE_VALIDITY.value:
                f"Có hiệu lực đến {vietnam_time(signer.not_after)}"}
    return {}


def _careless_display(defect: Defect, answer: VerifierAnswer,
                      results: list[SignatureResult]) -> VerifierAnswer:
    """The same answer with the one field ``defect`` gets wrong replaced, signature by
    signature (the answer lists the oracle's signatures of kind SIGNATURE, in order)."""
    shown = [s for s in results if s.kind is SignatureKind.SIGNATURE]
    return answer.model_copy(update={"signatures": [
        signature.model_copy(update={"display": {**signature.display,
                                                 **_careless_field(defect, result)}})
        for signature, result in zip(answer.signatures, shown, strict=True)]})


def _wrong_fields(answer: VerifierAnswer, moment: datetime) -> VerifierAnswer:
    """The same answer with two TT15-6.4.b fields filled from the wrong source, in good
    Vietnamese: the signer field names the issuing CA, the signing time is the validation time."""
    def wrong(display: dict[str, str]) -> dict[str, str]:
        shown = dict(display)
        if DisplayField.ISSUER.value in shown:
            shown[DisplayField.SIGNER.value] = shown[DisplayField.ISSUER.value]
        if DisplayField.SIGNING_TIME.value in shown:
            shown[DisplayField.SIGNING_TIME.value] = vietnam_time(moment)
        return shown

    return answer.model_copy(update={"signatures": [
        signature.model_copy(update={"display": wrong(signature.display)})
        for signature in answer.signatures]})


@dataclass(frozen=True)
class DefectiveVerifier:
    """The reference verifier with one defect."""

    defect: Defect

    @property
    def name(self) -> str:
        return f"reference verifier with defect {self.defect.value}"

    def verify(self, request: VerifyRequest) -> VerifierAnswer:
        roots = trust_roots_from_files(request.trust_roots)
        if request.format is SignatureFormat.PADES:
            answer = self.verify_document(request.input, roots, request.moment)
        else:  # the same careless readings of the XML / CMS reference verification
            from .format_verifiers import verify_in_format

            answer = verify_in_format(self.defect, request, roots, self.options())
        if self.defect is Defect.NO_EVIDENCE:
            return answer.model_copy(update={"evidence": {}})
        return with_verifier_evidence(request, answer)

    def verify_document(self, document: Path, roots: list[x509.Certificate],
                        moment: datetime | None) -> VerifierAnswer:
        """``kyso verify --defect NAME`` and the scenario role both end here."""
        roots = list(roots)
        options = self.options()
        if self.defect is Defect.ANY_ROOT:
            roots += _embedded_roots(document.read_bytes())
        source: Path | bytes = document
        if self.defect is Defect.IGNORE_TIMESTAMP:
            source = _without_signature_timestamps(document.read_bytes())
        detail = verified_once(source, roots, at=moment, options=options)
        if detail.result is None:
            return detail.answer
        if self.defect is Defect.ENGLISH_ONLY:
            return _english(detail.answer)
        if self.defect is Defect.WRONG_DISPLAY:
            return _wrong_fields(detail.answer, moment or wall_clock())
        if self.defect in _DISPLAY_DEFECTS:
            return _careless_display(self.defect, detail.answer, detail.result.signatures)
        signatures = detail.result.signatures
        if self.defect is Defect.CLAIMED_TIME:
            signatures = self._at_claimed_times(document, roots, options, signatures)
        else:
            signatures = [_careless(self.defect, s) if s.kind is SignatureKind.SIGNATURE else s
                          for s in signatures]
        return answer_for(detail.result.model_copy(update={"signatures": signatures}))

    def options(self) -> OracleOptions:
        """The oracle's options as the defect sets them (a careless input, not reading)."""
        return OracleOptions(
            require_non_repudiation=self.defect is not Defect.IGNORE_KEY_USAGE,
            fetch_issuer_certificates=self.defect is not Defect.NO_AIA_FETCH,
            read_document_validation_data=self.defect is not Defect.IGNORE_EMBEDDED_DATA,
            archive_timestamps=self.defect is not Defect.IGNORE_ARCHIVE_TIMESTAMPS)

    @staticmethod
    def _at_claimed_times(document: Path, roots: list[x509.Certificate],
                          options: OracleOptions, signatures: list[SignatureResult]
                          ) -> list[SignatureResult]:
        """Each signature judged at the time its signer claims, as if it were proven."""
        judged = []
        for index, signature in enumerate(signatures):
            claimed = signature.signing_time.claimed
            if signature.kind is not SignatureKind.SIGNATURE or claimed is None:
                judged.append(signature)
                continue
            again = verified_once(document, roots, at=claimed, options=options).result
            judged.append(again.signatures[index] if again else signature)
        return judged


def _without_signature_timestamps(pdf: bytes) -> bytes:
    """The document with every signature's signatureTimeStampToken taken out of its CMS (in
    place: the CMS sits between the signed byte ranges, so no signed byte changes): what a
    verifier that never looks at the timestamp effectively validates."""
    from asn1crypto import cms

    from testbed import signed_byte_ranges

    out = bytearray(pdf)
    for start1, length1, start2, _ in signed_byte_ranges(pdf):
        gap = pdf[start1 + length1:start2]
        if not (gap.startswith(b"<") and gap.endswith(b">")):
            continue
        try:
            info = cms.ContentInfo.load(bytes.fromhex(gap[1:-1].decode("ascii")))
            changed = False
            for signer_info in info["content"]["signer_infos"]:
                attributes = signer_info["unsigned_attrs"]
                if not isinstance(attributes, cms.CMSAttributes):
                    continue
                kept = [a for a in attributes if a["type"].native != "signature_time_stamp_token"]
                if len(kept) != len(attributes):
                    signer_info["unsigned_attrs"] = cms.CMSAttributes(kept) if kept else None
                    changed = True
            der = info.dump(force=True)
        except (ValueError, TypeError, KeyError):
            continue
        if changed and 2 * len(der) <= len(gap) - 2:
            out[start1 + length1 + 1:start2 - 1] = der.hex().encode().ljust(len(gap) - 2, b"0")
    return bytes(out)


def _embedded_roots(pdf: bytes) -> list[x509.Certificate]:
    """Self-signed certificates carried inside the document's signatures."""
    roots = []
    try:
        signatures = open_pdf(pdf).embedded_signatures
    except (DocumentError, PdfError, ValueError, KeyError, IndexError, TypeError):
        return roots  # a field without a parsable CMS (USF) carries no root either
    for embedded in signatures:
        for choice in embedded.signed_data["certificates"]:
            certificate = choice.chosen
            if isinstance(certificate, x509.Certificate) and \
                    certificate.self_signed in ("maybe", "yes"):
                roots.append(certificate)
    return roots
