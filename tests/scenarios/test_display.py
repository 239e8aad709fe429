"""The TT15-6.4.b display check: each field the verifier shows, against the testbed's truth."""

from __future__ import annotations

import unicodedata
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from scenarios.checkpoints import VerifyExpectation
from scenarios.display import (
    SignatureTruth,
    check_field,
    display_problems,
    expected_integrity,
    find_dates,
    find_datetimes,
    shows_name,
)
from scenarios.judge import judge_verification
from scenarios.outcomes import (
    DisplayField,
    Indication,
    SignatureAnswer,
    SubIndication,
    VerifierAnswer,
)
from scenarios.vietnamese import Integrity, classify_integrity
from testbed.clock import VIETNAM

SIGNED_AT = datetime(2026, 11, 22, 2, 0, 0, tzinfo=UTC)  # 09:00 in Vietnam
NOT_BEFORE = datetime(2026, 11, 21, 18, 30, tzinfo=UTC)  # 22/11/2026 01:30 in Vietnam
NOT_AFTER = datetime(2031, 11, 21, 18, 30, tzinfo=UTC)
ALL_FIELDS = list(DisplayField)

TRUTH = SignatureTruth(
    certificate="director-1", signer_name="TEST Vũ Thị Hoa",
    signer_units=("TEST Sở Khoa học và Công nghệ tỉnh Ninh Bình",),
    issuer_names=("TEST Cục Chứng thực số và Bảo mật thông tin", "TEST Ban Cơ yếu Chính phủ"),
    not_before=NOT_BEFORE, not_after=NOT_AFTER, signing_times=(SIGNED_AT,), timestamped=True)

REFERENCE_DISPLAY = {  # as the reference verifier renders it (conformance.reference.messages)
    "issuer": "TEST Cục Chứng thực số và Bảo mật thông tin (TEST Ban Cơ yếu Chính phủ)",
    "signer": "TEST Vũ Thị Hoa, Giám đốc",
    "managing_unit": "TEST Sở Khoa học và Công nghệ tỉnh Ninh Bình",
    "signing_time": "2026-11-22T09:00:00+07:00 (theo dấu thời gian)",
    "integrity": "Toàn vẹn: tài liệu không bị thay đổi sau khi ký",
    "validity_at_signing_time": "Hợp lệ: chứng thư còn hiệu lực và chưa bị thu hồi tại thời "
                                "điểm ký",
    "certificate_validity": "Từ 2026-11-22T01:30:00+07:00 đến 2031-11-22T01:30:00+07:00",
    "result": "Chữ ký số hợp lệ",
}

VALID = VerifyExpectation(indication=Indication.TOTAL_PASSED, display=ALL_FIELDS)
TAMPERED = VerifyExpectation(indication=Indication.TOTAL_FAILED, display=ALL_FIELDS,
                             sub_indications=[SubIndication.HASH_FAILURE,
                                              SubIndication.SIG_CRYPTO_FAILURE])
DISALLOWED = VerifyExpectation(indication=Indication.TOTAL_FAILED, display=ALL_FIELDS,
                               sub_indications=[SubIndication.DISALLOWED_MODIFICATION,
                                                SubIndication.FORMAT_FAILURE])
UNDETERMINED = VerifyExpectation(indication=Indication.INDETERMINATE, display=ALL_FIELDS,
                                 sub_indications=[SubIndication.REVOKED_NO_POE])


def nfd(text: str) -> str:
    return unicodedata.normalize("NFD", text)


def answer(display: dict[str, str], indication: Indication = Indication.TOTAL_PASSED
           ) -> VerifierAnswer:
    return VerifierAnswer(signatures=[SignatureAnswer(indication=indication, display=display)])


# ---- the whole display ------------------------------------------------------------------------
def test_the_reference_display_passes_every_field() -> None:
    assert display_problems(VALID, REFERENCE_DISPLAY, TRUTH) == []
    assert judge_verification(VALID, answer(REFERENCE_DISPLAY), TRUTH).passed


