"""The oracle against real signatures: real keys, real TSA, OCSP and CRL over loopback HTTP.

Time is scripted as the stack notes ask: issue at T1, sign at T2, revoke at T3, validate at T4,
with the testbed clock moved in between (services answer at the testbed instant).
"""

from __future__ import annotations

import time
from datetime import timedelta
from pathlib import Path

import pytest

from conformance.oracle import (
    PadesLevel,
    RevocationSource,
    RevocationStatus,
    SignatureKind,
    SignatureResult,
    TimeSource,
    validate_pdf,
)
from conformance.verdict import Indication, SubIndication
from testbed.ca.branches import Branch
from testbed.ca.key_types import KeyType
from testbed.ca.profiles import RuleBreak
from testbed.ca.revocation_reasons import RevocationReason
from testbed.documents import append_content_change, fill_form_field, flip_byte_in_signed_range
from testbed.service_modes import ServiceMode
from testbed.session import Testbed
from tests.conformance.oracle_helpers import LEVELS, PERSON, document, sign, trust_roots

HOUR = timedelta(hours=1)
DAY = timedelta(days=1)


def _signature(testbed: Testbed, pdf: bytes) -> SignatureResult:
    """The (first) regular signature's result, validated at the testbed's instant."""
    result = validate_pdf(pdf, trust_roots(testbed), at=testbed.now())
    signatures = [s for s in result.signatures if s.kind is SignatureKind.SIGNATURE]
    assert len(signatures) == 1, result
    return signatures[0]


@pytest.mark.parametrize("level", ["B-B", "B-T"])
def test_a_cms_signature_is_named_cms_and_has_no_pades_level(testbed: Testbed, tmp_path: Path,
                                                             level: str) -> None:
    from pyhanko.sign.fields import SigSeedSubFilter

    label = _issue(testbed, f"cms-{level.lower()}")
    signed = sign(testbed, label, document(), tmp_path, level=level,
                  subfilter=SigSeedSubFilter.ADOBE_PKCS7_DETACHED)
    signature = _signature(testbed, signed)
    assert signature.indication is Indication.TOTAL_PASSED, signature.reason
    assert signature.sub_filter == "adbe.pkcs7.detached"
    assert signature.signature_format == "CMS (adbe.pkcs7.detached)"
    assert signature.pades_level is None  # a timestamp does not make it PAdES B-T
    expected = TimeSource.CLAIMED if level == "B-B" else TimeSource.SIGNATURE_TIMESTAMP
    assert signature.signing_time.source is expected


def test_a_signature_in_a_format_pyhanko_skips_is_reported_not_hidden(testbed: Testbed,
                                                                      tmp_path: Path) -> None:
    """adbe.pkcs7.sha1 (deprecated by ISO 32000-2, a SHA-1 digest inside the CMS): pyHanko does
    not open it, and the file would read as unsigned; the oracle names the signature, its
    format, and fails it."""
    from pyhanko.sign.fields import SigSeedSubFilter

    label = _issue(testbed, "cms-sha1")
    signed = sign(testbed, label, document(), tmp_path,
                  subfilter=SigSeedSubFilter.ADOBE_PKCS7_DETACHED)
    old, new = b"/adbe.pkcs7.detached", b"/adbe.pkcs7.sha1    "  # same length: offsets hold
    assert signed.count(old) == 1
    result = validate_pdf(signed.replace(old, new), trust_roots(testbed), at=testbed.now())
    [signature] = result.signatures
    assert (signature.kind, signature.field_name) == (SignatureKind.SIGNATURE, "ChuKy1")
    assert (signature.indication, signature.sub_indication) == \
        (Indication.TOTAL_FAILED, SubIndication.FORMAT_FAILURE)
    assert signature.sub_filter == "adbe.pkcs7.sha1"
    assert signature.signature_format == "CMS (adbe.pkcs7.sha1)"
    assert signature.pades_level is None
    assert "/SubFilter adbe.pkcs7.sha1 is a format the validator does not validate" in \
        signature.reason


