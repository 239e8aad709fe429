"""The registry at scale: populate, one issue, one revoke, the next CRL, with comparators.

Prints, in one run on the same machine:
* ``kyso ca populate`` of N subscribers (5 % revoked) into a fresh testbed, for each size;
* at each size: one normal issue of a given public key (certomancer signs, the registry writes
  a few rows; no key generation timed) and one
  revoke, medians of 5; beside them, the JSON rewrite of the same registry (``registry.json``),
  which is what every change cost before the database (certomancer's whole view came on top:
  24 ms per issue at 23 certificates, 1.1 s at 3,000, 5.4 s per revoke at 100,000, measured
  before the change);
* the next CRL after a revoke at the largest size, as the services build it (rows read, entries
  built, signed by pyca), against pyca's builder alone and certomancer's builder on the same
  entries (certomancer only up to :data:`CERTOMANCER_CRL_LIMIT` entries: 1 ms per entry).

Run: ``.venv/bin/python -m bench.bench_registry [N ...]`` (default 100 3000 20000).
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from asn1crypto import crl as asn1_crl
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec

from bilingual import say
from testbed import WorldStore, populate
from testbed.ca.certomancer_bridge import load_service_signer, revoked_certificate_entry
from testbed.ca.certomancer_bridge import sign_crl as certomancer_sign_crl
from testbed.ca.crls import CrlSigner, crl_entries
from testbed.ca.keys import public_key_der_of
from testbed.ca.lifecycle import Lifecycle
from testbed.ca.names import VietnameseName
from testbed.clock import Clock, wall_clock
from testbed.services import LiveServices

REVOKED_PERCENT = 5.0
CERTOMANCER_CRL_LIMIT = 10_000


def _median_ms(action: Callable[[], object], runs: int = 5) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        action()
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000


def _testbed(directory: Path, size: int) -> tuple[Lifecycle, float]:
    lifecycle = Lifecycle(directory)
    lifecycle.create("http://127.0.0.1:9", Clock(pinned_at=wall_clock()))
    started = time.perf_counter()
    populate(lifecycle, size, REVOKED_PERCENT)
    return lifecycle, time.perf_counter() - started


def _unrevoked(lifecycle: Lifecycle, count: int) -> list[str]:
    """Labels of bulk certificates nobody revoked yet."""
    rows = lifecycle.store.database.connection().execute(
        "SELECT label FROM certificates WHERE revoked_at IS NULL AND label LIKE 'dan-%' "
        "ORDER BY rowid DESC LIMIT ?", (count,))
    return [label for (label,) in rows]


def bench_size(directory: Path, size: int) -> Lifecycle:
    lifecycle, seconds = _testbed(directory, size)
    print(say(f"N={size:,}: populate {seconds:.1f} s ({seconds / size * 1e6:.0f} µs/chứng thư)",
              f"N={size:,}: populate {seconds:.1f} s ({seconds / size * 1e6:.0f} µs/cert)"))
    counter = iter(range(1, 1000))
    public_key = public_key_der_of(ec.generate_private_key(ec.SECP256R1()))  # no keygen timed
    issue = _median_ms(lambda: lifecycle.issue(
        f"bench-{next(counter)}", name=VietnameseName(common_name="Nguyễn Văn Đo"),
        public_key_der=public_key))
    targets = iter(_unrevoked(lifecycle, 5))
    revoke = _median_ms(lambda: lifecycle.revoke(next(targets)))
    store = WorldStore(directory)
    export = _median_ms(lambda: store.export(directory / "bench-export.json"), runs=1)
    megabytes = (directory / "bench-export.json").stat().st_size / 1e6
    print(say(f"  một lần cấp {issue:.1f} ms, một lần thu hồi {revoke:.1f} ms; ghi lại "
              f"registry.json ({megabytes:.1f} MB, chi phí mỗi thay đổi trước đây) {export:.0f} ms",
              f"  one issue {issue:.1f} ms, one revoke {revoke:.1f} ms; rewriting "
              f"registry.json ({megabytes:.1f} MB, every change's cost before) {export:.0f} ms"))
    return lifecycle


def bench_crl(lifecycle: Lifecycle) -> None:
    """The next CRL after one revoke, as served, against the builders on the same entries."""
    lifecycle.revoke(_unrevoked(lifecycle, 1)[0])
    lifecycle.publish_crl("ca-cv")
    services = LiveServices(lifecycle.directory)
    started = time.perf_counter()
    served = services.crl("ca-cv")
    served_ms = (time.perf_counter() - started) * 1000
    rows = lifecycle.store.database.revoked("ca-cv", "ca-cv")
    snapshot = services.snapshot()
    signer = snapshot.crl_signer("ca-cv")
    now = datetime.now(UTC).replace(microsecond=0)
    pyca_ms = _median_ms(lambda: _pyca_alone(signer, rows, now), runs=3)
    print(say(f"CRL kế tiếp, {len(rows):,} mục: dịch vụ {served_ms:.0f} ms "
              f"({len(served) / 1e6:.1f} MB); chỉ bộ dựng pyca {pyca_ms:.0f} ms "
              f"(tỷ lệ {served_ms / pyca_ms:.2f}×)",
              f"next CRL, {len(rows):,} entries: served {served_ms:.0f} ms "
              f"({len(served) / 1e6:.1f} MB); pyca's builder alone {pyca_ms:.0f} ms "
              f"(ratio {served_ms / pyca_ms:.2f}×)"))
    subset = rows[:CERTOMANCER_CRL_LIMIT]
    record = snapshot.state.certificates["ca-cv"]
    key = (lifecycle.directory / "keys" / f"{record.key_label}.key.pem").read_bytes()
    certificate = asn1_x509.Certificate.load(lifecycle.certificate_der("ca-cv"))
    old_signer = load_service_signer(certificate, key)
    started = time.perf_counter()
    entries = [revoked_certificate_entry(row.serial, asn1_crl.CRLReason(row.reason),
                                         datetime.fromtimestamp(row.revoked_at, UTC), [])
               for row in subset]
    certomancer_sign_crl(certificate, old_signer, 1, now, now + timedelta(days=1), entries).dump()
    certomancer_ms = (time.perf_counter() - started) * 1000
    pyca_subset = _median_ms(lambda: _pyca_alone(signer, subset, now), runs=3)
    print(say(f"cùng {len(subset):,} mục: certomancer {certomancer_ms:.0f} ms, pyca "
              f"{pyca_subset:.0f} ms", f"same {len(subset):,} entries: certomancer "
              f"{certomancer_ms:.0f} ms, pyca {pyca_subset:.0f} ms"))


def _pyca_alone(signer: CrlSigner, rows: list, now: datetime) -> bytes:  # type: ignore[type-arg]
    """pyca's builder with the entries in its constructor, no cache: the comparator."""
    entries = [item.entry for item in crl_entries(rows)]
    builder = x509.CertificateRevocationListBuilder(
        issuer_name=signer.certificate.subject, last_update=now,
        next_update=now + timedelta(days=1), revoked_certificates=entries)
    return builder.sign(signer.private_key, hashes.SHA256()).tbs_certlist_bytes  # type: ignore[arg-type]


def main(sizes: list[int] | None = None) -> None:
    sizes = sizes or [100, 3000, 20000]
    lifecycle = None
    with tempfile.TemporaryDirectory(prefix="kyso-bench-registry-") as temporary:
        for size in sizes:
            lifecycle = bench_size(Path(temporary) / f"n{size}", size)
        assert lifecycle is not None
        bench_crl(lifecycle)
    print(say(f"({os.cpu_count()} CPU; số đo dao động trên máy dùng chung: "
              "so sánh trong cùng một lần chạy)",
              f"(cpu count {os.cpu_count()}; figures drift on shared machines: "
              "compare within a run)"))


if __name__ == "__main__":
    main([int(argument) for argument in sys.argv[1:]] or None)
