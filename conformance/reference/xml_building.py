"""The reference signer's XML work: XAdES baseline and plain XML-DSig signatures, with signxml.

Two forms (TT15 Annex I row 1.6; legal-requirements.md §5):

* **XAdES** (ETSI EN 319 132-1), enveloped (the signature inside the document, over all of it,
  ``URI=""`` with the enveloped-signature transform) or detached (the signature in a file of its
  own, over the document named by a relative URI). B-B carries, in ``xades:SignedProperties``
  covered by a Reference, the ``SigningTime`` (the testbed's instant, in Vietnam time) and
  ``SigningCertificateV2`` (the SHA-256 digest of the signer's certificate). B-T adds the
  ``SignatureTimeStamp`` (:mod:`.xml_timestamping`).
* **Plain enveloped XML-DSig**, as Vietnamese e-invoice software writes it: the signature in
  ``DSCKS/NBan`` over the invoice data (``#data``), the signing time in a ``SignatureProperty``
  (an unqualified ``SigningTime``) inside a ``ds:Object`` that a second Reference covers.

Every Reference the signer adds names its canonicalisation in a ``Transforms`` element (signxml's
own XAdES references name none and digest with the signer's c14n algorithm, which another
verifier, taking inclusive C14N 1.0 as the default, would not reproduce). The key is the
token's (:mod:`.token_key`); the KeyInfo carries the certificate and its chain, never a bare
KeyValue.
"""

from __future__ import annotations

from base64 import b64encode
from datetime import datetime
from enum import StrEnum
from typing import Any, NamedTuple

from cryptography import x509 as cx509
from cryptography.hazmat.primitives.asymmetric import ec
from lxml import etree
from signxml import (
    CanonicalizationMethod,
    DigestAlgorithm,
    SignatureConstructionMethod,
    SignatureMethod,
    XMLSigner,
)
from signxml.signer import SignatureReference
from signxml.xades import XAdESSigner

from conformance.reference.xml_parsing import DS, EXC_C14N
from testbed import VIETNAM

E_INVOICE_SIGNATURE_PLACE = "DSCKS/NBan"
"""Where an e-invoice keeps the seller's signature (the invoice data is ``DLHDon[@Id]``)."""


class XmlForm(StrEnum):
    """What the reference signer makes of an XML document."""

    XADES_ENVELOPED = "xades-enveloped"
    XADES_DETACHED = "xades-detached"
    XMLDSIG_ENVELOPED = "xmldsig-enveloped"
    """Plain XML-DSig with the signing time in a SignatureProperty (e-invoice style)."""

    @property
    def is_xades(self) -> bool:
        return self is not XmlForm.XMLDSIG_ENVELOPED


def signing_time_text(moment: datetime) -> str:
    """xsd:dateTime in Vietnam time, whole seconds: ``2026-11-22T09:00:00+07:00``."""
    return moment.astimezone(VIETNAM).replace(microsecond=0).isoformat()


def _signature_method(key: Any) -> SignatureMethod:
    return SignatureMethod.ECDSA_SHA256 if isinstance(key, ec.EllipticCurvePrivateKey) \
        else SignatureMethod.RSA_SHA256


def _reference_with_transform(signer: XMLSigner, sig_root: etree._Element,
                              node: etree._Element, **attributes: str) -> None:
    """A Reference to ``node`` (by its Id) that names its canonicalisation explicitly."""
    signed_info = sig_root.find(f"{{{DS}}}SignedInfo")
    reference = etree.SubElement(signed_info, f"{{{DS}}}Reference", URI=f"#{node.get('Id')}",
                                 **attributes)
    transforms = etree.SubElement(reference, f"{{{DS}}}Transforms")
    etree.SubElement(transforms, f"{{{DS}}}Transform", Algorithm=EXC_C14N)
    etree.SubElement(reference, f"{{{DS}}}DigestMethod", Algorithm=signer.digest_alg.value)
    digest = signer._get_digest(  # noqa: SLF001 (signxml's own digest of its own c14n)
        signer._c14n(node, algorithm=CanonicalizationMethod(EXC_C14N)),  # noqa: SLF001
        algorithm=signer.digest_alg)
    etree.SubElement(reference, f"{{{DS}}}DigestValue").text = b64encode(digest).decode()


class _XAdESAt(XAdESSigner):
    """signxml's XAdES signer at the testbed's instant (signxml reads the host clock), with
    SigningCertificateV2 over the signer's own certificate only, and explicit transforms."""

    def __init__(self, moment: datetime, **arguments: Any) -> None:
        super().__init__(**arguments)
        self.moment = moment

    def add_signing_time(self, signed_signature_properties: etree._Element,
                         sig_root: etree._Element, signing_settings: Any) -> None:
        etree.SubElement(signed_signature_properties, f"{{{_XADES}}}SigningTime").text = \
            signing_time_text(self.moment)

    def add_signing_certificate(self, signed_signature_properties: etree._Element,
                                sig_root: etree._Element, signing_settings: Any) -> None:
        chain = signing_settings.cert_chain
        signing_settings.cert_chain = chain[:1]
        try:
            super().add_signing_certificate(signed_signature_properties, sig_root,
                                            signing_settings)
        finally:
            signing_settings.cert_chain = chain

    def _add_reference_to_signed_info(self, sig_root: etree._Element,
                                      node_to_reference: etree._Element, **attrs: str) -> None:
        _reference_with_transform(self, sig_root, node_to_reference, **attrs)


