"""The OCSP responses themselves, read back by pyca (a strict parser): revoked with reason, time
and invalidity date, the CertID echoed with the client's hash, times from the testbed clock,
the nonce echoed, and the error responses for requests the responder cannot answer."""

from __future__ import annotations

import hashlib
from datetime import timedelta

from asn1crypto import algos, ocsp, x509
from cryptography import x509 as pyca_x509
from cryptography.hazmat.primitives import hashes
from cryptography.x509 import ocsp as pyca_ocsp

from testbed.ca.names import VietnameseName
from testbed.ca.revocation_reasons import RevocationReason
from testbed.session import Testbed
from tests.helpers import fetch


def _person(testbed: Testbed, subscriber_id: str) -> str:
    return testbed.issue(subscriber_id, name=VietnameseName(
        common_name="Phạm Quốc Huy", organization="Sở Xây dựng tỉnh Thanh Hóa")).label


def _request(testbed: Testbed, serial: int, algorithm: str = "sha1", *, nonce: bytes | None = None,
             issuer_label: str = "ca-cv") -> bytes:
    issuer = x509.Certificate.load(testbed.certificate_der(issuer_label))
    cert_id = ocsp.CertId({
        "hash_algorithm": algos.DigestAlgorithm({"algorithm": algorithm}),
        "issuer_name_hash": hashlib.new(algorithm, issuer.subject.dump()).digest(),
        "issuer_key_hash": hashlib.new(algorithm, bytes(issuer.public_key["public_key"])).digest(),
        "serial_number": serial,
    })
    tbs: dict[str, object] = {"request_list": [{"req_cert": cert_id}]}
    if nonce is not None:
        tbs["request_extensions"] = [{"extn_id": "nonce", "extn_value": nonce}]
    return ocsp.OCSPRequest({"tbs_request": tbs}).dump()


def _ask(testbed: Testbed, body: bytes) -> pyca_ocsp.OCSPResponse:
    return pyca_ocsp.load_der_ocsp_response(
        fetch(testbed.urls("ca-cv")["ocsp"], body, "application/ocsp-request"))


def test_revoked_with_reason_time_and_invalidity_date(testbed: Testbed) -> None:
    label = _person(testbed, "ocsp-revoked-details")
    reported = testbed.now() - timedelta(days=2)
    testbed.revoke(label, reason=RevocationReason.KEY_COMPROMISE, invalidity_date=reported)
    record = testbed.certificate(label)
    response = _ask(testbed, _request(testbed, record.serial))
    assert response.certificate_status is pyca_ocsp.OCSPCertStatus.REVOKED
    assert response.revocation_reason is pyca_x509.ReasonFlags.key_compromise
    assert record.revocation is not None
    assert response.revocation_time_utc == record.revocation.revoked_at
    invalidity = response.single_extensions.get_extension_for_class(pyca_x509.InvalidityDate)
    assert invalidity.value.invalidity_date_utc == reported


def test_sha384_cert_id_is_echoed_and_times_follow_the_testbed_clock(
        testbed: Testbed, restore_clock: None) -> None:
    label = _person(testbed, "ocsp-sha384")
    testbed.advance_clock(timedelta(days=30))
    response = _ask(testbed, _request(testbed, testbed.certificate(label).serial, "sha384"))
    assert response.certificate_status is pyca_ocsp.OCSPCertStatus.GOOD
    assert isinstance(response.hash_algorithm, hashes.SHA384)
    assert response.serial_number == testbed.certificate(label).serial
    assert response.produced_at_utc == response.this_update_utc == testbed.now()
    assert response.next_update_utc == testbed.now() + timedelta(minutes=10)


def test_the_nonce_is_echoed(testbed: Testbed) -> None:
    label = _person(testbed, "ocsp-nonce")
    nonce = bytes(range(16))
    response = _ask(testbed, _request(testbed, testbed.certificate(label).serial, nonce=nonce))
    echoed = response.extensions.get_extension_for_class(pyca_x509.OCSPNonce)
    assert echoed.value.nonce == nonce


def test_an_unknown_serial_is_unknown(testbed: Testbed) -> None:
    from testbed.services import random_serial

    response = _ask(testbed, _request(testbed, random_serial()))
    assert response.certificate_status is pyca_ocsp.OCSPCertStatus.UNKNOWN


def test_another_cas_certificate_is_unauthorized(testbed: Testbed) -> None:
    label = _person(testbed, "ocsp-other-ca")
    body = _request(testbed, testbed.certificate(label).serial, issuer_label="ca-public")
    assert _ask(testbed, body).response_status is pyca_ocsp.OCSPResponseStatus.UNAUTHORIZED


def test_garbage_and_an_empty_request_are_malformed(testbed: Testbed) -> None:
    empty = ocsp.OCSPRequest({"tbs_request": {"request_list": []}}).dump()
    for body in (b"\x30\x03\x02\x01\x01", empty):
        assert _ask(testbed, body).response_status is \
            pyca_ocsp.OCSPResponseStatus.MALFORMED_REQUEST
