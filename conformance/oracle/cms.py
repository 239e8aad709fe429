"""Detached (and enveloping) CMS / CAdES: a ``.p7s`` over any file, for the oracle's format seam.

TT15/2025 Annex I rows 1.4 (CMS, RFC 5652) and 1.7 (CAdES, ETSI EN 319 122-1) name signatures
that are not inside a PDF: a ``.p7s`` beside a ``.docx`` or a ``.zip``. Such a signature carries
one CMS SignedData; its signed content is the other file (detached) or sits inside it
(enveloping, ``eContent``). This module implements
:class:`~conformance.oracle.formats.SignedDocument` and
:class:`~conformance.oracle.formats.DocumentSignature` over it, so the same EN 319 102-1
processes, passes, revocation check and verdict rules judge it as they judge a PDF signature,
with no branch in any of them.

What is CMS-specific sits here: the signed content is the whole file (there is no byte range to
leave a part uncovered, so coverage is always the entire file), the message-digest attribute is
compared with the digest of that content, and the validation data a CAdES B-LT signature carries
are SignedData's ``certificates`` and ``crls`` (RFC 5652 RevocationInfoChoices: CRLs, and OCSP
responses as ``id-ri-ocsp-response`` other revocation info, RFC 5940; EN 319 122-1 5.5.1). There
is no archive timestamp here: pyHanko cannot validate CAdES archive-time-stamp-v3, so a B-LTA
CMS signature is not claimed (:attr:`CmsSignature.has_archive_timestamp` is False).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import datetime
from functools import cached_property

from asn1crypto import cms, crl, ocsp, x509
from pyhanko.sign.general import (
    extract_certificate_info,
    find_unique_cms_attribute,
)
from pyhanko.sign.validation.ades import AdESLTAValidationResult
from pyhanko.sign.validation.generic_cms import extract_self_reported_ts
from pyhanko.sign.validation.policy_decl import SignatureValidationSpec
from pyhanko.sign.validation.status import StandardCMSSignatureStatus
from pyhanko_certvalidator.ltv.types import ValidationTimingInfo

from bilingual import say
from conformance.oracle.descriptions import one_line
from conformance.oracle.embedded import CarriedData
from conformance.oracle.formats import UnparsableSignature, revocation_data_digest
from conformance.oracle.model import DocumentError, IntegrityInfo, SignatureKind
from conformance.oracle.timestamps import first_signature_timestamp, generation_time

CMS_FIELD_NAME = "CMS"
"""The name a CMS signature is reported under when the caller gives none (a PDF signature is
reported under its field name; a ``.p7s`` has no field)."""

SIGNING_CERTIFICATE_ATTRIBUTES = ("signing_certificate_v2", "signing_certificate")
"""ESS signing-certificate(-v2) (RFC 5035): what makes a CMS signature CAdES (EN 319 122-1
5.2.2, mandatory at B-B) by binding the signer's certificate under the signature."""


def load_signed_data(signature: bytes) -> cms.SignedData:
    """The SignedData of a DER ``.p7s`` (a PEM one is unarmoured first), or
    :class:`DocumentError` saying why it is none."""
    from asn1crypto import pem

    data = signature
    if pem.detect(data):
        _, _, data = pem.unarmor(data)
    try:
        info = cms.ContentInfo.load(data)
        kind = info["content_type"].native
    except Exception as error:  # noqa: BLE001 (asn1crypto raises many kinds on junk)
        raise DocumentError(_not_cms(one_line(error))) from None
    if kind != "signed_data":
        raise DocumentError(say(f"tệp CMS loại {kind}, không phải chữ ký (signed-data)",
                                f"a CMS file of type {kind}, not a signature (signed-data)"))
    try:
        signed_data = info["content"]
        signed_data["signer_infos"][0]["signature"].native  # noqa: B018 (parse it now)
    except Exception as error:  # noqa: BLE001
        raise DocumentError(_not_cms(one_line(error))) from None
    return signed_data


def _not_cms(detail: str) -> str:
    return say(f"không phải chữ ký CMS (SignedData) đọc được ({detail})",
               f"not a readable CMS signature (SignedData) ({detail})")