def test_nfd_upper_case_and_odd_spacing_pass() -> None:
    shown = {key: nfd(value) for key, value in REFERENCE_DISPLAY.items()}
    shown["signer"] = nfd("VŨ  THỊ\u00a0HOA")  # no TEST marker, upper case, NBSP
    shown["managing_unit"] = nfd("Sở Khoa học và\nCông nghệ tỉnh Ninh Bình")
    assert display_problems(VALID, shown, TRUTH) == []


def test_english_only_fails_every_field_it_touches() -> None:
    english = {
        "issuer": "Issuing CA", "signer": "Signer", "managing_unit": "Unit",
        "signing_time": "(shown in English only)", "integrity": "Intact",
        "validity_at_signing_time": "Valid at signing time",
        "certificate_validity": "(shown in English only)", "result": "Chữ ký số hợp lệ",
    }
    problems = display_problems(VALID, english, TRUTH)
    assert [problem.split(":")[0] for problem in problems] == [field.value for field in ALL_FIELDS]
    judgement = judge_verification(VALID, answer(english), TRUTH)
    assert not judgement.passed and judgement.reason.startswith("display: issuer:")


def test_a_missing_field_fails_with_or_without_truth() -> None:
    shown = {key: value for key, value in REFERENCE_DISPLAY.items() if key != "issuer"}
    shown["signer"] = "  "
    for truth in (TRUTH, None):
        judgement = judge_verification(VALID, answer(shown), truth)
        assert not judgement.passed
        assert judgement.reason == "display misses issuer, signer"
    assert check_field(DisplayField.ISSUER, None, VALID, TRUTH) == "issuer: not shown"


def test_without_truth_only_presence_and_the_vietnamese_verdicts_are_checked() -> None:
    shown = dict(REFERENCE_DISPLAY, signer="Somebody else", signing_time="yesterday")
    assert display_problems(VALID, shown, None) == []
    shown["integrity"] = "Intact"
    assert display_problems(VALID, shown, None)[0].startswith("integrity:")


# ---- names ------------------------------------------------------------------------------------
def test_the_issuing_ca_in_the_signer_field_fails() -> None:
    problem = check_field(DisplayField.SIGNER, REFERENCE_DISPLAY["issuer"], VALID, TRUTH)
    assert problem is not None and problem.startswith("signer:")
    assert "does not name the signer 'TEST Vũ Thị Hoa'" in problem


@pytest.mark.parametrize("shown", ["Cục Chứng thực số và Bảo mật thông tin",
                                   "Ban Cơ yếu Chính phủ", nfd("BAN CƠ YẾU CHÍNH PHỦ")])
def test_the_issuer_is_its_cn_or_its_o(shown: str) -> None:
    assert check_field(DisplayField.ISSUER, shown, VALID, TRUTH) is None


def test_a_root_or_unrelated_issuer_name_fails() -> None:
    problem = check_field(DisplayField.ISSUER, "NEAC - Trung tâm Chứng thực điện tử quốc gia",
                          VALID, TRUTH)
    assert problem is not None and "names neither the issuing CA's CN nor its O" in problem


def test_the_managing_unit_is_o_or_ou_and_free_when_the_certificate_has_neither() -> None:
    assert check_field(DisplayField.MANAGING_UNIT, "Vũ Thị Hoa", VALID, TRUTH) is not None
    bare = SignatureTruth(**{**TRUTH.__dict__, "signer_units": ()})
    assert check_field(DisplayField.MANAGING_UNIT, "Không ghi trong chứng thư", VALID,
                       bare) is None


def test_the_test_marker_is_optional_on_both_sides() -> None:
    assert shows_name("Vũ Thị Hoa", "TEST Vũ Thị Hoa")
    assert shows_name("TEST Vũ Thị Hoa", "Vũ Thị Hoa")
    assert not shows_name("Vũ Thị", "TEST Vũ Thị Hoa")
    assert not shows_name("TEST", "TEST")  # a marker alone names nobody


