"""OCSP requests (RFC 6960 4.1) read into what the responder needs: the CertIDs asked about, each
with its exact bytes (echoed in the answer), and the nonce.

pyca reads the common request (one CertID, RFC 5019 2.1.1) in about 4 µs, asn1crypto in about
100 µs, a tenth of a signed answer; so pyca goes first, and asn1crypto reads everything pyca
declines (several CertIDs, a hash pyca does not name, a nonce that is not an OCTET STRING,
encodings pyca refuses). The CertID's bytes are echoed only when they are exactly in the request.
"""

from __future__ import annotations

from dataclasses import dataclass

from asn1crypto import core, ocsp
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.x509 import ExtensionNotFound, OCSPNonce
from cryptography.x509 import ocsp as pyca_ocsp

NONCE_OID = "1.3.6.1.5.5.7.48.1.2"
"""``id-pkix-ocsp-nonce``."""
_HASH_OIDS = {name: core.ObjectIdentifier(dotted).dump() for name, dotted in (
    ("sha1", "1.3.14.3.2.26"), ("sha224", "2.16.840.1.101.3.4.2.4"),
    ("sha256", "2.16.840.1.101.3.4.2.1"), ("sha384", "2.16.840.1.101.3.4.2.2"),
    ("sha512", "2.16.840.1.101.3.4.2.3"))}
"""The DER of each CertID hash algorithm's OID (:data:`testbed.ocsp_responses.CERT_ID_HASHES`)."""


class OCSPRefusalError(Exception):
    """The request is answered with an unsigned error response of this ``status``."""

    def __init__(self, status: str) -> None:
        super().__init__(status)
        self.status = status


def tlv(tag: int, content: bytes) -> bytes:
    """One DER element: ``tag``, definite length, ``content`` (already DER)."""
    size = len(content)
    if size < 0x80:
        return bytes((tag, size)) + content
    length = size.to_bytes((size.bit_length() + 7) // 8, "big")
    return bytes((tag, 0x80 | len(length))) + length + content


@dataclass(frozen=True)
class AskedCertId:
    """One CertID of a request: its DER as sent and its fields."""

    der: bytes
    algorithm: str
    """asn1crypto's name of the hash (``sha1``, ``sha256``, ``md5``, ...)."""
    issuer_name_hash: bytes
    issuer_key_hash: bytes
    serial: int


@dataclass(frozen=True)
class ParsedRequest:
    cert_ids: list[AskedCertId]
    nonce: bytes | None
    """The nonce extension's extnValue contents as sent (echoed as they are), or ``None``."""


def parse_request(der: bytes, max_cert_ids: int) -> ParsedRequest:
    """The CertIDs and nonce of a DER request; raises :class:`OCSPRefusalError`
    (``malformed_request``) for one that cannot be read, asks nothing or asks about more than
    ``max_cert_ids`` certificates."""
    parsed = _read_common(der)
    if parsed is None:
        try:
            parsed = _read_any(der, max_cert_ids)
        except (ValueError, TypeError, KeyError):
            raise OCSPRefusalError("malformed_request") from None
    if not parsed.cert_ids:
        raise OCSPRefusalError("malformed_request")
    return parsed


def _read_common(der: bytes) -> ParsedRequest | None:
    """pyca's reading of a one-CertID request, or ``None`` where asn1crypto must read it."""
    try:
        request = pyca_ocsp.load_der_ocsp_request(der)
        algorithm = request.hash_algorithm.name
        try:
            nonce: bytes | None = tlv(0x04, request.extensions.get_extension_for_class(
                OCSPNonce).value.nonce)
        except ExtensionNotFound:
            nonce = None
    except (ValueError, NotImplementedError, UnsupportedAlgorithm):
        return None
    if algorithm not in _HASH_OIDS or request.serial_number < 0:
        return None
    asked = (tlv(0x04, request.issuer_name_hash) + tlv(0x04, request.issuer_key_hash)
             + tlv(0x02, request.serial_number.to_bytes(
                 (request.serial_number.bit_length() + 8) // 8, "big")))
    for parameters in (b"\x05\x00", b""):  # NULL parameters, or none: both are seen
        cert_id = tlv(0x30, tlv(0x30, _HASH_OIDS[algorithm] + parameters) + asked)
        if cert_id in der:
            return ParsedRequest([AskedCertId(cert_id, algorithm, request.issuer_name_hash,
                                              request.issuer_key_hash, request.serial_number)],
                                 nonce)
    return None


def _read_any(der: bytes, max_cert_ids: int) -> ParsedRequest:
    request = ocsp.OCSPRequest.load(der)
    items = request["tbs_request"]["request_list"]
    if len(items) > max_cert_ids:
        raise OCSPRefusalError("malformed_request")
    cert_ids = []
    for item in items:
        cert_id = item["req_cert"]
        cert_ids.append(AskedCertId(
            cert_id.dump(), cert_id["hash_algorithm"]["algorithm"].native,
            cert_id["issuer_name_hash"].native, cert_id["issuer_key_hash"].native,
            cert_id["serial_number"].native))
    nonce = None
    for extension in request["tbs_request"]["request_extensions"]:
        if extension["extn_id"].dotted == NONCE_OID:
            nonce = extension["extn_value"].contents
    request["optional_signature"].native  # noqa: B018 (all of it must parse)
    return ParsedRequest(cert_ids, nonce)


__all__ = ["NONCE_OID", "AskedCertId", "OCSPRefusalError", "ParsedRequest", "parse_request",
           "tlv"]
