"""The reference signer's pre-signing certificate check, against the live testbed services.

Software-key certificates suffice here (the check never touches a key); the signer tests use
tokens. Outages are real: the testbed's OCSP and CRL endpoints answer HTTP 500, never answer, or
serve a stale CRL.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from asn1crypto import x509
from pyhanko_certvalidator.fetchers.aiohttp_fetchers import AIOHttpFetcherBackend

from conformance.oracle import CheckOutcome, KeyUsageConstraints, Problem
from conformance.reference.certificate_check import (
    CertificateCheck,
    async_check_certificate,
    check_certificate,
)
from testbed.ca.branches import Branch
from testbed.ca.names import VietnameseName
from testbed.ca.profiles import RuleBreak
from testbed.service_modes import ServiceMode
from testbed.session import Testbed

OFFICER = VietnameseName(common_name="Trần Thị Kiểm", title="Chuyên viên",
                         organization="Sở Tư pháp tỉnh Cần Thơ", locality="Cần Thơ")


def _load(testbed: Testbed, label: str) -> x509.Certificate:
    return x509.Certificate.load(testbed.certificate_der(label))


def _roots(testbed: Testbed, *labels: str) -> list[x509.Certificate]:
    return [_load(testbed, testbed.state.authorities[label].certificate) for label in labels]


def _check(testbed: Testbed, label: str, *, roots: tuple[str, ...] = ("root-cv", "root-neac"),
           moment_shift: timedelta = timedelta(0), **options: object) -> CertificateCheck:
    chain = testbed.chain(label)
    return check_certificate(
        _load(testbed, label), chain_candidates=[_load(testbed, r.label) for r in chain[1:]],
        trust_roots=_roots(testbed, *roots), moment=testbed.now() + moment_shift,
        **options)  # type: ignore[arg-type]


def _issue(testbed: Testbed, subscriber: str, **options: object) -> str:
    name = OFFICER.model_copy(update={"common_name": f"Kiểm {subscriber}"})
    return testbed.issue(subscriber, name=name, **options).label  # type: ignore[arg-type]


def test_valid_certificate_passes_with_its_path(testbed: Testbed) -> None:
    label = _issue(testbed, "check-valid")
    check = _check(testbed, label)
    assert check.outcome is CheckOutcome.OK and check.may_sign
    assert check.problem is None
    assert len(check.path) == 3  # root, issuing CA, subscriber
    assert "Kiểm check-valid" in check.subject
    assert check.message.vietnamese == "Chứng thư chữ ký số hợp lệ"


def test_revoked_certificate_is_refused(testbed: Testbed) -> None:
    label = _issue(testbed, "check-revoked")
    testbed.revoke(label)
    check = _check(testbed, label)
    assert check.outcome is CheckOutcome.REFUSE and not check.may_sign
    assert check.problem is Problem.REVOKED
    assert "thu hồi" in check.message.vietnamese and "revoked" in check.message.english


def test_expired_and_not_yet_valid_certificates_are_refused(testbed: Testbed) -> None:
    label = _issue(testbed, "check-short", validity=timedelta(days=1))
    assert _check(testbed, label, moment_shift=timedelta(days=2)).problem is Problem.EXPIRED
    assert _check(testbed, label, moment_shift=timedelta(hours=-1)).problem \
        is Problem.NOT_YET_VALID


def test_chain_to_an_untrusted_root_is_refused(testbed: Testbed) -> None:
    other = _issue(testbed, "check-other", branch=Branch.OTHER)
    assert _check(testbed, other).problem is Problem.UNTRUSTED
    # a công vụ certificate is untrusted by a signer that trusts NEAC only (TT15-5.2.b)
    cong_vu = _issue(testbed, "check-neac-only")
    check = _check(testbed, cong_vu, roots=("root-neac",))
    assert check.problem is Problem.UNTRUSTED
    assert "gốc tin cậy" in check.message.vietnamese


def test_key_usage_is_an_explicit_setting(testbed: Testbed) -> None:
    label = _issue(testbed, "check-no-nr", rule_breaks=[RuleBreak.NO_NON_REPUDIATION])
    assert _check(testbed, label).problem is Problem.KEY_USAGE
    relaxed = KeyUsageConstraints(key_usage={"digital_signature"})
    assert _check(testbed, label, key_usage=relaxed).outcome is CheckOutcome.OK


def test_one_revocation_source_down_is_enough(testbed: Testbed, restore_services: None) -> None:
    label = _issue(testbed, "check-one-down")
    testbed.set_service("ocsp:ca-cv", ServiceMode.HTTP_500)
    assert _check(testbed, label).outcome is CheckOutcome.OK  # the newest CRL answers
    testbed.set_service("ocsp:ca-cv", ServiceMode.NORMAL)
    testbed.set_service("crl:ca-cv", ServiceMode.HTTP_500)
    assert _check(testbed, label).outcome is CheckOutcome.OK  # OCSP answers


def test_ocsp_and_crl_down_is_a_warning_not_a_refusal(testbed: Testbed,
                                                      restore_services: None) -> None:
    label = _issue(testbed, "check-both-down")
    testbed.set_service("ocsp:ca-cv", ServiceMode.HTTP_500)
    testbed.set_service("crl:ca-cv", ServiceMode.HTTP_500)
    check = _check(testbed, label)
    assert check.outcome is CheckOutcome.WARN and check.may_sign
    assert check.problem is Problem.REVOCATION_UNOBTAINABLE
    assert check.message.vietnamese.startswith("Cảnh báo")
    assert "1.2" in check.message.english


def test_stale_crl_is_never_taken_as_good(testbed: Testbed, restore_services: None) -> None:
    label = _issue(testbed, "check-stale")
    testbed.set_service("ocsp:ca-cv", ServiceMode.HTTP_500)
    testbed.set_service("crl:ca-cv", ServiceMode.STALE)
    check = _check(testbed, label)
    assert check.outcome is CheckOutcome.WARN
    assert check.problem is Problem.REVOCATION_STALE
    assert "CRL" in check.message.vietnamese


def test_stale_crl_that_lists_the_revocation_still_refuses(testbed: Testbed,
                                                           restore_services: None) -> None:
    label = _issue(testbed, "check-stale-revoked")
    testbed.revoke(label, at=testbed.now() - timedelta(days=4))
    testbed.set_service("ocsp:ca-cv", ServiceMode.HTTP_500)
    testbed.set_service("crl:ca-cv", ServiceMode.STALE)
    check = _check(testbed, label)
    assert check.outcome is CheckOutcome.REFUSE
    assert check.problem is Problem.REVOKED


def test_revoked_certificate_is_refused_through_the_crl_when_ocsp_is_down(
        testbed: Testbed, restore_services: None) -> None:
    label = _issue(testbed, "check-crl-revoked")
    # pyhanko-certvalidator counts a revocation dated exactly at the validation instant as not
    # yet effective for CRLs: revoke a minute earlier, as a real revocation always is
    testbed.revoke(label, at=testbed.now() - timedelta(minutes=1))
    testbed.publish_crl("ca-cv")
    testbed.set_service("ocsp:ca-cv", ServiceMode.HTTP_500)
    assert _check(testbed, label).problem is Problem.REVOKED


def test_responder_that_never_answers_falls_back_to_the_crl_then_warns(
        testbed: Testbed, restore_services: None) -> None:
    # pyhanko-certvalidator's own OCSP client lets the timeout escape and abort the validation
    # before the CRL is tried; the check must treat it as "unreachable" and go on
    label = _issue(testbed, "check-no-answer")
    testbed.set_service("ocsp:ca-cv", ServiceMode.NO_ANSWER)
    chain = testbed.chain(label)

    async def run() -> CertificateCheck:
        async with AIOHttpFetcherBackend(per_request_timeout=1) as fetchers:
            return await async_check_certificate(
                _load(testbed, label),
                chain_candidates=[_load(testbed, r.label) for r in chain[1:]],
                trust_roots=_roots(testbed, "root-cv"), moment=testbed.now(),
                fetchers=fetchers)

    assert asyncio.run(run()).outcome is CheckOutcome.OK  # the CRL answered
    testbed.set_service("crl:ca-cv", ServiceMode.HTTP_500)
    check = asyncio.run(run())
    assert check.outcome is CheckOutcome.WARN
    assert check.problem is Problem.REVOCATION_UNOBTAINABLE


@pytest.mark.parametrize("problem", list(Problem))
def test_every_problem_has_a_vietnamese_and_an_english_message(problem: Problem) -> None:
    from conformance.reference.certificate_check import _MESSAGES

    message = _MESSAGES[problem]
    assert message.vietnamese and message.english
    assert message.vietnamese != message.english
    assert message.text().index(message.vietnamese) == 0  # Vietnamese first