# ---- dates and times --------------------------------------------------------------------------
@pytest.mark.parametrize("shown", [
    "2026-11-22T09:00:00+07:00",
    "2026-11-22T02:00:00Z",
    "2026-11-22T02:00:00.123456+00:00",
    "2026-11-22 09:00",
    "2026-11-22 09:01:30 +0700",
    "2026/11/22 02:00 UTC",
    "22/11/2026 09:00:00",
    "22-11-2026 08:59",
    "22.11.2026 9h00 (GMT+7)",
    "Ký lúc 09:00:00 ngày 22/11/2026",
    "09:00 22/11/2026 ICT",
    "ngày 22 tháng 11 năm 2026, 9 giờ 00 phút",
    "9:00 SA, 22/11/2026",
    "21/11/2026 lúc 9:00 PM (UTC-05:00)",
])
def test_signing_time_formats(shown: str) -> None:
    assert check_field(DisplayField.SIGNING_TIME, nfd(shown), VALID, TRUTH) is None


@pytest.mark.parametrize("shown", [
    "2026-11-22T09:03:00+07:00",  # 3 minutes off
    "2026-11-22 09:00 UTC",  # the right digits in the wrong zone
    "22/11/2026 lúc 9:00 PM",  # 21:00, not 09:00
    "11/22/2026 09:00",  # month first is not read
    "22/11/2026",  # a date alone
    "Không xác định",
    "(shown in English only)",
])
def test_a_wrong_or_unreadable_signing_time_fails(shown: str) -> None:
    problem = check_field(DisplayField.SIGNING_TIME, shown, VALID, TRUTH)
    assert problem is not None and problem.startswith("signing_time:")


def test_the_validation_time_instead_of_the_signing_time_fails() -> None:
    later = (SIGNED_AT + timedelta(hours=1)).astimezone(VIETNAM).isoformat()
    problem = check_field(DisplayField.SIGNING_TIME, later, VALID, TRUTH)
    assert problem is not None and "does not show the signing time 2026-11-22T09:00:00+07:00" \
        in problem


def test_a_claimed_time_is_accepted_beside_the_signing_instant() -> None:
    claimed = SIGNED_AT - timedelta(days=4)
    truth = SignatureTruth(**{**TRUTH.__dict__, "signing_times": (SIGNED_AT, claimed)})
    assert check_field(DisplayField.SIGNING_TIME, "18/11/2026 09:00:00", VALID, truth) is None


def test_date_parsing_rejects_impossible_dates_and_reads_day_first() -> None:
    assert find_dates("31/02/2026, 2026-13-01") == set()
    assert {d.isoformat() for d in find_dates("03/04/2026")} == {"2026-04-03"}
    assert find_datetimes("25:00 22/11/2026") == []


@pytest.mark.parametrize("shown", [
    "Từ 2026-11-22T01:30:00+07:00 đến 2031-11-22T01:30:00+07:00",
    "Từ ngày 22/11/2026 đến ngày 22/11/2031",
    "2026-11-21 – 2031-11-21",  # the UTC calendar dates
    "Có hiệu lực từ ngày 22 tháng 11 năm 2026 đến ngày 22 tháng 11 năm 2031",
])
def test_certificate_validity_formats(shown: str) -> None:
    assert check_field(DisplayField.CERTIFICATE_VALIDITY, nfd(shown), VALID, TRUTH) is None


def test_certificate_validity_needs_both_dates() -> None:
    problem = check_field(DisplayField.CERTIFICATE_VALIDITY, "Từ 22/11/2026", VALID, TRUTH)
    assert problem == ("certificate_validity: 'Từ 22/11/2026' does not show the certificate's "
                       "notAfter 2031-11-22")
    problem = check_field(DisplayField.CERTIFICATE_VALIDITY, "From 2020-01-01 to 2021-01-01",
                          VALID, TRUTH)
    assert problem is not None and "notBefore 2026-11-22 and notAfter 2031-11-22" in problem


