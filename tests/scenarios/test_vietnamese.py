"""Vietnamese result text as people write it: the labelled phrase list, negations, NFC/NFD,
text without diacritics (read, and noted as a warning), and what reads as nothing."""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from scenarios.checkpoints import SignExpectation, VerifyExpectation
from scenarios.judge import judge_signing, judge_verification
from scenarios.model_base import Text
from scenarios.outcomes import (
    DisplayField,
    Indication,
    MessageClass,
    SignatureAnswer,
    SignerAnswer,
    SignerOutcome,
    VerifierAnswer,
)
from scenarios.vietnamese import (
    Integrity,
    Reading,
    fold,
    has_diacritics,
    read_integrity,
    read_result,
    read_signing,
    strip_diacritics,
    without_diacritics,
)

PHRASES = yaml.safe_load((Path(__file__).parent / "data" / "vietnamese_phrases.yaml")
                         .read_text(encoding="utf-8"))
READERS: dict[str, Callable[[str | None], Reading[Any] | None]] = {
    "signing": read_signing, "verification": read_result, "integrity": read_integrity}
LABELS: dict[str, dict[str, object]] = {
    "signing": {"signed": SignerOutcome.SIGNED, "not_signed": SignerOutcome.REFUSED},
    "verification": {"valid": MessageClass.VALID, "invalid": MessageClass.INVALID,
                     "indeterminate": MessageClass.INDETERMINATE},
    "integrity": {"intact": Integrity.INTACT, "not_intact": Integrity.NOT_INTACT},
}
LABELLED = [(kind, label, text) for kind in LABELS for label in LABELS[kind]
            for text in PHRASES[kind][label]]
NOTHING = [(kind, text) for kind in READERS
           for text in PHRASES["none"]["all"] + PHRASES["none"][kind]]


def nfd(text: str) -> str:
    return unicodedata.normalize("NFD", text)


def test_the_list_is_long_and_labelled_completely() -> None:
    assert len(LABELLED) >= 150
    assert set(PHRASES) == {*LABELS, "none"}
    for kind, labels in LABELS.items():
        assert set(PHRASES[kind]) == set(labels), kind
    texts = [text for _, _, text in LABELLED]
    assert len(texts) == len(set(texts)), "a wording is listed twice"


@pytest.mark.parametrize(("kind", "label", "text"), LABELLED,
                         ids=[f"{k}-{lbl}-{i}" for i, (k, lbl, _) in enumerate(LABELLED)])
def test_every_phrase_classifies_right(kind: str, label: str, text: str) -> None:
    wanted, read = LABELS[kind][label], READERS[kind]
    reading = read(text)
    assert reading is not None and reading.value is wanted, (text, reading)
    # text with no diacritic at all is read on its stripped form, and flagged as such
    assert reading.unaccented is not has_diacritics(text)
    for variant in (nfd(text), text.upper(), nfd(text.upper()), f"  {text}\n"):
        again = read(variant)
        assert again is not None and again.value is wanted, (variant, again)


@pytest.mark.parametrize(("kind", "text"), NOTHING)
def test_english_and_unrelated_text_read_as_nothing(kind: str, text: str) -> None:
    assert READERS[kind](text) is None


@pytest.mark.parametrize(("text", "read", "wanted"), [
    ("Ký số thành công", read_signing, SignerOutcome.SIGNED),
    ("Ký số không thành công", read_signing, SignerOutcome.REFUSED),
    ("Ký số thất bại", read_signing, SignerOutcome.REFUSED),
    ("Mất tính toàn vẹn", read_integrity, Integrity.NOT_INTACT),
    ("Văn bản không còn nguyên vẹn", read_integrity, Integrity.NOT_INTACT),
    ("Không đảm bảo tính toàn vẹn", read_integrity, Integrity.NOT_INTACT),
])
def test_the_wordings_the_issue_names(text: str, read: Callable[[str], Reading[Any] | None],
                                      wanted: object) -> None:
    reading = read(text)
    assert reading is not None and reading.value is wanted and not reading.unaccented


@pytest.mark.parametrize(("positive", "negative", "read"), [
    ("Hợp lệ", "Không hợp lệ", read_result),
    ("Hợp lệ", "Chưa hợp lệ", read_result),
    ("Chữ ký hợp lệ", "Chữ ký không còn hợp lệ", read_result),
    ("Chứng thư còn hiệu lực", "Chứng thư không còn hiệu lực", read_result),
    ("Toàn vẹn", "Không toàn vẹn", read_integrity),
    ("Nguyên vẹn", "Không còn nguyên vẹn", read_integrity),
    ("Tính toàn vẹn được đảm bảo", "Tính toàn vẹn không được đảm bảo", read_integrity),
    ("Đã ký", "Đã ký không thành công", read_signing),
    ("Ký số thành công", "Chưa ký số thành công", read_signing),
])
def test_a_negation_flips_the_phrase(positive: str, negative: str,
                                     read: Callable[[str], Reading[Any] | None]) -> None:
    said, denied = read(positive), read(negative)
    assert said is not None and denied is not None
    assert said.value is not denied.value


