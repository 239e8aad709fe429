"""Testbed start time and OCSP responses per second on loopback.

Prints, in one run on the same machine:
* testbed start: hierarchy built (keys generated, certificates signed) + services answering,
  with every key generated fresh (the key pool off) and with the key pool on (keys reused by
  role, as every testbed after the first one of a run), alternated in the same run;
* OCSP responses/s of the testbed (with nonce: every response signed; without nonce: RFC 5019
  pre-produced responses), 8 concurrent clients, a new connection per request, the responder in
  its own process;
* the same load against certomancer's own aiohttp Animator serving the same kind of PKI, as the
  real alternative the testbed replaces;
* CPU time of ``Testbed.create`` and of one certificate issue with 20 and with 2,000 certificates
  issued (:mod:`bench.testbed_timing`), and the same figures of a previous checkout of kyso when
  ``KYSO_BENCH_BASE`` names one (e.g. ``git worktree add /tmp/kyso-base <commit>``), measured in
  the same run.

Run: ``make bench`` or ``[KYSO_BENCH_BASE=<checkout>] .venv/bin/python -m bench.bench_testbed``.
"""

from __future__ import annotations

import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from asn1crypto import x509

from bench.ocsp_load import ocsp_request, run_load, wait_for
from bilingual import say
from testbed import key_pool_disabled
from testbed.ca.names import VietnameseName
from testbed.clock import wall_clock
from testbed.session import Testbed

SUBSCRIBERS = 20
BASE_VARIABLE = "KYSO_BENCH_BASE"
"""A previous checkout of kyso whose creation and issue times are measured alongside."""


def timing_figures(checkout: Path) -> dict[str, object]:
    """:mod:`bench.testbed_timing`'s figures for the kyso code in ``checkout``, measured in a
    fresh process (this one has imported the current code)."""
    script = Path(__file__).with_name("testbed_timing.py")
    finished = subprocess.run([sys.executable, str(script)], cwd=checkout, check=True,
                              capture_output=True, text=True,
                              env={**os.environ, "PYTHONPATH": str(checkout)})
    return json.loads(finished.stdout.splitlines()[-1])  # type: ignore[no-any-return]


def print_timing() -> None:
    """Creation and issue CPU times of this checkout, and of ``$KYSO_BENCH_BASE`` if set."""
    checkouts = {"": Path(__file__).resolve().parent.parent}
    base = os.environ.get(BASE_VARIABLE)
    if base:
        checkouts[" (base)"] = Path(base).resolve()
    figures = {suffix: timing_figures(path) for suffix, path in checkouts.items()}
    for suffix, measured in figures.items():
        issue = measured["issue_ms"]
        assert isinstance(issue, dict)
        print(say(
            f"tạo testbed{suffix}: {measured['create_ms']} ms CPU; cấp một chứng thư khi đã có 20 "
            f"chứng thư: {issue['20']} ms, khi đã có 2.000: {issue['2000']} ms "
            f"({measured['code']})",
            f"testbed create{suffix}: {measured['create_ms']} ms CPU; one certificate issued with "
            f"20 issued: {issue['20']} ms, with 2,000 issued: {issue['2000']} ms "
            f"({measured['code']})"))
    if len(figures) == 2:
        print(say("bản cũ / bản này (CPU): " + _ratios(figures[" (base)"], figures[""]),
                  "base / this (CPU): " + _ratios(figures[" (base)"], figures[""])))


def _ratios(base: dict[str, object], now: dict[str, object]) -> str:
    """``create 1.8x, issue@20 2.0x, issue@2000 1.6x``: how many times the base's time."""
    pairs = [("create", base["create_ms"], now["create_ms"])]
    base_issue, now_issue = base["issue_ms"], now["issue_ms"]
    assert isinstance(base_issue, dict) and isinstance(now_issue, dict)
    pairs += [(f"issue@{level}", base_issue[level], now_issue[level]) for level in now_issue]
    return ", ".join(f"{name} {float(then) / float(this):.2f}x"  # type: ignore[arg-type]
                     for name, then, this in pairs)


