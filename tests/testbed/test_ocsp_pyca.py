"""The OCSP responder's two writers (:mod:`testbed.ocsp_pyca`, pyca's builder, for the common
answer; :mod:`testbed.ocsp_responses`, asn1crypto, for every answer) write the same response,
pyca writes it for the requests real clients send, and independent clients (``openssl ocsp``,
pyhanko-certvalidator) accept what a testbed following the wall clock answers: good, revoked
with its reason, unknown, the nonce echoed."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from asn1crypto import ocsp, x509
from pyhanko_certvalidator.authority import CertTrustAnchor
from pyhanko_certvalidator.errors import RevokedError
from pyhanko_certvalidator.fetchers.common_utils import format_ocsp_request

from bench.ocsp_load import ocsp_request
from testbed.ca.key_types import KeyType
from testbed.ca.names import VietnameseName
from testbed.ca.revocation_reasons import RevocationReason
from testbed.clock import wall_clock
from testbed.ocsp_pyca import pyca_response
from testbed.ocsp_requests import ParsedRequest, parse_request
from testbed.ocsp_responses import answer_request, asn1crypto_response
from testbed.service_modes import ServiceMode
from testbed.services import LiveServices, random_serial
from testbed.session import Testbed
from tests.helpers import validate_certificate

VALIDITY = timedelta(minutes=10)


@pytest.fixture(scope="module")
def following(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Testbed]:
    """A testbed whose clock follows the wall clock (pyca's builder answers it), RSA-2048 (its
    signatures are deterministic, so two writers of one response sign the same bytes)."""
    testbed = Testbed.create(tmp_path_factory.mktemp("ocsp-pyca"), at=wall_clock(),
                             follow_wall_clock=True, service_key=KeyType.RSA2048)
    testbed.serve()
    yield testbed
    testbed.stop()


def _person(testbed: Testbed, subscriber_id: str) -> str:
    return testbed.issue(subscriber_id, name=VietnameseName(
        common_name="Trần Thị Mai", organization="Sở Tư pháp tỉnh Nghệ An")).label


def _issuer(testbed: Testbed) -> x509.Certificate:
    return x509.Certificate.load(testbed.certificate_der("ca-cv"))


def _both_writers(testbed: Testbed, request: ParsedRequest) -> tuple[bytes, bytes]:
    """The response to ``request`` written by pyca and by asn1crypto at the same instant."""
    snapshot = LiveServices(testbed.directory).snapshot()
    material = snapshot.ocsp_material("ca-cv")
    for _ in range(3):  # a second may end while pyca signs: it then declines, try again
        at = wall_clock()
        answer = snapshot.status_of("ca-cv")(request.cert_ids[0].serial, at)
        assert request.pyca_form is not None
        by_pyca = pyca_response(material.pyca, request.pyca_form, request.cert_ids[0], answer,
                                at, at + VALIDITY)
        if by_pyca is not None:
            return by_pyca, asn1crypto_response(request, material, [answer], at, VALIDITY)
    raise AssertionError("pyca never answered")


@pytest.mark.parametrize("nonce", [True, False], ids=["nonce", "no-nonce"])
@pytest.mark.parametrize("reason", [None, *RevocationReason], ids=str)
def test_pyca_and_asn1crypto_write_the_same_response(following: Testbed,
                                                     reason: RevocationReason | None,
                                                     nonce: bool) -> None:
    label = _person(following, f"pyca-same-{reason or 'good'}-{int(nonce)}".replace("_", "-"))
    if reason is not None:
        following.revoke(label, reason=reason)
    serial = following.certificate(label).serial
    status = "good" if reason is None else "revoked"
    request = parse_request(ocsp_request(_issuer(following), serial, nonce=nonce), 100)
    by_pyca, by_asn1crypto = _both_writers(following, request)
    assert ocsp.OCSPResponse.load(by_pyca).basic_ocsp_response["tbs_response_data"][
        "responses"][0]["cert_status"].name == status
    assert by_pyca == by_asn1crypto


@pytest.mark.parametrize("nonce", [True, False], ids=["nonce", "no-nonce"])
def test_both_writers_answer_unknown_alike(following: Testbed, nonce: bool) -> None:
    request = parse_request(ocsp_request(_issuer(following), random_serial(), nonce=nonce), 100)
    by_pyca, by_asn1crypto = _both_writers(following, request)
    assert ocsp.OCSPResponse.load(by_pyca).basic_ocsp_response["tbs_response_data"][
        "responses"][0]["cert_status"].name == "unknown"
    assert by_pyca == by_asn1crypto


def test_a_request_pyca_would_not_write_so_is_answered_by_asn1crypto(following: Testbed
                                                                     ) -> None:
    label = _person(following, "pyca-requestor-name")
    issuer = _issuer(following)
    plain = ocsp.OCSPRequest.load(
        ocsp_request(issuer, following.certificate(label).serial, nonce=True))
    named = ocsp.OCSPRequest({"tbs_request": {
        "requestor_name": {"directory_name": issuer.subject},
        "request_list": plain["tbs_request"]["request_list"],
        "request_extensions": plain["tbs_request"]["request_extensions"]}}).dump()
    request = parse_request(named, 100)
    assert request.pyca_form is None
    snapshot = LiveServices(following.directory).snapshot()
    response = ocsp.OCSPResponse.load(answer_request(
        request, snapshot.ocsp_material("ca-cv"), snapshot.status_of("ca-cv"), wall_clock(),
        VALIDITY).der)
    data = response.basic_ocsp_response["tbs_response_data"]
    assert data["responses"][0]["cert_id"].dump() == \
        plain["tbs_request"]["request_list"][0]["req_cert"].dump()
    assert data["response_extensions"][0]["extn_value"].native == \
        plain["tbs_request"]["request_extensions"][0]["extn_value"].native


def test_pyca_declines_what_only_asn1crypto_writes(following: Testbed) -> None:
    """An invalidityDate, or a testbed instant that is not the wall clock's second."""
    label = _person(following, "pyca-invalidity")
    following.revoke(label, reason=RevocationReason.KEY_COMPROMISE,
                     invalidity_date=following.now() - timedelta(days=1))
    request = parse_request(
        ocsp_request(_issuer(following), following.certificate(label).serial, nonce=True), 100)
    assert request.pyca_form is not None
    material = LiveServices(following.directory).snapshot().ocsp_material("ca-cv")
    status_of = LiveServices(following.directory).snapshot().status_of("ca-cv")
    at = wall_clock()
    asked = request.cert_ids[0]
    assert pyca_response(material.pyca, request.pyca_form, asked, status_of(asked.serial, at),
                         at, at + VALIDITY) is None
    other = parse_request(ocsp_request(_issuer(following), random_serial(), nonce=True), 100)
    assert other.pyca_form is not None
    earlier = at - timedelta(minutes=5)
    assert pyca_response(material.pyca, other.pyca_form, other.cert_ids[0],
                         status_of(other.cert_ids[0].serial, earlier), earlier,
                         earlier + VALIDITY) is None


