"""PDF (PAdES): opening the file, its signature fields, and what a PDF signature says of itself.

Implements :class:`~conformance.oracle.formats.SignedDocument` and
:class:`~conformance.oracle.formats.DocumentSignature` over pyHanko's
:class:`~pyhanko.sign.validation.pdf_embedded.EmbeddedPdfSignature`. Everything PDF-specific the
oracle knows sits here: the header and catalogue check, the fields that claim a signature but
hold none that parses, byte-range coverage, the difference analysis of later revisions and
DocMDP certification (comments at P=3: :mod:`.annotations`), the DSS, document timestamps as
the archive timestamps of B-LTA, and pyHanko's PAdES-only long-term validation.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from functools import cached_property
from io import BytesIO
from typing import Any

from asn1crypto import cms, x509
from pyhanko.pdf_utils.misc import PdfError
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.diff_analysis import DEFAULT_DIFF_POLICY, DiffResult, ModificationLevel
from pyhanko.sign.fields import SigSeedSubFilter, enumerate_sig_fields
from pyhanko.sign.general import find_unique_cms_attribute
from pyhanko.sign.validation import ades
from pyhanko.sign.validation.pdf_embedded import EmbeddedPdfSignature
from pyhanko.sign.validation.policy_decl import (
    PdfSignatureValidationSpec,
    SignatureValidationSpec,
)
from pyhanko.sign.validation.status import PdfSignatureStatus, StandardCMSSignatureStatus
from pyhanko_certvalidator.ltv.types import ValidationTimingInfo

from bilingual import say
from conformance.oracle.annotations import comments_review
from conformance.oracle.descriptions import one_line
from conformance.oracle.embedded import CarriedData, pdf_carried_data
from conformance.oracle.formats import UnparsableSignature, revocation_data_digest
from conformance.oracle.model import DocumentError, IntegrityInfo, SignatureKind
from conformance.oracle.past_clock import control_time_at
from conformance.oracle.timestamps import first_signature_timestamp, generation_time

_PARSE_ERRORS = (PdfError, ValueError, KeyError, IndexError, TypeError)
"""What pyHanko raises on a damaged signature field."""


def open_pdf(data: bytes) -> PdfFileReader:
    """A pyHanko reader over ``data``, or :class:`DocumentError` saying why not."""
    if b"%PDF-" not in data[:1024]:  # ISO 32000: the header may follow up to 1 KiB of junk
        raise DocumentError(say("không phải tệp PDF (không có phần đầu %PDF-)",
                                "not a PDF file (no %PDF- header)"))
    try:
        reader = PdfFileReader(BytesIO(data), strict=False)
        reader.root  # noqa: B018 (parse the catalogue now, to fail here and not later)
    except (PdfError, ValueError, KeyError, IndexError, TypeError, AttributeError) as error:
        raise DocumentError(say(f"tệp PDF bị hỏng hoặc bị cắt cụt ({one_line(error)})",
                                f"damaged or truncated PDF ({one_line(error)})")) from None
    return reader


def _embedded_signatures(reader: PdfFileReader
                         ) -> tuple[list[EmbeddedPdfSignature], list[UnparsableSignature]]:
    """pyHanko's signatures in signing order, and the filled fields it cannot open.

    pyHanko opens every field at once and raises on the first /Contents that holds no CMS, which
    would make the whole file "unreadable" and report no signature at all. A field that claims to
    be signed but carries no parsable signature is the universal signature forgery (Mladenov et
    al. 2019): it must be reported as a signature that fails (FORMAT_FAILURE), beside the others.
    So on failure every field is opened on its own (pyHanko's own loop); unparsable ones come
    after the others, in field order. pyHanko skips a field whose /SubFilter it does not know
    (adbe.pkcs7.sha1, adbe.x509.rsa_sha1): such a signature is reported too, as one in a format
    the oracle does not validate (:func:`_other_format`), never as no signature at all.
    """
    try:
        return list(reader.embedded_signatures), _other_formats(reader)
    except _PARSE_ERRORS as error:
        first = error
    opened: list[EmbeddedPdfSignature] = []
    broken: list[UnparsableSignature] = []
    try:
        for name, value, field_ref in enumerate_sig_fields(reader, filled_status=True):
            signature = value.get_object()
            sub_filter = signature.get("/SubFilter")
            if sub_filter not in _KNOWN_SUB_FILTERS:
                if sub_filter is not None:
                    broken.append(_other_format(name, signature))
                continue
            try:
                opened.append(EmbeddedPdfSignature(reader, field_ref, name))
            except _PARSE_ERRORS as error:
                broken.append(UnparsableSignature(name, _field_kind(signature), one_line(error),
                                                  _declared(signature)))
        opened.sort(key=lambda embedded: embedded.signed_revision)
    except _PARSE_ERRORS:
        raise DocumentError(say(f"các trường chữ ký bị hỏng ({one_line(first)})",
                                f"damaged signature fields ({one_line(first)})")) from None
    return opened, broken


_KNOWN_SUB_FILTERS = {subfilter.value for subfilter in SigSeedSubFilter}
"""The /SubFilters pyHanko validates: ETSI.CAdES.detached, adbe.pkcs7.detached, ETSI.RFC3161."""


def _other_formats(reader: PdfFileReader) -> list[UnparsableSignature]:
    """The filled signature fields pyHanko skipped: a /SubFilter it does not know."""
    try:
        return [_other_format(name, value.get_object())
                for name, value, _ in enumerate_sig_fields(reader, filled_status=True)
                if value.get_object().get("/SubFilter") not in _KNOWN_SUB_FILTERS
                and value.get_object().get("/SubFilter") is not None]
    except _PARSE_ERRORS:
        return []


def _other_format(name: str | None, signature: Any) -> UnparsableSignature:
    """A signature in a format the oracle does not validate: adbe.pkcs7.sha1 (a SHA-1 digest
    signed inside the CMS, deprecated by ISO 32000-2; SHA-1 is not in TT15 Annex I 1.3),
    adbe.x509.rsa_sha1 (a bare PKCS#1 signature), or a vendor's own."""
    declared = _declared(signature)
    return UnparsableSignature(name, _field_kind(signature),
                               f"/SubFilter {declared} is a format the validator does not "
                               "validate (adbe.pkcs7.sha1 and adbe.x509.rsa_sha1 sign with SHA-1 "
                               "and are deprecated by ISO 32000-2)", declared)


def _field_kind(signature: Any) -> SignatureKind:
    return (SignatureKind.DOCUMENT_TIMESTAMP if signature.get("/Type") == "/DocTimeStamp"
            else SignatureKind.SIGNATURE)


def _declared(signature: Any) -> str | None:
    value = signature.get("/SubFilter")
    return str(value).lstrip("/") if value is not None else None


def _is_document_timestamp(embedded: EmbeddedPdfSignature) -> bool:
    return bool(embedded.sig_object_type == "/DocTimeStamp")


class PdfDocument:
    """An opened PDF: its signatures in signing order (by signed revision), and the filled
    fields whose signature cannot be opened. Raises :class:`DocumentError` when the file is not
    a readable PDF or its signature fields are damaged beyond reading."""

    def __init__(self, data: bytes) -> None:
        self.reader = open_pdf(data)
        embedded, broken = _embedded_signatures(self.reader)
        self.document_timestamps = [item for item in embedded if _is_document_timestamp(item)]
        self._signatures = [PdfSignature(item, self) for item in embedded]
        self._unparsable = broken

    @property
    def signatures(self) -> Sequence[PdfSignature]:
        return self._signatures

    @property
    def unparsable(self) -> Sequence[UnparsableSignature]:
        return self._unparsable

    def has_dss(self) -> bool:
        """Whether the catalogue holds a Document Security Store (validation data, B-LT)."""
        try:
            return "/DSS" in self.reader.root
        except Exception:  # noqa: BLE001
            return False


class PdfSignature:
    """One PDF signature or document timestamp (pyHanko's embedded signature) for the oracle."""

    def __init__(self, embedded: EmbeddedPdfSignature, document: PdfDocument) -> None:
        self.embedded = embedded
        self.document = document

    @property
    def field_name(self) -> str | None:
        try:
            return str(self.embedded.field_name)
        except Exception:  # noqa: BLE001
            return None

    @property
    def kind(self) -> SignatureKind:
        return (SignatureKind.DOCUMENT_TIMESTAMP if _is_document_timestamp(self.embedded)
                else SignatureKind.SIGNATURE)

    @property
    def sub_filter(self) -> str | None:
        try:
            value = self.embedded.sig_object.get("/SubFilter")
        except Exception:  # noqa: BLE001
            return None
        return str(value).lstrip("/") if value is not None else None

    @property
    def signed_data(self) -> cms.SignedData:
        return self.embedded.signed_data

    @property
    def signer_info(self) -> cms.SignerInfo:
        return self.embedded.signer_info

    @property
    def signer_certificate(self) -> x509.Certificate:
        return self.embedded.signer_cert

    @property
    def has_signer(self) -> bool:
        try:
            self.embedded.signer_cert  # noqa: B018
        except Exception:  # noqa: BLE001
            return False
        return True

    @property
    def other_certificates(self) -> Sequence[x509.Certificate]:
        return self.embedded.other_embedded_certs

    @property
    def claimed_signing_time(self) -> datetime | None:
        """CMS signingTime, else the signature dictionary's /M (pyHanko's reading)."""
        try:
            return self.embedded.self_reported_timestamp
        except Exception:  # noqa: BLE001
            return None

    @cached_property
    def signature_timestamp(self) -> cms.SignedData | None:
        return first_signature_timestamp(self.embedded.signer_info)

    @property
    def proven_time(self) -> datetime | None:
        return generation_time(self.signature_timestamp)

    @property
    def carries_validation_data(self) -> bool:
        return self.document.has_dss()

    @property
    def has_archive_timestamp(self) -> bool:
        """A document timestamp in a later revision than the signature (EN 319 142-1, compared
        through ``signed_revision``)."""
        return any(stamp.signed_revision > self.embedded.signed_revision
                   for stamp in self.document.document_timestamps)

    @property
    def latest_archive_timestamp(self) -> PdfSignature | None:
        stamps = self.document.document_timestamps
        return PdfSignature(stamps[-1], self.document) if stamps else None

    @property
    def status_class(self) -> type[StandardCMSSignatureStatus]:
        return PdfSignatureStatus

    def status_details(self) -> dict[str, object]:
        return self.embedded.summarise_integrity_info()

    def compute_digest(self, algorithm: str | None = None) -> bytes:
        return bytes(self.embedded.compute_digest(algorithm))

    def integrity(self) -> IntegrityInfo:
        """Digest check, and pyHanko's coverage and difference analysis of later revisions."""
        self.embedded.compute_integrity_info()
        return _integrity_of(self.embedded)

    @cached_property
    def carried_data(self) -> CarriedData:
        """The DSS/VRI and the signature's revocation-info-archival attribute."""
        return pdf_carried_data(self.embedded.reader, self.embedded.signer_info)

    @cached_property
    def _revocation_digests(self) -> frozenset[bytes]:
        data = self.carried_data
        return frozenset(revocation_data_digest(item.dump())
                         for item in (*data.ocsp_responses, *data.crls))

    def embedded_revocation_digests(self) -> set[bytes]:
        return set(self._revocation_digests)

    async def long_term_validation(self, spec: SignatureValidationSpec,
                                   timing: ValidationTimingInfo) -> ades.AdESLTAValidationResult:
        with control_time_at(timing.validation_time):
            return await ades.ades_lta_validation(
                self.embedded, PdfSignatureValidationSpec(signature_validation_spec=spec),
                timing_info=timing)


def _integrity_of(embedded: EmbeddedPdfSignature) -> IntegrityInfo:
    """Digest check and pyHanko's coverage and difference analysis (computed beforehand)."""
    summary = embedded.summarise_integrity_info()
    coverage = summary.get("coverage")
    diff = summary.get("diff_result")
    level = None
    changes = None
    if isinstance(diff, DiffResult):
        level = diff.modification_level.name
        changes = _form_changes(diff)
    elif diff is not None:
        level = "OTHER"
        changes = one_line(diff)
    elif coverage is not None:
        level = "NONE" if coverage.name == "ENTIRE_FILE" else None
    if _is_document_timestamp(embedded):
        # a document timestamp carries the document digest in TSTInfo's messageImprint; its
        # messageDigest attribute is the digest of the TSTInfo itself
        intact = _timestamp_imprint_matches(embedded)
    else:
        try:
            expected = find_unique_cms_attribute(embedded.signer_info["signed_attrs"],
                                                 "message_digest").native
            intact = bytes(embedded.compute_digest()) == bytes(expected)
        except Exception:  # noqa: BLE001 (no messageDigest: nothing proves integrity)
            intact = False
    docmdp_ok = summary.get("docmdp_ok")
    certification = _certification_level(embedded)
    if certification == 3 and docmdp_ok is False and coverage is not None \
            and coverage.name == "ENTIRE_REVISION":
        comments = comments_review(embedded)
        if comments is not None:  # pyHanko lacks P=3: comments are what it could not explain
            docmdp_ok, level = True, comments.modification_level.name
            changes = _joined("comments added (DocMDP P=3 permits annotations)",
                              _form_changes(comments))
    return IntegrityInfo(
        intact=intact, signature_valid=True,
        coverage=coverage.name if coverage is not None else None,
        modification_level=level, docmdp_ok=docmdp_ok, changes=changes,
        certification=certification,
        forbidden_only_by_certification=certification is not None and docmdp_ok is False
        and coverage is not None and coverage.name == "ENTIRE_REVISION"
        and _permitted_after_approval(embedded))


def _form_changes(diff: DiffResult) -> str | None:
    if not diff.changed_form_fields:
        return None
    return "form fields changed: " + ", ".join(sorted(diff.changed_form_fields))


def _joined(*parts: str | None) -> str:
    return "; ".join(part for part in parts if part)


def _certification_level(embedded: EmbeddedPdfSignature) -> int | None:
    """The DocMDP /P of a certification signature (read from its signed /Reference), or None."""
    try:
        level = embedded.docmdp_level
    except Exception:  # noqa: BLE001 (a malformed /Reference certifies nothing we can read)
        return None
    return int(level.value) if level is not None else None


def _permitted_after_approval(embedded: EmbeddedPdfSignature) -> bool:
    """Whether pyHanko's difference analysis would accept the later revisions after an
    *approval* signature (the same review without the DocMDP level): then the certification's
    permissions are the only thing broken. Run only for certifications that failed it."""
    try:
        review = DEFAULT_DIFF_POLICY.review_file(
            embedded.reader, embedded.signed_revision, field_mdp_spec=embedded.fieldmdp,
            doc_mdp=None)
    except Exception:  # noqa: BLE001 (pyHanko raises what it cannot explain: not permitted)
        return False
    return isinstance(review, DiffResult) and \
        review.modification_level <= ModificationLevel.FORM_FILLING


def _timestamp_imprint_matches(embedded: EmbeddedPdfSignature) -> bool:
    try:
        info = embedded.signed_data["encap_content_info"]["content"].parsed
        imprint = info["message_imprint"]
        algorithm = imprint["hash_algorithm"]["algorithm"].native
        return bytes(embedded.compute_digest(algorithm)) == bytes(imprint["hashed_message"].native)
    except Exception:  # noqa: BLE001
        return False