def bench_start(runs: int = 5, *, pool: bool = True) -> list[float]:
    """Seconds to a testbed answering; ``pool``: keys from the key pool (warmed first)."""
    figures = []
    if pool:
        _start_once()  # the first testbed of a run fills the pool
    for _ in range(runs):
        if not pool:
            with key_pool_disabled():
                figures.append(_start_once())
        else:
            figures.append(_start_once())
    return figures


def _start_once() -> float:
    with tempfile.TemporaryDirectory() as directory:
        started = time.perf_counter()
        testbed = Testbed.create(Path(directory), at=wall_clock())
        with testbed:
            wait_for(testbed.base_url + "/health")
            return time.perf_counter() - started


def bench_ocsp(directory: Path) -> dict[str, float]:
    testbed = Testbed.create(directory, at=wall_clock())
    serials = [testbed.issue(f"bench-{i}", name=VietnameseName(common_name=f"Bench {i}")).serial
               for i in range(SUBSCRIBERS)]
    testbed.revoke("bench-0")
    testbed.stop()  # release the port: the responder runs in its own process
    process = subprocess.Popen([sys.executable, "-m", "conformance.cli", "up", "--dir",
                                str(directory)], stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    try:
        wait_for(testbed.base_url + "/health")
        issuer = x509.Certificate.load(testbed.certificate_der("ca-cv"))
        url = testbed.urls("ca-cv")["ocsp"]
        figures = {}
        for label, nonce in (("testbed, nonce (signed per request)", True),
                             ("testbed, no nonce (RFC 5019 pre-produced)", False)):
            bodies = [ocsp_request(issuer, serial, nonce=nonce) for serial in serials]
            run_load(url, bodies, seconds=0.5)  # warm-up
            result = run_load(url, bodies, seconds=3.0)
            figures[label] = result.per_second
            if result.failures:
                figures[label + " FAILURES"] = result.failures
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=10)
    return figures


ANIMATOR_CONFIG = """
external-url-prefix: "http://127.0.0.1:{port}"
keysets:
  bench:
    path-prefix: keys
    keys:
      root: {{path: root.key.pem}}
      ca: {{path: ca.key.pem}}
      ocsp: {{path: ocsp.key.pem}}
{leaf_keys}
pki-architectures:
  bench:
    keyset: bench
    entity-defaults: {{country-name: VN, organization-name: TEST}}
    entities:
      root: {{common-name: Root}}
      ca: {{common-name: CA}}
      ocsp: {{common-name: OCSP}}
{leaf_entities}
    certs:
      root:
        subject: root
        issuer: root
        validity: {{valid-from: "2020-01-01T00:00:00+0000", valid-to: "2040-01-01T00:00:00+0000"}}
        profiles: [simple-ca]
      ca:
        subject: ca
        issuer: root
        validity: {{valid-from: "2020-01-01T00:00:00+0000", valid-to: "2040-01-01T00:00:00+0000"}}
        profiles: [simple-ca]
      ocsp:
        subject: ocsp
        issuer: ca
        validity: {{valid-from: "2020-01-01T00:00:00+0000", valid-to: "2040-01-01T00:00:00+0000"}}
        profiles: [ocsp-responder]
{leaf_certs}
    services:
      ocsp:
        ca: {{for-issuer: ca, responder-cert: ocsp, signing-key: ocsp}}
"""


