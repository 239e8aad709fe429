"""A certificate from the running testbed, validated by pyhanko-certvalidator over real HTTP."""

from __future__ import annotations

from datetime import timedelta

import pytest
from asn1crypto import crl as asn1_crl
from pyhanko_certvalidator.errors import ExpiredError, RevokedError

from testbed.ca.names import VietnameseName
from testbed.ca.revocation_reasons import RevocationReason
from testbed.services import random_serial
from testbed.session import Testbed
from tests.helpers import fetch, ocsp_status, validate_certificate


def _person(testbed: Testbed, subscriber_id: str, **options: object) -> str:
    record = testbed.issue(subscriber_id, name=VietnameseName(
        common_name="Trần Thị Bình", title="Chuyên viên", organization="Sở Nội vụ tỉnh Đồng Tháp",
        locality="Đồng Tháp", identifier="CCCD:087190001234"), **options)
    return record.label


def test_fresh_certificate_validates_against_root_with_ocsp_and_crl(testbed: Testbed) -> None:
    label = _person(testbed, "valid-person")
    validate_certificate(testbed, label, revocation_mode="require")


def test_public_branch_certificate_validates_against_neac_like_root(testbed: Testbed) -> None:
    from testbed.ca.branches import Branch

    label = _person(testbed, "public-person", branch=Branch.PUBLIC)
    assert [record.label for record in testbed.chain(label)][1:] == ["ca-public", "root-neac"]
    validate_certificate(testbed, label)


def test_revocation_shows_in_ocsp_at_once(testbed: Testbed) -> None:
    label = _person(testbed, "revoked-at-once")
    assert ocsp_status(testbed, label)["response_bytes"]["response"].parsed[
        "tbs_response_data"]["responses"][0]["cert_status"].name == "good"
    reported = testbed.now() - timedelta(days=2)
    testbed.revoke(label, reason=RevocationReason.KEY_COMPROMISE, invalidity_date=reported)
    single = ocsp_status(testbed, label)["response_bytes"]["response"].parsed[
        "tbs_response_data"]["responses"][0]
    assert single["cert_status"].name == "revoked"
    assert single["cert_status"].chosen["revocation_reason"].native == "key_compromise"
    assert single["single_extensions"][0]["extn_value"].native == reported
    with pytest.raises(RevokedError):
        validate_certificate(testbed, label)


def _crl_serials(testbed: Testbed) -> tuple[set[int], asn1_crl.CertificateList]:
    certificate_list = asn1_crl.CertificateList.load(fetch(testbed.urls("ca-cv")["crl"]))
    return {entry["user_certificate"].native
            for entry in certificate_list["tbs_cert_list"]["revoked_certificates"]}, \
        certificate_list


def test_revocation_appears_in_the_next_scheduled_crl(testbed: Testbed,
                                                      restore_clock: None) -> None:
    label = _person(testbed, "revoked-next-crl")
    testbed.advance_clock(timedelta(hours=1))  # between two scheduled CRLs
    testbed.revoke(label, reason=RevocationReason.AFFILIATION_CHANGED)
    serial = testbed.certificate(label).serial
    serials, before = _crl_serials(testbed)
    assert serial not in serials, "the current CRL was issued before the revocation"
    testbed.advance_clock(timedelta(days=1))
    serials, after = _crl_serials(testbed)
    assert serial in serials
    assert after["tbs_cert_list"]["crl_extensions"][0]["extn_value"].native > \
        before["tbs_cert_list"]["crl_extensions"][0]["extn_value"].native


def test_out_of_cycle_crl_lists_a_revocation_immediately(testbed: Testbed,
                                                         restore_clock: None) -> None:
    label = _person(testbed, "revoked-published")
    testbed.advance_clock(timedelta(hours=2))
    testbed.revoke(label, reason=RevocationReason.CESSATION_OF_OPERATION)
    testbed.publish_crl("ca-cv")
    serials, current = _crl_serials(testbed)
    assert testbed.certificate(label).serial in serials
    assert current["tbs_cert_list"]["this_update"].native == testbed.now()


def test_certificate_is_expired_once_the_clock_passes_not_after(testbed: Testbed,
                                                               restore_clock: None) -> None:
    label = _person(testbed, "short-lived", validity=timedelta(days=30))
    validate_certificate(testbed, label)
    testbed.set_clock(testbed.certificate(label).not_after + timedelta(minutes=1))
    with pytest.raises(ExpiredError):
        validate_certificate(testbed, label)


def test_unknown_serial_gets_ocsp_unknown_over_post_and_get(testbed: Testbed) -> None:
    label = _person(testbed, "unknown-probe")
    for use_get in (False, True):
        response = ocsp_status(testbed, label, serial=random_serial(), use_get=use_get)
        assert response["response_status"].native == "successful"
        single = response["response_bytes"]["response"].parsed["tbs_response_data"][
            "responses"][0]
        assert single["cert_status"].name == "unknown"


def test_responses_carry_whole_seconds_at_the_testbed_instant(testbed: Testbed,
                                                             restore_clock: None) -> None:
    label = _person(testbed, "time-probe")
    instant = testbed.now() - timedelta(days=40, seconds=7)
    testbed.set_clock(instant)
    data = ocsp_status(testbed, label)["response_bytes"]["response"].parsed["tbs_response_data"]
    assert data["produced_at"].native == instant
    assert data["responses"][0]["this_update"].native.microsecond == 0
