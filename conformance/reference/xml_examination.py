"""What an XML signature says of itself, checked cryptographically with signxml (no trust yet).

:func:`examine` finds the document's ``ds:Signature``, takes the signer's certificate from
``ds:KeyInfo`` (a bare KeyValue is no certificate: the signer is then unknown), and has signxml
verify the SignatureValue and every Reference with that certificate's key. Whether that
certificate deserves trust is not decided here: :mod:`conformance.oracle.xml_trust` validates
its path. The rest is read from the *signed* copies signxml returns, never from the unsigned
tree: the claimed signing time (XAdES ``SigningTime``, or an e-invoice ``SigningTime`` in a
covered SignatureProperty), and for XAdES the requirement that ``SignedProperties`` be covered
by a Reference (signxml's XAdES verifier refuses the signature otherwise) and that
``SigningCertificateV2`` names the certificate used.

Only canonicalisation and enveloped-signature transforms are accepted
(:data:`ALLOWED_TRANSFORMS`; signxml would skip an XSLT or XPath transform it does not know),
and a comment outside the signatures makes the document not wholly signed (canonical XML
without comments leaves it out of every digest). No external reference is fetched: a detached
signature's URI is resolved from the ``detached`` documents the caller gives, by name, and
anything else is refused; the certificates' own
validity dates are left to the path validation (signxml would judge them by the host clock).
"""

from __future__ import annotations

import hashlib
from base64 import b64decode
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from asn1crypto import x509
from cryptography import x509 as cx509
from lxml import etree
from signxml import InvalidDigest, InvalidInput, InvalidSignature, SignatureConfiguration
from signxml import XMLVerifier as _XMLVerifier
from signxml.exceptions import SignXMLException
from signxml.xades import XAdESSignatureConfiguration, XAdESVerifier

from bilingual import say
from conformance.reference.xml_archive import find_archive_timestamp
from conformance.reference.xml_parsing import DS, NAMESPACES, XADES, parse_xml
from conformance.reference.xml_timestamping import all_signatures, canonical
from conformance.reference.xml_validation_data import ValidationData, read_validation_data
from conformance.verdict import SubIndication

INCLUSIVE_C14N = "http://www.w3.org/TR/2001/REC-xml-c14n-20010315"
"""XAdES's default canonicalisation for a SignatureTimeStamp that names none."""


class _Chosen:
    """Verifies the ``index``-th signature of the document (signxml takes the first), and
    leaves certificate validity to the path validation (at the validation time asked; signxml
    would judge it by the host clock)."""

    def __init__(self, index: int) -> None:
        super().__init__()
        self.index = index

    def _get_signature(self, root: etree._Element) -> etree._Element:
        signatures = all_signatures(root)
        if self.index >= len(signatures):
            raise InvalidInput(say("không tìm thấy chữ ký", "signature not found"))
        return signatures[self.index]

    def _check_cert_validity(self, cert: Any, cert_source: Any) -> None:
        return None


class _XAdES(_Chosen, XAdESVerifier):
    pass


class _Plain(_Chosen, _XMLVerifier):
    pass


@dataclass
class Examination:
    """One XML signature, as far as it can be checked without trusting anyone."""

    is_xades: bool = False
    signer: x509.Certificate | None = None
    others: list[x509.Certificate] = field(default_factory=list)
    failure: SubIndication | None = None
    """A failure found here (HASH_FAILURE, SIG_CRYPTO_FAILURE, FORMAT_FAILURE, ...)."""
    detail: str = ""
    whole_document: bool = False
    """Every element, attribute and text of the document is under a Reference (or a
    signature): nothing unsigned could be shown as signed."""
    claimed_time: datetime | None = None
    timestamp_token: bytes | None = None
    timestamp_c14n: str = INCLUSIVE_C14N
    signature_value: etree._Element | None = None
    signature_method: str = ""
    digest_method: str = ""
    signature: etree._Element | None = None
    reference_octets: list[bytes] = field(default_factory=list)
    """Each Reference's data after its transforms, as signxml digested them."""
    archive_token: bytes | None = None
    archive_c14n: str = ""
    carried: ValidationData = field(default_factory=ValidationData)
    """The XAdES B-LT validation data the signature carries (unsigned: used as candidates,
    each item judged on its own signature by the path validation)."""


