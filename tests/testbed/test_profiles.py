"""Certificates carry what Vietnamese ones carry (ND68 Art. 7, 9) and break rules on demand."""

from __future__ import annotations

import unicodedata
from datetime import timedelta

import pytest
from asn1crypto import x509

from testbed.ca.branches import Branch
from testbed.ca.key_types import KeyType
from testbed.ca.names import VietnameseName
from testbed.ca.profiles import ProfileKind, RuleBreak
from testbed.errors import InvalidInputError
from testbed.session import Testbed


def _load(testbed: Testbed, label: str) -> x509.Certificate:
    return x509.Certificate.load(testbed.certificate_der(label))


def test_every_authority_name_is_marked_test_and_utf8(testbed: Testbed) -> None:
    for label in testbed.state.authorities:
        certificate = _load(testbed, label)
        subject = certificate.subject.native
        assert "TEST" in subject["common_name"]
        assert subject["country_name"] == "VN"
        for rdn in certificate.subject.chosen:
            for attribute in rdn:
                if attribute["type"].native != "country_name":
                    assert attribute["value"].name == "utf8_string"


def test_personal_certificate_name_keeps_vietnamese_diacritics(testbed: Testbed) -> None:
    decomposed = unicodedata.normalize("NFD", "Nguyễn Thị Hằng")
    label = testbed.issue("nguyen-thi-hang", name=VietnameseName(
        common_name=decomposed, title="Phó Giám đốc", organization="Sở Tài chính tỉnh Bắc Giang",
        locality="Bắc Giang", identifier="CCCD:024190004321")).label
    subject = _load(testbed, label).subject.native
    assert subject["common_name"] == "TEST Nguyễn Thị Hằng"  # NFC on the wire
    assert unicodedata.is_normalized("NFC", subject["common_name"])
    assert subject["title"] == "Phó Giám đốc"
    assert subject["locality_name"] == "Bắc Giang"
    assert subject["user_id"] == "CCCD:024190004321"


@pytest.mark.parametrize(("profile", "usages", "ekus"), [
    (ProfileKind.PERSONAL, {"digital_signature", "non_repudiation", "key_encipherment"},
     ["client_auth", "email_protection"]),
    (ProfileKind.ORGANISATION, {"digital_signature", "non_repudiation"},
     ["client_auth", "email_protection"]),
    (ProfileKind.DEVICE, {"digital_signature", "key_encipherment"}, ["server_auth", "client_auth"]),
])
def test_profiles_carry_usages_policy_and_service_urls(
        testbed: Testbed, profile: ProfileKind, usages: set[str], ekus: list[str]) -> None:
    label = testbed.issue(f"profile-{profile.value}", name=VietnameseName(common_name="Đơn vị"),
                          profile=profile, key_type=KeyType.P256).label
    certificate = _load(testbed, label)
    assert certificate.key_usage_value.native == usages
    assert certificate.extended_key_usage_value.native == ekus
    assert certificate.certificate_policies_value is not None
    urls = testbed.urls("ca-cv")
    assert certificate.crl_distribution_points[0].url == urls["crl"]
    assert certificate.ocsp_urls == [urls["ocsp"]]
    aia = {d["access_method"].native: d["access_location"].native
           for d in certificate.authority_information_access_value}
    assert aia["ca_issuers"] == urls["ca_certificate"]
    assert certificate.public_key.algorithm == "ec"


def test_validity_defaults_to_the_legal_maximum_per_regime(testbed: Testbed) -> None:
    cong_vu = testbed.issue("max-cong-vu", name=VietnameseName(common_name="A"))
    public = testbed.issue("max-public", name=VietnameseName(common_name="B"),
                           branch=Branch.PUBLIC)
    assert cong_vu.not_after.year - cong_vu.not_before.year == 5  # ND68 Art. 9.2
    assert public.not_after.year - public.not_before.year == 3  # ND23 (SECONDARY)


def test_longer_validity_than_the_law_allows_is_refused_unless_asked(testbed: Testbed) -> None:
    with pytest.raises(InvalidInputError, match="ND68 Art. 9"):
        testbed.issue("too-long", name=VietnameseName(common_name="C"),
                      validity=timedelta(days=6 * 366))
    record = testbed.issue("too-long", name=VietnameseName(common_name="C"),
                           validity=timedelta(days=6 * 366),
                           rule_breaks=[RuleBreak.OVERLONG_VALIDITY])
    assert record.not_after - record.not_before == timedelta(days=6 * 366)


def test_rule_breaks_produce_the_defect_asked_for(testbed: Testbed) -> None:
    breaks = [RuleBreak.SHA1, RuleBreak.MISSING_CRL_DP, RuleBreak.WRONG_EKU,
              RuleBreak.NO_NON_REPUDIATION]
    label = testbed.issue("rule-breaker", name=VietnameseName(common_name="D"),
                          rule_breaks=breaks).label
    certificate = _load(testbed, label)
    assert certificate.signature_algo == "rsassa_pkcs1v15"
    assert certificate.hash_algo == "sha1"
    assert certificate.crl_distribution_points_value is None
    assert certificate.extended_key_usage_value.native == ["server_auth"]
    assert "non_repudiation" not in certificate.key_usage_value.native
    bare = testbed.issue("no-ku-no-aia", name=VietnameseName(common_name="E"),
                         rule_breaks=[RuleBreak.MISSING_KEY_USAGE, RuleBreak.MISSING_AIA],
                         key_type=KeyType.RSA1024).label
    certificate = _load(testbed, bare)
    assert certificate.key_usage_value is None
    assert certificate.authority_information_access_value is None
    assert certificate.public_key.bit_size == 1024


def test_intermediate_points_to_root_services_and_has_path_length_zero(testbed: Testbed) -> None:
    certificate = _load(testbed, "ca-cv")
    assert certificate.basic_constraints_value.native == {"ca": True, "path_len_constraint": 0}
    assert certificate.crl_distribution_points[0].url == testbed.urls("root-cv")["crl"]
    assert certificate.issuer == _load(testbed, "root-cv").subject
