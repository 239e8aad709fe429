"""The testbed's OCSP responder against ``openssl ocsp`` as a responder, in the same run.

``openssl ocsp -port`` listens on every interface and spins at 100 % CPU after a client that
connects and closes without a request (measured), so the comparison runs inside a private
network namespace (``ip netns``; needs root) where only a loopback interface exists. For each
service key (RSA-2048, P-256: ``kyso up --service-key``) a testbed and an ``openssl ocsp``
answer for the same certificates with the same delegated responder key. Requests with a nonce
are signed per request by both; requests without one are pre-produced by the testbed
(``testbed.ocsp_cache``) while openssl still signs each. The rounds alternate between the
responders; each ratio the responder is held to (issue 22: RSA-2048 signed per request ≥ 0.6×
openssl; P-256 ≥ 1.5× RSA-2048; pre-produced ≥ 0.9× openssl signing) is taken within each round,
and its minimum, median and maximum over the rounds are printed, by wall time and per CPU-second
of the responder, because other work on the machine moves the figures.

Run: ``sudo .venv/bin/python -m bench.bench_ocsp_openssl`` (re-executes itself in a namespace).
"""

from __future__ import annotations

import os
import signal
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

from asn1crypto import x509

from bench.ocsp_load import ocsp_request, run_load, wait_for
from bilingual import say
from testbed import KeyType
from testbed.ca.names import VietnameseName
from testbed.clock import wall_clock
from testbed.session import Testbed

NAMESPACE = f"kyso-bench-{os.getpid()}"
ROUNDS = 5
"""Rounds by default; ``KYSO_OCSP_BENCH_ROUNDS`` chooses another number."""
SECONDS = 3.0


@dataclass
class Responders:
    """One service key's testbed and openssl responder, and the requests to send them."""

    key: KeyType
    kyso_url: str
    openssl_url: str
    with_nonce: list[bytes]
    without_nonce: list[bytes]
    pids: dict[str, int]
    """The process of each responder (``kyso``, ``openssl``), whose CPU time is measured."""


def _stopped(process: subprocess.Popen[bytes]) -> None:
    process.send_signal(signal.SIGINT)
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()