# ---- integrity and validity -------------------------------------------------------------------
@pytest.mark.parametrize(("shown", "said"), [
    ("Toàn vẹn", Integrity.INTACT),
    ("Tài liệu không bị thay đổi sau khi ký", Integrity.INTACT),
    ("Toàn vẹn; sau khi ký chỉ có điền biểu mẫu được phép", Integrity.INTACT),
    ("Dữ liệu nguyên vẹn", Integrity.INTACT),
    ("Không toàn vẹn: nội dung đã ký đã bị thay đổi", Integrity.NOT_INTACT),
    ("Tài liệu đã bị sửa đổi", Integrity.NOT_INTACT),
    ("Mất toàn vẹn", Integrity.NOT_INTACT),
    # a change after signing that was not allowed (DISALLOWED_MODIFICATION): the digests match,
    # the document is not as signed; as the reference verifier words it
    ("Tài liệu đã bị sửa đổi sau khi ký theo cách người ký không cho phép (các giá trị băm vẫn "
     "khớp: phần đã ký không bị thay đổi)", Integrity.NOT_INTACT),
    ("Tài liệu đã bị sửa đổi sau khi ký theo cách chữ ký chứng thực không cho phép (quyền chứng "
     "thực DocMDP P=1); các giá trị băm vẫn khớp", Integrity.NOT_INTACT),
    ("Toàn vẹn; sau khi ký chỉ có thêm ghi chú mà chữ ký chứng thực cho phép (DocMDP P=3)",
     Integrity.INTACT),
    ("Intact", None),
    ("Không kiểm tra được", None),
])
def test_integrity_phrasings(shown: str, said: Integrity | None) -> None:
    assert classify_integrity(shown) is said
    assert classify_integrity(nfd(shown.upper())) is said


def test_integrity_must_match_the_expectation() -> None:
    intact, broken = "Toàn vẹn", "Không toàn vẹn"
    changed = replace(TRUTH, changed_by=("byte-flip",))
    assert check_field(DisplayField.INTEGRITY, intact, VALID, TRUTH) is None
    assert check_field(DisplayField.INTEGRITY, broken, VALID, TRUTH) == \
        "integrity: 'Không toàn vẹn' says not intact, expected intact (nothing changed the " \
        "document after signing)"
    assert check_field(DisplayField.INTEGRITY, broken, TAMPERED, changed) is None
    assert check_field(DisplayField.INTEGRITY, intact, TAMPERED, changed) == \
        "integrity: 'Toàn vẹn' says intact, expected not intact (the document was changed " \
        "after signing: byte-flip)"
    assert check_field(DisplayField.INTEGRITY, intact, UNDETERMINED, TRUTH) is None
    assert check_field(DisplayField.INTEGRITY, broken, UNDETERMINED, TRUTH) is not None


