"""The OCSP responder answers CertIDs hashed with any SHA-1/SHA-2 algorithm (openssl lets a
client choose), refuses one it cannot match, and refuses requests with more CertIDs than
:data:`testbed.services.OCSP_MAX_CERT_IDS` (``malformedRequest``)."""

from __future__ import annotations

import hashlib
import subprocess
from pathlib import Path

import pytest
from asn1crypto import algos, ocsp, x509

from testbed.ca.names import VietnameseName
from testbed.clock import wall_clock
from testbed.services import OCSP_MAX_CERT_IDS
from testbed.session import Testbed
from tests.helpers import fetch


@pytest.fixture(scope="module")
def person(testbed: Testbed) -> str:
    return testbed.issue("ocsp-cert-ids", name=VietnameseName(
        common_name="Vũ Thị Lan", organization="Sở Tư pháp tỉnh Hà Tĩnh")).label


def _cert_id(testbed: Testbed, label: str, algorithm: str = "sha1",
             serial: int | None = None) -> ocsp.CertId:
    record = testbed.certificate(label)
    issuer = x509.Certificate.load(
        testbed.certificate_der(testbed.state.authorities[record.issuer].certificate))
    return ocsp.CertId({
        "hash_algorithm": algos.DigestAlgorithm({"algorithm": algorithm}),
        "issuer_name_hash": hashlib.new(algorithm, issuer.subject.dump()).digest(),
        "issuer_key_hash": hashlib.new(algorithm, bytes(issuer.public_key["public_key"])).digest(),
        "serial_number": record.serial if serial is None else serial,
    })


def _ask(testbed: Testbed, cert_ids: list[ocsp.CertId]) -> ocsp.OCSPResponse:
    request = ocsp.OCSPRequest({"tbs_request": {
        "request_list": [{"req_cert": cert_id} for cert_id in cert_ids]}})
    return ocsp.OCSPResponse.load(fetch(testbed.urls("ca-cv")["ocsp"], request.dump(),
                                        "application/ocsp-request"))


def _answers(response: ocsp.OCSPResponse) -> list[ocsp.SingleResponse]:
    assert response["response_status"].native == "successful"
    return list(response["response_bytes"]["response"].parsed["tbs_response_data"]["responses"])


@pytest.mark.parametrize("algorithm", ["sha1", "sha224", "sha256", "sha384", "sha512"])
def test_every_sha_cert_id_is_answered(testbed: Testbed, person: str, algorithm: str) -> None:
    [answer] = _answers(_ask(testbed, [_cert_id(testbed, person, algorithm)]))
    assert answer["cert_status"].name == "good"
    assert answer["cert_id"]["hash_algorithm"]["algorithm"].native == algorithm


def test_a_cert_id_hashed_with_md5_is_a_malformed_request(testbed: Testbed,
                                                           person: str) -> None:
    response = _ask(testbed, [_cert_id(testbed, person, "md5")])
    assert response["response_status"].native == "malformed_request"


@pytest.mark.parametrize("digest", ["-sha384", "-sha512"])
def test_openssl_asks_with_sha384_and_sha512_cert_ids(testbed: Testbed, person: str,
                                                      tmp_path: Path, restore_clock: None,
                                                      digest: str) -> None:
    testbed.set_clock(wall_clock())  # openssl judges thisUpdate by its own clock
    files = {"leaf": person, "ca": "ca-cv", "root": "root-cv"}
    for name, label in files.items():
        (tmp_path / f"{name}.pem").write_text(testbed.certificate_pem(label))
    result = subprocess.run(
        ["openssl", "ocsp", digest, "-issuer", str(tmp_path / "ca.pem"), "-cert",
         str(tmp_path / "leaf.pem"), "-url", testbed.urls("ca-cv")["ocsp"], "-CAfile",
         str(tmp_path / "root.pem"), "-verify_other", str(tmp_path / "ca.pem"),
         "-validity_period", "300"],
        capture_output=True, text=True, timeout=30, check=False)
    assert result.returncode == 0, result.stderr
    assert "Response verify OK" in result.stderr + result.stdout
    assert f"{tmp_path / 'leaf.pem'}: good" in result.stdout


def test_up_to_the_cap_every_cert_id_is_answered(testbed: Testbed, person: str) -> None:
    serial = testbed.certificate(person).serial
    cert_ids = [_cert_id(testbed, person, serial=serial + 2 * i) for i in range(OCSP_MAX_CERT_IDS)]
    answers = _answers(_ask(testbed, cert_ids))
    assert len(answers) == OCSP_MAX_CERT_IDS
    assert answers[0]["cert_status"].name == "good"
    assert answers[-1]["cert_status"].name == "unknown"


@pytest.mark.parametrize("count", [OCSP_MAX_CERT_IDS + 1, 4000])
def test_more_cert_ids_than_the_cap_is_a_malformed_request(testbed: Testbed, person: str,
                                                           count: int) -> None:
    serial = testbed.certificate(person).serial
    cert_ids = [_cert_id(testbed, person, serial=serial + 2 * i) for i in range(count)]
    assert _ask(testbed, cert_ids)["response_status"].native == "malformed_request"
    # the responder is not worse for it
    assert _answers(_ask(testbed, [_cert_id(testbed, person)]))[0]["cert_status"].name == "good"
