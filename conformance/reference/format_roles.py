"""The reference tools for the signature formats beside PAdES, as the scenario roles call them.

A :class:`scenarios.SignRequest` or :class:`scenarios.VerifyRequest` says its ``format``
(TT15/2025 Annex I rows 1.4–1.7): the reference roles (:mod:`.roles`) send a PDF to the PDF
signer and verifier and everything else here, to the XML signer and verifier (XAdES enveloped
on a công văn package, plain enveloped XML-DSig on an e-invoice) or the CMS signer and verifier
(a detached ``.p7s`` over any file: CAdES baseline, or plain CMS). The answers are the same
contract's, so the judge, the evidence conventions and the defective variants read them alike.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

from asn1crypto import cms, x509
from lxml import etree

from conformance.oracle import OracleOptions
from conformance.reference.cms_levels import CmsLevel
from conformance.reference.verifier import Verification, trust_roots_from_files
from scenarios import SignatureFormat, SignerAnswer, SignRequest
from testbed import TokenAccess

XML_FORMS = {SignatureFormat.XADES: "xades-enveloped",
             SignatureFormat.XMLDSIG: "xmldsig-enveloped"}
"""The XML form the reference signer makes per format (:class:`.xml_building.XmlForm`)."""


def cms_level(request: SignRequest) -> CmsLevel:
    """Plain CMS (row 1.4) has one form; CAdES (row 1.7) takes the request's baseline level."""
    return CmsLevel.CMS if request.format is SignatureFormat.CMS else CmsLevel(request.level)


def sign_in_format(request: SignRequest) -> SignerAnswer:
    """Sign ``request`` (not PAdES) with the reference XML or CMS signer; a refusal is an
    answer, an unusable request raises :class:`.signing_request.SignerInputError`."""
    common = {"access": TokenAccess.load(request.token_access),
              "pin": request.pin_file.read_text(encoding="utf-8").strip(),
              "trust_roots": trust_roots_from_files(request.trust_roots),
              "moment": request.moment, "tsa_url": request.tsa_url}
    if request.format in XML_FORMS:
        from conformance.reference.xml_signing import sign_xml

        return sign_xml(request.input, request.output, form=XML_FORMS[request.format],
                        level=request.level, **common)
    from conformance.reference.cms_signing import sign_file

    return sign_file(request.input, request.output, level=cms_level(request), **common)


def verified_in_format(document: Path | bytes, content: Path | bytes | None,
                       fmt: SignatureFormat, roots: Sequence[x509.Certificate], *,
                       at: datetime | None, options: OracleOptions | None = None
                       ) -> Verification:
    """The reference verification of a signed XML document, or of a detached CMS signature
    over ``content``, with the findings behind the answer. ``options`` apply to CMS (the
    same oracle as a PDF's); the XML verifier has its own fixed policy."""
    if fmt in XML_FORMS:
        from conformance.reference.xml_verifying import verify_xml_in_detail

        return verify_xml_in_detail(document, roots, at=at)
    from conformance.reference.cms_verifying import verify_cms_in_detail

    return verify_cms_in_detail(document, content, roots, at=at, options=options,
                                expect_cades=fmt is SignatureFormat.CADES)


def signer_certificate(path: Path, fmt: SignatureFormat) -> bytes | None:
    """The DER of the last signature's signer certificate in a signed XML document or a CMS
    signature file (None: no parsable signature, nothing to keep)."""
    try:
        data = path.read_bytes()
        if fmt in XML_FORMS:
            return _xml_signer(data)
        return _cms_signer(data)
    except Exception:  # noqa: BLE001 (no parsable signature: nothing to keep)
        return None


def _xml_signer(data: bytes) -> bytes | None:
    from conformance.reference.xml_examination import _certificates, _leaf
    from conformance.reference.xml_parsing import parse_xml
    from conformance.reference.xml_timestamping import all_signatures

    signatures: list[etree._Element] = all_signatures(parse_xml(data))
    if not signatures:
        return None
    certificates = _certificates(signatures[-1])
    return bytes(_leaf(certificates).dump()) if certificates else None


def _cms_signer(data: bytes) -> bytes | None:
    signed = cms.ContentInfo.load(data)["content"]
    sid = signed["signer_infos"][-1]["sid"].chosen
    for choice in signed["certificates"]:
        certificate = choice.chosen
        if isinstance(certificate, x509.Certificate) and isinstance(
                sid, cms.IssuerAndSerialNumber) and \
                certificate.serial_number == sid["serial_number"].native:
            return bytes(certificate.dump())
    return None


__all__ = ["XML_FORMS", "cms_level", "sign_in_format", "signer_certificate",
           "verified_in_format"]
