"""XAdES B-LTA: the archive timestamp (ETSI EN 319 132-1 5.5.2, ``xadesv141:ArchiveTimeStamp``).

An archive timestamp covers everything the signature's long-term validity rests on, so that a
later verifier can prove it all existed at the archive time, even once an algorithm or a key of
the path has weakened. Its imprint is the digest of, in this order (EN 319 132-1 5.5.2.2):

1. each ``ds:Reference``'s data object after its transforms, in SignedInfo order (the octets
   signxml digests when it verifies the signature: the signer and the verifier compute them
   the same way);
2. the canonical ``ds:SignedInfo``, ``ds:SignatureValue`` and ``ds:KeyInfo``;
3. every unsigned signature property before the archive timestamp, in order
   (SignatureTimeStamp, CertificateValues, RevocationValues);
4. every ``ds:Object`` other than the one holding the QualifyingProperties.

The canonicalisation is the one the timestamp names (exclusive C14N when kyso makes it).
Interoperability of this input with other XAdES verifiers has not been measured yet.
"""

from __future__ import annotations

import hashlib
from base64 import b64decode, b64encode
from collections.abc import Callable, Sequence

from lxml import etree
from pyhanko.sign.timestamps.api import TimeStamper

from conformance.reference.xml_parsing import DS, EXC_C14N, NAMESPACES
from conformance.reference.xml_timestamping import canonical

XADES141 = "http://uri.etsi.org/01903/v1.4.1#"
"""The namespace of XAdES 1.4.1's ArchiveTimeStamp (EN 319 132-1 keeps it)."""
_NAMESPACES = {**NAMESPACES, "xadesv141": XADES141}
_UNSIGNED = ("ds:Object/xades:QualifyingProperties/xades:UnsignedProperties/"
             "xades:UnsignedSignatureProperties")


def archive_input(signature: etree._Element, reference_octets: Sequence[bytes], *,
                  c14n: str = EXC_C14N, stop: etree._Element | None = None) -> bytes:
    """The octets an archive timestamp covers; ``stop`` is the archive timestamp itself (the
    unsigned properties after it are not covered), None when it is yet to be made."""
    parts = list(reference_octets)
    for name in ("SignedInfo", "SignatureValue", "KeyInfo"):
        element = signature.find(f"ds:{name}", namespaces=NAMESPACES)
        if element is not None:
            parts.append(canonical(element, c14n))
    properties = signature.find(_UNSIGNED, namespaces=NAMESPACES)
    for child in properties if properties is not None else ():
        if child is stop or child.tag == f"{{{XADES141}}}ArchiveTimeStamp":
            break
        parts.append(canonical(child, c14n))
    for holder in signature.findall("ds:Object", namespaces=NAMESPACES):
        if holder.find("xades:QualifyingProperties", namespaces=NAMESPACES) is None:
            parts.append(canonical(holder, c14n))
    return b"".join(parts)


def find_archive_timestamp(signature: etree._Element) -> tuple[bytes, str] | None:
    """The first archive timestamp's token (DER) and canonicalisation; None without one."""
    stamp = signature.find(f"{_UNSIGNED}/xadesv141:ArchiveTimeStamp", namespaces=_NAMESPACES)
    if stamp is None:
        return None
    method = stamp.find("ds:CanonicalizationMethod", namespaces=NAMESPACES)
    c14n = method.get("Algorithm", EXC_C14N) if method is not None else EXC_C14N
    token_text = stamp.findtext("xades:EncapsulatedTimeStamp", default="",
                                namespaces=NAMESPACES)
    token = b64decode("".join(token_text.split()))
    return token, c14n


def archive_imprint(signature: etree._Element, reference_octets: Sequence[bytes],
                    c14n: str) -> Callable[[str], bytes]:
    """The imprint the (first) archive timestamp must carry, per digest algorithm."""
    stamp = signature.find(f"{_UNSIGNED}/xadesv141:ArchiveTimeStamp", namespaces=_NAMESPACES)
    data = archive_input(signature, reference_octets, c14n=c14n, stop=stamp)
    return lambda algorithm: hashlib.new(algorithm, data).digest()


async def add_archive_timestamp(signature: etree._Element, reference_octets: Sequence[bytes],
                                timestamper: TimeStamper) -> None:
    """Timestamp :func:`archive_input` and add it as the last unsigned signature property."""
    data = archive_input(signature, reference_octets)
    token = await timestamper.async_timestamp(hashlib.sha256(data).digest(), "sha256")
    properties = signature.find(_UNSIGNED, namespaces=NAMESPACES)
    stamp = etree.SubElement(properties, f"{{{XADES141}}}ArchiveTimeStamp",
                             nsmap={"xadesv141": XADES141},
                             Id=f"{signature.get('Id', 'Signature')}-ArchiveTimeStamp")
    etree.SubElement(stamp, f"{{{DS}}}CanonicalizationMethod", Algorithm=EXC_C14N)
    etree.SubElement(stamp, f"{{{NAMESPACES['xades']}}}EncapsulatedTimeStamp").text = \
        b64encode(token.dump()).decode()


__all__ = ["XADES141", "add_archive_timestamp", "archive_imprint", "archive_input",
           "find_archive_timestamp"]
