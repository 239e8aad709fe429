"""Certomancer's builders for the live services: OCSP responses, CRLs and timestamp responses.

The testbed serves its own HTTP (:mod:`testbed.services` decides what to answer, as of the
testbed clock, and caches it); certomancer's :class:`~certomancer.services.SimpleOCSPResponder`,
:class:`~certomancer.services.CRLBuilder` and :class:`~certomancer.services.TimeStamper` still
encode and sign every answer, through the parsed-key cache (:mod:`.key_cache`). This module is
the only place the services reach them.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from asn1crypto import algos, crl, keys, ocsp, tsp, x509
from certomancer.services import (
    CertomancerServiceError,
    CRLBuilder,
    RevocationInfoInterface,
    SimpleOCSPResponder,
    TimeStamper,
    choose_signed_digest,
)

from bilingual import say

from .key_cache import install_key_cache

RevocationStatus = tuple[ocsp.CertStatus, list[ocsp.SingleResponseExtension]]
"""An OCSP answer about one certificate: its status and the single-response extensions."""
RevocationLookup = Callable[[ocsp.CertId, datetime], RevocationStatus]
"""The revocation status of a CertID at an instant (the testbed's registry answers it)."""

CERT_ID_HASHES = frozenset({"sha1", "sha224", "sha256", "sha384", "sha512"})
"""The hash algorithms a CertID may use (RFC 6960 4.1.1 leaves the choice to the client; RFC 5019
names SHA-1, RFC 6960's clients and pyHanko SHA-256, openssl any of these). Certomancer matches
SHA-1 and SHA-256 only and answers ``internalError`` for the others."""


@dataclass(frozen=True)
class ServiceSigner:
    """A service's signing certificate and private key (an OCSP responder, a CA, a TSA)."""

    certificate: x509.Certificate
    private_key: keys.PrivateKeyInfo

    def algorithm(self) -> algos.SignedDigestAlgorithm:
        """SHA-256 with the signature scheme of the certificate's key."""
        return choose_signed_digest("sha256", self.certificate.public_key)


def load_service_signer(certificate: x509.Certificate, key_file_bytes: bytes) -> ServiceSigner:
    """The signer of ``certificate`` with its private key file's bytes (parsed once, cached)."""
    private_key, _ = install_key_cache().load_private_key(key_file_bytes, None)
    return ServiceSigner(certificate, private_key)


class _RevocationSource(RevocationInfoInterface):
    """What certomancer's OCSP responder asks for each CertID, answered by ``lookup``."""

    def __init__(self, issuer: x509.Certificate, lookup: RevocationLookup) -> None:
        self._issuer = issuer
        self._lookup = lookup

    def get_issuer_cert(self) -> x509.Certificate:
        return self._issuer

    def check_revocation_status(self, cid: ocsp.CertId, at_time: datetime) -> RevocationStatus:
        return self._lookup(cid, at_time)


def issuer_matches(cid: ocsp.CertId, issuer: x509.Certificate) -> bool:
    """Whether ``cid`` names a certificate of ``issuer``: its hashes of the issuer's DER name and
    of the issuer's public key (the BIT STRING's value, RFC 6960 4.1.1). Raises ``ValueError``
    for a hash algorithm outside :data:`CERT_ID_HASHES` (the responder answers
    ``malformedRequest``: it cannot tell which certificate the client means)."""
    algorithm = cid["hash_algorithm"]["algorithm"].native
    if algorithm not in CERT_ID_HASHES:
        raise ValueError(say(f"không hỗ trợ thuật toán băm {algorithm!r} của CertID",
                             f"CertID hash algorithm {algorithm!r} is not supported"))
    name_hash = hashlib.new(algorithm, issuer.subject.dump()).digest()
    key_hash = hashlib.new(algorithm, bytes(issuer.public_key["public_key"])).digest()
    return cid["issuer_name_hash"].native == name_hash \
        and cid["issuer_key_hash"].native == key_hash


class _AnyHashOCSPResponder(SimpleOCSPResponder):
    """Certomancer's responder, matching the issuer with every hash of :data:`CERT_ID_HASHES`."""

    def format_single_ocsp_response(self, cid: ocsp.CertId,
                                    issuer_cert: x509.Certificate) -> ocsp.SingleResponse:
        if not issuer_matches(cid, issuer_cert):
            raise CertomancerServiceError(say("máy chủ OCSP không được ủy quyền",
                                              "Responder is not authorised"))
        status, extensions = self.revinfo_interface.check_revocation_status(cid, self.at_time)
        fields = {"cert_id": cid, "cert_status": status, "this_update": self.at_time,
                  "single_extensions": extensions or None}
        if self.validity is not None:
            fields["next_update"] = self.at_time + self.validity
        return ocsp.SingleResponse(fields)


def ocsp_error_response(status: str) -> ocsp.OCSPResponse:
    """An unsigned OCSP error response (``malformed_request``, ``unauthorized``, ...)."""
    return SimpleOCSPResponder.build_error_response(status)


def sign_ocsp_response(request: ocsp.OCSPRequest, signer: ServiceSigner,
                       issuer: x509.Certificate, lookup: RevocationLookup, at_time: datetime,
                       validity: timedelta) -> ocsp.OCSPResponse:
    """The OCSP response to ``request`` about certificates of ``issuer``, produced at
    ``at_time`` and valid for ``validity``; each status comes from ``lookup``. May raise
    ``ValueError``, ``TypeError`` or ``KeyError`` on a request that only looked well formed."""
    responder = _AnyHashOCSPResponder(
        responder_cert=signer.certificate,
        responder_key=signer.private_key,
        signature_algo=signer.algorithm(),
        at_time=at_time,
        revinfo_interface=_RevocationSource(issuer, lookup),
        validity=validity,
    )
    return responder.build_ocsp_response(request)


def revoked_certificate_entry(serial: int, reason: crl.CRLReason, revoked_at: datetime,
                              extensions: list[crl.CRLEntryExtension]) -> crl.RevokedCertificate:
    """One CRL entry: the serial, when it was revoked, why, and further entry extensions."""
    return CRLBuilder.format_revoked_cert(serial, reason, revoked_at, extensions)


def sign_crl(issuer: x509.Certificate, signer: ServiceSigner, number: int,
             this_update: datetime, next_update: datetime,
             entries: list[crl.RevokedCertificate]) -> crl.CertificateList:
    """The CRL of ``issuer`` with this number, update times and entries, signed by ``signer``."""
    builder = CRLBuilder(
        issuer_name=issuer.subject,
        issuer_key=signer.private_key,
        signature_algo=signer.algorithm(),
        authority_key_identifier=issuer.key_identifier_value,
    )
    return builder.build_crl(crl_number=number, this_update=this_update,
                             next_update=next_update, revoked_certs=entries)


def sign_timestamp_response(request: tsp.TimeStampReq, signer: ServiceSigner,
                            certificates_to_embed: list[x509.Certificate], at_time: datetime,
                            policy: str) -> tsp.TimeStampResp:
    """The RFC 3161 response granting ``request`` at ``at_time`` under ``policy``."""
    stamper = TimeStamper(
        tsa_cert=signer.certificate,
        tsa_key=signer.private_key,
        signature_algo=signer.algorithm(),
        certs_to_embed=certificates_to_embed,
        fixed_dt=at_time,
        policy=tsp.ObjectIdentifier(policy),
    )
    return stamper.request_tsa_response(request)

