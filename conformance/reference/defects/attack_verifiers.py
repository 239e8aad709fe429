"""Defective XML and CMS verifiers: the reference verifiers with one check relaxed, each the
careless reading that lets one attack of :mod:`testbed.xml_attacks` or
:mod:`testbed.cms_attacks` through (issue 23, item 3). The mutants use them to show that a
conformance case over that attack catches a verifier that has the defect.

Each XML defect is the reference XML verifier under a relaxed
:class:`~conformance.reference.xml_examination.XmlPolicy`, or with its input read the careless
way (KeyInfo certificates trusted, remote references fetched, entities resolved, the last of
two equal Ids taken). The CMS defects either rewrite the input the way a careless program
reads it (eContentType ignored, a failing timestamp dropped, CAdES not required) or read the
reference's finding carelessly (a digest mismatch or a broken signature over the attributes
taken as good), as :mod:`.verifiers` does for PDF. The reference verifiers never import this
module.
"""

from __future__ import annotations

import urllib.request
from base64 import b64decode
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from asn1crypto import cms, x509
from lxml import etree

from conformance.reference.cms_verifying import verify_cms
from conformance.reference.xml_examination import DEFAULT_POLICY, XmlPolicy
from conformance.reference.xml_parsing import NAMESPACES, safe_parser
from conformance.reference.xml_verifying import verify_xml
from conformance.verdict import Indication, SubIndication, VerifierAnswer

XPATH_FILTER = "http://www.w3.org/TR/1999/REC-xpath-19991116"
Roots = Sequence[x509.Certificate]


def _xml(document: bytes, roots: Roots, at: datetime, detached: dict[str, bytes] | None,
         policy: XmlPolicy = DEFAULT_POLICY) -> VerifierAnswer:
    return verify_xml(document, roots, at=at, detached=detached, policy=policy)


def xml_trusting_keyinfo(document: bytes, roots: Roots, *, at: datetime,
                         detached: dict[str, bytes] | None = None) -> VerifierAnswer:
    """Trusts the certificates the signature carries in KeyInfo as if they were roots."""
    root = etree.fromstring(document, parser=safe_parser())
    carried = [x509.Certificate.load(b64decode("".join((node.text or "").split())))
               for node in root.iterfind(".//ds:KeyInfo/ds:X509Data/ds:X509Certificate",
                                         namespaces=NAMESPACES)]
    return _xml(document, [*roots, *carried], at, detached)


def xml_ignoring_coverage(document: bytes, roots: Roots, *, at: datetime,
                          detached: dict[str, bytes] | None = None) -> VerifierAnswer:
    """Checks that each Reference's element verifies, wherever it is, and not that the
    document shown is what was signed (signature wrapping passes)."""
    return _xml(document, roots, at, detached, XmlPolicy(whole_document=False))


def xml_last_id_wins(document: bytes, roots: Roots, *, at: datetime,
                     detached: dict[str, bytes] | None = None) -> VerifierAnswer:
    """Builds its own Id map, the last element of an Id overwriting the first: it digests the
    signed element while the application shows the forged one before it."""
    root = etree.fromstring(document, parser=safe_parser())
    seen: dict[str, etree._Element] = {}
    for element in list(root.iter()):
        value = element.get("Id") if isinstance(element.tag, str) else None
        if value is None:
            continue
        if value in seen:
            earlier = seen[value]
            earlier.getparent().remove(earlier)
        seen[value] = element
    return _xml(etree.tostring(root), roots, at, detached, XmlPolicy(whole_document=False))


def xml_ignoring_comments(document: bytes, roots: Roots, *, at: datetime,
                          detached: dict[str, bytes] | None = None) -> VerifierAnswer:
    """Takes a comment for nothing: the digests match, so what a reader shows must be signed."""
    return _xml(document, roots, at, detached, XmlPolicy(comments_unsigned=False))


def xml_plain_for_xades(document: bytes, roots: Roots, *, at: datetime,
                        detached: dict[str, bytes] | None = None) -> VerifierAnswer:
    """Verifies a XAdES signature as plain XML-DSig: SignedProperties need not be covered."""
    return _xml(document, roots, at, detached, XmlPolicy(xades_structure=False))


