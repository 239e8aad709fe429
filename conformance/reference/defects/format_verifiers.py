"""The defective verifiers in the formats beside PAdES: the same careless readings, applied to
the reference XML and CMS verifiers' findings.

A product that ignores revocation, takes an expired certificate as good or an unknown status as
'good', trusts any root the signature carries, never looks at the signature timestamp, judges
at the claimed signing time, or shows the TT15-6.4.b fields wrongly makes that mistake whatever
it verifies: a XAdES invoice, a CAdES ``.p7s`` or a PDF. So each variant of
:mod:`.verifiers` reads the XML / CMS reference result the way it reads the PDF one
(:func:`.verifiers._careless` and the display defects), and the variants that change the input
change it in the format's own way (the timestamp taken out of the XAdES unsigned properties or
the CMS unsigned attributes; the certificates the signature carries added to the roots). The
PDF-only defects (byte ranges, DocMDP, incremental updates) have nothing to read here: such a
variant answers as the reference does.
"""

from __future__ import annotations

from base64 import b64decode
from datetime import datetime

from asn1crypto import cms, x509
from lxml import etree

from conformance.oracle import OracleOptions, SignatureKind, SignatureResult
from conformance.reference.verifier import answer_for
from conformance.reference.xml_parsing import NAMESPACES, parse_xml, serialise
from scenarios import SignatureFormat, VerifierAnswer, VerifyRequest
from testbed import wall_clock

from .catalogue import Defect
from .shared import verified_once_in_format
from .verifiers import (
    _DISPLAY_DEFECTS,
    _careless,
    _careless_display,
    _english,
    _wrong_fields,
)

_XML = (SignatureFormat.XADES, SignatureFormat.XMLDSIG)


def verify_in_format(defect: Defect, request: VerifyRequest, roots: list[x509.Certificate],
                     options: OracleOptions) -> VerifierAnswer:
    """The answer of a verifier with ``defect`` to ``request`` (not PAdES)."""
    fmt, at = request.format, request.moment
    data = request.input.read_bytes() if request.input.is_file() else b""
    if defect is Defect.ANY_ROOT:
        roots = [*roots, *_carried_roots(data, fmt)]
    source: bytes = data
    if defect is Defect.IGNORE_TIMESTAMP:
        source = _without_timestamps(data, fmt)
    detail = verified_once_in_format(source if data else request.input, request.content, fmt,
                                     roots, at=at, options=options)
    if detail.result is None:
        return detail.answer
    if defect is Defect.ENGLISH_ONLY:
        return _english(detail.answer)
    if defect is Defect.WRONG_DISPLAY:
        return _wrong_fields(detail.answer, at or wall_clock())
    if defect in _DISPLAY_DEFECTS:
        return _careless_display(defect, detail.answer, detail.result.signatures)
    signatures = detail.result.signatures
    if defect is Defect.CLAIMED_TIME:
        signatures = [_at_claimed_time(s, source, request, roots, options) for s in signatures]
    else:
        signatures = [_careless(defect, s) if s.kind is SignatureKind.SIGNATURE else s
                      for s in signatures]
    return answer_for(detail.result.model_copy(update={"signatures": signatures}))


def _at_claimed_time(signature: SignatureResult, source: bytes, request: VerifyRequest,
                     roots: list[x509.Certificate], options: OracleOptions) -> SignatureResult:
    """The signature judged at the time its signer claims, as if that time were proven."""
    claimed: datetime | None = signature.signing_time.claimed
    if signature.kind is not SignatureKind.SIGNATURE or claimed is None:
        return signature
    again = verified_once_in_format(source, request.content, request.format, roots, at=claimed,
                                    options=options).result
    return again.signatures[-1] if again and again.signatures else signature


def _without_timestamps(data: bytes, fmt: SignatureFormat) -> bytes:
    """The signature with its signature timestamps taken out (unsigned: the signature itself
    still verifies), what a verifier that never looks at them effectively validates."""
    try:
        if fmt in _XML:
            root = parse_xml(data)
            for stamp in root.findall(".//xades:SignatureTimeStamp", namespaces=NAMESPACES):
                parent = stamp.getparent()
                if parent is not None:
                    parent.remove(stamp)
            return serialise(root)
        info = cms.ContentInfo.load(data)
        for signer_info in info["content"]["signer_infos"]:
            attributes = signer_info["unsigned_attrs"]
            if not isinstance(attributes, cms.CMSAttributes):
                continue
            kept = [a for a in attributes if a["type"].native != "signature_time_stamp_token"]
            signer_info["unsigned_attrs"] = cms.CMSAttributes(kept) if kept else None
        return bytes(info.dump(force=True))
    except (ValueError, TypeError, KeyError, etree.LxmlError):
        return data


def _carried_roots(data: bytes, fmt: SignatureFormat) -> list[x509.Certificate]:
    """Self-signed certificates the signature carries (KeyInfo, XAdES validation data, CMS
    SignedData certificates)."""
    found: list[x509.Certificate] = []
    try:
        if fmt in _XML:
            root = parse_xml(data)
            nodes = [*root.findall(".//ds:X509Certificate", namespaces=NAMESPACES),
                     *root.findall(".//xades:EncapsulatedX509Certificate",
                                   namespaces=NAMESPACES)]
            found = [x509.Certificate.load(b64decode("".join((n.text or "").split())))
                     for n in nodes]
        else:
            found = [c.chosen for c in cms.ContentInfo.load(data)["content"]["certificates"]
                     if isinstance(c.chosen, x509.Certificate)]
        return [c for c in found if c.self_signed in ("maybe", "yes")]
    except (ValueError, TypeError, KeyError, etree.LxmlError):
        return []


__all__ = ["verify_in_format"]
