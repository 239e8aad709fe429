"""What the revocation services answered at a verify checkpoint, saved beside its work files.

At each verification the player fetches, as the software could have: the CRL of every CA that
issues subscriber certificates, and a nonce-less OCSP response for every subscriber's current
certificate. A service that does not answer leaves a ``.unavailable`` note instead.
"""

from __future__ import annotations

import urllib.request
from pathlib import Path

from asn1crypto import algos, ocsp, x509

from testbed import Testbed

CRL_TIMEOUT = 30.0
"""A CA with a long revocation history serves megabytes of CRL, built (once per change) on the
first request: on a busy machine that took more than the 5 s an OCSP answer is given."""


def save_revocation_evidence(testbed: Testbed, workdir: Path) -> None:
    """What the revocation services answer at this instant, as the software could see it:
    the issuing CAs' CRLs and an OCSP response for every subscriber's current certificate."""
    state = testbed.state
    for label, authority in state.authorities.items():
        if authority.issues_subscribers:
            _fetch(testbed.urls(label)["crl"], workdir / f"{label}.crl", timeout=CRL_TIMEOUT)
    for subscriber in state.subscribers.values():
        current = subscriber.current_certificate
        if current is None:
            continue
        record = state.certificates[current]
        request = ocsp_request_for(
            x509.Certificate.load(testbed.certificate_der(record.issuer)), record.serial)
        _fetch(testbed.urls(record.issuer)["ocsp"], workdir / f"ocsp-{current}.der", request)


def _fetch(url: str, target: Path, body: bytes | None = None, *, timeout: float = 5) -> None:
    request = urllib.request.Request(url, data=body)  # noqa: S310 (testbed URL, loopback)
    if body is not None:
        request.add_header("Content-Type", "application/ocsp-request")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            target.write_bytes(response.read())
    except OSError as error:
        target.with_name(target.name + ".unavailable").write_text(f"{error}\n")


def ocsp_request_for(issuer: x509.Certificate, serial: int) -> bytes:
    """A nonce-less OCSP request (RFC 6960) for ``serial`` issued by ``issuer``."""
    cert_id = ocsp.CertId({
        "hash_algorithm": algos.DigestAlgorithm({"algorithm": "sha1"}),
        "issuer_name_hash": issuer.subject.sha1,
        "issuer_key_hash": issuer.public_key.sha1,
        "serial_number": serial,
    })
    return ocsp.OCSPRequest({"tbs_request": {"request_list": [{"req_cert": cert_id}]}}).dump()

