"""Simulated service outages: HTTP 500, no answer, slow answer, stale CRL; and the TSA."""

from __future__ import annotations

import subprocess
import time
import urllib.error
from datetime import timedelta
from pathlib import Path

import pytest
from asn1crypto import crl

from testbed.service_modes import ServiceMode
from testbed.session import Testbed
from tests.helpers import fetch


def test_http_500_outage_and_recovery(testbed: Testbed, restore_services: None) -> None:
    url = testbed.urls("ca-cv")["crl"]
    testbed.set_service("crl:ca-cv", ServiceMode.HTTP_500)
    with pytest.raises(urllib.error.HTTPError) as raised:
        fetch(url)
    assert raised.value.code == 500
    testbed.set_service("crl:ca-cv", ServiceMode.NORMAL)
    assert crl.CertificateList.load(fetch(url))


def test_no_answer_makes_the_client_time_out(testbed: Testbed, restore_services: None) -> None:
    testbed.set_service("ocsp:ca-cv", ServiceMode.NO_ANSWER)
    started = time.monotonic()
    with pytest.raises((TimeoutError, urllib.error.URLError)):
        fetch(testbed.urls("ca-cv")["ocsp"], b"\x30\x00", "application/ocsp-request",
              timeout=1.0)
    assert time.monotonic() - started < 5


def test_slow_service_answers_after_its_delay(testbed: Testbed, restore_services: None) -> None:
    testbed.set_service("certs:ca-cv", ServiceMode.SLOW, delay_seconds=0.6)
    started = time.monotonic()
    assert fetch(testbed.urls("ca-cv")["ca_certificate"]) == testbed.certificate_der("ca-cv")
    assert time.monotonic() - started >= 0.6


def test_stale_crl_has_a_next_update_in_the_past(testbed: Testbed,
                                                 restore_services: None) -> None:
    testbed.set_service("crl:ca-cv", ServiceMode.STALE)
    stale = crl.CertificateList.load(fetch(testbed.urls("ca-cv")["crl"]))
    assert stale["tbs_cert_list"]["next_update"].native < testbed.now()
    assert stale["tbs_cert_list"]["this_update"].native <= testbed.now() - timedelta(days=1)


def test_timestamp_is_at_testbed_time_and_openssl_verifies_it(testbed: Testbed,
                                                              tmp_path: Path) -> None:
    data = tmp_path / "document.txt"
    data.write_text("Quyết định số 123/QĐ-UBND\n", encoding="utf-8")
    query = tmp_path / "request.tsq"
    subprocess.run(["openssl", "ts", "-query", "-data", str(data), "-sha256", "-cert",
                    "-out", str(query)], check=True, capture_output=True, timeout=30)
    reply = tmp_path / "reply.tsr"
    reply.write_bytes(fetch(testbed.urls("ca-cv")["tsa"], query.read_bytes(),
                            "application/timestamp-query"))
    chain = tmp_path / "chain.pem"
    chain.write_text(testbed.certificate_pem("ca-cv") + testbed.certificate_pem("root-cv"))
    tsa_certificate = tmp_path / "tsa.pem"
    tsa_certificate.write_text(testbed.certificate_pem("ca-cv-tsa"))
    verify = subprocess.run(["openssl", "ts", "-verify", "-data", str(data), "-in", str(reply),
                             "-CAfile", str(chain), "-untrusted", str(tsa_certificate)],
                            capture_output=True, text=True, timeout=30, check=False)
    assert "Verification: OK" in verify.stdout, verify.stderr
    text = subprocess.run(["openssl", "ts", "-reply", "-in", str(reply), "-text"],
                          capture_output=True, text=True, timeout=30, check=True).stdout
    expected = testbed.now().strftime("%b %e %H:%M:%S %Y GMT").replace("  ", " ")
    assert " ".join(expected.split()) in " ".join(text.split())
