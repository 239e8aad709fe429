"""Certomancer's builders for the live services: CRLs and timestamp responses.

The testbed serves its own HTTP (:mod:`testbed.services` decides what to answer, as of the
testbed clock, and caches it); certomancer's :class:`~certomancer.services.CRLBuilder` and
:class:`~certomancer.services.TimeStamper` still encode and sign every CRL and timestamp, through
the parsed-key cache (:mod:`.key_cache`). This module is the only place the services reach them.
OCSP responses are no longer certomancer's (:mod:`testbed.ocsp_responses` and
:mod:`testbed.ocsp_pyca` write them, and say why).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from asn1crypto import algos, crl, keys, tsp, x509
from certomancer.services import CRLBuilder, TimeStamper, choose_signed_digest

from .key_cache import install_key_cache


@dataclass(frozen=True)
class ServiceSigner:
    """A service's signing certificate and private key (a CA signing CRLs, a TSA)."""

    certificate: x509.Certificate
    private_key: keys.PrivateKeyInfo

    def algorithm(self) -> algos.SignedDigestAlgorithm:
        """SHA-256 with the signature scheme of the certificate's key; SHA-384 with a P-384 key
        (the hash of the curve's strength, RFC 5480 4)."""
        return choose_signed_digest(self.digest(), self.certificate.public_key)

    def digest(self) -> str:
        """The hash the signature uses (a CMS signer's digest algorithm must be the same)."""
        public_key = self.certificate.public_key
        strong = public_key.algorithm == "ec" and public_key.curve[1] == "secp384r1"
        return "sha384" if strong else "sha256"


def load_service_signer(certificate: x509.Certificate, key_file_bytes: bytes) -> ServiceSigner:
    """The signer of ``certificate`` with its private key file's bytes (parsed once, cached)."""
    private_key, _ = install_key_cache().load_private_key(key_file_bytes, None)
    return ServiceSigner(certificate, private_key)


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
        md_algorithm=signer.digest(),
        certs_to_embed=certificates_to_embed,
        fixed_dt=at_time,
        policy=tsp.ObjectIdentifier(policy),
    )
    return stamper.request_tsa_response(request)