def test_integrity_comes_from_the_truth_not_the_sub_indication() -> None:
    """A timestamp over other data is HASH_FAILURE, yet the document is as signed: intact."""
    intact, broken = "Toàn vẹn", "Không toàn vẹn"
    imprint = VerifyExpectation(indication=Indication.TOTAL_FAILED,
                                sub_indications=[SubIndication.HASH_FAILURE])
    assert expected_integrity(imprint, TRUTH) is Integrity.INTACT
    assert check_field(DisplayField.INTEGRITY, intact, imprint, TRUTH) is None
    assert check_field(DisplayField.INTEGRITY, broken, imprint, TRUTH) is not None
    # a form fill after a P=1 certification fails the signature: the document is not intact
    forbidden_fill = replace(TRUTH, changed_by=("form-fill",))
    assert expected_integrity(imprint, forbidden_fill) is Integrity.NOT_INTACT
    # the same form fill after an approval signature is allowed: intact
    assert expected_integrity(VALID, forbidden_fill) is Integrity.INTACT
    # changed, yet only INDETERMINATE (e.g. also revoked): either reading
    assert expected_integrity(UNDETERMINED, forbidden_fill) is None
    # without the truth, the checkpoint's sub-indications decide
    assert expected_integrity(imprint) is Integrity.NOT_INTACT
    assert expected_integrity(DISALLOWED) is Integrity.NOT_INTACT
    crypto_only = VerifyExpectation(indication=Indication.TOTAL_FAILED,
                                    sub_indications=[SubIndication.SIG_CRYPTO_FAILURE])
    assert expected_integrity(crypto_only) is None
    assert check_field(DisplayField.INTEGRITY, intact, crypto_only, None) is None
    assert check_field(DisplayField.INTEGRITY, broken, crypto_only, None) is None
    assert expected_integrity(UNDETERMINED) is Integrity.INTACT


def test_a_disallowed_change_is_worded_apart_from_broken_bytes() -> None:
    """The reference's wording of a change that was not allowed passes the integrity and
    validity fields of a changed document, and says the digests match, which a broken byte
    (HASH_FAILURE) never says."""
    from conformance.reference.messages import SUB_INDICATION_REASONS

    disallowed = SUB_INDICATION_REASONS[SubIndication.DISALLOWED_MODIFICATION]
    broken = SUB_INDICATION_REASONS[SubIndication.HASH_FAILURE]
    assert "người ký không cho phép" in disallowed.vietnamese
    assert "giá trị băm vẫn khớp" in disallowed.vietnamese
    assert "giá trị băm" not in broken.vietnamese
    assert "did not allow" in disallowed.english and "every digest matches" in disallowed.english
    changed = replace(TRUTH, changed_by=("content-update",))
    assert check_field(DisplayField.INTEGRITY, disallowed.vietnamese, DISALLOWED, changed) is None
    assert check_field(DisplayField.VALIDITY_AT_SIGNING_TIME,
                       f"Không hợp lệ: {disallowed.vietnamese}", DISALLOWED, changed) is None


@pytest.mark.parametrize(("expect", "shown"), [
    (VALID, "Hợp lệ: chứng thư còn hiệu lực tại thời điểm ký"),
    (TAMPERED, "Không hợp lệ: nội dung đã bị thay đổi"),
    (UNDETERMINED, "Không xác định được: chứng thư đã bị thu hồi"),
])
def test_validity_at_signing_time_must_be_of_the_expected_class(
        expect: VerifyExpectation, shown: str) -> None:
    assert check_field(DisplayField.VALIDITY_AT_SIGNING_TIME, nfd(shown), expect, TRUTH) is None
    others = [e for e in (VALID, TAMPERED, UNDETERMINED) if e is not expect]
    for other in others:
        problem = check_field(DisplayField.VALIDITY_AT_SIGNING_TIME, shown, other, TRUTH)
        assert problem is not None and problem.startswith("validity_at_signing_time:")
    assert "in Vietnamese" in (check_field(DisplayField.VALIDITY_AT_SIGNING_TIME,
                                           "Valid", expect, TRUTH) or "")


