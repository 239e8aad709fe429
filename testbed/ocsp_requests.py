"""OCSP requests (RFC 6960 4.1) read into what the responder needs: the CertIDs asked about and
the nonce, and whether pyca's response builder can answer the request as the client wrote it.

pyca reads and checks the common request (one CertID, RFC 5019 2.1.1) in a few µs, so it goes
first. When pyca's own request builder, given the fields it read, writes the very bytes the
client sent (:attr:`ParsedRequest.pyca_form`; about 7 µs), the CertID and nonce extension pyca's
response builder writes are byte for byte the client's, and :mod:`testbed.ocsp_pyca` answers
without asn1crypto. Otherwise (a hash AlgorithmIdentifier without its NULL parameters, a
requestor name, another extension, several CertIDs, a hash pyca does not name, an encoding pyca
refuses) asn1crypto reads the request and yields each CertID and the nonce extension exactly as
the client sent them, to be echoed by :mod:`testbed.ocsp_responses`; asn1crypto parses only what
is asked of it, so a request pyca has read is parsed by it only when that answer needs it
(:meth:`ParsedRequest.echoed`). No DER is read or written here by hand.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from asn1crypto import ocsp
from cryptography import x509 as pyca_x509
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
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
    """The fields of one CertID of a request, which the responder decides on."""

    algorithm: str
    """asn1crypto's name of the hash (``sha1``, ``sha256``, ``md5``, ...)."""
    issuer_name_hash: bytes
    issuer_key_hash: bytes
    serial: int


@dataclass(frozen=True)
class PycaForm:
    """A one-CertID request exactly as pyca's request builder writes it: what pyca's response
    builder needs to echo its CertID and nonce byte for byte."""

    hash_algorithm: hashes.HashAlgorithm
    nonce: pyca_x509.Extension[pyca_x509.OCSPNonce] | None


@dataclass
class ParsedRequest:
    """A request the responder can answer (or refuse for the CA or hash it names)."""

    der: bytes
    cert_ids: list[AskedCertId]
    has_nonce: bool
    pyca_form: PycaForm | None = None
    """Set when pyca can answer the request as written (see the module)."""
    _echoed: tuple[list[ocsp.CertId], ocsp.ResponseDataExtension | None] | None = field(
        default=None, repr=False)

    def echoed(self) -> tuple[list[ocsp.CertId], ocsp.ResponseDataExtension | None]:
        """Each CertID as the client encoded it and the nonce extension to echo (RFC 6960
        4.4.1) read as the response's extension of the same syntax, or ``None``: asn1crypto's
        objects for :mod:`testbed.ocsp_responses`, read on first use."""
        if self._echoed is None:
            tbs_request = ocsp.OCSPRequest.load(self.der)["tbs_request"]
            self._echoed = ([item["req_cert"] for item in tbs_request["request_list"]],
                            _nonce(tbs_request))
        return self._echoed


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
        algorithm = request.hash_algorithm
        extensions = list(request.extensions)
    except (ValueError, NotImplementedError, UnsupportedAlgorithm):
        return None
    if algorithm.name not in _PYCA_HASHES:
        return None
    asked = AskedCertId(algorithm.name, request.issuer_name_hash, request.issuer_key_hash,
                        request.serial_number)
    has_nonce = any(extension.oid.dotted_string == NONCE_OID for extension in extensions)
    return ParsedRequest(der, [asked], has_nonce, _pyca_form(der, asked, algorithm, extensions))


def _pyca_form(der: bytes, asked: AskedCertId, algorithm: hashes.HashAlgorithm,
               extensions: list[pyca_x509.Extension[pyca_x509.ExtensionType]]) -> PycaForm | None:
    """The request's :class:`PycaForm` if pyca's request builder writes ``der`` itself from its
    fields (then its response builder writes the client's CertID and nonce), else ``None``."""
    if len(extensions) > 1 or any(not isinstance(extension.value, pyca_x509.OCSPNonce)
                                  for extension in extensions):
        return None
    builder = pyca_ocsp.OCSPRequestBuilder().add_certificate_by_hash(
        asked.issuer_name_hash, asked.issuer_key_hash, asked.serial, algorithm)
    for extension in extensions:
        builder = builder.add_extension(extension.value, extension.critical)
    if builder.build().public_bytes(serialization.Encoding.DER) != der:
        return None
    nonce = extensions[0] if extensions else None
    return PycaForm(algorithm, nonce)  # type: ignore[arg-type]  # an OCSPNonce extension


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
            cert_id["hash_algorithm"]["algorithm"].native, cert_id["issuer_name_hash"].native,
            cert_id["issuer_key_hash"].native, cert_id["serial_number"].native))
    nonce = _nonce(tbs_request)
    request["optional_signature"].native  # noqa: B018 (all of it must parse)
    parsed = ParsedRequest(der, cert_ids, nonce is not None)
    parsed._echoed = ([item["req_cert"] for item in items], nonce)
    return parsed


def _nonce(tbs_request: ocsp.TBSRequest) -> ocsp.ResponseDataExtension | None:
    """The request's nonce extension as the client sent it (whatever its value holds), read as
    the response's extension of the same syntax, or ``None``."""
    for extension in tbs_request["request_extensions"]:
        if extension["extn_id"].dotted == NONCE_OID:
            return ocsp.ResponseDataExtension.load(extension.dump())
    return None


__all__ = ["NONCE_OID", "AskedCertId", "OCSPRefusalError", "ParsedRequest", "PycaForm",
           "parse_request"]