def bench_certomancer_animator(directory: Path, port: int) -> float:
    """certomancer's aiohttp Animator as shipped, RSA-2048 keys, same load."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    keys = directory / "keys"
    keys.mkdir(parents=True)
    names = ["root", "ca", "ocsp", *[f"leaf{i}" for i in range(SUBSCRIBERS)]]
    for name in names:
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        (keys / f"{name}.key.pem").write_bytes(key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption()))
    leaves = [f"leaf{i}" for i in range(SUBSCRIBERS)]
    config = ANIMATOR_CONFIG.format(
        port=port,
        leaf_keys="\n".join(f"      {n}: {{path: {n}.key.pem}}" for n in leaves),
        leaf_entities="\n".join(f"      {n}: {{common-name: {n}}}" for n in leaves),
        leaf_certs="\n".join(
            f"      {n}:\n        subject: {n}\n        issuer: ca\n        validity: "
            '{valid-from: "2020-01-01T00:00:00+0000", valid-to: "2039-01-01T00:00:00+0000"}'
            for n in leaves))
    (directory / "certomancer.yml").write_text(config)
    runner = directory / "run_animator.py"
    runner.write_text(
        "from aiohttp import web\n"
        "from certomancer.registry import CertomancerConfig\n"
        "from certomancer.integrations.aiohttp_animator import build_animator_app\n"
        f"cfg = CertomancerConfig.from_file({str(directory / 'certomancer.yml')!r})\n"
        "app = build_animator_app(cfg.pki_archs, with_web_ui=False)\n"
        f"web.run_app(app, host='127.0.0.1', port={port}, print=None)\n")
    process = subprocess.Popen([sys.executable, str(runner)], stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE)
    try:
        from certomancer.registry import CertomancerConfig

        config_loaded = CertomancerConfig.from_file(str(directory / "certomancer.yml"))
        arch = config_loaded.get_pki_arch("bench")  # type: ignore[arg-type]
        issuer = arch.get_cert("ca")  # type: ignore[arg-type]
        serials = [arch.get_cert(name).serial_number for name in leaves]  # type: ignore[arg-type]
        url = f"http://127.0.0.1:{port}/bench/ocsp/ca"
        deadline = time.monotonic() + 20
        bodies = [ocsp_request(issuer, serial, nonce=True) for serial in serials]
        while time.monotonic() < deadline:
            if run_load(url, bodies[:1], concurrency=1, seconds=0.2, max_requests=1).requests:
                break
            if process.poll() is not None:
                raise RuntimeError(process.stderr.read().decode() if process.stderr else "")
            time.sleep(0.1)
        return run_load(url, bodies, seconds=3.0).per_second
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=10)


def main() -> None:
    print_timing()
    fresh, pooled = [], []
    for _ in range(3):  # alternated: the machine's load drifts alike for both
        fresh += bench_start(2, pool=False)
        pooled += bench_start(2, pool=True)
    for (vi, en), starts in ((("khóa bí mật sinh mới", "keys generated fresh"), fresh),
                             (("khóa bí mật lấy từ kho khóa", "keys from the key pool"), pooled)):
        figures = (f"min {min(starts):.2f} s, median {statistics.median(starts):.2f} s, "
                   f"{len(starts)} runs")
        print(say(f"khởi động testbed (dựng hệ thống CA + dịch vụ trả lời), {vi}: {figures}",
                  f"testbed start (hierarchy built + services answering), {en}: {figures}"))
    with tempfile.TemporaryDirectory() as directory:
        for label, figure in bench_ocsp(Path(directory)).items():
            print(f"OCSP {label}: {figure:,.0f} responses/s (8 concurrent, new connection each)")
    with tempfile.TemporaryDirectory() as directory:
        from testbed.services import bind_loopback

        probe = bind_loopback(0)
        port = probe.getsockname()[1]
        probe.close()
        try:
            rate = bench_certomancer_animator(Path(directory), port)
            print(f"OCSP certomancer Animator as shipped, nonce: {rate:,.0f} responses/s")
        except Exception as error:  # a benchmark of an alternative must not hide ours
            print(f"OCSP certomancer Animator: could not run ({error})")
    print(f"(cpu count {os.cpu_count()}; figures drift on shared machines: compare within a run)")


if __name__ == "__main__":
    main()