# ---- the truth from a certificate --------------------------------------------------------------
def test_truth_is_read_from_the_certificate() -> None:
    def name(*attributes: tuple[x509.ObjectIdentifier, str]) -> x509.Name:
        return x509.Name([x509.NameAttribute(oid, value) for oid, value in attributes])

    key = ec.generate_private_key(ec.SECP256R1())
    certificate = (x509.CertificateBuilder()
                   .subject_name(name((NameOID.COMMON_NAME, "TEST Vũ Thị Hoa"),
                                      (NameOID.ORGANIZATION_NAME, "TEST Sở KH&CN"),
                                      (NameOID.ORGANIZATIONAL_UNIT_NAME, "Văn phòng")))
                   .issuer_name(name((NameOID.COMMON_NAME, "TEST CA"),
                                     (NameOID.ORGANIZATION_NAME, "TEST Ban Cơ yếu Chính phủ")))
                   .public_key(key.public_key()).serial_number(7)
                   .not_valid_before(NOT_BEFORE).not_valid_after(NOT_AFTER)
                   .sign(key, hashes.SHA256()))
    from cryptography.hazmat.primitives.serialization import Encoding

    truth = SignatureTruth.from_certificate(certificate.public_bytes(Encoding.DER),
                                            label="director-1", signed_at=SIGNED_AT,
                                            claimed_at=SIGNED_AT, timestamped=True)
    assert truth.signer_name == "TEST Vũ Thị Hoa"
    assert truth.signer_units == ("TEST Sở KH&CN", "Văn phòng")
    assert truth.issuer_names == ("TEST CA", "TEST Ban Cơ yếu Chính phủ")
    assert (truth.not_before, truth.not_after) == (NOT_BEFORE, NOT_AFTER)
    assert truth.signing_times == (SIGNED_AT,)


# ---- where the fields are checked ------------------------------------------------------------
def test_every_verification_checks_the_seven_fields_unless_it_says_why() -> None:
    """TT15-6.4.b asks for the seven fields at every verification: each verifier checkpoint of
    the catalogue checks all of them (the default), or lists fewer with its reason."""
    from scenarios.loader import catalogue_paths, load_scenario
    from scenarios.model import Verify

    verifications = [(scenario.id, step) for scenario in map(load_scenario, catalogue_paths())
                     for _, step in scenario.checkpoints() if isinstance(step, Verify)]
    assert len(verifications) >= 56
    narrowed = {f"{scenario}::{step.checkpoint.id}": step.expect.omitted_display()
                for scenario, step in verifications if step.expect.omitted_display()}
    for _scenario, step in verifications:
        expect = step.expect
        assert set(expect.display) | set(expect.omitted_display()) == set(DisplayField)
        if expect.omitted_display():
            assert expect.display_why is not None and expect.display_why.en.strip()
    # the one narrowing: a zeroed /Contents leaves no certificate or time to name
    assert narrowed == {"signature-forgery::verify-usf-empty-contents": [
        DisplayField.ISSUER, DisplayField.SIGNER, DisplayField.MANAGING_UNIT,
        DisplayField.SIGNING_TIME, DisplayField.CERTIFICATE_VALIDITY]}
    checking_all = len(verifications) - len(narrowed)
    assert checking_all == len(verifications) - 1, f"{checking_all} of {len(verifications)}"


def test_the_default_is_all_seven_and_a_narrowing_needs_its_reason() -> None:
    from pydantic import ValidationError

    from scenarios.model_base import Text

    assert VerifyExpectation(indication=Indication.TOTAL_PASSED).display == ALL_FIELDS
    with pytest.raises(ValidationError, match="say why in 'display_why'"):
        VerifyExpectation(indication=Indication.TOTAL_PASSED, display=[DisplayField.SIGNER])
    with pytest.raises(ValidationError, match="lists all seven"):
        VerifyExpectation(indication=Indication.TOTAL_PASSED,
                          display_why=Text(vi="Không lý do.", en="No reason."))
    with pytest.raises(ValidationError, match="listed twice"):
        VerifyExpectation(indication=Indication.TOTAL_PASSED, display=[*ALL_FIELDS,
                                                                     DisplayField.SIGNER])
    narrowed = VerifyExpectation(indication=Indication.TOTAL_FAILED,
                                 display=[DisplayField.INTEGRITY],
                                 display_why=Text(vi="Không có chứng thư.", en="No certificate."))
    assert DisplayField.ISSUER in narrowed.omitted_display()