def xml_skipping_unknown_transforms(document: bytes, roots: Roots, *, at: datetime,
                                    detached: dict[str, bytes] | None = None) -> VerifierAnswer:
    """signxml's own behaviour: a transform it does not know (XSLT) is skipped, not refused."""
    return _xml(document, roots, at, detached, XmlPolicy(allowed_transforms=frozenset()))


class _XPathFiltering:
    """Runs the document's XPath filter transforms (XML-DSig 6.6.3): every element for which
    the expression is false is left out before canonicalisation."""

    def _apply_transforms(self, payload: Any, *, transforms_node: Any, signature: Any) -> Any:
        if transforms_node is not None and isinstance(payload, etree._Element):
            for transform in transforms_node.iterfind("ds:Transform", namespaces=NAMESPACES):
                if transform.get("Algorithm") != XPATH_FILTER:
                    continue
                expression = transform.findtext("ds:XPath", namespaces=NAMESPACES) or "true()"
                payload = etree.fromstring(etree.tostring(payload))
                for element in list(payload.iter()):
                    if element is not payload and isinstance(element.tag, str) \
                            and element.getparent() is not None \
                            and not element.xpath(f"boolean({expression})"):
                        element.getparent().remove(element)
        return super()._apply_transforms(  # type: ignore[misc]
            payload, transforms_node=transforms_node, signature=signature)


def xml_running_xpath_filters(document: bytes, roots: Roots, *, at: datetime,
                              detached: dict[str, bytes] | None = None) -> VerifierAnswer:
    """Executes XPath filter transforms from the document: the data it digests is what the
    signer's expression selected, not what the document shows."""
    return _xml(document, roots, at, detached,
                XmlPolicy(allowed_transforms=frozenset(), verifier_mixin=_XPathFiltering))


def xml_fetching_references(document: bytes, roots: Roots, *, at: datetime,
                            detached: dict[str, bytes] | None = None) -> VerifierAnswer:
    """Dereferences every remote Reference URI (the network request an attacker watches)."""
    root = etree.fromstring(document, parser=safe_parser())
    fetched = dict(detached or {})
    for reference in root.iterfind(".//ds:SignedInfo/ds:Reference", namespaces=NAMESPACES):
        uri = reference.get("URI") or ""
        if uri.startswith(("http://", "https://")):
            with urllib.request.urlopen(uri, timeout=10) as response:  # noqa: S310 (the defect)
                fetched[uri] = response.read()
    return _xml(document, roots, at, fetched)


def resolved_document(document: bytes) -> bytes:
    """The document as a careless parser reads it: DTD loaded, external entities resolved
    (a ``file://`` entity is read; this lxml's libxml2 has no HTTP client, so a remote one
    stays empty)."""
    parser = etree.XMLParser(resolve_entities=True, load_dtd=True, no_network=False)
    return etree.tostring(etree.fromstring(document, parser=parser), encoding="UTF-8")


def xml_resolving_entities(document: bytes, roots: Roots, *, at: datetime,
                           detached: dict[str, bytes] | None = None) -> VerifierAnswer:
    """Parses with external entities resolved (XXE: :func:`resolved_document`), then checks
    only the signed element."""
    return _xml(resolved_document(document), roots, at, detached,
                XmlPolicy(whole_document=False))


# ---- CMS --------------------------------------------------------------------------------------
def _careless(answer: VerifierAnswer, taken_as_good: SubIndication) -> VerifierAnswer:
    signatures = [s.model_copy(update={"indication": Indication.TOTAL_PASSED,
                                       "sub_indication": None})
                  if s.sub_indication is taken_as_good else s for s in answer.signatures]
    return answer.model_copy(update={"signatures": signatures})


def cms_ignoring_message_digest(signature: bytes, content: bytes, roots: Roots, *,
                                at: datetime, expect_cades: bool = False) -> VerifierAnswer:
    """Checks the signature over the attributes, never the content's digest against them."""
    return _careless(verify_cms(signature, content, roots, at=at, expect_cades=expect_cades),
                     SubIndication.HASH_FAILURE)


