"""Renew, change information, re-issue after revocation, CA compromise, token public keys."""

from __future__ import annotations

import pytest
from asn1crypto import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from pyhanko_certvalidator.errors import PathValidationError, RevokedError

from testbed.ca.names import VietnameseName
from testbed.ca.revocation_reasons import RevocationReason
from testbed.errors import InvalidInputError, InvalidStateError
from testbed.session import Testbed
from testbed.world import KeySource
from tests.helpers import fetch, validate_certificate

OFFICER = VietnameseName(common_name="Hoàng Văn Em", title="Chuyên viên",
                         organization="Văn phòng UBND tỉnh Ninh Bình", locality="Ninh Bình")


def _public_key(certificate_der: bytes) -> bytes:
    return x509.Certificate.load(certificate_der).public_key.dump()


def test_renewal_keeps_the_key_and_issues_a_new_certificate(testbed: Testbed) -> None:
    old = testbed.issue("renewing", name=OFFICER)
    new = testbed.renew("renewing")
    assert new.serial != old.serial and new.replaces == old.label
    assert _public_key(testbed.certificate_der(new.label)) == \
        _public_key(testbed.certificate_der(old.label))
    assert testbed.state.subscriber("renewing").current_certificate == new.label
    assert new.not_after.year - new.not_before.year <= 3  # ND68 Art. 9.3
    validate_certificate(testbed, new.label)


def test_change_of_agency_revokes_the_old_certificate_as_affiliation_changed(
        testbed: Testbed) -> None:
    old = testbed.issue("moving", name=OFFICER)
    moved = OFFICER.model_copy(update={"organization": "Sở Nội vụ tỉnh Ninh Bình",
                                       "title": "Trưởng phòng"})
    new = testbed.change_info("moving", name=moved)
    old_after = testbed.certificate(old.label)
    assert old_after.revocation is not None
    assert old_after.revocation.reason is RevocationReason.AFFILIATION_CHANGED
    subject = x509.Certificate.load(testbed.certificate_der(new.label)).subject.native
    assert subject["organization_name"] == "TEST Sở Nội vụ tỉnh Ninh Bình"
    assert subject["title"] == "Trưởng phòng"
    validate_certificate(testbed, new.label)
    with pytest.raises(RevokedError):
        validate_certificate(testbed, old.label)


def test_reissue_needs_a_revocation_first_and_then_gives_a_new_key(testbed: Testbed) -> None:
    old = testbed.issue("lost-token", name=OFFICER)
    with pytest.raises(InvalidStateError, match="not revoked"):
        testbed.reissue("lost-token")
    testbed.revoke("lost-token", reason=RevocationReason.KEY_COMPROMISE)
    new = testbed.reissue("lost-token")
    assert new.replaces == old.label
    assert _public_key(testbed.certificate_der(new.label)) != \
        _public_key(testbed.certificate_der(old.label))
    validate_certificate(testbed, new.label)


def test_token_public_key_is_certified_without_any_private_key_file(testbed: Testbed) -> None:
    token_key = ec.generate_private_key(ec.SECP256R1())  # stands in for a key on a token
    public_der = token_key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    record = testbed.issue("token-holder", name=OFFICER, public_key_der=public_der)
    assert record.key_source is KeySource.TOKEN
    assert _public_key(testbed.certificate_der(record.label)) == public_der
    assert not list(testbed.directory.glob(f"keys/{record.key_label}.key.pem"))
    with pytest.raises(InvalidInputError, match="token"):
        testbed.private_key_path(record.label)
    with pytest.raises(InvalidInputError, match="public key"):
        testbed.issue("bad-key", name=OFFICER, public_key_der=b"not a key")


def test_issuing_ca_compromise_invalidates_its_subscribers(tmp_path_factory: pytest.TempPathFactory
                                                           ) -> None:
    # its own testbed: compromising the shared one's issuing CA would break the other tests
    from testbed.clock import wall_clock
    from testbed.session import running_testbed

    with running_testbed(tmp_path_factory.mktemp("compromise"), at=wall_clock()) as isolated:
        label = isolated.issue("victim", name=OFFICER).label
        validate_certificate(isolated, label)
        isolated.compromise_authority("ca-cv")
        isolated.publish_crl("root-cv")
        from asn1crypto import crl

        listed = crl.CertificateList.load(fetch(isolated.urls("root-cv")["crl"]))
        serials = [entry["user_certificate"].native
                   for entry in listed["tbs_cert_list"]["revoked_certificates"]]
        assert serials == [isolated.certificate("ca-cv").serial]
        with pytest.raises(PathValidationError):
            validate_certificate(isolated, label)
        with pytest.raises(InvalidInputError, match="root"):
            isolated.compromise_authority("root-cv")
