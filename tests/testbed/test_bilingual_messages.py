"""What the testbed tells a person: Vietnamese first, English after; English alone on request.

Errors, revocation reasons and times a person reads go through :func:`bilingual.say`; machine
files (the registry) keep their own vocabulary and UTC.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from testbed import (
    VIETNAM,
    InvalidInputError,
    InvalidStateError,
    ProfileKind,
    RevocationReason,
    ServiceMode,
    Testbed,
    UnknownSubscriberError,
    display_time,
    parse_choice,
    parse_instant,
)
from testbed.ca.names import VietnameseName
from testbed.clock import Clock
from testbed.world import ClockState, TokenStatus, WorldState

MOMENT = datetime(2026, 11, 22, 2, 0, tzinfo=UTC)


def _empty_world() -> WorldState:
    return WorldState(base_url="http://127.0.0.1:1", created_at=MOMENT,
                      clock=ClockState(pinned_at=MOMENT))


@pytest.fixture
def english(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KYSO_LANG", "en")


@pytest.fixture
def both(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("KYSO_LANG", raising=False)


# ---- errors ------------------------------------------------------------------------------------
@pytest.mark.usefixtures("both")
def test_an_unknown_subscriber_is_named_in_vietnamese_first_then_english() -> None:
    with pytest.raises(UnknownSubscriberError) as raised:
        _empty_world().subscriber("nguyen-van-an")
    message = str(raised.value)
    assert message == ("thuê bao 'nguyen-van-an' không tồn tại (đã có: chưa có ai) / "
                       "subscriber 'nguyen-van-an' does not exist (known: none yet)")
    assert "\n" not in message


@pytest.mark.usefixtures("english")
def test_with_kyso_lang_en_an_unknown_subscriber_is_named_in_english_alone() -> None:
    with pytest.raises(UnknownSubscriberError) as raised:
        _empty_world().subscriber("nguyen-van-an")
    assert str(raised.value) == "subscriber 'nguyen-van-an' does not exist (known: none yet)"


@pytest.mark.usefixtures("both")
def test_unknown_certificate_token_and_authority_are_bilingual() -> None:
    world = _empty_world()
    for lookup, vietnamese, english in (
            (lambda: world.certificate("0x99"), "không có chứng thư chữ ký số", "no certificate"),
            (lambda: world.token("usb-1"), "token 'usb-1' không tồn tại",
             "token 'usb-1' does not exist"),
            (lambda: world.authority("ca-x"), "CA 'ca-x' không tồn tại",
             "authority 'ca-x' does not exist")):
        with pytest.raises(UnknownSubscriberError) as raised:
            lookup()
        message = str(raised.value)
        assert message.index(vietnamese) < message.index(" / ") < message.index(english)


@pytest.mark.usefixtures("both")
def test_parse_choice_lists_the_values_in_both_languages() -> None:
    with pytest.raises(InvalidInputError) as raised:
        parse_choice(RevocationReason, "lost", field="reason")
    vietnamese, english = str(raised.value).split(" / ")
    assert vietnamese.startswith("reason: 'lost' không phải một trong các giá trị unspecified,")
    assert english.startswith("reason: 'lost' is not one of unspecified, key_compromise")


@pytest.mark.usefixtures("english")
def test_parse_choice_in_english_alone() -> None:
    with pytest.raises(InvalidInputError, match=r"^reason: 'lost' is not one of unspecified, "):
        RevocationReason.parse("lost")


@pytest.mark.usefixtures("both")
def test_unparseable_times_are_explained_in_both_languages() -> None:
    with pytest.raises(InvalidInputError, match="không phải thời điểm ISO 8601 .* / "
                                                "at: 'hôm qua' is not an ISO 8601 date-time"):
        parse_instant("hôm qua", field="at")


# ---- revocation reasons in words ---------------------------------------------------------------
WORDS = {
    RevocationReason.KEY_COMPROMISE: "lộ khóa bí mật",
    RevocationReason.CA_COMPROMISE: "lộ khóa bí mật của CA",
    RevocationReason.AFFILIATION_CHANGED: "thay đổi thông tin/nơi công tác",
    RevocationReason.SUPERSEDED: "được thay thế",
    RevocationReason.CESSATION_OF_OPERATION: "ngừng hoạt động",
    RevocationReason.CERTIFICATE_HOLD: "tạm dừng",
    RevocationReason.PRIVILEGE_WITHDRAWN: "rút quyền",
    RevocationReason.UNSPECIFIED: "không nêu lý do",
}


@pytest.mark.usefixtures("both")
def test_every_revocation_reason_has_vietnamese_words_first() -> None:
    assert set(WORDS) == set(RevocationReason)
    for reason, vietnamese in WORDS.items():
        assert reason.vietnamese == vietnamese
        assert reason.words() == f"{vietnamese} / {reason.english}"
    assert RevocationReason.KEY_COMPROMISE.words() == "lộ khóa bí mật / key compromise"


@pytest.mark.usefixtures("english")
def test_revocation_reason_words_in_english_alone_keep_the_machine_values() -> None:
    assert RevocationReason.CESSATION_OF_OPERATION.words() == "cessation of operation"
    assert RevocationReason.CESSATION_OF_OPERATION.value == "cessation_of_operation"
    assert RevocationReason.parse("keyCompromise") is RevocationReason.KEY_COMPROMISE


@pytest.mark.usefixtures("both")
def test_service_modes_profiles_and_token_states_have_words_too() -> None:
    for enum in (ServiceMode, ProfileKind, TokenStatus):
        for member in enum:
            vietnamese, english = member.words().split(" / ")
            assert vietnamese and english and vietnamese != english, member
    assert ServiceMode.NO_ANSWER.words() == "không trả lời / no answer"
    assert TokenStatus.LOST.words() == "đã bị mất / lost"
    assert ProfileKind.PERSONAL.words() == "cá nhân / personal"


# ---- times a person reads ----------------------------------------------------------------------
def test_display_time_shows_vietnam_time_with_its_zone() -> None:
    assert display_time(MOMENT) == "2026-11-22 09:00:00 +07:00"
    assert display_time(MOMENT.astimezone(VIETNAM)) == "2026-11-22 09:00:00 +07:00"
    assert display_time(parse_instant("2026-11-22T23:30:15.9Z")) == "2026-11-23 06:30:15 +07:00"
    assert display_time(datetime(2026, 11, 22, 2, 0)) == "2026-11-22 09:00:00 +07:00"  # noqa: DTZ001 (naive: UTC)


@pytest.mark.usefixtures("both")
def test_the_clock_is_described_in_vietnam_time_and_both_languages() -> None:
    assert Clock(pinned_at=MOMENT).describe() == \
        "2026-11-22 09:00:00 +07:00 (đồng hồ đứng yên / pinned)"
    following = Clock(offset=-timedelta(days=2, hours=3)).describe()
    assert "+07:00 (chạy theo đồng hồ thật, lệch -2d 03:00:00 / following the wall clock, " \
        "offset -2d 03:00:00)" in following


@pytest.mark.usefixtures("english")
def test_the_clock_in_english_alone() -> None:
    assert Clock(pinned_at=MOMENT).describe() == "2026-11-22 09:00:00 +07:00 (pinned)"


def test_the_registry_keeps_utc_with_its_z() -> None:
    saved = json.loads(_empty_world().model_dump_json())
    assert saved["created_at"] == "2026-11-22T02:00:00Z"
    assert saved["clock"]["pinned_at"] == "2026-11-22T02:00:00Z"


# ---- on a real testbed -------------------------------------------------------------------------
@pytest.mark.usefixtures("both")
def test_revoking_twice_names_the_reason_in_words_and_the_time_in_vietnam_time(
        testbed: Testbed) -> None:
    name = VietnameseName(common_name="Lê Thị Hoa", organization="Sở Tư pháp tỉnh Ninh Bình")
    record = testbed.issue("twice-revoked", name=name)
    testbed.revoke(record.label, reason=RevocationReason.KEY_COMPROMISE)
    with pytest.raises(InvalidStateError) as raised:
        testbed.revoke(record.label, reason=RevocationReason.KEY_COMPROMISE)
    vietnamese, english = str(raised.value).split(" / ")
    assert "đã bị thu hồi rồi (lộ khóa bí mật, " in vietnamese
    assert "is already revoked (key_compromise, " in english
    assert vietnamese.endswith(" +07:00)") and english.endswith(" +07:00)")
