"""XAdES B-T: the signature timestamp over ``ds:SignatureValue`` (ETSI EN 319 132-1 5.3).

The timestamp's message imprint is the digest of the canonicalised ``ds:SignatureValue``
element, with the canonicalisation the ``xades:SignatureTimeStamp`` names (exclusive C14N
here); the token (RFC 3161, from the CA's published TSA, ND68-29.4) goes base64-encoded into
``xades:EncapsulatedTimeStamp`` under ``UnsignedSignatureProperties``: unsigned, since it is
made after the signature. The request goes through pyHanko's :class:`HTTPTimeStamper` (no
hand-made TSP encoding). The verifier recomputes the imprint with :func:`signature_value_imprint`.
"""

from __future__ import annotations

import hashlib
from base64 import b64encode

from lxml import etree
from pyhanko.sign.timestamps.api import TimeStamper

from bilingual import say
from conformance.reference.xml_parsing import DS, EXC_C14N, NAMESPACES, XADES


def find_signature(root: etree._Element) -> etree._Element | None:
    """The first ``ds:Signature`` of a document (the root itself for a detached signature)."""
    if root.tag == f"{{{DS}}}Signature":
        return root
    return root.find(".//ds:Signature", namespaces=NAMESPACES)


def all_signatures(root: etree._Element) -> list[etree._Element]:
    """Every ``ds:Signature`` of a document in document order (the root alone when it is one):
    an e-invoice carries the seller's and, later, others' (buyer, tax authority)."""
    if root.tag == f"{{{DS}}}Signature":
        return [root]
    return root.findall(".//ds:Signature", namespaces=NAMESPACES)


def canonical(element: etree._Element, algorithm: str = EXC_C14N) -> bytes:
    """``element`` canonicalised with the c14n ``algorithm`` URI (exclusive or inclusive 1.0,
    with or without comments)."""
    return etree.tostring(element, method="c14n", exclusive=algorithm.startswith(EXC_C14N),
                          with_comments=algorithm.endswith("#WithComments"))


def signature_value_imprint(signature: etree._Element, algorithm: str = "sha256",
                            c14n: str = EXC_C14N) -> bytes:
    """The digest a signature timestamp must carry: of the canonical ``ds:SignatureValue``."""
    value = signature.find("ds:SignatureValue", namespaces=NAMESPACES)
    if value is None:
        raise ValueError(say("ds:Signature không có ds:SignatureValue",
                             "ds:Signature has no ds:SignatureValue"))
    return hashlib.new(algorithm, canonical(value, c14n)).digest()


async def add_signature_timestamp(signature: etree._Element, timestamper: TimeStamper) -> None:
    """Ask ``timestamper`` for a token over the signature value and add it as the XAdES
    ``SignatureTimeStamp`` (B-T)."""
    imprint = signature_value_imprint(signature)
    token = await timestamper.async_timestamp(imprint, "sha256")
    qualifying = signature.find("ds:Object/xades:QualifyingProperties", namespaces=NAMESPACES)
    if qualifying is None:
        raise ValueError(say("không phải chữ ký XAdES: thiếu xades:QualifyingProperties",
                             "not a XAdES signature: no xades:QualifyingProperties"))
    unsigned = qualifying.find("xades:UnsignedProperties", namespaces=NAMESPACES)
    if unsigned is None:
        unsigned = etree.SubElement(qualifying, f"{{{XADES}}}UnsignedProperties")
    properties = etree.SubElement(unsigned, f"{{{XADES}}}UnsignedSignatureProperties")
    stamp = etree.SubElement(properties, f"{{{XADES}}}SignatureTimeStamp",
                             Id=f"{signature.get('Id', 'Signature')}-SignatureTimeStamp")
    etree.SubElement(stamp, f"{{{DS}}}CanonicalizationMethod", Algorithm=EXC_C14N)
    etree.SubElement(stamp, f"{{{XADES}}}EncapsulatedTimeStamp").text = \
        b64encode(token.dump()).decode()


__all__ = ["add_signature_timestamp", "all_signatures", "canonical", "find_signature",
           "signature_value_imprint"]