@dataclass(frozen=True)
class XmlPolicy:
    """What the verifier requires of a signature beyond its cryptography. The reference
    verifier uses the default; each field exists so that a defective verifier
    (:mod:`conformance.reference.defects.attack_verifiers`) can be the reference with exactly
    one check relaxed, and be shown to accept the attack that check catches."""

    allowed_transforms: frozenset[str] | None = None
    """None: :data:`ALLOWED_TRANSFORMS`; an empty set: any transform (signxml skips those it
    does not know)."""
    comments_unsigned: bool = True
    """A comment outside the signatures leaves the document not wholly signed."""
    whole_document: bool = True
    """Content outside every Reference makes the signature INDETERMINATE."""
    xades_structure: bool = True
    """A XAdES signature is verified as XAdES (SignedProperties covered, the signing
    certificate named); False: as plain XML-DSig."""
    verifier_mixin: type | None = None
    """A class placed before signxml's verifier (a defect's own transform handling)."""


DEFAULT_POLICY = XmlPolicy()


def parsed_certificate(der: bytes) -> x509.Certificate:
    """A certificate parsed through (asn1crypto parses lazily: a damaged one must fail here,
    as a ValueError, not deep inside the path validation)."""
    certificate = x509.Certificate.load(der)
    certificate.native  # noqa: B018 (the full parse is the point)
    return certificate


def _certificates(signature: etree._Element) -> list[x509.Certificate]:
    return [parsed_certificate(b64decode("".join((node.text or "").split())))
            for node in signature.findall("ds:KeyInfo/ds:X509Data/ds:X509Certificate",
                                          namespaces=NAMESPACES)]


def _leaf(certificates: list[x509.Certificate]) -> x509.Certificate:
    """The signer's certificate among KeyInfo's: the one no other was issued by and that is no
    CA (products order the chain either way); the first when that does not single one out."""
    issuers = {c.issuer.dump() for c in certificates if c.issuer != c.subject}
    leaves = [c for c in certificates if not c.ca and c.subject.dump() not in issuers]
    return leaves[0] if len(leaves) == 1 else certificates[0]


def _resolver(detached: dict[str, bytes]) -> Any:
    def resolve(uri: str) -> etree._Element:
        if uri not in detached:
            raise InvalidInput(say(f"tham chiếu ngoài {uri!r} không được tải về",
                                   f"external reference {uri!r} is not fetched"))
        return parse_xml(detached[uri], name=uri)
    return resolve


def _signed_time(results: list[Any], is_xades: bool) -> datetime | None:
    """The claimed signing time, read from the signed copies only: XAdES's SignedProperties,
    or the covered SignatureProperty of an e-invoice (never from the signed content)."""
    for result in results:
        signed = getattr(result, "signed_xml", None)
        if signed is None:
            continue
        if is_xades:
            if signed.tag != f"{{{XADES}}}SignedProperties":
                continue
            node = signed.find(".//xades:SigningTime", namespaces=NAMESPACES)
        elif signed.tag == f"{{{DS}}}SignatureProperties":
            node = signed.find("ds:SignatureProperty/SigningTime", namespaces=NAMESPACES)
        else:
            continue
        if node is not None and node.text:
            return _instant(node.text)
    return None


def _stated_time(signature: etree._Element, is_xades: bool) -> datetime | None:
    """The signing time the signature states, read where the signer put it though the
    verification failed: shown to the person beside the failure (TT15-6.4.b asks for the
    signing time whatever the verdict, as a PDF verifier shows a broken signature's claimed
    time); the verdict, TOTAL-FAILED, never rests on it."""
    path = (".//xades:SigningTime" if is_xades
            else "ds:Object/ds:SignatureProperties/ds:SignatureProperty/SigningTime")
    node = signature.find(path, namespaces=NAMESPACES)
    return _instant(node.text) if node is not None and node.text else None


def _instant(text: str) -> datetime | None:
    """An xsd:dateTime; one without a zone is taken as UTC (XAdES asks for a zone)."""
    try:
        value = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def _failure_of(error: Exception) -> tuple[SubIndication, str]:
    text = str(error).splitlines()[0] if str(error) else type(error).__name__
    if isinstance(error, InvalidDigest):
        if "certificate digest" in text:
            return SubIndication.NO_SIGNING_CERTIFICATE_FOUND, text
        return SubIndication.HASH_FAILURE, text
    if isinstance(error, InvalidSignature):
        return SubIndication.SIG_CRYPTO_FAILURE, text
    if "is not fetched" in text:
        return SubIndication.SIGNED_DATA_NOT_FOUND, text
    if "forbidden by configuration" in text:  # SHA-1 (TT15 Annex I 1.3 lists SHA-2/SHA-3)
        return SubIndication.CRYPTO_CONSTRAINTS_FAILURE, text
    return SubIndication.FORMAT_FAILURE, text


