"""OCSP requests (RFC 6960 4.1) read into what the responder needs: the CertIDs asked about, each
as the client's own asn1crypto ``CertId`` (echoed unchanged in the answer), and the nonce.

pyca reads and checks the common request (one CertID, RFC 5019 2.1.1) in a few µs, so it goes
first for the fields the responder decides on (hash, issuer hashes, serial); asn1crypto, which
parses only what is asked of it, then yields that CertID and the nonce extension as the client
sent them (about 40 µs; having asn1crypto read the fields as well adds some 15 µs).
asn1crypto reads everything pyca declines (several CertIDs, a hash pyca does not name, encodings
pyca refuses). No DER is read or written here by hand.
"""

from __future__ import annotations

from dataclasses import dataclass

from asn1crypto import ocsp
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.x509 import ocsp as pyca_ocsp

NONCE_OID = "1.3.6.1.5.5.7.48.1.2"
"""``id-pkix-ocsp-nonce``."""
_PYCA_HASHES = frozenset(("sha1", "sha224", "sha256", "sha384", "sha512"))
"""The CertID hashes the responder matches (:data:`testbed.ocsp_responses.CERT_ID_HASHES`);
pyca's name for each is asn1crypto's."""


class OCSPRefusalError(Exception):
    """The request is answered with an unsigned error response of this ``status``."""

    def __init__(self, status: str) -> None:
        super().__init__(status)
        self.status = status


@dataclass(frozen=True)
class AskedCertId:
    """One CertID of a request: the client's asn1crypto object and its fields."""

    cert_id: ocsp.CertId
    """As parsed from the request: its encoding is the client's, echoed as it is."""
    algorithm: str
    """asn1crypto's name of the hash (``sha1``, ``sha256``, ``md5``, ...)."""
    issuer_name_hash: bytes
    issuer_key_hash: bytes
    serial: int


@dataclass(frozen=True)
class ParsedRequest:
    cert_ids: list[AskedCertId]
    nonce: ocsp.ResponseDataExtension | None
    """The nonce extension to echo in the response (RFC 6960 4.4.1), or ``None``."""


def parse_request(der: bytes, max_cert_ids: int) -> ParsedRequest:
    """The CertIDs and nonce of a DER request; raises :class:`OCSPRefusalError`
    (``malformed_request``) for one that cannot be read, asks nothing or asks about more than
    ``max_cert_ids`` certificates."""
    try:
        parsed = _read_common(der)
        if parsed is None:
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
    except (ValueError, NotImplementedError, UnsupportedAlgorithm):
        return None
    if algorithm not in _PYCA_HASHES:
        return None
    tbs_request = ocsp.OCSPRequest.load(der)["tbs_request"]
    [item] = tbs_request["request_list"]
    asked = AskedCertId(item["req_cert"], algorithm, request.issuer_name_hash,
                        request.issuer_key_hash, request.serial_number)
    return ParsedRequest([asked], _nonce(tbs_request))


def _read_any(der: bytes, max_cert_ids: int) -> ParsedRequest:
    request = ocsp.OCSPRequest.load(der)
    tbs_request = request["tbs_request"]
    items = tbs_request["request_list"]
    if len(items) > max_cert_ids:
        raise OCSPRefusalError("malformed_request")
    cert_ids = []
    for item in items:
        cert_id = item["req_cert"]
        cert_ids.append(AskedCertId(
            cert_id, cert_id["hash_algorithm"]["algorithm"].native,
            cert_id["issuer_name_hash"].native, cert_id["issuer_key_hash"].native,
            cert_id["serial_number"].native))
    nonce = _nonce(tbs_request)
    request["optional_signature"].native  # noqa: B018 (all of it must parse)
    return ParsedRequest(cert_ids, nonce)


def _nonce(tbs_request: ocsp.TBSRequest) -> ocsp.ResponseDataExtension | None:
    """The request's nonce extension as the client sent it (whatever its value holds), read as
    the response's extension of the same syntax, or ``None``."""
    for extension in tbs_request["request_extensions"]:
        if extension["extn_id"].dotted == NONCE_OID:
            return ocsp.ResponseDataExtension.load(extension.dump())
    return None


__all__ = ["NONCE_OID", "AskedCertId", "OCSPRefusalError", "ParsedRequest", "parse_request"]