def test_openssl_and_pyhanko_requests_are_written_as_pyca_writes_them(
        following: Testbed, tmp_path: Path) -> None:
    label = _person(following, "pyca-clients")
    (tmp_path / "ca.pem").write_text(following.certificate_pem("ca-cv"))
    (tmp_path / "leaf.pem").write_text(following.certificate_pem(label))
    for digest in ("-sha1", "-sha256"):
        subprocess.run(["openssl", "ocsp", digest, "-issuer", str(tmp_path / "ca.pem"), "-cert",
                        str(tmp_path / "leaf.pem"), "-reqout", str(tmp_path / "request.der")],
                       check=True, capture_output=True, timeout=30)
        request = parse_request((tmp_path / "request.der").read_bytes(), 100)
        assert request.pyca_form is not None and request.has_nonce
    leaf = x509.Certificate.load(following.certificate_der(label))
    authority = CertTrustAnchor(_issuer(following)).authority
    for algorithm in ("sha1", "sha256"):
        for nonce in (True, False):
            der = format_ocsp_request(leaf, authority, certid_hash_algo=algorithm,
                                      request_nonces=nonce).dump()
            assert parse_request(der, 100).pyca_form is not None


def _openssl_ocsp(testbed: Testbed, tmp_path: Path, label: str) -> str:
    for name, certificate in (("leaf", label), ("ca", "ca-cv"), ("root", "root-cv")):
        (tmp_path / f"{name}.pem").write_text(testbed.certificate_pem(certificate))
    result = subprocess.run(
        ["openssl", "ocsp", "-issuer", str(tmp_path / "ca.pem"), "-cert",
         str(tmp_path / "leaf.pem"), "-url", testbed.urls("ca-cv")["ocsp"], "-CAfile",
         str(tmp_path / "root.pem"), "-verify_other", str(tmp_path / "ca.pem"),
         "-validity_period", "300"],
        capture_output=True, text=True, timeout=30, check=False)
    assert result.returncode == 0, result.stderr
    output = result.stdout + result.stderr
    assert "Response verify OK" in output
    assert "WARNING" not in output  # openssl warns of a nonce missing or not echoed
    return output


def test_openssl_reads_good_revoked_and_unknown_with_the_nonce(following: Testbed,
                                                               tmp_path: Path) -> None:
    label = _person(following, "pyca-openssl")
    assert ": good" in _openssl_ocsp(following, tmp_path, label)
    following.revoke(label, reason=RevocationReason.AFFILIATION_CHANGED)
    output = _openssl_ocsp(following, tmp_path, label)
    assert ": revoked" in output and "Reason: affiliationChanged" in output
    unknown = _person(following, "pyca-openssl-unknown")
    following.set_service("ocsp:ca-cv", ServiceMode.UNKNOWN)
    try:
        assert ": unknown" in _openssl_ocsp(following, tmp_path, unknown)
    finally:
        following.set_service("ocsp:ca-cv", ServiceMode.NORMAL)


def test_pyhanko_validates_good_then_revoked_through_the_responder(following: Testbed) -> None:
    label = _person(following, "pyca-pyhanko")
    following.set_service("crl:ca-cv", ServiceMode.HTTP_500)  # OCSP is the only source
    try:
        validate_certificate(following, label, revocation_mode="require")
        following.revoke(label, reason=RevocationReason.KEY_COMPROMISE)
        with pytest.raises(RevokedError):
            validate_certificate(following, label, revocation_mode="require")
    finally:
        following.set_service("crl:ca-cv", ServiceMode.NORMAL)
