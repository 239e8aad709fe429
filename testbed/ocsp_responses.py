"""OCSP responses (RFC 6960) as of the testbed clock, signed with the responder's parsed key.

Why not pyca's ``OCSPResponseBuilder``, the first choice: it writes ``producedAt`` from the wall
clock (cryptography 50: ``produced_at_utc`` is the real instant whatever ``this_update`` says),
and the testbed answers at its *simulated* clock (a testbed moved years ahead would send a
``producedAt`` before its responder certificate's notBefore). It also takes one SingleResponse
per response (the testbed answers up to 100 CertIDs) and no single extensions (the testbed
answers ``invalidityDate``).

How: asn1crypto encodes each SingleResponse (CertID echoed, status, times, extensions) and, once
per responder, the constant parts (ResponderID, signature algorithm, the responder certificate);
the few enclosing SEQUENCEs are framed by :func:`_tlv`, because asn1crypto re-encodes nested
structures on every assignment (measured 1.4–2 ms per response, the RSA-2048 signature itself
0.6 ms). The signature comes from the pyca key object parsed once. Tests parse every kind of
answer back with pyca, asn1crypto, pyHanko and ``openssl ocsp``.

What a serial's status is comes from one function the caller passes (:data:`StatusOf`), so the
registry behind it can change without touching this module.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from asn1crypto import algos, core, ocsp, x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes

CERT_ID_HASHES = ("sha1", "sha224", "sha256", "sha384", "sha512")
"""The hash algorithms a CertID may use (RFC 6960 4.1.1 leaves the choice to the client; RFC 5019
names SHA-1, RFC 6960's clients and pyHanko SHA-256, openssl any of these)."""


_SUCCESSFUL = b"\x0a\x01\x00"
"""``responseStatus ENUMERATED successful(0)``."""
_BASIC_TYPE = core.ObjectIdentifier("1.3.6.1.5.5.7.48.1.1").dump()
"""``id-pkix-ocsp-basic``, the ``responseType`` of a BasicOCSPResponse."""


def _tlv(tag: int, content: bytes) -> bytes:
    """One DER element: ``tag``, definite length, ``content`` (already DER)."""
    size = len(content)
    if size < 0x80:
        return bytes((tag, size)) + content
    length = size.to_bytes((size.bit_length() + 7) // 8, "big")
    return bytes((tag, 0x80 | len(length))) + length + content


@dataclass(frozen=True)
class CertStatus:
    """What the responder says about one serial at one instant.

    ``until`` is the first later instant at which the answer would change by itself (the
    certificate's issuance or a revocation dated in the future of the testbed clock), so a
    cached response is never served past it; ``None``: not before the registry changes."""

    status: str
    """``good``, ``revoked`` or ``unknown``."""
    revoked_at: datetime | None = None
    reason: str | None = None
    """asn1crypto's CRLReason name (``key_compromise``, ...), for ``revoked``."""
    invalidity_date: datetime | None = None
    until: datetime | None = None


StatusOf = Callable[[int, datetime], CertStatus]
"""The status of a serial (of the responder's CA) at an instant: the registry answers it."""


class OCSPRefusalError(Exception):
    """The request is answered with an unsigned error response of this ``status``."""

    def __init__(self, status: str) -> None:
        super().__init__(status)
        self.status = status


@dataclass
class ResponderMaterial:
    """One CA's responder, prepared once: its key, certificate, ID and the CA's CertID hashes."""

    private_key: PrivateKeyTypes
    responder_certificate: x509.Certificate
    issuer: x509.Certificate
    signature_algorithm: algos.SignedDigestAlgorithm = field(init=False)
    signature_algorithm_der: bytes = field(init=False)
    responder_id_der: bytes = field(init=False)
    """ResponderID ``byKey``: the SHA-1 of the responder's public key (RFC 6960 4.2.1)."""
    certs_der: bytes = field(init=False)
    """``certs [0] EXPLICIT SEQUENCE OF Certificate``: the responder's (a delegated responder
    must send it, RFC 6960 4.2.2.2)."""
    issuer_hashes: dict[str, tuple[bytes, bytes]] = field(init=False)

    def __post_init__(self) -> None:
        self.signature_algorithm = signature_algorithm_for(self.private_key)
        self.signature_algorithm_der = self.signature_algorithm.dump()
        self.responder_id_der = ocsp.ResponderId(
            name="by_key", value=self.responder_certificate.public_key.sha1).dump()
        self.certs_der = _tlv(0xA0, _tlv(0x30, self.responder_certificate.dump()))
        name_der = self.issuer.subject.dump()
        key_bits = bytes(self.issuer.public_key["public_key"])
        self.issuer_hashes = {algorithm: (hashlib.new(algorithm, name_der).digest(),
                                          hashlib.new(algorithm, key_bits).digest())
                              for algorithm in CERT_ID_HASHES}

    def sign(self, data: bytes) -> bytes:
        """The responder's signature over ``data`` with :attr:`signature_algorithm`."""
        digest = getattr(hashes, self.signature_algorithm.hash_algo.upper())()
        if isinstance(self.private_key, rsa.RSAPrivateKey):
            return self.private_key.sign(data, padding.PKCS1v15(), digest)
        if isinstance(self.private_key, ec.EllipticCurvePrivateKey):
            return self.private_key.sign(data, ec.ECDSA(digest))
        raise TypeError(type(self.private_key).__name__)


def signature_algorithm_for(key: PrivateKeyTypes) -> algos.SignedDigestAlgorithm:
    """SHA-256 with RSA (PKCS#1 v1.5) or ECDSA; SHA-384 with ECDSA on P-384 (a hash of the
    curve's strength, as CA/Browser Forum and RFC 5480 4 pair them)."""
    if isinstance(key, rsa.RSAPrivateKey):
        return algos.SignedDigestAlgorithm({"algorithm": "sha256_rsa"})
    if isinstance(key, ec.EllipticCurvePrivateKey):
        name = "sha384_ecdsa" if key.curve.key_size >= 384 else "sha256_ecdsa"
        return algos.SignedDigestAlgorithm({"algorithm": name})
    raise TypeError(type(key).__name__)


def load_material(key_pem: bytes, responder_der: bytes, issuer_der: bytes) -> ResponderMaterial:
    """A responder from its key file and the DER of its certificate and of its CA's."""
    key = serialization.load_pem_private_key(key_pem, password=None,
                                             unsafe_skip_rsa_key_validation=True)
    return ResponderMaterial(key, x509.Certificate.load(responder_der),
                             x509.Certificate.load(issuer_der))


def error_response(status: str) -> bytes:
    """An unsigned OCSP error response (``malformed_request``, ``unauthorized``, ...)."""
    return ocsp.OCSPResponse({"response_status": status}).dump()


def _single_response(cert_id: ocsp.CertId, answer: CertStatus, at: datetime,
                     validity: timedelta) -> ocsp.SingleResponse:
    extensions = []
    if answer.status == "revoked":
        status = ocsp.CertStatus(name="revoked", value=ocsp.RevokedInfo({
            "revocation_time": answer.revoked_at, "revocation_reason": answer.reason}))
        if answer.invalidity_date is not None:
            extensions.append(ocsp.SingleResponseExtension({
                "extn_id": "invalidity_date",
                "extn_value": core.GeneralizedTime(answer.invalidity_date)}))
    else:
        status = ocsp.CertStatus(name=answer.status, value=core.Null())
    fields: dict[str, object] = {"cert_id": cert_id, "cert_status": status, "this_update": at,
                                 "next_update": at + validity}
    if extensions:
        fields["single_extensions"] = extensions
    return ocsp.SingleResponse(fields)


def _checked_cert_id(cert_id: ocsp.CertId, material: ResponderMaterial) -> int:
    """The serial ``cert_id`` asks about; raises :class:`OCSPRefusalError` when it names another CA
    (``unauthorized``) or a hash this responder cannot match (``malformed_request``)."""
    algorithm = cert_id["hash_algorithm"]["algorithm"].native
    expected = material.issuer_hashes.get(algorithm)
    if expected is None:
        raise OCSPRefusalError("malformed_request")
    if (cert_id["issuer_name_hash"].native, cert_id["issuer_key_hash"].native) != expected:
        raise OCSPRefusalError("unauthorized")
    serial: int = cert_id["serial_number"].native
    return serial


@dataclass(frozen=True)
class Answer:
    """A signed response and the first instant it stops being the right answer (or ``None``)."""

    der: bytes
    until: datetime | None


def answer_request(request: ocsp.OCSPRequest, material: ResponderMaterial, status_of: StatusOf,
                   at: datetime, validity: timedelta) -> Answer:
    """The signed response to ``request`` at the testbed instant ``at`` (whole seconds).
    Raises :class:`OCSPRefusalError` for an error response; ``ValueError``/``TypeError`` on a
    request that only looked well formed."""
    items = request["tbs_request"]["request_list"]
    if len(items) == 0:
        raise OCSPRefusalError("malformed_request")
    singles, until = [], None
    for item in items:
        cert_id = item["req_cert"]
        answer = status_of(_checked_cert_id(cert_id, material), at)
        singles.append(_single_response(cert_id, answer, at, validity))
        if answer.until is not None and (until is None or answer.until < until):
            until = answer.until
    extensions = b""
    nonce = request.nonce_value
    if nonce is not None:
        nonce_extension = ocsp.ResponseDataExtension({"extn_id": "nonce",
                                                      "extn_value": nonce.native})
        extensions = _tlv(0xA1, _tlv(0x30, nonce_extension.dump()))
    response_data = _tlv(0x30, material.responder_id_der
                         + core.GeneralizedTime(at).dump()
                         + _tlv(0x30, b"".join(single.dump() for single in singles))
                         + extensions)
    basic = _tlv(0x30, response_data + material.signature_algorithm_der
                 + _tlv(0x03, b"\x00" + material.sign(response_data))
                 + material.certs_der)
    der = _tlv(0x30, _SUCCESSFUL + _tlv(0xA0, _tlv(0x30, _BASIC_TYPE + _tlv(0x04, basic))))
    return Answer(der, until)


__all__ = ["CERT_ID_HASHES", "Answer", "CertStatus", "OCSPRefusalError", "ResponderMaterial",
           "StatusOf", "answer_request", "error_response", "load_material",
           "signature_algorithm_for"]
