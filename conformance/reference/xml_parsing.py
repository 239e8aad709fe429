"""Reading XML that someone else wrote, safely: one parser for the XML signer and verifier.

A document to sign or verify comes from outside, so it is parsed with entities left unresolved,
no DTD loaded, nothing fetched from the network and no huge-tree mode (XXE, "billion laughs",
external DTDs: OWASP's XML cheat sheet). A document that declares a DOCTYPE at all is refused:
no XAdES or e-invoice document needs one, and a DTD is where every entity attack lives.
"""

from __future__ import annotations

from lxml import etree

from bilingual import say
from testbed import InvalidInputError

DS = "http://www.w3.org/2000/09/xmldsig#"
"""The XML-DSig namespace."""
XADES = "http://uri.etsi.org/01903/v1.3.2#"
"""The XAdES namespace (ETSI EN 319 132-1)."""
NAMESPACES = {"ds": DS, "xades": XADES}
EXC_C14N = "http://www.w3.org/2001/10/xml-exc-c14n#"
"""Exclusive canonicalisation: what the reference signer names wherever a choice is offered."""


class XmlInputError(InvalidInputError):
    """The input is no XML document kyso will read (not XML, a DOCTYPE, unreadable)."""


def safe_parser() -> etree.XMLParser:
    """An lxml parser that resolves no entity, loads no DTD and touches no network."""
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False,
                           dtd_validation=False, huge_tree=False, remove_blank_text=False)


def parse_xml(data: bytes, *, name: str = "") -> etree._Element:
    """The root element of ``data``; :class:`XmlInputError` when it is not safe, well-formed
    XML (a DOCTYPE is refused outright)."""
    where = f"{name}: " if name else ""
    try:
        tree = etree.fromstring(data, parser=safe_parser()).getroottree()
    except etree.XMLSyntaxError as error:
        raise XmlInputError(say(f"{where}không phải tài liệu XML hợp lệ ({error})",
                                f"{where}not a well-formed XML document ({error})")) from None
    if tree.docinfo.doctype or tree.docinfo.internalDTD is not None:
        raise XmlInputError(say(
            f"{where}tài liệu XML có khai báo DOCTYPE; không đọc vì lý do an toàn (XXE)",
            f"{where}the XML document declares a DOCTYPE; refused for safety (XXE)"))
    return tree.getroot()


def serialise(root: etree._Element) -> bytes:
    """The document as UTF-8 bytes with an XML declaration (the signed output)."""
    return etree.tostring(root.getroottree(), xml_declaration=True, encoding="UTF-8")


__all__ = ["DS", "EXC_C14N", "NAMESPACES", "XADES", "XmlInputError", "parse_xml",
           "safe_parser", "serialise"]
