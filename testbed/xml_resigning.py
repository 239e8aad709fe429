"""Re-signing an XML signature after an attack changed it: what an attacker (or a defective
signer) holding a key does, with lxml's canonicalisation and ``cryptography``'s signatures.

The XML attacks of :mod:`testbed.xml_attacks` change a genuinely signed document and, where
the attack needs a signature that verifies in every other respect, sign ``ds:SignedInfo``
again with the key they are given (the attacker's own, or in the tests the victim's token key:
then only the check under test can catch the attack). The Reference digests are recomputed
for the references kyso's signers write (``#id`` and ``URI=""``, enveloped-signature and
canonicalisation transforms); any other reference keeps the digest it has.

This is the testbed's side: nothing here verifies anything.
"""

from __future__ import annotations

import copy
import hashlib
from base64 import b64encode
from typing import Any

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, utils
from lxml import etree

DS = "http://www.w3.org/2000/09/xmldsig#"
NS = {"ds": DS}
ENVELOPED = "http://www.w3.org/2000/09/xmldsig#enveloped-signature"
EXC_C14N = "http://www.w3.org/2001/10/xml-exc-c14n#"
_DIGESTS = {"sha256": "sha256", "sha384": "sha384", "sha512": "sha512", "sha1": "sha1"}
_HASHES: dict[str, Any] = {"sha256": hashes.SHA256, "sha384": hashes.SHA384,
                           "sha512": hashes.SHA512}


def canonical(node: etree._Element, algorithm: str) -> bytes:
    """``node`` canonicalised by ``algorithm`` (exclusive or inclusive, without comments unless
    the algorithm says ``WithComments``)."""
    return etree.tostring(node, method="c14n", exclusive=algorithm.startswith(EXC_C14N),
                          with_comments=algorithm.endswith("WithComments"))


def digest_name(algorithm_uri: str) -> str:
    """hashlib's name for an XML-DSig digest or signature method URI (``...#sha256``,
    ``...#ecdsa-sha256``)."""
    tail = algorithm_uri.rsplit("#", 1)[-1].rsplit("-", 1)[-1]
    return _DIGESTS.get(tail, "sha256")


def _referenced(root: etree._Element, signature: etree._Element, uri: str,
                transforms: list[str]) -> etree._Element | None:
    if uri == "":
        target = copy.deepcopy(root)
    elif uri.startswith("#"):
        found = root.xpath("//*[@Id=$id]", id=uri[1:])
        if not found:
            return None
        target = copy.deepcopy(found[0])
    else:
        return None
    if ENVELOPED in transforms:
        value = "".join(signature.findtext("ds:SignatureValue", default="", namespaces=NS).split())
        for candidate in target.iter(f"{{{DS}}}Signature"):
            if "".join(candidate.findtext("ds:SignatureValue", default="",
                                          namespaces=NS).split()) == value:
                candidate.getparent().remove(candidate)
                break
    return target


def refresh_digests(root: etree._Element, signature: etree._Element) -> None:
    """Recompute the DigestValue of every Reference of ``signature`` that points into ``root``
    (``#id`` or ``""``) after the document changed; the others are left as they are."""
    for reference in signature.findall("ds:SignedInfo/ds:Reference", namespaces=NS):
        uri = reference.get("URI")
        algorithms = [t.get("Algorithm", "") for t in reference.findall(
            "ds:Transforms/ds:Transform", namespaces=NS)]
        if uri is None or any(a not in (ENVELOPED,) and "c14n" not in a for a in algorithms):
            continue
        target = _referenced(root, signature, uri, algorithms)
        if target is None:
            continue
        c14n = next((a for a in algorithms if "c14n" in a),
                    "http://www.w3.org/TR/2001/REC-xml-c14n-20010315")
        method = reference.find("ds:DigestMethod", namespaces=NS)
        name = digest_name(method.get("Algorithm", "") if method is not None else "")
        digest = hashlib.new(name, canonical(target, c14n)).digest()
        reference.find("ds:DigestValue", namespaces=NS).text = b64encode(digest).decode()


def sign_signed_info(signature: etree._Element, key: Any) -> None:
    """Sign ``ds:SignedInfo`` again with ``key`` (a ``cryptography`` private key, or the token
    key that behaves as one) and write the new SignatureValue (ECDSA as r||s, XML-DSig 1.1)."""
    signed_info = signature.find("ds:SignedInfo", namespaces=NS)
    method = signed_info.find("ds:CanonicalizationMethod", namespaces=NS)
    data = canonical(signed_info, method.get("Algorithm", EXC_C14N))
    algorithm = signed_info.find("ds:SignatureMethod", namespaces=NS).get("Algorithm", "")
    chosen = _HASHES.get(digest_name(algorithm), hashes.SHA256)()
    if isinstance(key, ec.EllipticCurvePrivateKey):
        r, s = utils.decode_dss_signature(key.sign(data, ec.ECDSA(chosen)))
        size = (key.curve.key_size + 7) // 8
        value = r.to_bytes(size, "big") + s.to_bytes(size, "big")
    else:
        value = key.sign(data, padding.PKCS1v15(), chosen)
    signature.find("ds:SignatureValue", namespaces=NS).text = b64encode(value).decode()


def resign(root: etree._Element, signature: etree._Element, key: Any | None) -> None:
    """Refresh the digests and, with a key, the SignatureValue (without one the old value
    stays: the attack then also breaks the signature, which a verifier must see as well)."""
    refresh_digests(root, signature)
    if key is not None:
        sign_signed_info(signature, key)


__all__ = ["canonical", "digest_name", "refresh_digests", "resign", "sign_signed_info"]
