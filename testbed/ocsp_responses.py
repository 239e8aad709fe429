"""OCSP responses (RFC 6960) as of the testbed clock, signed with the responder's parsed key.

Why not pyca's ``OCSPResponseBuilder``, the first choice: it writes ``producedAt`` from the wall
clock (cryptography 50: ``produced_at_utc`` is the real instant whatever ``this_update`` says),
and the testbed answers at its *simulated* clock (a testbed moved years ahead would send a
``producedAt`` before its responder certificate's notBefore). It also takes one SingleResponse
per response (the testbed answers up to 100 CertIDs) and no single extensions (the testbed
answers ``invalidityDate``).

How: asn1crypto encodes, once per responder, the constant parts (ResponderID, signature
algorithm, the responder certificate); per answer only DER framing is left (:func:`tlv` around
the CertID bytes as the client sent them, the status, GeneralizedTimes in whole seconds, the
nonce), because asn1crypto re-encodes nested structures on every assignment (measured 1.4–2 ms
per response with asn1crypto objects, the RSA-2048 signature itself 0.3–0.6 ms). The signature
comes from the pyca key object parsed once. Tests read every kind of answer back with pyca
(strict), asn1crypto, pyHanko and ``openssl ocsp`` (``tests/testbed/test_ocsp_responses.py``,
``test_ocsp_cert_ids.py``, ``test_service_keys.py``).

What a serial's status is comes from one function the caller passes (:data:`StatusOf`), so the
registry behind it can change without touching this module.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from asn1crypto import algos, core, crl, ocsp, x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes

from .ocsp_requests import NONCE_OID, AskedCertId, OCSPRefusalError, ParsedRequest, tlv

CERT_ID_HASHES = ("sha1", "sha224", "sha256", "sha384", "sha512")
"""The hash algorithms a CertID may use (RFC 6960 4.1.1 leaves the choice to the client; RFC 5019
names SHA-1, RFC 6960's clients and pyHanko SHA-256, openssl any of these)."""


_NONCE_OID = core.ObjectIdentifier(NONCE_OID).dump()
_INVALIDITY_DATE_OID = core.ObjectIdentifier("2.5.29.24").dump()
_GOOD = b"\x80\x00"
"""``certStatus good [0] IMPLICIT NULL``."""
_UNKNOWN = b"\x82\x00"
"""``certStatus unknown [2] IMPLICIT UnknownInfo (NULL)``."""
_SUCCESSFUL = b"\x0a\x01\x00"
"""``responseStatus ENUMERATED successful(0)``."""
_BASIC_TYPE = core.ObjectIdentifier("1.3.6.1.5.5.7.48.1.1").dump()
"""``id-pkix-ocsp-basic``, the ``responseType`` of a BasicOCSPResponse."""


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
    _signature: Callable[[bytes], bytes] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.signature_algorithm = signature_algorithm_for(self.private_key)
        self._signature = self._signature_function()
        self.signature_algorithm_der = self.signature_algorithm.dump()
        self.responder_id_der = ocsp.ResponderId(
            name="by_key", value=self.responder_certificate.public_key.sha1).dump()
        self.certs_der = tlv(0xA0, tlv(0x30, self.responder_certificate.dump()))
        name_der = self.issuer.subject.dump()
        key_bits = bytes(self.issuer.public_key["public_key"])
        self.issuer_hashes = {algorithm: (hashlib.new(algorithm, name_der).digest(),
                                          hashlib.new(algorithm, key_bits).digest())
                              for algorithm in CERT_ID_HASHES}

    def sign(self, data: bytes) -> bytes:
        """The responder's signature over ``data`` with :attr:`signature_algorithm`."""
        return self._signature(data)

    def _signature_function(self) -> Callable[[bytes], bytes]:
        """Signing with the hash and padding chosen once (not looked up per response)."""
        key = self.private_key
        digest = getattr(hashes, self.signature_algorithm.hash_algo.upper())()
        if isinstance(key, rsa.RSAPrivateKey):
            pkcs1 = padding.PKCS1v15()
            return lambda data: key.sign(data, pkcs1, digest)
        if isinstance(key, ec.EllipticCurvePrivateKey):
            ecdsa = ec.ECDSA(digest)
            return lambda data: key.sign(data, ecdsa)
        raise TypeError(type(key).__name__)


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


def _time(instant: datetime) -> bytes:
    """GeneralizedTime in whole seconds, UTC (RFC 5280 4.1.2.5.2: no fractions)."""
    return tlv(0x18, instant.astimezone(UTC).strftime("%Y%m%d%H%M%SZ").encode())


def _single_response(cert_id: AskedCertId, answer: CertStatus, times: bytes) -> bytes:
    """SingleResponse: the CertID as asked, the status, ``times`` (thisUpdate and nextUpdate,
    encoded) and, for a revocation with one, the invalidityDate extension (RFC 5280 5.3.2)."""
    extensions = b""
    if answer.status == "revoked":
        assert answer.revoked_at is not None
        reason = b"" if answer.reason is None else tlv(0xA0, crl.CRLReason(answer.reason).dump())
        status = tlv(0xA1, _time(answer.revoked_at) + reason)
        if answer.invalidity_date is not None:
            extensions = tlv(0xA1, tlv(0x30, tlv(0x30, _INVALIDITY_DATE_OID + tlv(
                0x04, _time(answer.invalidity_date)))))
    else:
        status = _GOOD if answer.status == "good" else _UNKNOWN
    return tlv(0x30, cert_id.der + status + times + extensions)


def _checked_serial(cert_id: AskedCertId, material: ResponderMaterial) -> int:
    """The serial ``cert_id`` asks about; raises :class:`OCSPRefusalError` when it names another
    CA (``unauthorized``) or a hash this responder cannot match (``malformed_request``)."""
    expected = material.issuer_hashes.get(cert_id.algorithm)
    if expected is None:
        raise OCSPRefusalError("malformed_request")
    if (cert_id.issuer_name_hash, cert_id.issuer_key_hash) != expected:
        raise OCSPRefusalError("unauthorized")
    return cert_id.serial


@dataclass(frozen=True)
class Answer:
    """A signed response and the first instant it stops being the right answer (or ``None``)."""

    der: bytes
    until: datetime | None


def answer_request(request: ParsedRequest, material: ResponderMaterial, status_of: StatusOf,
                   at: datetime, validity: timedelta) -> Answer:
    """The signed response to ``request`` at the testbed instant ``at`` (whole seconds).
    Raises :class:`OCSPRefusalError` for an error response."""
    singles, until = [], None
    produced_at = _time(at)
    times = produced_at + tlv(0xA0, _time(at + validity))
    for cert_id in request.cert_ids:
        answer = status_of(_checked_serial(cert_id, material), at)
        singles.append(_single_response(cert_id, answer, times))
        if answer.until is not None and (until is None or answer.until < until):
            until = answer.until
    extensions = b""
    if request.nonce is not None:  # echoed as sent (RFC 6960 4.4.1)
        extensions = tlv(0xA1, tlv(0x30, tlv(0x30, _NONCE_OID + tlv(0x04, request.nonce))))
    response_data = tlv(0x30, material.responder_id_der + produced_at
                        + tlv(0x30, b"".join(singles)) + extensions)
    basic = tlv(0x30, response_data + material.signature_algorithm_der
                 + tlv(0x03, b"\x00" + material.sign(response_data))
                 + material.certs_der)
    der = tlv(0x30, _SUCCESSFUL + tlv(0xA0, tlv(0x30, _BASIC_TYPE + tlv(0x04, basic))))
    return Answer(der, until)


__all__ = ["CERT_ID_HASHES", "Answer", "CertStatus", "ResponderMaterial", "StatusOf",
           "answer_request", "error_response", "load_material", "signature_algorithm_for"]