def _referenced_ids(signature: etree._Element) -> list[str]:
    return [uri[1:] for uri in (reference.get("URI") for reference in signature.findall(
        "ds:SignedInfo/ds:Reference", namespaces=NAMESPACES)) if uri and uri.startswith("#")]


def _unsigned_comments(root: etree._Element) -> bool:
    """Whether the document holds a comment outside every signature. Canonical XML without
    comments (what every Reference kyso accepts uses, and what ``URI=""`` and ``#id`` mean,
    XML-DSig 4.4.3.3) leaves comments out of every digest: a comment inside signed text
    (``<TgTTTBSo>757<!---->9000</TgTTTBSo>``, Duo Labs 2018) changes what a careless reader
    shows while every digest still matches, so the document is not wholly signed."""
    return any(not any(a.tag == f"{{{DS}}}Signature" for a in comment.iterancestors())
               for comment in root.iter(etree.Comment))


def _covers_whole_document(root: etree._Element, signature: etree._Element,
                           detached: dict[str, bytes], policy: XmlPolicy = DEFAULT_POLICY
                           ) -> bool:
    """Whether nothing in the document is outside every Reference: a ``URI=""`` reference (the
    whole document), a detached document given whole, or else referenced elements that leave
    no text and no attribute outside them and the signatures (an e-invoice signs ``#data``
    and keeps its signatures in ``DSCKS``: whole; text added beside ``#data`` is not)."""
    uris = [reference.get("URI") for reference in signature.findall(
        "ds:SignedInfo/ds:Reference", namespaces=NAMESPACES)]
    if root.tag == f"{{{DS}}}Signature":
        return any(uri in detached for uri in uris)
    if policy.comments_unsigned and _unsigned_comments(root):
        return False
    if "" in uris:
        return True
    remainder = etree.fromstring(etree.tostring(root))
    ids = set(_referenced_ids(signature))
    for element in list(remainder.iter()):
        if element.getparent() is None:
            continue
        if element.get("Id") in ids or element.tag == f"{{{DS}}}Signature":
            element.getparent().remove(element)
    if "".join(remainder.itertext()).strip():
        return False
    return not any(element.attrib for element in remainder.iter())


ALLOWED_TRANSFORMS = frozenset({
    "http://www.w3.org/2000/09/xmldsig#enveloped-signature",
    "http://www.w3.org/TR/2001/REC-xml-c14n-20010315",
    "http://www.w3.org/TR/2001/REC-xml-c14n-20010315#WithComments",
    "http://www.w3.org/2006/12/xml-c14n11",
    "http://www.w3.org/2006/12/xml-c14n11#WithComments",
    "http://www.w3.org/2001/10/xml-exc-c14n#",
    "http://www.w3.org/2001/10/xml-exc-c14n#WithComments",
})
"""The transforms the verification policy accepts (XML Signature Best Practices, W3C 2013,
§2.2: XSLT and XPath are code, and code from the document must not run). signxml skips any
transform it does not know and digests the data without it, so the policy is enforced here,
before signxml: an XSLT or XPath transform is refused, never executed and never skipped."""


def _refused_transform(signature: etree._Element, policy: XmlPolicy) -> str | None:
    allowed = ALLOWED_TRANSFORMS if policy.allowed_transforms is None \
        else policy.allowed_transforms
    if not allowed:
        return None
    for transform in signature.iterfind("ds:SignedInfo/ds:Reference/ds:Transforms/ds:Transform",
                                        namespaces=NAMESPACES):
        algorithm = transform.get("Algorithm", "")
        if algorithm not in allowed:
            return algorithm
    return None


def _timestamp(signature: etree._Element, found: Examination) -> None:
    stamp = signature.find("ds:Object/xades:QualifyingProperties/xades:UnsignedProperties/"
                           "xades:UnsignedSignatureProperties/xades:SignatureTimeStamp",
                           namespaces=NAMESPACES)
    if stamp is None:
        return
    encapsulated = stamp.find("xades:EncapsulatedTimeStamp", namespaces=NAMESPACES)
    method = stamp.find("ds:CanonicalizationMethod", namespaces=NAMESPACES)
    found.timestamp_c14n = method.get("Algorithm") if method is not None else INCLUSIVE_C14N
    if encapsulated is not None and encapsulated.text:
        found.timestamp_token = b64decode("".join(encapsulated.text.split()))


def _classes(policy: XmlPolicy) -> tuple[type, type]:
    if policy.verifier_mixin is None:
        return _XAdES, _Plain
    mixin = policy.verifier_mixin
    return type("_XAdESVariant", (mixin, _XAdES), {}), type("_PlainVariant", (mixin, _Plain), {})