class CmsDocument:
    """A CMS SignedData and the content it signs: one signature per SignerInfo that can be
    opened (pyHanko's validators read the first SignerInfo of a SignedData, so each further
    one is presented as a SignedData of its own), and the content, given (detached) or
    encapsulated (enveloping). Raises :class:`DocumentError` when there is no readable
    SignedData, or no content to check it against."""

    def __init__(self, signature: bytes, content: bytes | None, *,
                 name: str | None = None) -> None:
        self.signed_data = load_signed_data(signature)
        encapsulated = self.signed_data["encap_content_info"]["content"]
        self.attached = encapsulated.native is not None
        if content is None and not self.attached:
            raise DocumentError(say("chữ ký tách rời nhưng không có tệp nội dung đã ký",
                                    "a detached signature, but no signed content was given"))
        self.content = content if content is not None else bytes(encapsulated.native)
        self.name = name or CMS_FIELD_NAME
        infos = list(self.signed_data["signer_infos"])
        self._signatures = [CmsSignature(self, self._alone(index), self._label(index, infos))
                            for index in range(len(infos))]

    def _alone(self, index: int) -> cms.SignedData:
        """The SignedData the validators see for one signer: only its SignerInfo, and the
        content taken out when it is encapsulated (the oracle hands pyHanko the content's
        digest, which pyHanko accepts for detached signatures only; the signature covers the
        content through message-digest, not through where it sits)."""
        if index == 0 and len(self.signed_data["signer_infos"]) == 1 and not self.attached:
            return self.signed_data
        copy = cms.ContentInfo.load(
            cms.ContentInfo({"content_type": "signed_data", "content": self.signed_data}).dump()
        )["content"]
        copy["signer_infos"] = cms.SignerInfos([self.signed_data["signer_infos"][index]])
        if self.attached:
            encapsulated = self.signed_data["encap_content_info"]  # asn1crypto: ContentInfo
            copy["encap_content_info"] = type(encapsulated)(  # in v1, else Encapsulated…
                {"content_type": encapsulated["content_type"]})
        return copy

    def _label(self, index: int, infos: list[cms.SignerInfo]) -> str:
        return self.name if len(infos) == 1 else f"{self.name} #{index + 1}"

    @property
    def signatures(self) -> Sequence[CmsSignature]:
        return self._signatures

    @property
    def unparsable(self) -> Sequence[UnparsableSignature]:
        return ()