def _issue(testbed: Testbed, subscriber: str, **options: object) -> str:
    return testbed.issue(subscriber, name=PERSON, **options).label


@pytest.mark.parametrize("level", LEVELS)
def test_valid_signature_passes_at_every_level(testbed: Testbed, tmp_path: Path,
                                               level: str) -> None:
    label = _issue(testbed, f"valid-{level.lower()}")
    signed = sign(testbed, label, document(), tmp_path, level=level)
    started = time.perf_counter()
    result = validate_pdf(signed, trust_roots(testbed), at=testbed.now())
    elapsed = time.perf_counter() - started
    signature = next(s for s in result.signatures if s.kind is SignatureKind.SIGNATURE)
    assert (signature.indication, signature.sub_indication) == (Indication.TOTAL_PASSED, None), \
        signature.reason
    assert signature.pades_level is PadesLevel(level)
    assert signature.sub_filter == "ETSI.CAdES.detached"
    assert signature.signature_format == f"PAdES baseline {level}"
    assert signature.revocation.status is RevocationStatus.GOOD
    # what the document carries is used first (issue 20): B-LT and B-LTA carry it
    assert signature.revocation.source in (
        (RevocationSource.EMBEDDED,) if level in ("B-LT", "B-LTA")
        else (RevocationSource.OCSP, RevocationSource.CRL))
    assert signature.integrity is not None and signature.integrity.unchanged_since_signing
    assert signature.signer is not None and signature.signer.common_name == "TEST Trần Thị Bình"
    assert signature.signer.serial == testbed.certificate(label).serial
    assert signature.algorithm is not None and signature.algorithm.digest_algorithm == "sha256"
    expected_source = TimeSource.CLAIMED if level == "B-B" else TimeSource.SIGNATURE_TIMESTAMP
    assert signature.signing_time.source is expected_source
    assert elapsed < 5, f"one validation took {elapsed:.2f} s"
    if level == "B-LTA":
        stamps = [s for s in result.signatures if s.kind is SignatureKind.DOCUMENT_TIMESTAMP]
        assert [s.indication for s in stamps] == [Indication.TOTAL_PASSED]
        assert [s.signature_format for s in stamps] == ["document timestamp (ETSI.RFC3161)"]


def test_revoked_after_timestamped_signing_still_passes(testbed: Testbed, tmp_path: Path,
                                                        restore_clock: None) -> None:
    label = _issue(testbed, "revoked-after-signing")  # T1
    testbed.advance_clock(HOUR)  # T2: sign, with a timestamp proving the time
    signed = sign(testbed, label, document(), tmp_path, level="B-T")
    testbed.advance_clock(DAY)  # T3: the key is reported lost
    testbed.revoke(label, reason=RevocationReason.KEY_COMPROMISE)
    testbed.advance_clock(HOUR)  # T4: validate
    signature = _signature(testbed, signed)
    assert signature.indication is Indication.TOTAL_PASSED, signature.reason
    assert signature.signing_time.source is TimeSource.SIGNATURE_TIMESTAMP


def test_revoked_before_signing_is_not_valid(testbed: Testbed, tmp_path: Path,
                                             restore_clock: None) -> None:
    label = _issue(testbed, "revoked-before-signing")
    testbed.advance_clock(HOUR)
    testbed.revoke(label, reason=RevocationReason.KEY_COMPROMISE)
    testbed.advance_clock(HOUR)  # signed after the revocation (pyHanko signs without checking)
    signed = sign(testbed, label, document(), tmp_path, level="B-T")
    testbed.advance_clock(HOUR)
    signature = _signature(testbed, signed)
    assert (signature.indication, signature.sub_indication) in {
        (Indication.INDETERMINATE, SubIndication.REVOKED_NO_POE),
        (Indication.TOTAL_FAILED, SubIndication.REVOKED)}, signature.reason
    assert signature.revocation.status is RevocationStatus.REVOKED


