"""A CA with a long revocation history (issue 22 item 3): record it, serve its CRL, populate.

Prints, in one run on the same machine:
* recording N past revocations in bulk (``revocation-history``: serial, date, reason, one
  SQLite transaction), beside issuing N certificates for real (``kyso ca populate``, which the
  history spares a scenario); the issue's bound for populate of 100,000: ≤ 60 s;
* the next CRL of that CA as the testbed's CRL service builds it (rows read, entries built,
  signed), against pyca's builder alone on the same entries (the issue's bound: ≤ 2×), and the
  CRL's size;
* a second CRL of the same period after the clock moved (entries cached: signing only);
* one more revocation, then the next CRL: the service builds the new entry only, against a
  fresh service building all of them (what every revocation cost before the entry cache).

Run: ``.venv/bin/python -m bench.bench_large_crl [N]`` (default 100000). The machine may be
busy: compare within a run, the ratios more than the absolute figures.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa

from bench.bench_registry import _median_ms, _pyca_alone
from bilingual import say
from testbed import populate
from testbed.ca.certomancer_bridge import key_path
from testbed.ca.keys import public_key_der_of
from testbed.ca.lifecycle import Lifecycle
from testbed.ca.names import VietnameseName
from testbed.ca.revocation_history import record_revocation_history
from testbed.clock import Clock, wall_clock
from testbed.services import LiveServices

POPULATE_BOUND_SECONDS = 60.0
CRL_BOUND_RATIO = 2.0


def _fresh(directory: Path) -> Lifecycle:
    lifecycle = Lifecycle(directory)
    lifecycle.create("http://127.0.0.1:9", Clock(pinned_at=wall_clock()))
    return lifecycle


def bench_history(directory: Path, size: int) -> float:
    """Record the history, then the served CRL against pyca alone; the recording's seconds."""
    lifecycle = _fresh(directory)
    recorded = record_revocation_history(lifecycle.store, "ca-cv", size)
    print(say(f"ghi lịch sử {size:,} lần thu hồi: {recorded.seconds:.2f} s "
              f"({recorded.seconds / size * 1e6:.1f} µs/mục)",
              f"recording a history of {size:,} revocations: {recorded.seconds:.2f} s "
              f"({recorded.seconds / size * 1e6:.1f} µs/entry)"))
    services = LiveServices(directory)
    served = services.crl("ca-cv")
    # a fresh service each time (nothing cached): medians of 3 on both sides
    served_ms = _median_ms(lambda: LiveServices(directory).crl("ca-cv"), runs=3)
    rows = lifecycle.store.database.revoked("ca-cv", "ca-cv")
    signer = services.snapshot().crl_signer("ca-cv")
    now = datetime.now(UTC).replace(microsecond=0)
    pyca_ms = _median_ms(lambda: _pyca_alone(signer, rows, now), runs=3)
    ratio = served_ms / pyca_ms
    verdict = say("trong giới hạn", "within") if ratio <= CRL_BOUND_RATIO else say(
        "VƯỢT giới hạn", "OVER the bound")
    print(say(f"CRL {len(rows):,} mục ({len(served) / 1e6:.2f} MB): dịch vụ dựng và ký "
              f"{served_ms:.0f} ms; chỉ bộ dựng pyca {pyca_ms:.0f} ms; tỷ lệ {ratio:.2f}× "
              f"({verdict} ≤ {CRL_BOUND_RATIO:g}×)",
              f"CRL of {len(rows):,} entries ({len(served) / 1e6:.2f} MB): service built and "
              f"signed {served_ms:.0f} ms; pyca's builder alone {pyca_ms:.0f} ms; ratio "
              f"{ratio:.2f}× ({verdict} ≤ {CRL_BOUND_RATIO:g}×)"))
    lifecycle.set_clock(Clock(pinned_at=wall_clock() + timedelta(days=2)))
    started = time.perf_counter()
    services.crl("ca-cv")
    again_ms = (time.perf_counter() - started) * 1000
    print(say(f"CRL kỳ sau (mục đã dựng sẵn, chỉ ký): {again_ms:.0f} ms",
              f"next period's CRL (entries cached, signing only): {again_ms:.0f} ms"))
    bench_one_more(lifecycle, services)
    return recorded.seconds


