"""XAdES B-LT: the validation data a signature carries (ETSI EN 319 132-1 5.5.1, 5.5.2).

``xades:CertificateValues`` holds the certificates of the signer's and the TSA's paths
(``EncapsulatedX509Certificate``, base64 DER) and ``xades:RevocationValues`` the OCSP responses
(``OCSPValues/EncapsulatedOCSPValue``) and CRLs (``CRLValues/EncapsulatedCRLValue``) fetched at
signing time: what TT15 Art. 5.4 asks signing software to keep with the message, so that the
signature can be validated later without the responders. Both go under
``UnsignedSignatureProperties`` after the ``SignatureTimeStamp`` (B-LT builds on B-T).
The signer writes them with :func:`add_validation_data`; the verifier reads them back with
:func:`read_validation_data` and hands them to the path validation.
"""

from __future__ import annotations

from base64 import b64decode, b64encode
from collections.abc import Iterable
from dataclasses import dataclass, field

from lxml import etree

from bilingual import say
from conformance.reference.xml_parsing import NAMESPACES, XADES

_UNSIGNED = ("ds:Object/xades:QualifyingProperties/xades:UnsignedProperties/"
             "xades:UnsignedSignatureProperties")


@dataclass(frozen=True)
class ValidationData:
    """DER bytes of what a signature carries for its long-term validation."""

    certificates: tuple[bytes, ...] = ()
    ocsp_responses: tuple[bytes, ...] = ()
    crls: tuple[bytes, ...] = field(default=())

    @property
    def empty(self) -> bool:
        return not (self.certificates or self.ocsp_responses or self.crls)


def _unique(values: Iterable[bytes]) -> list[bytes]:
    seen: list[bytes] = []
    for value in values:
        if value not in seen:
            seen.append(value)
    return seen


def _encapsulated(parent: etree._Element, tag: str, values: Iterable[bytes]) -> None:
    for value in values:
        etree.SubElement(parent, f"{{{XADES}}}{tag}").text = b64encode(value).decode()


def add_validation_data(signature: etree._Element, data: ValidationData) -> None:
    """Add CertificateValues and RevocationValues to a B-T signature (making it B-LT)."""
    properties = signature.find(_UNSIGNED, namespaces=NAMESPACES)
    if properties is None or properties.find("xades:SignatureTimeStamp",
                                             namespaces=NAMESPACES) is None:
        raise ValueError(say("mức B-LT cần chữ ký B-T (có dấu thời gian chữ ký) trước",
                             "level B-LT needs a B-T signature (with its timestamp) first"))
    certificates = etree.SubElement(properties, f"{{{XADES}}}CertificateValues")
    _encapsulated(certificates, "EncapsulatedX509Certificate", _unique(data.certificates))
    revocation = etree.SubElement(properties, f"{{{XADES}}}RevocationValues")
    if data.crls:
        _encapsulated(etree.SubElement(revocation, f"{{{XADES}}}CRLValues"),
                      "EncapsulatedCRLValue", _unique(data.crls))
    if data.ocsp_responses:
        _encapsulated(etree.SubElement(revocation, f"{{{XADES}}}OCSPValues"),
                      "EncapsulatedOCSPValue", _unique(data.ocsp_responses))


def _values(properties: etree._Element, path: str) -> tuple[bytes, ...]:
    return tuple(b64decode("".join((node.text or "").split()))
                 for node in properties.findall(path, namespaces=NAMESPACES))


def read_validation_data(signature: etree._Element) -> ValidationData:
    """What the signature carries (empty when it carries nothing); ValueError when a value is
    no base64."""
    properties = signature.find(_UNSIGNED, namespaces=NAMESPACES)
    if properties is None:
        return ValidationData()
    return ValidationData(
        certificates=_values(properties,
                             "xades:CertificateValues/xades:EncapsulatedX509Certificate"),
        ocsp_responses=_values(properties,
                               "xades:RevocationValues/xades:OCSPValues/"
                               "xades:EncapsulatedOCSPValue"),
        crls=_values(properties,
                     "xades:RevocationValues/xades:CRLValues/xades:EncapsulatedCRLValue"))


__all__ = ["ValidationData", "add_validation_data", "read_validation_data"]
