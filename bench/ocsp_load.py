"""A small OCSP load generator: N concurrent clients on loopback, bounded in count and time."""

from __future__ import annotations

import asyncio
import os
import time
import urllib.request
from dataclasses import dataclass

import aiohttp
from asn1crypto import algos, ocsp, x509


def ocsp_request(issuer: x509.Certificate, serial: int, *, nonce: bool) -> bytes:
    cert_id = ocsp.CertId({
        "hash_algorithm": algos.DigestAlgorithm({"algorithm": "sha1"}),
        "issuer_name_hash": issuer.subject.sha1,
        "issuer_key_hash": issuer.public_key.sha1,
        "serial_number": serial,
    })
    tbs: dict[str, object] = {"request_list": [{"req_cert": cert_id}]}
    if nonce:
        tbs["request_extensions"] = [{"extn_id": "nonce", "extn_value": os.urandom(16)}]
    return ocsp.OCSPRequest({"tbs_request": tbs}).dump()


@dataclass
class LoadResult:
    requests: int
    failures: int
    seconds: float

    @property
    def per_second(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


async def _load(url: str, bodies: list[bytes], concurrency: int, seconds: float,
                max_requests: int) -> LoadResult:
    done = failures = 0
    deadline = time.monotonic() + seconds
    started = time.monotonic()
    connector = aiohttp.TCPConnector(limit=concurrency, force_close=True)
    async with aiohttp.ClientSession(connector=connector) as session:

        async def worker(offset: int) -> None:
            nonlocal done, failures
            index = offset
            while time.monotonic() < deadline and done + failures < max_requests:
                body = bodies[index % len(bodies)]
                index += concurrency
                try:
                    async with session.post(url, data=body, headers={
                            "Content-Type": "application/ocsp-request"}) as response:
                        payload = await response.read()
                        ok = response.status == 200 and len(payload) > 100
                except aiohttp.ClientError:
                    ok = False
                if ok:
                    done += 1
                else:
                    failures += 1

        await asyncio.gather(*(worker(i) for i in range(concurrency)))
    return LoadResult(done, failures, time.monotonic() - started)


def run_load(url: str, bodies: list[bytes], *, concurrency: int = 8, seconds: float = 3.0,
             max_requests: int = 20000) -> LoadResult:
    return asyncio.run(_load(url, bodies, concurrency, seconds, max_requests))


def wait_for(url: str, timeout: float = 20.0) -> None:
    """Until ``url`` answers (a service started in another process is ready)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url, timeout=1).read()  # noqa: S310 (loopback)
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"{url} did not answer")