def test_basic_signature_with_revoked_signer_is_not_valid(testbed: Testbed, tmp_path: Path,
                                                          restore_clock: None) -> None:
    label = _issue(testbed, "revoked-basic")
    signed = sign(testbed, label, document(), tmp_path, level="B-B")
    testbed.advance_clock(HOUR)
    testbed.revoke(label, reason=RevocationReason.AFFILIATION_CHANGED)
    testbed.advance_clock(HOUR)
    signature = _signature(testbed, signed)
    assert signature.indication is not Indication.TOTAL_PASSED
    assert signature.sub_indication in {SubIndication.REVOKED_NO_POE, SubIndication.REVOKED}
    assert signature.signing_time.source is TimeSource.CLAIMED


@pytest.mark.parametrize("level", ["B-T", "B-LTA"])
def test_expired_signer_with_timestamp_inside_validity_passes(
        testbed: Testbed, tmp_path: Path, restore_clock: None, level: str) -> None:
    label = _issue(testbed, f"expired-stamped-{level.lower()}", validity=timedelta(days=30))
    testbed.advance_clock(HOUR)
    signed = sign(testbed, label, document(), tmp_path, level=level)
    testbed.set_clock(testbed.certificate(label).not_after + DAY)
    signature = _signature(testbed, signed)
    assert signature.indication is Indication.TOTAL_PASSED, signature.reason


def test_expired_signer_without_timestamp_is_not_valid(testbed: Testbed, tmp_path: Path,
                                                       restore_clock: None) -> None:
    label = _issue(testbed, "expired-basic", validity=timedelta(days=30))
    signed = sign(testbed, label, document(), tmp_path, level="B-B")
    testbed.set_clock(testbed.certificate(label).not_after + DAY)
    signature = _signature(testbed, signed)
    assert signature.indication is not Indication.TOTAL_PASSED
    assert signature.sub_indication in {SubIndication.OUT_OF_BOUNDS_NO_POE,
                                        SubIndication.EXPIRED}, signature.reason


def test_not_yet_valid_signer_is_named_so(testbed: Testbed, tmp_path: Path) -> None:
    label = _issue(testbed, "not-yet-valid", not_before=testbed.now() + timedelta(days=10),
                   validity=timedelta(days=60))
    signed = sign(testbed, label, document(), tmp_path, level="B-B")
    signature = _signature(testbed, signed)
    assert signature.indication is not Indication.TOTAL_PASSED
    assert signature.sub_indication is SubIndication.NOT_YET_VALID, signature.reason


def test_untrusted_root_finds_no_chain(testbed: Testbed, tmp_path: Path) -> None:
    label = _issue(testbed, "untrusted-branch", branch=Branch.OTHER)
    signed = sign(testbed, label, document(), tmp_path, level="B-B")
    signature = _signature(testbed, signed)  # trusts root-cv only
    assert signature.indication is Indication.INDETERMINATE
    assert signature.sub_indication in {SubIndication.NO_CERTIFICATE_CHAIN_FOUND,
                                        SubIndication.CERTIFICATE_CHAIN_GENERAL_FAILURE}


@pytest.mark.parametrize("level", ["B-B", "B-T"])
def test_unreachable_ocsp_and_crl_means_try_later(testbed: Testbed, tmp_path: Path,
                                                  restore_services: None, level: str) -> None:
    label = _issue(testbed, f"outage-{level.lower()}")
    signed = sign(testbed, label, document(), tmp_path, level=level)
    testbed.set_service("ocsp:ca-cv", ServiceMode.HTTP_500)
    testbed.set_service("crl:ca-cv", ServiceMode.HTTP_500)
    signature = _signature(testbed, signed)
    assert (signature.indication, signature.sub_indication) == (
        Indication.INDETERMINATE, SubIndication.TRY_LATER), signature.reason
    assert signature.revocation.status is RevocationStatus.UNKNOWN


