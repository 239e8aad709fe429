"""Revocation fetchers that report an unreachable responder as the fetch failure it is.

pyhanko-certvalidator's aiohttp OCSP and CRL clients let a timeout (or a refused connection)
escape as a bare exception, which aborts the whole validation before the other revocation
source is tried. Wrapped here, a responder that never answers counts as unreachable: the
pre-signing certificate check (:mod:`.certificate`) and the signers that embed revocation data
(:mod:`conformance.reference.signer`, :mod:`conformance.sut.service.remote_hash`) use the
same wrappers.
"""

from __future__ import annotations

from collections.abc import Iterable

import aiohttp
from asn1crypto import cms, crl, ocsp, x509
from pyhanko_certvalidator.authority import Authority
from pyhanko_certvalidator.errors import CRLFetchError, OCSPFetchError
from pyhanko_certvalidator.fetchers import CRLFetcher, Fetchers, OCSPFetcher

from bilingual import say

_Subject = x509.Certificate | cms.AttributeCertificateV2
"""What pyhanko-certvalidator fetches revocation data for."""


class _PatientOcspFetcher(OCSPFetcher):
    """pyhanko-certvalidator's aiohttp OCSP client lets a timeout escape as a bare TimeoutError,
    which aborts the whole validation before the CRL is tried: report it as the fetch failure
    it is, so a responder that never answers counts as unreachable."""

    def __init__(self, inner: OCSPFetcher) -> None:
        self._inner = inner

    async def fetch(self, cert: _Subject, authority: Authority) -> ocsp.OCSPResponse:
        try:
            return await self._inner.fetch(cert, authority)
        except (TimeoutError, aiohttp.ClientError) as error:
            raise OCSPFetchError(say(f"không truy cập được máy chủ OCSP: {error!r}",
                                     f"OCSP responder unreachable: {error!r}")) from error

    def fetched_responses(self) -> Iterable[ocsp.OCSPResponse]:
        return self._inner.fetched_responses()

    def fetched_responses_for_cert(self, cert: _Subject) -> Iterable[ocsp.OCSPResponse]:
        return self._inner.fetched_responses_for_cert(cert)


class _PatientCrlFetcher(CRLFetcher):
    """The same for CRL downloads."""

    def __init__(self, inner: CRLFetcher) -> None:
        self._inner = inner

    async def fetch(self, cert: _Subject, *,
                    use_deltas: bool | None = None) -> Iterable[crl.CertificateList]:
        try:
            return await self._inner.fetch(cert, use_deltas=use_deltas)
        except (TimeoutError, aiohttp.ClientError) as error:
            raise CRLFetchError(say(f"không tải được CRL: {error!r}",
                                    f"CRL unreachable: {error!r}")) from error

    def fetched_crls(self) -> Iterable[crl.CertificateList]:
        return self._inner.fetched_crls()

    def fetched_crls_for_cert(self, cert: _Subject) -> Iterable[crl.CertificateList]:
        return self._inner.fetched_crls_for_cert(cert)


def patient_fetchers(fetchers: Fetchers) -> Fetchers:
    """``fetchers`` with OCSP and CRL timeouts reported as fetch failures (see above)."""
    if isinstance(fetchers.ocsp_fetcher, _PatientOcspFetcher):
        return fetchers
    return Fetchers(ocsp_fetcher=_PatientOcspFetcher(fetchers.ocsp_fetcher),
                    crl_fetcher=_PatientCrlFetcher(fetchers.crl_fetcher),
                    cert_fetcher=fetchers.cert_fetcher)
