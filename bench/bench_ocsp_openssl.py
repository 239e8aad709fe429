"""The testbed's OCSP responder against ``openssl ocsp`` as a responder, in the same run.

``openssl ocsp -port`` listens on every interface and spins at 100 % CPU after a client that
connects and closes without a request (measured), so the comparison runs inside a private
network namespace (``ip netns``; needs root) where only a loopback interface exists. Both
responders sign every response with the same RSA-2048 delegated responder key, for the same
certificates; requests carry a nonce (no pre-produced answers). Prints responses per second.

Run: ``sudo .venv/bin/python -m bench.bench_ocsp_openssl`` (re-executes itself in a namespace).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

from asn1crypto import x509

from bench.ocsp_load import ocsp_request, run_load, wait_for
from testbed.ca.names import VietnameseName
from testbed.clock import wall_clock
from testbed.session import Testbed

NAMESPACE = f"kyso-bench-{os.getpid()}"


def _in_namespace() -> None:
    directory = Path(tempfile.mkdtemp(prefix="kyso-ocsp-bench-"))
    testbed = Testbed.create(directory / "testbed", at=wall_clock(), follow_wall_clock=True)
    records = [testbed.issue(f"bench-{i}", name=VietnameseName(common_name=f"Bench {i}"))
               for i in range(20)]
    testbed.stop()
    issuer = x509.Certificate.load(testbed.certificate_der("ca-cv"))
    (directory / "ca.pem").write_text(testbed.certificate_pem("ca-cv"))
    (directory / "responder.pem").write_text(testbed.certificate_pem("ca-cv-ocsp"))
    index = "".join(f"V\t{r.not_after.strftime('%y%m%d%H%M%SZ')}\t\t{r.serial:X}\tunknown\t"
                    f"/CN=bench-{i}\n" for i, r in enumerate(records))
    (directory / "index.txt").write_text(index)
    bodies = [ocsp_request(issuer, r.serial, nonce=True) for r in records]
    kyso = subprocess.Popen([sys.executable, "-m", "conformance.cli", "up", "--dir",
                             str(directory / "testbed")], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    openssl = subprocess.Popen(
        ["openssl", "ocsp", "-index", str(directory / "index.txt"), "-port", "18888",
         "-rsigner", str(directory / "responder.pem"),
         "-rkey", str(testbed.private_key_path("ca-cv-ocsp")),
         "-CA", str(directory / "ca.pem"), "-nrequest", "100000"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for(testbed.base_url + "/health")
        for label, url in (("testbed (certomancer responder, our revocation source)",
                            testbed.urls("ca-cv")["ocsp"]),
                           ("openssl ocsp (C, one process)", "http://127.0.0.1:18888/")):
            run_load(url, bodies[:2], concurrency=1, seconds=0.5)  # warm-up, readiness
            result = run_load(url, bodies, seconds=3.0)
            print(f"OCSP {label}: {result.per_second:,.0f} responses/s "
                  f"({result.failures} failures; 8 concurrent, nonce, new connection each)")
    finally:
        for process in (kyso, openssl):
            process.send_signal(signal.SIGINT)
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()


def main() -> None:
    if os.environ.get("KYSO_IN_NETNS"):
        _in_namespace()
        return
    if os.geteuid() != 0:
        print("bench_ocsp_openssl: needs root for a private network namespace; skipped")
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
