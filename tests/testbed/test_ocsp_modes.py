"""OCSP responder modes beyond outages: an ``unauthorized`` error response to every request and
``unknown`` for every serial; the CRL stays the fallback."""

from __future__ import annotations

import pytest
from asn1crypto import crl
from pyhanko_certvalidator.errors import PathValidationError

from testbed.ca.names import VietnameseName
from testbed.errors import InvalidInputError
from testbed.service_modes import ServiceMode
from testbed.session import Testbed
from tests.helpers import fetch, ocsp_status, validate_certificate


def _person(testbed: Testbed, subscriber_id: str) -> str:
    return testbed.issue(subscriber_id, name=VietnameseName(
        common_name="Đỗ Thị Hạnh", title="Chuyên viên", organization="Sở Y tế tỉnh Nghệ An",
        locality="Nghệ An", identifier="CCCD:040190004321")).label


def _status(response: object) -> str:
    return response["response_bytes"]["response"].parsed[  # type: ignore[index]
        "tbs_response_data"]["responses"][0]["cert_status"].name


@pytest.mark.parametrize("use_get", [False, True])
def test_unauthorized_answers_every_request_with_an_error_response(
        testbed: Testbed, restore_services: None, use_get: bool) -> None:
    label = _person(testbed, f"ocsp-unauthorized-{int(use_get)}")
    assert _status(ocsp_status(testbed, label)) == "good"
    testbed.set_service("ocsp:ca-cv", ServiceMode.UNAUTHORIZED)
    response = ocsp_status(testbed, label, use_get=use_get)
    assert response["response_status"].native == "unauthorized"
    assert not response["response_bytes"]
    # the CRL is not affected
    assert crl.CertificateList.load(fetch(testbed.urls("ca-cv")["crl"]))
    testbed.set_service("ocsp:ca-cv", ServiceMode.NORMAL)
    assert _status(ocsp_status(testbed, label, use_get=use_get)) == "good"


def test_unknown_answers_unknown_for_an_issued_certificate(testbed: Testbed,
                                                           restore_services: None) -> None:
    label = _person(testbed, "ocsp-unknown")
    testbed.set_service("ocsp:ca-cv", ServiceMode.UNKNOWN)
    response = ocsp_status(testbed, label)
    assert response["response_status"].native == "successful"  # signed, but not helpful
    assert _status(response) == "unknown"
    testbed.revoke(label)
    assert _status(ocsp_status(testbed, label)) == "unknown"
    testbed.set_service("ocsp:ca-cv", ServiceMode.NORMAL)
    assert _status(ocsp_status(testbed, label)) == "revoked"


@pytest.mark.parametrize("mode", [ServiceMode.UNAUTHORIZED, ServiceMode.UNKNOWN])
def test_a_validator_falls_back_to_the_crl(testbed: Testbed, restore_services: None,
                                           mode: ServiceMode) -> None:
    label = _person(testbed, f"ocsp-fallback-{mode.value}")
    testbed.set_service("ocsp:ca-cv", mode)
    validate_certificate(testbed, label, revocation_mode="require")
    testbed.set_service("crl:ca-cv", ServiceMode.HTTP_500)
    with pytest.raises(PathValidationError):
        validate_certificate(testbed, label, revocation_mode="require")


@pytest.mark.parametrize("service", ["crl:ca-cv", "tsa:ca-cv", "certs:ca-cv"])
@pytest.mark.parametrize("mode", [ServiceMode.UNAUTHORIZED, ServiceMode.UNKNOWN])
def test_only_an_ocsp_responder_has_these_modes(testbed: Testbed, restore_services: None,
                                                service: str, mode: ServiceMode) -> None:
    with pytest.raises(InvalidInputError):
        testbed.set_service(service, mode)
    assert service not in testbed.state.services