class CmsSignature:
    """One CMS signer: the signature over :attr:`CmsDocument.content`, for the oracle."""

    def __init__(self, document: CmsDocument, signed_data: cms.SignedData, name: str) -> None:
        self.document = document
        self._signed_data = signed_data
        self._name = name

    @property
    def field_name(self) -> str | None:
        return self._name

    @property
    def kind(self) -> SignatureKind:
        return SignatureKind.SIGNATURE

    @property
    def sub_filter(self) -> str | None:
        return None

    @property
    def signed_data(self) -> cms.SignedData:
        return self._signed_data

    @property
    def signer_info(self) -> cms.SignerInfo:
        return self._signed_data["signer_infos"][0]

    @cached_property
    def _certificates(self) -> tuple[x509.Certificate | None, list[x509.Certificate]]:
        try:
            info = extract_certificate_info(self._signed_data)
        except Exception:  # noqa: BLE001 (the signer's certificate is not carried)
            return None, [c.chosen for c in self._signed_data["certificates"] or []
                          if c.name == "certificate"]
        return info.signer_cert, list(info.other_certs)

    @property
    def signer_certificate(self) -> x509.Certificate:
        signer, _ = self._certificates
        if signer is None:
            raise ValueError(say("chữ ký CMS không mang chứng thư chữ ký số của người ký",
                                 "the CMS does not carry the signer's certificate"))
        return signer

    @property
    def has_signer(self) -> bool:
        return self._certificates[0] is not None

    @property
    def other_certificates(self) -> Sequence[x509.Certificate]:
        return self._certificates[1]

    @property
    def claimed_signing_time(self) -> datetime | None:
        try:
            return extract_self_reported_ts(self.signer_info)
        except Exception:  # noqa: BLE001 (a malformed signingTime claims nothing)
            return None

    @cached_property
    def signature_timestamp(self) -> cms.SignedData | None:
        return first_signature_timestamp(self.signer_info)

    @property
    def proven_time(self) -> datetime | None:
        return generation_time(self.signature_timestamp)

    @property
    def carries_validation_data(self) -> bool:
        return self.carried_data.has_revocation_data

    @property
    def has_archive_timestamp(self) -> bool:
        return False

    @property
    def latest_archive_timestamp(self) -> CmsSignature | None:
        return None

    @property
    def status_class(self) -> type[StandardCMSSignatureStatus]:
        return StandardCMSSignatureStatus

    def status_details(self) -> dict[str, object]:
        return {}

    @property
    def has_signing_certificate_attribute(self) -> bool:
        """Whether ESS signing-certificate(-v2) is signed (what CAdES requires)."""
        return any(_signed_attribute(self.signer_info, name) is not None
                   for name in SIGNING_CERTIFICATE_ATTRIBUTES)

    def compute_digest(self, algorithm: str | None = None) -> bytes:
        name = algorithm or self.signer_info["digest_algorithm"]["algorithm"].native
        return hashlib.new(name, self.document.content).digest()

    def integrity(self) -> IntegrityInfo:
        """The message-digest attribute against the content's digest. A CMS signature covers
        its whole content (no byte range), so coverage is the entire file.

        Without signed attributes (RFC 5652 allows it; ``openssl cms -sign -noattr`` makes it)
        there is no message-digest to compare: that is a format failure, not a changed
        content, since CAdES (EN 319 122-1 5.2) and TT15 require content-type, message-digest
        and signing-certificate-v2 to be signed."""
        if not self.signer_info["signed_attrs"]:
            raise ValueError(say(
                "chữ ký CMS không có thuộc tính được ký (content-type, message-digest)",
                "the CMS signer info has no signed attributes (content-type, message-digest)"))
        expected = _signed_attribute(self.signer_info, "message_digest")
        intact = expected is not None and bytes(expected.native) == self.compute_digest()
        return IntegrityInfo(intact=intact, signature_valid=True, coverage="ENTIRE_FILE",
                             modification_level="NONE")

    @cached_property
    def carried_data(self) -> CarriedData:
        """SignedData's certificates, CRLs and OCSP responses (RFC 5940 other revocation info):
        where a CAdES B-LT signature carries its validation data (EN 319 122-1 5.5.1)."""
        certificates = [c.chosen for c in self._signed_data["certificates"] or []
                        if c.name == "certificate"]
        lists: list[crl.CertificateList] = []
        responses: list[ocsp.OCSPResponse] = []
        for choice in self._signed_data["crls"] or []:
            try:
                if choice.name == "crl":
                    lists.append(choice.chosen)
                elif choice.chosen["other_rev_info_format"].native == "ocsp_response":
                    responses.append(choice.chosen["other_rev_info"].parsed)
            except Exception:  # noqa: BLE001,S112 (a damaged entry is skipped, never fatal)
                continue
        return CarriedData(certificates=tuple(certificates), ocsp_responses=tuple(responses),
                           crls=tuple(lists))

    def embedded_revocation_digests(self) -> set[bytes]:
        data = self.carried_data
        return {revocation_data_digest(item.dump())
                for item in (*data.ocsp_responses, *data.crls)}

    async def long_term_validation(self, spec: SignatureValidationSpec,
                                   timing: ValidationTimingInfo) -> AdESLTAValidationResult:
        raise NotImplementedError("no archive timestamp is validated in a CMS signature")


def _signed_attribute(signer_info: cms.SignerInfo, name: str) -> object | None:
    try:
        return find_unique_cms_attribute(signer_info["signed_attrs"], name)
    except Exception:  # noqa: BLE001 (absent, duplicated or no signed attributes at all)
        return None


__all__ = ["CMS_FIELD_NAME", "SIGNING_CERTIFICATE_ATTRIBUTES", "CmsDocument", "CmsSignature",
           "load_signed_data"]