def cms_digest_without_signature(signature: bytes, content: bytes, roots: Roots, *,
                                 at: datetime, expect_cades: bool = False) -> VerifierAnswer:
    """Compares message-digest with the content but never checks the signature over the
    signed attributes that carry it."""
    return _careless(verify_cms(signature, content, roots, at=at, expect_cades=expect_cades),
                     SubIndication.SIG_CRYPTO_FAILURE)


def _rebuilt(signature: bytes, change: Any) -> bytes:
    info = cms.ContentInfo.load(signature)
    change(info["content"])
    return cms.ContentInfo({"content_type": "signed_data",
                            "content": info["content"]}).dump(force=True)


def cms_ignoring_content_type(signature: bytes, content: bytes, roots: Roots, *,
                              at: datetime, expect_cades: bool = False) -> VerifierAnswer:
    """Reads the content type from the signed attribute only, never eContentType."""
    def as_data(signed_data: cms.SignedData) -> None:
        encapsulated = signed_data["encap_content_info"]
        signed_data["encap_content_info"] = type(encapsulated)({"content_type": "data"})
    return verify_cms(_rebuilt(signature, as_data), content, roots, at=at,
                      expect_cades=expect_cades)


def cms_plain_as_cades(signature: bytes, content: bytes, roots: Roots, *, at: datetime,
                       expect_cades: bool = False) -> VerifierAnswer:
    """Accepts plain CMS where CAdES is required (no signing-certificate-v2 asked for)."""
    del expect_cades
    return verify_cms(signature, content, roots, at=at, expect_cades=False)


def cms_dropping_bad_timestamps(signature: bytes, content: bytes, roots: Roots, *,
                                at: datetime, expect_cades: bool = False) -> VerifierAnswer:
    """Leaves out a signature timestamp and validates as if it were never there (a timestamp
    over another value is then no failure at all)."""
    def without_timestamp(signed_data: cms.SignedData) -> None:
        for signer_info in signed_data["signer_infos"]:
            kept = [a for a in signer_info["unsigned_attrs"]
                    if a["type"].native != "signature_time_stamp_token"]
            signer_info["unsigned_attrs"] = cms.CMSAttributes(kept) if kept else None
    return verify_cms(_rebuilt(signature, without_timestamp), content, roots, at=at,
                      expect_cades=expect_cades)


XML_DEFECTS = {
    "xml-trusting-keyinfo": xml_trusting_keyinfo,
    "xml-ignoring-coverage": xml_ignoring_coverage,
    "xml-last-id-wins": xml_last_id_wins,
    "xml-ignoring-comments": xml_ignoring_comments,
    "xml-plain-for-xades": xml_plain_for_xades,
    "xml-skipping-unknown-transforms": xml_skipping_unknown_transforms,
    "xml-running-xpath-filters": xml_running_xpath_filters,
    "xml-fetching-references": xml_fetching_references,
    "xml-resolving-entities": xml_resolving_entities,
}
"""Every XML defect by name (the mutants' vocabulary)."""

CMS_DEFECTS = {
    "cms-ignoring-message-digest": cms_ignoring_message_digest,
    "cms-digest-without-signature": cms_digest_without_signature,
    "cms-ignoring-content-type": cms_ignoring_content_type,
    "cms-plain-as-cades": cms_plain_as_cades,
    "cms-dropping-bad-timestamps": cms_dropping_bad_timestamps,
}
"""Every CMS defect by name."""

__all__ = ["CMS_DEFECTS", "XML_DEFECTS", "cms_digest_without_signature",
           "cms_dropping_bad_timestamps", "cms_ignoring_content_type",
           "cms_ignoring_message_digest", "cms_plain_as_cades", "resolved_document",
           "xml_fetching_references",
           "xml_ignoring_comments", "xml_ignoring_coverage", "xml_last_id_wins",
           "xml_plain_for_xades", "xml_resolving_entities", "xml_running_xpath_filters",
           "xml_skipping_unknown_transforms", "xml_trusting_keyinfo"]