@contextmanager
def _responders(directory: Path, key: KeyType, openssl_port: int) -> Iterator[Responders]:
    """A testbed with ``key`` service keys and 20 certificates, served by ``kyso up``, and
    ``openssl ocsp`` with the same responder certificate and key and an index of them."""
    testbed = Testbed.create(directory / "testbed", at=wall_clock(), follow_wall_clock=True,
                             service_key=key)
    records = [testbed.issue(f"bench-{i}", name=VietnameseName(common_name=f"Bench {i}"))
               for i in range(20)]
    testbed.stop()
    issuer = x509.Certificate.load(testbed.certificate_der("ca-cv"))
    (directory / "ca.pem").write_text(testbed.certificate_pem("ca-cv"))
    (directory / "responder.pem").write_text(testbed.certificate_pem("ca-cv-ocsp"))
    (directory / "index.txt").write_text("".join(
        f"V\t{r.not_after.strftime('%y%m%d%H%M%SZ')}\t\t{r.serial:X}\tunknown\t/CN=bench-{i}\n"
        for i, r in enumerate(records)))
    kyso = subprocess.Popen([sys.executable, "-m", "conformance.cli", "up", "--dir",
                             str(directory / "testbed")], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    openssl = subprocess.Popen(
        ["openssl", "ocsp", "-index", str(directory / "index.txt"), "-port", str(openssl_port),
         "-rsigner", str(directory / "responder.pem"),
         "-rkey", str(testbed.private_key_path("ca-cv-ocsp")),
         "-CA", str(directory / "ca.pem"), "-nrequest", "1000000"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for(testbed.base_url + "/health")
        yield Responders(key, testbed.urls("ca-cv")["ocsp"], f"http://127.0.0.1:{openssl_port}/",
                         [ocsp_request(issuer, r.serial, nonce=True) for r in records],
                         [ocsp_request(issuer, r.serial, nonce=False) for r in records],
                         {"kyso": kyso.pid, "openssl": openssl.pid})
    finally:
        _stopped(kyso)
        _stopped(openssl)


def _cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (``/proc/<pid>/stat``)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _rate(url: str, bodies: list[bytes], pid: int) -> tuple[float, float]:
    """Responses per second of wall time and per second of the responder's own CPU time (the
    second is steadier on a shared machine, and free of the load generator's own limit)."""
    cpu = _cpu_seconds(pid)
    result = run_load(url, bodies, seconds=SECONDS)
    cpu = _cpu_seconds(pid) - cpu
    if result.failures:
        print(say(f"  ({result.failures} lần không trả lời được ở {url})",
                  f"  ({result.failures} failures at {url})"))
    return result.per_second, result.requests / cpu if cpu else 0.0


Sample = tuple[float, float]
"""(responses per second of wall time, responses per CPU-second of the responder)."""


def _measure(all_responders: list[Responders], rounds: int) -> dict[str, list[Sample]]:
    """Each (responder, key, nonce) once per round, the responders alternating within a round
    so that each ratio compares figures taken seconds apart."""
    samples: dict[str, list[Sample]] = {}
    for responders in all_responders:  # warm-up and readiness (openssl: a real POST)
        run_load(responders.kyso_url, responders.with_nonce[:2], concurrency=1, seconds=0.5)
        run_load(responders.openssl_url, responders.with_nonce[:2], concurrency=1, seconds=0.5)
    for _ in range(rounds):
        for r in all_responders:
            for name, url in (("kyso", r.kyso_url), ("openssl", r.openssl_url)):
                samples.setdefault(f"{name} {r.key.value} nonce", []).append(
                    _rate(url, r.with_nonce, r.pids[name]))
                if r.key is KeyType.RSA2048:
                    samples.setdefault(f"{name} {r.key.value} no-nonce", []).append(
                        _rate(url, r.without_nonce, r.pids[name]))
    return samples


RATIOS = {
    "signed": ("kyso rsa2048 nonce", "openssl rsa2048 nonce", 0.6,
               ("kyso/openssl RSA-2048, ký từng yêu cầu",
                "kyso/openssl RSA-2048, signed per request")),
    "p256": ("kyso p256 nonce", "kyso rsa2048 nonce", 1.5,
             ("kyso P-256/kyso RSA-2048, ký từng yêu cầu",
              "kyso P-256/kyso RSA-2048, signed per request")),
    "cached": ("kyso rsa2048 no-nonce", "openssl rsa2048 no-nonce", 0.9,
               ("kyso lập sẵn/openssl ký, RSA-2048",
                "kyso pre-produced/openssl signing, RSA-2048")),
}
"""Each ratio the responder is held to: numerator, denominator (labels of :func:`_measure`), the
target, and its words (Vietnamese, English)."""


def round_ratios(samples: dict[str, list[Sample]], column: int) -> dict[str, list[float]]:
    """Each of :data:`RATIOS` per round (figures of the same round, seconds apart)."""
    return {name: [over[column] / under[column] if under[column] else 0.0
                   for over, under in zip(samples[numerator], samples[denominator], strict=True)]
            for name, (numerator, denominator, _, _) in RATIOS.items()}


def _report(samples: dict[str, list[Sample]], rounds: int) -> None:
    for label, values in samples.items():
        rate = statistics.median(v[0] for v in values)
        per_cpu = statistics.median(v[1] for v in values)
        print(say(f"OCSP {label:<24} {rate:7,.0f} phản hồi/giây, {per_cpu:7,.0f} mỗi giây CPU "
                  f"(trung vị {rounds} lượt; 8 đồng thời, mỗi yêu cầu một kết nối mới)",
                  f"OCSP {label:<24} {rate:7,.0f} responses/s, {per_cpu:7,.0f} per CPU-second "
                  f"(median of {rounds}; 8 concurrent, new connection each)"))
    for column, (vi_which, en_which) in enumerate((("theo thời gian thực", "by wall time"),
                                                   ("theo giây CPU", "per CPU-second"))):
        for name, ratios in round_ratios(samples, column).items():
            target, (vi, en) = RATIOS[name][2], RATIOS[name][3]
            low, middle = min(ratios), statistics.median(ratios)
            print(say(f"{vi_which}: {vi}: thấp nhất {low:.2f}×, trung vị {middle:.2f}×, "
                      f"cao nhất {max(ratios):.2f}× ({rounds} lượt; mục tiêu ≥ {target}×)",
                      f"{en_which}: {en}: min {low:.2f}×, median {middle:.2f}×, "
                      f"max {max(ratios):.2f}× ({rounds} rounds; target ≥ {target}×)"))


def _in_namespace() -> None:
    rounds = int(os.environ.get("KYSO_OCSP_BENCH_ROUNDS", ROUNDS))
    root = Path(tempfile.mkdtemp(prefix="kyso-ocsp-bench-"))
    with ExitStack() as stack:
        responders = [stack.enter_context(_responders(root / key.value, key, port))
                      for key, port in ((KeyType.RSA2048, 18888), (KeyType.P256, 18889))]
        samples = _measure(responders, rounds)
    _report(samples, rounds)


def main() -> None:
    if os.environ.get("KYSO_IN_NETNS"):
        _in_namespace()
        return
    if os.geteuid() != 0:
        print(say("bench_ocsp_openssl: cần quyền root cho một network namespace riêng; bỏ qua",
                  "bench_ocsp_openssl: needs root for a private network namespace; skipped"))
        return
    subprocess.run(["ip", "netns", "add", NAMESPACE], check=True)
    try:
        subprocess.run(["ip", "netns", "exec", NAMESPACE, "ip", "link", "set", "lo", "up"],
                       check=True)
        subprocess.run(["ip", "netns", "exec", NAMESPACE, sys.executable, "-m",
                        "bench.bench_ocsp_openssl"], check=False,
                       env={**os.environ, "KYSO_IN_NETNS": "1"})
    finally:
        subprocess.run(["ip", "netns", "delete", NAMESPACE], check=False)


if __name__ == "__main__":
    main()
