"""OCSP responders and TSAs with keys of any supported algorithm (``kyso up --service-key``):
their responses carry the matching signature algorithm, pyHanko validates certificates through
them and their timestamps, and ``openssl ocsp`` verifies their OCSP responses on its own."""

from __future__ import annotations

import asyncio
import hashlib
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from asn1crypto import x509
from cryptography.x509 import ocsp as pyca_ocsp
from pyhanko.sign.timestamps import HTTPTimeStamper
from pyhanko.sign.validation.generic_cms import validate_tst_signed_data
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.errors import RevokedError

from testbed.ca.key_types import KeyType
from testbed.ca.names import VietnameseName
from testbed.clock import wall_clock
from testbed.errors import InvalidInputError
from testbed.service_modes import ServiceMode
from testbed.session import Testbed, running_testbed
from tests.helpers import fetch, validate_certificate

SIGNATURES = {KeyType.P256: ("ecdsa-with-SHA256", "sha256_ecdsa"),
              KeyType.P384: ("ecdsa-with-SHA384", "sha384_ecdsa"),
              KeyType.RSA3072: ("sha256WithRSAEncryption", "sha256_rsa")}
"""Per service key: the OCSP response's signature algorithm (pyca's name) and the TSA's
(asn1crypto's name)."""


@pytest.fixture(scope="module", params=list(SIGNATURES), ids=str)
def keyed(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
          ) -> Iterator[Testbed]:
    directory = tmp_path_factory.mktemp(f"service-key-{request.param}")
    with running_testbed(directory, at=wall_clock(), service_key=request.param) as testbed:
        yield testbed


def _key_type(testbed: Testbed) -> KeyType:
    return KeyType(testbed.certificate("ca-cv-ocsp").key_type)


def _person(testbed: Testbed, subscriber_id: str) -> str:
    return testbed.issue(subscriber_id, name=VietnameseName(
        common_name="Lê Văn Bình", organization="Sở Tài chính tỉnh Quảng Nam")).label


def test_every_service_key_has_the_chosen_algorithm(keyed: Testbed) -> None:
    services = [record for record in keyed.state.certificates.values()
                if record.label.endswith(("-ocsp", "-tsa"))]
    assert len(services) >= 4
    assert {record.key_type for record in services} == {_key_type(keyed).value}


def test_ocsp_response_is_signed_with_the_service_key(keyed: Testbed) -> None:
    label = _person(keyed, "keyed-ocsp")
    record = keyed.certificate(label)
    issuer = x509.Certificate.load(keyed.certificate_der("ca-cv"))
    from bench.ocsp_load import ocsp_request

    der = fetch(keyed.urls("ca-cv")["ocsp"], ocsp_request(issuer, record.serial, nonce=True),
                "application/ocsp-request")
    response = pyca_ocsp.load_der_ocsp_response(der)
    assert response.certificate_status is pyca_ocsp.OCSPCertStatus.GOOD
    assert response.signature_algorithm_oid._name == SIGNATURES[_key_type(keyed)][0]
    assert response.produced_at_utc == keyed.now()


def test_pyhanko_validates_through_the_responder_alone(keyed: Testbed,
                                                       ) -> None:
    label = _person(keyed, "keyed-pyhanko")
    keyed.set_service("crl:ca-cv", ServiceMode.HTTP_500)  # OCSP is the only source
    try:
        validate_certificate(keyed, label, revocation_mode="require")
        keyed.revoke(label)
        with pytest.raises(RevokedError):
            validate_certificate(keyed, label, revocation_mode="require")
    finally:
        keyed.set_service("crl:ca-cv", ServiceMode.NORMAL)


def test_pyhanko_validates_a_timestamp_of_the_tsa(keyed: Testbed) -> None:
    digest = hashlib.sha256(b"kyso service keys").digest()
    token = asyncio.run(HTTPTimeStamper(keyed.urls("ca-cv")["tsa"]).async_timestamp(
        digest, "sha256"))
    signed_data = token["content"]
    [signer_info] = signed_data["signer_infos"]
    assert signer_info["signature_algorithm"].signature_algo == \
        SIGNATURES[_key_type(keyed)][1].split("_")[1].replace("rsa", "rsassa_pkcs1v15")
    root = x509.Certificate.load(keyed.certificate_der("root-cv"))
    context = ValidationContext(
        trust_roots=[root], other_certs=[x509.Certificate.load(keyed.certificate_der("ca-cv"))],
        allow_fetching=True, revocation_mode="require", moment=keyed.now())
    status = asyncio.run(validate_tst_signed_data(signed_data, context, lambda _: digest))
    assert status["intact"] and status["valid"], status
    assert status["trust_problem_indic"] is None and status["validation_path"] is not None


def test_openssl_verifies_the_ocsp_response(keyed: Testbed, tmp_path: Path) -> None:
    label = _person(keyed, "keyed-openssl")
    files = {"leaf": label, "ca": "ca-cv", "root": "root-cv"}
    for name, certificate in files.items():
        (tmp_path / f"{name}.pem").write_text(keyed.certificate_pem(certificate))
    result = subprocess.run(
        ["openssl", "ocsp", "-issuer", str(tmp_path / "ca.pem"), "-cert",
         str(tmp_path / "leaf.pem"), "-url", keyed.urls("ca-cv")["ocsp"], "-CAfile",
         str(tmp_path / "root.pem"), "-verify_other", str(tmp_path / "ca.pem"),
         "-validity_period", "300", "-resp_text"],
        capture_output=True, text=True, timeout=30, check=False)
    assert result.returncode == 0, result.stderr
    assert "Response verify OK" in result.stderr + result.stdout
    assert f"{tmp_path / 'leaf.pem'}: good" in result.stdout
    assert f"Signature Algorithm: {SIGNATURES[_key_type(keyed)][0]}" in result.stdout


def test_a_renewed_tsa_keeps_the_algorithm(keyed: Testbed) -> None:
    record = keyed.renew_timestamp_authority("ca-public")
    assert record.key_type == _key_type(keyed).value


@pytest.mark.parametrize("key", [KeyType.RSA4096, KeyType.RSA1024])
def test_other_keys_are_refused_for_services(tmp_path: Path, key: KeyType) -> None:
    with pytest.raises(InvalidInputError):
        Testbed.create(tmp_path / "testbed", service_key=key)


def test_kyso_up_reads_the_service_key() -> None:
    from conformance.cli.root import build_parser

    parser = build_parser()
    arguments = parser.parse_args(["up", "--service-key", "P256"])
    assert arguments.service_key == "p256"
    assert parser.parse_args(["up"]).service_key == "rsa2048"
    with pytest.raises(SystemExit) as refused:
        parser.parse_args(["up", "--service-key", "rsa4096"])
    assert refused.value.code == 2