def test_ocsp_down_falls_back_to_the_crl(testbed: Testbed, tmp_path: Path,
                                         restore_services: None) -> None:
    label = _issue(testbed, "ocsp-down-crl-up")
    signed = sign(testbed, label, document(), tmp_path, level="B-T")
    testbed.set_service("ocsp:ca-cv", ServiceMode.HTTP_500)
    signature = _signature(testbed, signed)
    assert signature.indication is Indication.TOTAL_PASSED, signature.reason
    assert signature.revocation.status is RevocationStatus.GOOD
    assert signature.revocation.source is RevocationSource.CRL


def test_one_byte_changed_inside_the_signed_range_fails(testbed: Testbed,
                                                        tmp_path: Path) -> None:
    label = _issue(testbed, "byte-flip")
    signed = sign(testbed, label, document(), tmp_path, level="B-T")
    signature = _signature(testbed, flip_byte_in_signed_range(signed))
    assert (signature.indication, signature.sub_indication) == (
        Indication.TOTAL_FAILED, SubIndication.HASH_FAILURE)
    assert signature.integrity is not None and not signature.integrity.intact


def test_content_changed_in_an_incremental_update_is_not_valid(testbed: Testbed,
                                                               tmp_path: Path) -> None:
    label = _issue(testbed, "shadow-update")
    signed = sign(testbed, label, document(), tmp_path, level="B-T")
    signature = _signature(testbed, append_content_change(signed))
    assert signature.indication is Indication.TOTAL_FAILED, signature.reason
    # every digest matches: not HASH_FAILURE, a change that is not allowed
    assert signature.sub_indication is SubIndication.DISALLOWED_MODIFICATION
    assert signature.reason.startswith("every digest matches, but the document was modified")
    assert signature.integrity is not None
    assert signature.integrity.intact, "the signed revision itself is untouched"
    assert signature.integrity.modification_level == "OTHER"


def test_permitted_form_fill_after_signing_stays_valid(testbed: Testbed,
                                                       tmp_path: Path) -> None:
    label = _issue(testbed, "form-fill")
    signed = sign(testbed, label, document(with_form_field=True), tmp_path, level="B-T")
    signature = _signature(testbed, fill_form_field(signed, "Đã nhận, đồng ý"))
    assert signature.indication is Indication.TOTAL_PASSED, signature.reason
    assert signature.integrity is not None
    assert signature.integrity.modification_level == "FORM_FILLING"


def test_rsa_1024_signer_breaks_the_crypto_constraints(testbed: Testbed,
                                                       tmp_path: Path) -> None:
    label = _issue(testbed, "weak-rsa", key_type=KeyType.RSA1024)
    signed = sign(testbed, label, document(), tmp_path, level="B-B")
    signature = _signature(testbed, signed)
    assert signature.sub_indication is SubIndication.CRYPTO_CONSTRAINTS_FAILURE, signature.reason
    assert signature.indication is Indication.INDETERMINATE
    assert "RSA-1024" in signature.reason


def test_sha1_certificate_breaks_the_crypto_constraints(testbed: Testbed,
                                                        tmp_path: Path) -> None:
    label = _issue(testbed, "sha1-certificate", rule_breaks=[RuleBreak.SHA1])
    signed = sign(testbed, label, document(), tmp_path, level="B-B")
    signature = _signature(testbed, signed)
    assert signature.sub_indication is SubIndication.CRYPTO_CONSTRAINTS_FAILURE, signature.reason
    assert "SHA1" in signature.reason


def test_sha1_signature_breaks_the_crypto_constraints(testbed: Testbed, tmp_path: Path) -> None:
    label = _issue(testbed, "sha1-signature")
    signed = sign(testbed, label, document(), tmp_path, level="B-B", md_algorithm="sha1")
    signature = _signature(testbed, signed)
    assert signature.sub_indication is SubIndication.CRYPTO_CONSTRAINTS_FAILURE, signature.reason
    assert signature.algorithm is not None and signature.algorithm.digest_algorithm == "sha1"
