"""OCSP responses (RFC 6960) as of the testbed clock, signed with the responder's parsed key.

Two writers, one response. The common answer (one CertID asked the way pyca writes it, no
``invalidityDate``, a testbed instant that is the wall clock's second) is written by pyca's
``OCSPResponseBuilder`` (:mod:`testbed.ocsp_pyca`, which says why only that answer). Every other
one is written here with asn1crypto, which can put any instant in ``producedAt``, up to
:data:`testbed.services.OCSP_MAX_CERT_IDS` SingleResponses in one response and the
``invalidityDate`` single extension, and echoes the client's CertIDs and nonce whatever their
encoding. ``tests/testbed/test_ocsp_pyca.py`` checks that both write the same response.

How asn1crypto encodes it (:mod:`asn1crypto.ocsp`: ``OCSPResponse``, ``ResponseBytes``,
``BasicOCSPResponse``, ``ResponseData``, ``SingleResponse``; no DER is written here, by the
project's rule): the parts that never change are asn1crypto objects built once (per responder:
ResponderID, signature algorithm, the responder certificate; per module: the ``good`` and
``unknown`` statuses, ``successful``, ``id-pkix-ocsp-basic``; per testbed second: producedAt and
nextUpdate) and go into each answer as they are. Each answer's structures are built in one go
from their fields, innermost first, each put into its parent as loaded from its own DER
(:func:`_encoded`): a structure asn1crypto has built re-encodes everything it holds each time
its encoding is read, two or three times per ``dump()``, at every level above. The CertID is the
client's own asn1crypto object (echoed unchanged), and the signature, from the pyca key object
parsed once, is over ``ResponseData.dump()``, the very bytes then loaded into the
BasicOCSPResponse. The cost, measured: about 250 µs per answer beyond the signature (pyca:
about 110 µs; an RSA-2048 signature takes 260–500 µs, P-256 about 25 µs); requests without a
nonce are served pre-produced (:mod:`testbed.ocsp_cache`). Tests read every kind of answer
back with pyca (strict), asn1crypto, pyHanko and ``openssl ocsp``
(``tests/testbed/test_ocsp_responses.py``, ``test_ocsp_cert_ids.py``, ``test_service_keys.py``,
``test_ocsp_pyca.py``).

What a serial's status is comes from one function the caller passes (:data:`StatusOf`), so the
registry behind it can change without touching this module.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import lru_cache
from typing import TypeVar

from asn1crypto import algos, core, ocsp, x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes

from .ocsp_pyca import PycaSigner, pyca_response, unsuccessful
from .ocsp_requests import AskedCertId, OCSPRefusalError, ParsedRequest

CERT_ID_HASHES = ("sha1", "sha224", "sha256", "sha384", "sha512")
"""The hash algorithms a CertID may use (RFC 6960 4.1.1 leaves the choice to the client; RFC 5019
names SHA-1, RFC 6960's clients and pyHanko SHA-256, openssl any of these)."""

_V = TypeVar("_V", bound=core.Asn1Value)


def _encoded(value: _V) -> _V:
    """``value`` as asn1crypto loads it from its own DER. A structure built from fields stays
    marked as changed and re-encodes itself and all it holds whenever its encoding is read; a
    loaded one keeps its bytes, so its parent's encoding only copies them."""
    return type(value).load(value.dump())


_GOOD = _encoded(ocsp.CertStatus(name="good", value=None))
_UNKNOWN = _encoded(ocsp.CertStatus(name="unknown", value=None))
_SUCCESSFUL = _encoded(ocsp.OCSPResponseStatus("successful"))
_BASIC = _encoded(ocsp.ResponseType("basic_ocsp_response"))
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
    responder_id: ocsp.ResponderId = field(init=False)
    """ResponderID ``byKey``: the SHA-1 of the responder's public key (RFC 6960 4.2.1)."""
    certs: ocsp.Certificates = field(init=False)
    """The responder's certificate (a delegated responder must send it, RFC 6960 4.2.2.2)."""
    issuer_hashes: dict[str, tuple[bytes, bytes]] = field(init=False)
    pyca: PycaSigner = field(init=False)
    """The same responder for pyca's builder (:mod:`testbed.ocsp_pyca`)."""
    _signature: Callable[[bytes], bytes] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.signature_algorithm = _encoded(signature_algorithm_for(self.private_key))
        self._signature = self._signature_function()
        self.responder_id = _encoded(ocsp.ResponderId(
            name="by_key", value=self.responder_certificate.public_key.sha1))
        self.certs = _encoded(ocsp.Certificates([self.responder_certificate]))
        name_der = self.issuer.subject.dump()
        key_bits = bytes(self.issuer.public_key["public_key"])
        self.issuer_hashes = {algorithm: (hashlib.new(algorithm, name_der).digest(),
                                          hashlib.new(algorithm, key_bits).digest())
                              for algorithm in CERT_ID_HASHES}
        self.pyca = PycaSigner.load(self.private_key,  # type: ignore[arg-type]  # RSA or EC
                                    self.responder_certificate.dump(),
                                    self.signature_algorithm.hash_algo)

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


@lru_cache(maxsize=8)
def error_response(status: str) -> bytes:
    """An unsigned OCSP error response (``malformed_request``, ``unauthorized``, ...), written
    by pyca once per status (the service mode ``unauthorized`` sends it to every request)."""
    return unsuccessful(status)


def _time(instant: datetime, **tagging: int) -> core.GeneralizedTime:
    """GeneralizedTime in whole seconds (RFC 5280 4.1.2.5.2: no fractions)."""
    return core.GeneralizedTime(instant.replace(microsecond=0), **tagging)


@lru_cache(maxsize=8)
def _times(at: datetime, validity: timedelta) -> tuple[core.GeneralizedTime, core.GeneralizedTime]:
    """producedAt (also each thisUpdate) and nextUpdate, built once per testbed second."""
    return _time(at), _time(at + validity, explicit=0)


def _single_response(cert_id: ocsp.CertId, answer: CertStatus, this_update: core.GeneralizedTime,
                     next_update: core.GeneralizedTime) -> ocsp.SingleResponse:
    """SingleResponse: the CertID as asked, the status, thisUpdate, nextUpdate and, for a
    revocation with one, the invalidityDate extension (RFC 5280 5.3.2)."""
    fields: dict[str, object] = {"cert_id": cert_id, "this_update": this_update,
                                 "next_update": next_update}
    if answer.status == "revoked":
        assert answer.revoked_at is not None
        fields["cert_status"] = ocsp.CertStatus(name="revoked", value=_encoded(ocsp.RevokedInfo({
            "revocation_time": _time(answer.revoked_at), "revocation_reason": answer.reason})))
        if answer.invalidity_date is not None:
            fields["single_extensions"] = _encoded(ocsp.SingleResponseExtensions([_encoded(
                ocsp.SingleResponseExtension({"extn_id": "invalidity_date",
                                              "extn_value": _time(answer.invalidity_date)}))]))
    else:
        fields["cert_status"] = _GOOD if answer.status == "good" else _UNKNOWN
    return _encoded(ocsp.SingleResponse(fields))


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
    """The signed response to ``request`` at the testbed instant ``at`` (whole seconds), by
    pyca when it can write it (:mod:`testbed.ocsp_pyca`), else by asn1crypto.
    Raises :class:`OCSPRefusalError` for an error response."""
    answers = [status_of(_checked_serial(asked, material), at) for asked in request.cert_ids]
    untils = [answer.until for answer in answers if answer.until is not None]
    until = min(untils) if untils else None
    if request.pyca_form is not None:
        der = pyca_response(material.pyca, request.pyca_form, request.cert_ids[0], answers[0],
                            at, at + validity)
        if der is not None:
            return Answer(der, until)
    return Answer(asn1crypto_response(request, material, answers, at, validity), until)


def asn1crypto_response(request: ParsedRequest, material: ResponderMaterial,
                         answers: list[CertStatus], at: datetime, validity: timedelta) -> bytes:
    """The response to ``request`` written by asn1crypto: ``answers`` for its CertIDs, each as
    the client encoded it, and its nonce extension as the client sent it."""
    produced_at, next_update = _times(at, validity)
    cert_ids, nonce = request.echoed()
    singles = [_single_response(cert_id, answer, produced_at, next_update)
               for cert_id, answer in zip(cert_ids, answers, strict=True)]
    response_data = ocsp.ResponseData({
        "responder_id": material.responder_id, "produced_at": produced_at,
        "responses": _encoded(ocsp.Responses(singles)),
        "response_extensions": None if nonce is None else [nonce]})
    signed = response_data.dump()
    basic = ocsp.BasicOCSPResponse({
        "tbs_response_data": ocsp.ResponseData.load(signed),
        "signature_algorithm": material.signature_algorithm,
        "signature": material.sign(signed), "certs": material.certs})
    return ocsp.OCSPResponse({"response_status": _SUCCESSFUL, "response_bytes": {
        "response_type": _BASIC, "response": basic}}).dump()


__all__ = ["CERT_ID_HASHES", "Answer", "CertStatus", "ResponderMaterial", "StatusOf",
           "asn1crypto_response",
           "answer_request", "error_response", "load_material", "signature_algorithm_for"]
