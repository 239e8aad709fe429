"""``kyso demo`` (``make demo``): a guided run through what kyso can do today.

It builds a fresh testbed, issues a công vụ certificate, validates it with pyhanko-certvalidator
over the live OCSP and CRL services, revokes it, and moves the simulated clock past expiry,
printing each step. The full conformance run against the reference software (issues on the
reference tools, adapters and suites) will replace the middle of this script as it lands.
"""

from __future__ import annotations

import asyncio
import shutil
import time
from datetime import timedelta
from pathlib import Path

from asn1crypto import x509
from pyhanko_certvalidator import CertificateValidator, ValidationContext
from pyhanko_certvalidator.errors import PathValidationError
from pyhanko_certvalidator.fetchers.aiohttp_fetchers import AIOHttpFetcherBackend

from testbed.ca.names import VietnameseName
from testbed.clock import wall_clock
from testbed.errors import InvalidInputError
from testbed.session import Testbed
from testbed.world import RevocationReason


def _validate(testbed: Testbed, label: str) -> str:
    chain = testbed.chain(label)
    certificates = [x509.Certificate.load(testbed.certificate_der(r.label)) for r in chain]

    async def run() -> str:
        async with AIOHttpFetcherBackend() as fetchers:
            context = ValidationContext(trust_roots=[certificates[-1]], moment=testbed.now(),
                                        allow_fetching=True, revocation_mode="require",
                                        fetchers=fetchers)
            validator = CertificateValidator(certificates[0], certificates[1:-1], context)
            try:
                await validator.async_validate_usage({"digital_signature", "non_repudiation"})
            except PathValidationError as error:
                return f"không hợp lệ / invalid: {type(error).__name__}: {error}"
            return "hợp lệ / valid"

    return asyncio.run(run())


def run_demo(directory: Path) -> int:
    if directory.exists():
        if not (directory / "registry.json").exists():
            raise InvalidInputError(f"{directory}: exists and is not a kyso demo directory; "
                                    "choose another --dir")
        shutil.rmtree(directory)
    step = 0

    def say(text: str) -> None:
        nonlocal step
        step += 1
        print(f"[{step}] {text}", flush=True)

    started = time.monotonic()
    testbed = Testbed.create(directory, at=wall_clock())
    with testbed:
        say(f"testbed up in {time.monotonic() - started:.2f} s on {testbed.base_url} "
            f"(clock {testbed.now().isoformat()})")
        record = testbed.issue("nguyen-van-an", name=VietnameseName(
            common_name="Nguyễn Văn An", title="Chuyên viên",
            organization="Sở Khoa học và Công nghệ tỉnh Ninh Bình", locality="Ninh Bình",
            identifier="CCCD:037090001234"))
        say(f"issued {record.label} (serial {record.serial:#x}) by ca-cv, valid until "
            f"{record.not_after.date()} (ND68 Art. 9: ≤ 5 years)")
        say(f"validate with live OCSP + CRL: {_validate(testbed, record.label)}")
        testbed.revoke(record.label, reason=RevocationReason.KEY_COMPROMISE,
                       invalidity_date=testbed.now() - timedelta(hours=3))
        say(f"token reported lost → revoked (keyCompromise): "
            f"{_validate(testbed, record.label)}")
        renewed = testbed.reissue(record.label)
        say(f"re-issued {renewed.label}: {_validate(testbed, renewed.label)}")
        testbed.set_clock(renewed.not_after + timedelta(days=1))
        say(f"clock moved past notAfter ({testbed.now().date()}): "
            f"{_validate(testbed, renewed.label)}")
    print(f"testbed files (registry, certificates, trust anchors): {directory}")
    print("The conformance run and reports arrive with the reference tools and suites "
          "(see the open issues).")
    return 0