def test_the_headline_decides() -> None:
    """The first phrase that says something is the answer: later sentences are detail."""
    for text, read, wanted in [
            ("Chưa ký. Tài liệu đã ký trước đó được giữ nguyên.", read_signing,
             SignerOutcome.REFUSED),
            ("Chữ ký hợp lệ. Không xác định được vị trí ký.", read_result, MessageClass.VALID),
            ("Không hợp lệ: chứng thư số hợp lệ nhưng nội dung đã bị sửa", read_result,
             MessageClass.INVALID)]:
        reading = read(text)
        assert reading is not None and reading.value is wanted, text


def test_folding() -> None:
    assert fold("  Hoà\u00a0HUỶ\nkhoá ") == fold("hòa hủy khóa") == "hòa hủy khóa"
    assert fold("toàn") == "toàn"  # a tone before a final consonant stays where it is
    assert fold("\u00d0ã ký") == "đã ký"  # the look-alike ETH
    assert fold(nfd("Văn bản")) == "văn bản"
    assert strip_diacritics("Đã ký số thành công") == "Da ky so thanh cong"


def test_text_without_diacritics_is_detected_and_correct_text_is_not() -> None:
    for text in ("Ky so thanh cong", "Chu ky hop le", "Van ban toan ven", "KHONG HOP LE",
                 "Da ky. Signed."):
        assert without_diacritics(text), text
    for text in ("Ký số thành công", "Chữ ký hợp lệ", nfd("Văn bản toàn vẹn"),
                 "Chữ ký số hợp lệ / The signature is valid", "Signed", "", None):
        assert not without_diacritics(text), text


# ---- the finding: a warning, not a failure ------------------------------------------------------
def test_a_signer_without_diacritics_passes_with_a_note() -> None:
    expect = SignExpectation(outcome="signed")
    plain = judge_signing(expect, SignerAnswer(outcome=SignerOutcome.SIGNED, display="Ky so "
                                               "thanh cong"), output_exists=True)
    assert plain.passed
    assert plain.notes == ("signing result: 'ky so thanh cong' is Vietnamese written without "
                           "diacritics (read as such, but a person is owed proper Vietnamese)",)
    proper = judge_signing(expect, SignerAnswer(outcome=SignerOutcome.SIGNED,
                                                display="Ký số thành công"), output_exists=True)
    assert proper.passed and proper.notes == ()
    # what it says still counts: "not signed" without diacritics for a signed document fails
    wrong = judge_signing(expect, SignerAnswer(outcome=SignerOutcome.SIGNED,
                                               display="Ky so that bai"), output_exists=True)
    assert not wrong.passed and "đã ký" in wrong.reason


ONLY_INTEGRITY = Text(vi="Chỉ xét trường toàn vẹn.", en="Only the integrity field is read.")


def test_a_verifier_without_diacritics_passes_with_notes() -> None:
    expect = VerifyExpectation(indication=Indication.TOTAL_PASSED,
                               display=[DisplayField.INTEGRITY], display_why=ONLY_INTEGRITY)
    answer = VerifierAnswer(signatures=[SignatureAnswer(
        indication=Indication.TOTAL_PASSED,
        display={"result": "Chu ky so hop le", "integrity": "Toan ven"})])
    judgement = judge_verification(expect, answer)
    assert judgement.passed
    assert [note.split(":")[0] for note in judgement.notes] == ["result", "integrity"]
    proper = VerifierAnswer(signatures=[SignatureAnswer(
        indication=Indication.TOTAL_PASSED,
        display={"result": "Chữ ký số hợp lệ", "integrity": "Toàn vẹn"})])
    assert judge_verification(expect, proper).notes == ()
    tampered = VerifyExpectation(indication=Indication.TOTAL_PASSED,
                                 display=[DisplayField.INTEGRITY], display_why=ONLY_INTEGRITY)
    broken = VerifierAnswer(signatures=[SignatureAnswer(
        indication=Indication.TOTAL_PASSED,
        display={"result": "Chu ky so hop le", "integrity": "Mat tinh toan ven"})])
    failed = judge_verification(tampered, broken)
    assert not failed.passed and "says not intact" in failed.reason
