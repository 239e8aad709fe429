"""Deliberately defective variants of the reference tools ("mutants"), one broken rule each.

A conformance check is only trustworthy if a correct tool passes it and a defective one fails
it. Each :class:`Defect` names one rule a real product is known to break; the variants live here,
outside the reference code path, and work by wrapping the reference tools: a verifier variant
re-reads the oracle's findings the way a careless program would (or validates with a careless
input, e.g. at the signer's claimed time, or trusting any embedded root); a signer variant skips
a step, changes a parameter, or damages its output afterwards. `kyso mutants` plays the catalogue
once and asks every variant at every checkpoint of its role: the table shows which checkpoint
catches which defect.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum
from io import BytesIO
from pathlib import Path

from asn1crypto import keys as asn1_keys
from asn1crypto import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.misc import PdfError
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.pdf_utils.writer import copy_into_new_writer
from pyhanko.sign import fields, signers
from pyhanko.sign.pkcs11 import PKCS11Signer
from pyhanko.sign.timestamps import HTTPTimeStamper

from conformance.oracle import (
    CheckOutcome,
    DocumentError,
    OracleOptions,
    RevocationSource,
    SignatureKind,
    SignatureResult,
    open_pdf,
)
from conformance.reference import signer as reference_signer
from conformance.reference.certificate_check import check_certificate
from conformance.reference.messages import vietnam_time
from conformance.reference.roles import (
    VISIBLE_BOX,
    ReferenceSigner,
    with_signer_evidence,
    with_verifier_evidence,
)
from conformance.reference.verifier import answer_for, trust_roots_from_files, verify_in_detail
from scenarios.outcomes import (
    DisplayField,
    Indication,
    MessageClass,
    SignerAnswer,
    SignerOutcome,
    SubIndication,
    VerifierAnswer,
)
from scenarios.roles import SignRequest, VerifyRequest
from testbed.clock import wall_clock
from testbed.tokens import TokenAccess


class Defect(StrEnum):
    """One broken rule; the value is the name used on the command line."""

    # verifier
    IGNORE_REVOCATION = "ignore-revocation"
    IGNORE_EXPIRY = "ignore-expiry"
    CLAIMED_TIME = "claimed-time"
    ANY_ROOT = "any-root"
    SKIP_INTEGRITY = "skip-integrity"
    ACCEPT_INCREMENTAL_UPDATES = "accept-incremental-updates"
    UNKNOWN_AS_GOOD = "unknown-as-good"
    OCSP_ONLY = "ocsp-only"
    ENGLISH_ONLY = "english-only"
    WRONG_DISPLAY = "wrong-display"
    IGNORE_KEY_USAGE = "ignore-key-usage"
    ACCEPT_WEAK_CRYPTO = "accept-weak-crypto"
    IGNORE_TIMESTAMP = "ignore-timestamp"
    NO_AIA_FETCH = "no-aia-fetch"
    NO_RSA_PSS = "no-rsa-pss"
    P256_ONLY = "p256-only"
    ACCEPT_UNPARSABLE = "accept-unparsable"
    NO_EVIDENCE = "no-evidence"
    IGNORE_BYTE_RANGE_COVERAGE = "ignore-byte-range-coverage"
    IGNORE_DOCMDP = "ignore-docmdp"
    CERTIFICATION_FORBIDS_ALL = "certification-forbids-all"
    # signer
    NO_VALIDITY_CHECK = "no-validity-check"
    NO_TIMESTAMP = "no-timestamp"
    SHA1_DIGEST = "sha1-digest"
    PARTIAL_COVERAGE = "partial-coverage"
    DROPS_EARLIER_SIGNATURES = "drops-earlier-signatures"
    SOFTWARE_KEY = "software-key"
    NO_STATUS_WARNING = "no-status-warning"
    ENGLISH_ONLY_SIGNER = "english-only-signer"
    NO_EVIDENCE_SIGNER = "no-evidence-signer"
    IGNORES_PIN_ERROR = "ignores-pin-error"
    FOREIGN_TSA = "foreign-tsa"
    LOCAL_APPEARANCE = "local-appearance"

    @property
    def role(self) -> str:
        return "signer" if self in _SIGNER_DEFECTS else "verifier"

    @property
    def rule(self) -> str:
        return _RULES[self]


_SIGNER_DEFECTS = {Defect.NO_VALIDITY_CHECK, Defect.NO_TIMESTAMP, Defect.SHA1_DIGEST,
                   Defect.PARTIAL_COVERAGE, Defect.DROPS_EARLIER_SIGNATURES,
                   Defect.SOFTWARE_KEY, Defect.NO_STATUS_WARNING, Defect.ENGLISH_ONLY_SIGNER,
                   Defect.NO_EVIDENCE_SIGNER, Defect.IGNORES_PIN_ERROR, Defect.FOREIGN_TSA,
                   Defect.LOCAL_APPEARANCE}

_RULES = {
    Defect.IGNORE_REVOCATION: "never looks at revocation (TT15 Annex II 1.1–1.2)",
    Defect.IGNORE_EXPIRY: "ignores the validity period (Annex II 1.1)",
    Defect.CLAIMED_TIME: "judges at the signer's claimed time instead of a proven one",
    Defect.ANY_ROOT: "trusts whatever root the document carries (TT15-6.1.b)",
    Defect.SKIP_INTEGRITY: "does not compare digests (TT15-6.1.d)",
    Defect.ACCEPT_INCREMENTAL_UPDATES: "accepts any change made after signing (TT15-6.1.h)",
    Defect.UNKNOWN_AS_GOOD: "takes an unobtainable status (also an OCSP 'unknown') as good "
                            "(Annex II 1.2)",
    Defect.OCSP_ONLY: "never falls back to the CRL when OCSP gives no status (Annex II 1.2)",
    Defect.ENGLISH_ONLY: "tells the person in English only (TT15-6.4.a–b)",
    Defect.WRONG_DISPLAY: "shows the issuing CA as the signer and the validation time as the "
                          "signing time (TT15-6.4.b)",
    Defect.IGNORE_KEY_USAGE: "does not check key usage (Annex II 1.5, optional)",
    Defect.ACCEPT_WEAK_CRYPTO: "accepts RSA-1024 and SHA-1 (Annex I 1.2–1.3)",
    Defect.IGNORE_TIMESTAMP: "never checks the signature timestamp: validates as if it were "
                             "absent (TT15-6.1.g)",
    Defect.NO_AIA_FETCH: "does not fetch a missing issuer certificate from the AIA caIssuers "
                         "URL (TT15-6.1.b)",
    Defect.NO_RSA_PSS: "cannot verify RSASSA-PSS, the scheme Annex I 1.2 names for signing",
    Defect.P256_ONLY: "verifies ECDSA on P-256 only, although Annex I 1.2 allows ≥ 256 bits",
    Defect.ACCEPT_UNPARSABLE: "shows a signature field it cannot parse as valid (universal "
                              "signature forgery, TT15-6.1.d)",
    Defect.IGNORE_BYTE_RANGE_COVERAGE: "hashes the /ByteRange but never checks that it covers "
                                       "the whole revision but /Contents (signature wrapping, "
                                       "TT15-6.1.h)",
    Defect.IGNORE_DOCMDP: "never reads a certification's DocMDP permissions: judges later "
                          "changes as after an approval signature (TT15-6.1.h)",
    Defect.CERTIFICATION_FORBIDS_ALL: "reads every certification as P=1: a permitted form fill "
                                      "or co-signature is reported as tampering (TT15-6.1.h)",
    Defect.NO_EVIDENCE: "keeps no certificate, CRL or status-check result for the signature "
                        "it verified (TT15-6.2)",
    Defect.NO_VALIDITY_CHECK: "signs without checking the certificate (TT15-5.1.a)",
    Defect.NO_TIMESTAMP: "leaves out the timestamp it was asked for (TT15-5.1.e)",
    Defect.SHA1_DIGEST: "signs with SHA-1 (Annex I 1.3)",
    Defect.PARTIAL_COVERAGE: "leaves bytes outside the signature (TT15-5.1.g)",
    Defect.DROPS_EARLIER_SIGNATURES: "rewrites the document, breaking earlier signatures",
    Defect.SOFTWARE_KEY: "signs with a key that is not the token's (TT15-5.1.b)",
    Defect.NO_STATUS_WARNING: "signs silently when the status is unobtainable (Annex II 1.2)",
    Defect.ENGLISH_ONLY_SIGNER: "tells the signer in English only (TT15-5.6.b)",
    Defect.NO_EVIDENCE_SIGNER: "keeps no certificate, CRL or status-check result for the "
                               "signature it made (TT15-5.4)",
    Defect.IGNORES_PIN_ERROR: "does not check the token login: a wrong PIN is reported as "
                              "'signed', with no document (TT15-5.1.b, 5.6.a)",
    Defect.LOCAL_APPEARANCE: "draws its visible signature without the agency's name and with "
                              "a local-format time (22/11/2026 09:00), not ISO 8601 with +07:00 "
                              "(ND30 Annex I)",
    Defect.FOREIGN_TSA: "timestamps a công vụ signature at another provider's TSA, not the one "
                        "the công vụ CA publishes (ND68-29.4)",
}

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
    if defect is Defect.CERTIFICATION_FORBIDS_ALL and integrity is not None \
            and integrity.certification is not None \
            and result.indication is Indication.TOTAL_PASSED \
            and integrity.modification_level not in (None, "NONE", "LTA_UPDATES"):
        return result.model_copy(update={"indication": Indication.TOTAL_FAILED,
                                          "sub_indication": SubIndication.HASH_FAILURE})
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
        answer = self.verify_document(request.input,
                                      trust_roots_from_files(request.trust_roots),
                                      request.moment)
        if self.defect is Defect.NO_EVIDENCE:
            return answer.model_copy(update={"evidence": {}})
        return with_verifier_evidence(request, answer)

    def verify_document(self, document: Path, roots: list[x509.Certificate],
                        moment: datetime | None) -> VerifierAnswer:
        """``kyso verify --defect NAME`` and the scenario role both end here."""
        roots = list(roots)
        options = OracleOptions(require_non_repudiation=self.defect is not
                                Defect.IGNORE_KEY_USAGE,
                                fetch_issuer_certificates=self.defect is not Defect.NO_AIA_FETCH)
        if self.defect is Defect.ANY_ROOT:
            roots += _embedded_roots(document.read_bytes())
        source: Path | bytes = document
        if self.defect is Defect.IGNORE_TIMESTAMP:
            source = _without_signature_timestamps(document.read_bytes())
        detail = verify_in_detail(source, roots, at=moment, options=options)
        if detail.result is None:
            return detail.answer
        if self.defect is Defect.ENGLISH_ONLY:
            return _english(detail.answer)
        if self.defect is Defect.WRONG_DISPLAY:
            return _wrong_fields(detail.answer, moment or wall_clock())
        signatures = detail.result.signatures
        if self.defect is Defect.CLAIMED_TIME:
            signatures = self._at_claimed_times(document, roots, options, signatures)
        else:
            signatures = [_careless(self.defect, s) if s.kind is SignatureKind.SIGNATURE else s
                          for s in signatures]
        return answer_for(detail.result.model_copy(update={"signatures": signatures}))

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
            again = verify_in_detail(document, roots, at=claimed, options=options).result
            judged.append(again.signatures[index] if again else signature)
        return judged


def _without_signature_timestamps(pdf: bytes) -> bytes:
    """The document with every signature's signatureTimeStampToken taken out of its CMS (in
    place: the CMS sits between the signed byte ranges, so no signed byte changes): what a
    verifier that never looks at the timestamp effectively validates."""
    from asn1crypto import cms

    from testbed.documents import signed_byte_ranges

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


# ---- signers ---------------------------------------------------------------------------------
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
        if defect is Defect.NO_TIMESTAMP:
            return ReferenceSigner().sign(replace(request, level="B-B"))
        if defect is Defect.NO_VALIDITY_CHECK:
            return _naive_sign(request, check=False)
        if defect is Defect.SHA1_DIGEST:
            return _naive_sign(request, digest="sha1")
        if defect is Defect.SOFTWARE_KEY:
            return _naive_sign(request, software_key=True)
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
    from testbed.clock import VIETNAM

    return LOCAL_APPEARANCE_TEXT, {
        "ngay_ky": moment.astimezone(VIETNAM).strftime("%d/%m/%Y %H:%M")}


def _naive_sign(request: SignRequest, *, check: bool = True, digest: str = "sha256",
                software_key: bool = False, stamp: tuple[str, dict[str, str]] | None = None
                ) -> SignerAnswer:
    """A signer as naive products write it: PKCS#11 straight into pyHanko, B-B/B-T only.
    It reuses the reference signer's token plumbing (same package) so that only the named
    defect differs. ``stamp``: (text template, its values) of a visible signature drawn in the
    reference's box and font, when the request asks for a visible one."""
    access = TokenAccess.load(request.token_access)
    pin = request.pin_file.read_text(encoding="utf-8").strip()
    roots = trust_roots_from_files(request.trust_roots)
    try:
        with reference_signer.token_session(access, access.module) as session:
            certificate, chain = reference_signer.token_certificates(session, access)
            if check:
                result = check_certificate(certificate, chain_candidates=chain,
                                           trust_roots=roots, moment=request.moment)
                if result.outcome is CheckOutcome.REFUSE:
                    return reference_signer._answer_refused(result.message, result)
            reference_signer.login_user(session, access.module, pin, access.token_label)
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
                field_name=request.field_name, md_algorithm=digest,
                subfilter=fields.SigSeedSubFilter.PADES)
            visible = stamp is not None and request.visible
            pdf_signer = reference_signer._PdfSignerAt(
                metadata, signer=signer, timestamper=timestamper, moment=request.moment,
                stamp_style=reference_signer._stamp_style(stamp[0]) if visible and stamp
                else None,
                new_field_spec=fields.SigFieldSpec(
                    sig_field_name=request.field_name or "ChuKy1", on_page=VISIBLE_BOX.page - 1,
                    box=VISIBLE_BOX.box) if visible else None)
            writer = IncrementalPdfFileWriter(BytesIO(request.input.read_bytes()), strict=False)
            output = BytesIO()
            asyncio.run(pdf_signer.async_sign_pdf(
                writer, output=output,
                appearance_text_params=stamp[1] if visible and stamp else None))
    except reference_signer.Refusal as refusal:
        return reference_signer._answer_refused(refusal.message, refusal.check)
    request.output.write_bytes(output.getvalue())
    return SignerAnswer(outcome=SignerOutcome.SIGNED, output=str(request.output),
                        display="Đã ký. / Signed.")


def parse_defect(name: str, role: str) -> Defect:
    """A defect by its command-line name, for ``role``; a one-line error otherwise."""
    from testbed.errors import InvalidInputError

    choices = [d.value for d in Defect if d.role == role]
    if name not in choices:
        raise InvalidInputError(f"--defect: '{name}' is not a {role} defect "
                                f"({', '.join(choices)})")
    return Defect(name)


def mutants() -> tuple[dict[str, DefectiveSigner], dict[str, DefectiveVerifier]]:
    """Every defective variant, by defect name, split by role."""
    return ({d.value: DefectiveSigner(d) for d in Defect if d.role == "signer"},
            {d.value: DefectiveVerifier(d) for d in Defect if d.role == "verifier"})

