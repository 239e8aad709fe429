"""The common OCSP answer written by pyca's ``OCSPResponseBuilder``, the field's encoder: one
CertID, ``good``, ``revoked`` (time and reason) or ``unknown``, the nonce echoed, ResponderID
``byKey``, the responder's certificate, signed with the responder's key.

Why only the common answer: pyca's builder writes ``producedAt`` from the wall clock (cryptography
50 reads the real instant whatever ``this_update`` says), one SingleResponse per response and no
single extensions. So it answers only when the testbed instant *is* the wall clock's second (a
testbed following the wall clock, as a test lab's responder does), the request asks about one
certificate the way pyca writes it (:class:`testbed.ocsp_requests.PycaForm`: then pyca echoes
the client's CertID and nonce byte for byte) and the answer needs no ``invalidityDate``; the
``producedAt`` it wrote is checked to be that second (a second that ended while signing gives the
answer back to asn1crypto). Everything else goes to :mod:`testbed.ocsp_responses`, which writes
the same response with asn1crypto at any testbed instant (a test compares the two).

Why at all, measured per answer beyond the signature (an RSA-2048 signature takes about 260 µs,
a P-256 one about 25 µs): asn1crypto about 250 µs, pyca about 110 µs, of which some 75 µs go to
the responder certificate (``certificates``; ``public_bytes`` re-encodes it: 58 µs with it,
10 µs without), which a delegated responder must send (RFC 6960 4.2.2.2).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.types import CertificateIssuerPrivateKeyTypes
from cryptography.x509 import ocsp

from .clock import wall_clock
from .ocsp_requests import AskedCertId, PycaForm

if TYPE_CHECKING:
    from .ocsp_responses import CertStatus

_STATUSES = {"good": ocsp.OCSPCertStatus.GOOD, "revoked": ocsp.OCSPCertStatus.REVOKED,
             "unknown": ocsp.OCSPCertStatus.UNKNOWN}
_ERRORS = {"malformed_request": ocsp.OCSPResponseStatus.MALFORMED_REQUEST,
           "internal_error": ocsp.OCSPResponseStatus.INTERNAL_ERROR,
           "try_later": ocsp.OCSPResponseStatus.TRY_LATER,
           "sign_required": ocsp.OCSPResponseStatus.SIG_REQUIRED,
           "unauthorized": ocsp.OCSPResponseStatus.UNAUTHORIZED}
"""asn1crypto's name of each OCSP error status (the testbed's) and pyca's."""


@dataclass(frozen=True)
class PycaSigner:
    """The responder's pyca objects, made once per responder."""

    private_key: CertificateIssuerPrivateKeyTypes
    certificate: x509.Certificate
    hash_algorithm: hashes.HashAlgorithm
    """The signature's hash: that of the responder's signature algorithm (SHA-256, or SHA-384
    for P-384: :func:`testbed.ocsp_responses.signature_algorithm_for`)."""
    base: ocsp.OCSPResponseBuilder
    """A builder holding what every answer of the responder carries (ResponderID ``byKey``, the
    responder certificate); pyca's builders are immutable, so each answer starts from it."""

    @classmethod
    def load(cls, private_key: CertificateIssuerPrivateKeyTypes, certificate_der: bytes,
             hash_name: str) -> PycaSigner:
        certificate = x509.load_der_x509_certificate(certificate_der)
        base = ocsp.OCSPResponseBuilder().responder_id(
            ocsp.OCSPResponderEncoding.HASH, certificate).certificates([certificate])
        return cls(private_key, certificate, getattr(hashes, hash_name.upper())(), base)


def unsuccessful(status: str) -> bytes:
    """The unsigned OCSP error response ``status`` (asn1crypto's name: ``unauthorized``, ...)."""
    response = ocsp.OCSPResponseBuilder.build_unsuccessful(_ERRORS[status])
    return response.public_bytes(serialization.Encoding.DER)


def pyca_response(signer: PycaSigner, form: PycaForm, asked: AskedCertId, answer: CertStatus,
                  at: datetime, next_update: datetime) -> bytes | None:
    """The signed response for ``asked`` at testbed instant ``at`` (thisUpdate and producedAt),
    or ``None`` when pyca cannot write it (see the module)."""
    if answer.invalidity_date is not None or at != wall_clock():
        return None
    revoked = answer.status == "revoked"
    builder = signer.base.add_response_by_hash(
        asked.issuer_name_hash, asked.issuer_key_hash, asked.serial, form.hash_algorithm,
        _STATUSES[answer.status], at, next_update,
        answer.revoked_at.replace(microsecond=0) if revoked and answer.revoked_at else None,
        x509.ReasonFlags[answer.reason] if revoked and answer.reason is not None else None)
    if form.nonce is not None:
        builder = builder.add_extension(form.nonce.value, form.nonce.critical)
    response = builder.sign(signer.private_key, signer.hash_algorithm)
    if response.produced_at_utc != at:
        return None
    return response.public_bytes(serialization.Encoding.DER)


__all__ = ["PycaSigner", "pyca_response", "unsuccessful"]
