"""Small helpers the tests share: HTTP fetches and pyhanko-certvalidator runs against a testbed."""

from __future__ import annotations

import asyncio
import urllib.request
from datetime import datetime

from asn1crypto import ocsp, x509
from pyhanko_certvalidator import CertificateValidator, ValidationContext
from pyhanko_certvalidator.fetchers.aiohttp_fetchers import AIOHttpFetcherBackend

from testbed.session import Testbed


def fetch(url: str, data: bytes | None = None, content_type: str | None = None,
          timeout: float = 10.0) -> bytes:
    request = urllib.request.Request(url, data=data)  # noqa: S310 (testbed URLs, loopback)
    if content_type:
        request.add_header("Content-Type", content_type)
    with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 (loopback)
        return response.read()


def ocsp_status(testbed: Testbed, reference: str, *, serial: int | None = None,
                use_get: bool = False) -> ocsp.OCSPResponse:
    """Ask the testbed's OCSP responder, over HTTP, about a certificate (or a bare serial)."""
    from asn1crypto import algos, core

    record = testbed.certificate(reference)
    issuer = x509.Certificate.load(
        testbed.certificate_der(testbed.state.authorities[record.issuer].certificate))
    cert_id = ocsp.CertId({
        "hash_algorithm": algos.DigestAlgorithm({"algorithm": "sha1"}),
        "issuer_name_hash": issuer.subject.sha1,
        "issuer_key_hash": issuer.public_key.sha1,
        "serial_number": serial if serial is not None else record.serial,
    })
    request = ocsp.OCSPRequest({"tbs_request": {"request_list": [{"req_cert": cert_id}]}})
    url = testbed.urls(record.issuer)["ocsp"]
    if use_get:
        import base64
        import urllib.parse

        encoded = urllib.parse.quote(base64.b64encode(request.dump()).decode(), safe="")
        body = fetch(f"{url}/{encoded}")
    else:
        body = fetch(url, request.dump(), "application/ocsp-request")
    del core
    return ocsp.OCSPResponse.load(body)


def validate_certificate(testbed: Testbed, reference: str, *, moment: datetime | None = None,
                         revocation_mode: str = "require") -> None:
    """Validate with pyhanko-certvalidator: trust = the branch root, revocation fetched live.

    Raises pyhanko-certvalidator's errors when the certificate is not valid.
    """
    chain = testbed.chain(reference)
    leaf = x509.Certificate.load(testbed.certificate_der(chain[0].label))
    intermediates = [x509.Certificate.load(testbed.certificate_der(r.label)) for r in chain[1:-1]]
    root = x509.Certificate.load(testbed.certificate_der(chain[-1].label))

    async def run() -> None:
        async with AIOHttpFetcherBackend() as fetchers:
            context = ValidationContext(
                trust_roots=[root], moment=moment or testbed.now(), allow_fetching=True,
                revocation_mode=revocation_mode, fetchers=fetchers,
            )
            validator = CertificateValidator(leaf, intermediate_certs=intermediates,
                                             validation_context=context)
            await validator.async_validate_usage({"digital_signature", "non_repudiation"})

    asyncio.run(run())
