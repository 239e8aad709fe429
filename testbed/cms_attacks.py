"""Attack files built from genuinely signed CMS / CAdES ``.p7s`` (issue 23, item 3): what a
verifier of detached signatures must see through.

Each function takes a valid DER ``.p7s`` (the reference CMS signer's output) and returns the
attack, every structure rebuilt with asn1crypto (no DER written by hand). Where an attack
needs signed attributes that verify, it signs them again with the ``key`` it is given (a
``cryptography`` private key or the token key that behaves as one: a defective or tricked
signer); without a key the old signature stays, and the attack breaks it as well.

* **Detached content swapped** (RFC 5652 §5.4, §11.2): :func:`swapped_content` is another
  file offered with an untouched signature; only the message-digest attribute ties the
  signature to the content.
* **Message-digest mismatch**: :func:`forged_message_digest` writes the digest of the forged
  content into the message-digest attribute and leaves the signature over the attributes as it
  was (a verifier that compares the digest but never checks the signature over the signed
  attributes accepts it).
* **Content-type mismatch** (RFC 5652 §11.1: the content-type attribute must equal
  eContentType): :func:`content_type_mismatch` changes the unsigned eContentType.
* **Signing-certificate-v2 removed** (ETSI EN 319 122-1 §5.2.2, RFC 5035: the ESS attribute
  binds the certificate to the signature; without it the signer's certificate can be
  substituted): :func:`without_signing_certificate` drops it (a CAdES signature degraded to
  plain CMS), signed again with ``key``.
* **A signature timestamp over the wrong value** (EN 319 122-1 §5.3; RFC 3161 message
  imprint): :func:`foreign_timestamp` takes the signature-time-stamp token of another
  signature; it is a genuine token from the TSA, over another SignatureValue.
"""

from __future__ import annotations

import hashlib
from typing import Any

from asn1crypto import cms
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding

from bilingual import say

_HASHES: dict[str, Any] = {"sha256": hashes.SHA256, "sha384": hashes.SHA384,
                           "sha512": hashes.SHA512}


def _load(signature: bytes) -> tuple[cms.ContentInfo, cms.SignerInfo]:
    info = cms.ContentInfo.load(signature)
    return info, info["content"]["signer_infos"][0]


def _dump(info: cms.ContentInfo) -> bytes:
    return cms.ContentInfo({"content_type": "signed_data",
                            "content": info["content"]}).dump(force=True)


def _attributes(signer_info: cms.SignerInfo, keep: Any) -> cms.CMSAttributes:
    return cms.CMSAttributes([attribute for attribute in signer_info["signed_attrs"]
                              if keep(attribute)])


def _sign_attributes(signer_info: cms.SignerInfo, key: Any | None) -> None:
    """Sign the signed attributes again (their DER as a SET OF, RFC 5652 §5.4) with ``key``."""
    if key is None:
        return
    data = signer_info["signed_attrs"].untag().dump(force=True)
    chosen = _HASHES.get(signer_info["digest_algorithm"]["algorithm"].native, hashes.SHA256)()
    if isinstance(key, ec.EllipticCurvePrivateKey):
        value = key.sign(data, ec.ECDSA(chosen))
    else:
        value = key.sign(data, padding.PKCS1v15(), chosen)
    signer_info["signature"] = value


def swapped_content(content: bytes) -> bytes:
    """Another content for the same signature: the signed file with one byte more at its end
    (a zip and a docx still open; what a person sees may differ entirely)."""
    return content + b"\n"


def forged_message_digest(signature: bytes, forged_content: bytes) -> bytes:
    """The message-digest attribute rewritten to the digest of ``forged_content``; the
    signature over the attributes is the victim's, now over other attributes."""
    info, signer_info = _load(signature)
    algorithm = signer_info["digest_algorithm"]["algorithm"].native
    digest = hashlib.new(algorithm, forged_content).digest()
    for attribute in signer_info["signed_attrs"]:
        if attribute["type"].native == "message_digest":
            attribute["values"] = cms.SetOfOctetString([digest])
    return _dump(info)


def content_type_mismatch(signature: bytes) -> bytes:
    """eContentType says ``tst_info`` while the signed content-type attribute says ``data``
    (eContentType is outside the signature)."""
    info, _ = _load(signature)
    encapsulated = info["content"]["encap_content_info"]
    info["content"]["encap_content_info"] = type(encapsulated)({"content_type": "tst_info"})
    return _dump(info)


def without_signing_certificate(signature: bytes, key: Any | None = None) -> bytes:
    """The signing-certificate(-v2) attribute removed, the attributes signed again with
    ``key``: a CAdES signature degraded to plain CMS (its signature timestamp, over the old
    signature value, dropped with it)."""
    info, signer_info = _load(signature)
    signer_info["signed_attrs"] = _attributes(
        signer_info, lambda a: a["type"].native not in ("signing_certificate_v2",
                                                        "signing_certificate"))
    if key is not None:  # a new signature value: the old signature timestamp is over the old one
        kept = [a for a in signer_info["unsigned_attrs"]
                if a["type"].native != "signature_time_stamp_token"]
        signer_info["unsigned_attrs"] = cms.CMSAttributes(kept) if kept else None
        _sign_attributes(signer_info, key)
    return _dump(info)


def foreign_timestamp(signature: bytes, donor: bytes) -> bytes:
    """The signature's unsigned attributes (its signature-time-stamp) replaced by those of
    ``donor``, another timestamped signature."""
    info, signer_info = _load(signature)
    _, donor_info = _load(donor)
    if not donor_info["unsigned_attrs"].native:
        raise ValueError(say("chữ ký cho mượn không có dấu thời gian",
                               "the donor signature carries no timestamp"))
    signer_info["unsigned_attrs"] = donor_info["unsigned_attrs"]
    return _dump(info)


__all__ = ["content_type_mismatch", "foreign_timestamp", "forged_message_digest",
           "swapped_content", "without_signing_certificate"]
