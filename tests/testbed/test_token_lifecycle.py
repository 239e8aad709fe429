"""Tokens joined to certificates: hand-over, lost (revoked), locked, restored, returned, re-issued.

Real SoftHSM2 through the lockout module, real OCSP over HTTP, and OpenSC's pkcs11-tool as the
independent third-party client.
"""

from __future__ import annotations

import subprocess
from datetime import timedelta

import pytest
from asn1crypto import x509

from testbed.ca.names import VietnameseName
from testbed.ca.revocation_reasons import RevocationReason
from testbed.errors import InvalidStateError
from testbed.session import Testbed
from testbed.tokens import TokenState
from testbed.world import TokenStatus
from tests.helpers import ocsp_status, validate_certificate

DIRECTOR = VietnameseName(common_name="Vũ Thị Hoa", title="Giám đốc",
                          organization="Sở Khoa học và Công nghệ tỉnh Ninh Bình",
                          locality="Ninh Bình", identifier="CCCD:037180005678")


def pkcs11_tool(testbed: Testbed, label: str, *arguments: str,
                pin: str | None = None) -> subprocess.CompletedProcess[str]:
    access = testbed.tokens.access(label)
    command = ["pkcs11-tool", "--module", access.module, "--token-label", access.token_label,
               *arguments]
    if pin is not None:
        command += ["--login", "--pin", pin]
    return subprocess.run(command, capture_output=True, text=True, timeout=60, check=False,
                          env=access.process_env())


def test_token_key_is_certified_and_usable_by_pkcs11_tool(testbed: Testbed) -> None:
    token, certificate = testbed.tokens.create("vu-thi-hoa", key_type="p256", name=DIRECTOR)
    on_token = testbed.tokens.open(token.label).certificate_der()
    assert on_token == testbed.certificate_der(certificate.label)
    assert x509.Certificate.load(on_token).public_key.dump() == \
        testbed.tokens.open(token.label).public_key_der()
    validate_certificate(testbed, certificate.label)
    listing = pkcs11_tool(testbed, token.label, "--list-objects",
                          pin=testbed.tokens.user_pin(token.label))
    assert listing.returncode == 0, listing.stderr
    assert "Private Key Object; EC" in listing.stdout
    assert listing.stdout.count("Certificate Object") == 3  # subscriber + issuing CA + root
    access_text = testbed.tokens.access(token.label).to_json()
    assert testbed.tokens.user_pin(token.label) not in access_text


def test_lost_token_is_refused_and_its_certificate_revoked_with_the_report_date(
        testbed: Testbed) -> None:
    token, certificate = testbed.tokens.create("lost-officer", key_type="p256",
                                               name=DIRECTOR.model_copy(
                                                   update={"common_name": "Đặng Văn Khoa"}))
    reported = testbed.now() - timedelta(days=1)
    testbed.tokens.lose(token.label, reported_at=reported)
    single = ocsp_status(testbed, certificate.label)["response_bytes"]["response"].parsed[
        "tbs_response_data"]["responses"][0]
    assert single["cert_status"].chosen["revocation_reason"].native == "key_compromise"
    assert single["single_extensions"][0]["extn_value"].native == reported
    assert testbed.state.token(token.label).status is TokenStatus.LOST
    refused = pkcs11_tool(testbed, token.label, "--list-objects", pin="00000000")
    assert refused.returncode != 0
    # re-issue (ND68 Art. 21): a new token with a new key and a valid certificate
    new_token, new_certificate = testbed.tokens.create("lost-officer", key_type="p256",
                                                       reissue=True)
    assert new_token.label == "lost-officer-2"
    assert new_certificate.replaces == certificate.label
    validate_certificate(testbed, new_certificate.label)


def test_locked_token_refuses_another_process_until_restored(testbed: Testbed) -> None:
    token, _ = testbed.tokens.create("locked-clerk", key_type="p256", max_pin_tries=3,
                                     name=DIRECTOR.model_copy(
                                         update={"common_name": "Lý Thị Mai"}))
    assert testbed.tokens.lock(token.label) == 3
    right_pin = testbed.tokens.user_pin(token.label)
    locked = pkcs11_tool(testbed, token.label, "--list-objects", pin=right_pin)
    assert locked.returncode != 0
    assert "CKR_PIN_LOCKED" in locked.stderr + locked.stdout
    assert testbed.tokens.open(token.label).lock_state() is TokenState.LOCKED
    testbed.tokens.restore(token.label)
    new_pin = testbed.tokens.user_pin(token.label)
    assert new_pin != right_pin
    assert pkcs11_tool(testbed, token.label, "--list-objects", pin=new_pin).returncode == 0


def test_token_is_returned_only_after_its_certificate_ends(testbed: Testbed) -> None:
    token, certificate = testbed.tokens.create("retiring", key_type="p256",
                                               name=DIRECTOR.model_copy(
                                                   update={"common_name": "Ngô Văn Long"}))
    with pytest.raises(InvalidStateError, match="still valid"):
        testbed.tokens.give_back(token.label)
    testbed.revoke(certificate.label, reason=RevocationReason.CESSATION_OF_OPERATION)
    testbed.tokens.give_back(token.label)
    assert testbed.state.token(token.label).status is TokenStatus.RETURNED
    assert token.label not in testbed.tokens.softhsm.token_labels()
    assert not (testbed.directory / testbed.state.token(token.label).pin_file).exists()


def test_a_subscriber_holds_one_token_at_a_time(testbed: Testbed) -> None:
    testbed.tokens.create("one-token", key_type="p256",
                          name=DIRECTOR.model_copy(update={"common_name": "Phan Văn Nam"}))
    with pytest.raises(InvalidStateError, match="already holds token"):
        testbed.tokens.create("one-token", key_type="p256")