def bench_one_more(lifecycle: Lifecycle, services: LiveServices) -> None:
    """One more revocation, then the next CRL: only the new entry is built (the service's
    entry cache), against building every entry again (a fresh service, the cost before)."""
    public_key = public_key_der_of(ec.generate_private_key(ec.SECP256R1()))
    lifecycle.issue("bench-leaver", name=VietnameseName(common_name="Lương Văn Khải"),
                    public_key_der=public_key)
    lifecycle.revoke("bench-leaver")
    started = time.perf_counter()
    services.crl("ca-cv")
    incremental_ms = (time.perf_counter() - started) * 1000
    started = time.perf_counter()
    LiveServices(lifecycle.directory).crl("ca-cv")
    full_ms = (time.perf_counter() - started) * 1000
    print(say(f"một lần thu hồi nữa, CRL kế tiếp: {incremental_ms:.0f} ms (chỉ dựng mục mới); "
              f"dựng lại mọi mục {full_ms:.0f} ms (tỷ lệ {full_ms / incremental_ms:.1f}×)",
              f"one more revocation, next CRL: {incremental_ms:.0f} ms (new entry built only); "
              f"every entry rebuilt {full_ms:.0f} ms (ratio {full_ms / incremental_ms:.1f}×)"))


def bench_populate(directory: Path, size: int, history_seconds: float) -> None:
    """``kyso ca populate`` of ``size`` subscribers (5 % revoked), against the bound."""
    lifecycle = _fresh(directory)
    started = time.perf_counter()
    populate(lifecycle, size, 5.0)
    seconds = time.perf_counter() - started
    verdict = say("trong giới hạn", "within") if seconds <= POPULATE_BOUND_SECONDS else say(
        "VƯỢT giới hạn", "OVER the bound")
    floor = _signature_floor(lifecycle, size)
    print(say(f"populate {size:,} thuê bao: {seconds:.1f} s ({verdict} ≤ "
              f"{POPULATE_BOUND_SECONDS:g} s); lịch sử thu hồi cùng cỡ nhanh hơn "
              f"{seconds / history_seconds:.0f}×; riêng {size:,} chữ ký của khóa CA trên "
              f"{os.cpu_count()} CPU ≈ {floor:.1f} s (populate/chữ ký {seconds / floor:.2f}×)",
              f"populate {size:,} subscribers: {seconds:.1f} s ({verdict} ≤ "
              f"{POPULATE_BOUND_SECONDS:g} s); a revocation history of the same size is "
              f"{seconds / history_seconds:.0f}× faster; the CA key's {size:,} signatures "
              f"alone on {os.cpu_count()} CPUs ≈ {floor:.1f} s (populate/signatures "
              f"{seconds / floor:.2f}×)"))


def _signature_floor(lifecycle: Lifecycle, size: int, sample: int = 2000) -> float:
    """Seconds the CA key's ``size`` signatures alone take on every CPU (``sample`` measured
    in one process, scaled): what no populate can beat on this machine, now."""
    record = lifecycle.read().certificates["ca-cv"]
    key = serialization.load_pem_private_key(
        key_path(lifecycle.directory, record.key_label, public_only=False).read_bytes(), None)
    assert isinstance(key, rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey)
    started = time.perf_counter()
    for index in range(sample):
        data = index.to_bytes(4) * 100  # a certificate's size of bytes to sign
        if isinstance(key, rsa.RSAPrivateKey):
            key.sign(data, padding.PKCS1v15(), hashes.SHA256())
        else:
            key.sign(data, ec.ECDSA(hashes.SHA256()))
    return (time.perf_counter() - started) / sample * size / (os.cpu_count() or 1)


def main(size: int = 100_000) -> None:
    with tempfile.TemporaryDirectory(prefix="kyso-bench-large-crl-") as temporary:
        history_seconds = bench_history(Path(temporary) / "history", size)
        bench_populate(Path(temporary) / "populate", size, history_seconds)
    print(say(f"({os.cpu_count()} CPU; số đo dao động trên máy dùng chung: "
              "so sánh trong cùng một lần chạy)",
              f"(cpu count {os.cpu_count()}; figures drift on shared machines: "
              "compare within a run)"))


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 100_000)