def _verify(root: etree._Element, found: Examination, detached: dict[str, bytes],
            index: int, policy: XmlPolicy = DEFAULT_POLICY) -> list[Any]:
    """signxml's cryptographic verification with the KeyInfo certificate's key."""
    assert found.signer is not None
    certificate = cx509.load_der_x509_certificate(found.signer.dump())
    xades, plain = _classes(policy)
    if found.is_xades and policy.xades_structure:
        return xades(index).verify(root, x509_cert=certificate, uri_resolver=_resolver(detached),
                               expect_config=XAdESSignatureConfiguration(expect_references=True))
    results = plain(index).verify(root, x509_cert=certificate, uri_resolver=_resolver(detached),
                              validate_schema=False,
                              expect_config=SignatureConfiguration(expect_references=True))
    return results if isinstance(results, list) else [results]


def examine(root: etree._Element, *, detached: dict[str, bytes] | None = None,
            index: int = 0, policy: XmlPolicy = DEFAULT_POLICY) -> Examination:
    """Check the document's ``index``-th ``ds:Signature`` as far as no trust is needed."""
    detached = detached or {}
    found = Examination()
    signatures = all_signatures(root)
    signature = signatures[index] if index < len(signatures) else None
    if signature is None:
        found.failure, found.detail = SubIndication.FORMAT_FAILURE, "no ds:Signature"
        return found
    found.is_xades = signature.find("ds:Object/xades:QualifyingProperties",
                                    namespaces=NAMESPACES) is not None
    found.signature_value = signature.find("ds:SignatureValue", namespaces=NAMESPACES)
    method = signature.find("ds:SignedInfo/ds:SignatureMethod", namespaces=NAMESPACES)
    digest = signature.find("ds:SignedInfo/ds:Reference/ds:DigestMethod", namespaces=NAMESPACES)
    found.signature_method = method.get("Algorithm", "") if method is not None else ""
    found.digest_method = digest.get("Algorithm", "") if digest is not None else ""
    try:
        certificates = _certificates(signature)
    except (ValueError, TypeError, KeyError) as error:
        found.failure, found.detail = SubIndication.FORMAT_FAILURE, f"KeyInfo: {error}"
        return found
    if not certificates:
        found.failure = SubIndication.NO_SIGNING_CERTIFICATE_FOUND
        found.detail = "no X509Certificate in KeyInfo (a bare key is never trusted)"
        return found
    found.signer = _leaf(certificates)
    found.others = [c for c in certificates if c is not found.signer]
    refused = _refused_transform(signature, policy)
    if refused is not None:
        found.failure = SubIndication.SIG_CONSTRAINTS_FAILURE
        found.detail = f"transform {refused!r} refused by the validation policy (not executed)"
        return found
    try:
        results = _verify(root, found, detached, index, policy)
    except (SignXMLException, etree.LxmlError, ValueError, TypeError, KeyError) as error:
        found.failure, found.detail = _failure_of(error)
        found.claimed_time = _stated_time(signature, found.is_xades)
        return found
    found.claimed_time = _signed_time(results, found.is_xades)
    found.signature = signature
    found.reference_octets = [result.signed_data for result in results]
    archive = find_archive_timestamp(signature)
    if archive is not None:
        found.archive_token, found.archive_c14n = archive
    found.whole_document = not policy.whole_document or _covers_whole_document(
        root, signature, detached, policy)
    _timestamp(signature, found)
    try:
        found.carried = read_validation_data(signature)
        for der in found.carried.certificates:
            parsed_certificate(der)
    except (ValueError, TypeError, KeyError) as error:
        found.failure, found.detail = SubIndication.FORMAT_FAILURE, f"validation data: {error}"
    return found


def reference_octets(root: etree._Element, *, certificate: x509.Certificate, index: int,
                     detached: dict[str, bytes] | None = None) -> list[bytes]:
    """The data of each Reference of the ``index``-th (XAdES) signature after its transforms,
    as signxml verifies them: what an archive timestamp covers first."""
    found = Examination(is_xades=True, signer=certificate)
    return [result.signed_data for result in _verify(root, found, detached or {}, index)]


def timestamp_imprint(found: Examination) -> Any:
    """The imprint a signature timestamp must carry, for each digest algorithm asked."""
    assert found.signature_value is not None
    data = canonical(found.signature_value, found.timestamp_c14n)
    return lambda algorithm: hashlib.new(algorithm, data).digest()


__all__ = ["ALLOWED_TRANSFORMS", "DEFAULT_POLICY", "XADES", "Examination", "XmlPolicy",
           "examine", "parsed_certificate", "reference_octets", "timestamp_imprint"]