_XADES = "http://uri.etsi.org/01903/v1.3.2#"


class _EInvoiceSigner(XMLSigner):
    """Plain enveloped XML-DSig with the signing time in a covered SignatureProperty."""

    def __init__(self, moment: datetime, signature_id: str, **arguments: Any) -> None:
        super().__init__(**arguments)
        self.moment = moment
        self.signature_id = signature_id
        self.signature_annotators.append(self._signing_time_property)

    def _signing_time_property(self, sig_root: etree._Element, signing_settings: Any) -> None:
        sig_root.set("Id", self.signature_id)
        holder = etree.SubElement(sig_root, f"{{{DS}}}Object", Id=f"{self.signature_id}-Time")
        properties = etree.SubElement(holder, f"{{{DS}}}SignatureProperties",
                                      Id=f"{self.signature_id}-SigningTime")
        prop = etree.SubElement(properties, f"{{{DS}}}SignatureProperty",
                                Target=f"#{self.signature_id}")
        etree.SubElement(prop, "SigningTime").text = signing_time_text(self.moment)
        _reference_with_transform(self, sig_root, properties)


def _certificates(certificates: list[bytes]) -> list[cx509.Certificate]:
    return [cx509.load_der_x509_certificate(der) for der in certificates]


class SignedXml(NamedTuple):
    """The root to write out (the document for an enveloped signature, the ``ds:Signature``
    for a detached one) and the signature just made (a document may hold earlier ones)."""

    root: etree._Element
    signature: etree._Element


def sign_xml_document(root: etree._Element, *, form: XmlForm, key: Any,
                      certificates: list[bytes], moment: datetime,
                      detached_uri: str | None = None) -> SignedXml:
    """Sign the parsed document ``root`` with ``key``; ``certificates`` (DER) are the signer's
    first, then its chain (all go into KeyInfo)."""
    earlier = {_value_of(s) for s in root.iter(f"{{{DS}}}Signature")}
    signed = _signed_root(root, form=form, key=key, certificates=certificates, moment=moment,
                          detached_uri=detached_uri)
    if signed.tag == f"{{{DS}}}Signature":
        return SignedXml(signed, signed)
    # signxml may work on a copy of the tree: the new signature is the one with a new value
    made = [s for s in signed.iter(f"{{{DS}}}Signature") if _value_of(s) not in earlier]
    return SignedXml(signed, made[0])


def _value_of(signature: etree._Element) -> str:
    return "".join(signature.findtext(f"{{{DS}}}SignatureValue", default="").split())


def _signed_root(root: etree._Element, *, form: XmlForm, key: Any, certificates: list[bytes],
                 moment: datetime, detached_uri: str | None) -> etree._Element:
    common: dict[str, Any] = {
        "signature_algorithm": _signature_method(key), "digest_algorithm": DigestAlgorithm.SHA256,
        "c14n_algorithm": CanonicalizationMethod.EXCLUSIVE_XML_CANONICALIZATION_1_0}
    chain = _certificates(certificates)
    if form is XmlForm.XMLDSIG_ENVELOPED:
        place = root.find(E_INVOICE_SIGNATURE_PLACE)
        if place is not None:
            etree.SubElement(place, f"{{{DS}}}Signature", Id="placeholder", nsmap={"ds": DS})
        data_id = root.find("*[@Id]")
        references = [f"#{data_id.get('Id')}"] if data_id is not None else None
        signer: XMLSigner = _EInvoiceSigner(
            moment, "NBanSignature", method=SignatureConstructionMethod.enveloped, **common)
        return signer.sign(root, key=key, cert=chain, reference_uri=references)
    if form is XmlForm.XADES_DETACHED:
        signer = _XAdESAt(moment, method=SignatureConstructionMethod.detached, **common)
        uri = detached_uri or "document.xml"
        return signer.sign(root, key=key, cert=chain, always_add_key_value=False,
                           reference_uri=[SignatureReference(URI=uri)])
    signer = _XAdESAt(moment, method=SignatureConstructionMethod.enveloped, **common)
    return signer.sign(root, key=key, cert=chain, always_add_key_value=False)


__all__ = ["E_INVOICE_SIGNATURE_PLACE", "SignedXml", "XmlForm", "sign_xml_document",
           "signing_time_text"]
