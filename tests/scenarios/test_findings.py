"""Each check of a checkpoint judged on its own: technical findings apart from display ones."""

from __future__ import annotations

from dataclasses import replace

from scenarios.checkpoints import SignExpectation
from scenarios.judge import Judgement, judge_signing, judge_verification
from scenarios.outcomes import Indication, SignerAnswer, SignerOutcome, SubIndication
from tests.scenarios.test_display import (
    DISALLOWED,
    REFERENCE_DISPLAY,
    TAMPERED,
    TRUTH,
    VALID,
    answer,
)

ENGLISH = {"issuer": "Issuing CA", "signer": "Signer", "managing_unit": "Unit",
           "signing_time": "(shown in English only)", "integrity": "Intact",
           "validity_at_signing_time": "Valid at signing time",
           "certificate_validity": "(shown in English only)",
           "result": "The signature is valid"}


def _verdicts(judgement: Judgement, category: str) -> dict[str, bool]:
    return {check.name: check.passed for check in judgement.checks
            if check.category == category}


def test_the_reference_display_passes_every_check() -> None:
    judgement = judge_verification(VALID, answer(REFERENCE_DISPLAY), TRUTH)
    assert judgement.passed and judgement.reason == ""
    assert all(check.passed for check in judgement.checks)
    assert {check.name for check in judgement.checks} == {
        "indication", "result", *(f"display:{field}" for field in REFERENCE_DISPLAY
                                  if field != "result")}


def test_right_answer_in_english_is_technical_pass_and_display_fail() -> None:
    judgement = judge_verification(VALID, answer(ENGLISH), TRUTH)
    assert not judgement.passed
    assert _verdicts(judgement, "technical") == {"indication": True}
    display = _verdicts(judgement, "display")
    assert len(display) == 8 and not any(display.values())
    # the reason stays the first failure's, as before findings
    assert judgement.reason.startswith("the person is told nothing we recognise in Vietnamese")


def test_wrong_answer_in_good_vietnamese_is_technical_fail_only_where_it_is_wrong() -> None:
    """A tampered document called valid: the indication fails; the person is told, in good
    Vietnamese, what the program concluded (the result and the validity at signing time restate
    it: not a display fault), but the integrity field says intact for a changed document, a
    fact that is wrong: a display fault."""
    changed = replace(TRUTH, changed_by=("byte-flip",))  # the truth: the bytes were changed
    judgement = judge_verification(TAMPERED, answer(REFERENCE_DISPLAY), changed)
    assert not judgement.passed and judgement.reason == "wrong indication"
    technical = _verdicts(judgement, "technical")
    assert technical == {"indication": False, "sub-indication": True}
    display = _verdicts(judgement, "display")
    assert display["result"] and display["display:signer"]
    assert display["display:validity_at_signing_time"]
    assert not display["display:integrity"]


def test_a_missing_signature_is_one_technical_finding() -> None:
    judgement = judge_verification(VALID, answer({})
                                   .model_copy(update={"signatures": []}), TRUTH)
    assert [(check.name, check.passed) for check in judgement.checks] == [("indication", False)]
    assert judgement.reason == "the verifier reported no signature"


def test_english_signer_fails_only_its_vietnamese_result() -> None:
    expect = SignExpectation(outcome="signed", warning=False)
    english = judge_signing(expect, SignerAnswer(outcome=SignerOutcome.SIGNED,
                                                 display="Signed."), True)
    assert not english.passed
    assert english.reason == "the signer is not told 'đã ký' in Vietnamese (TT15-5.6.b)"
    assert _verdicts(english, "technical") == {"outcome": True, "document": True,
                                               "warning": True}
    assert _verdicts(english, "display") == {"result": False}
    refused = judge_signing(expect, SignerAnswer(outcome=SignerOutcome.REFUSED,
                                                 display="Ký số thất bại"), False)
    assert refused.reason.startswith("the signer refused")
    assert _verdicts(refused, "technical") == {"outcome": False, "document": True,
                                               "warning": True}
    assert _verdicts(refused, "display") == {"result": True}


def test_a_note_is_a_passed_display_check_marked_as_a_warning() -> None:
    expect = SignExpectation(outcome="signed")
    plain = judge_signing(expect, SignerAnswer(outcome=SignerOutcome.SIGNED,
                                               display="Ky so thanh cong"), True)
    assert plain.passed and plain.notes
    remark = [check for check in plain.checks if check.name.startswith("diacritics:")]
    assert len(remark) == 1 and remark[0].passed and remark[0].warning
    assert remark[0].about == "message"




def test_hash_failure_for_a_disallowed_change_passes_with_a_warning() -> None:
    """EN 319 102-1 has no name for a change after signing that breaks no digest: an answer
    with pyHanko's customary HASH_FAILURE passes the sub-indication check with a warning (the
    runner rates the case WARNING); DISALLOWED_MODIFICATION or FORMAT_FAILURE pass plainly; a
    sub-indication about something else fails."""
    changed = replace(TRUTH, changed_by=("content-update",))
    shown = {**REFERENCE_DISPLAY, "result": "Chữ ký số không hợp lệ",
             "integrity": "Tài liệu đã bị sửa đổi sau khi ký",
             "validity_at_signing_time": "Không hợp lệ: tài liệu đã bị sửa đổi sau khi ký"}

    def judged(sub: SubIndication) -> Judgement:
        reply = answer(shown, Indication.TOTAL_FAILED)
        reply.signatures[0].sub_indication = sub
        return judge_verification(DISALLOWED, reply, changed)

    tolerated = judged(SubIndication.HASH_FAILURE)
    assert tolerated.passed and tolerated.notes, tolerated.reason
    check = next(c for c in tolerated.checks if c.name == "sub-indication")
    assert check.passed and check.warning and "every digest matches" in check.note
    for plain in (SubIndication.DISALLOWED_MODIFICATION, SubIndication.FORMAT_FAILURE):
        judgement = judged(plain)
        assert judgement.passed and not judgement.notes, plain
    wrong = judged(SubIndication.SIG_CRYPTO_FAILURE)
    assert not wrong.passed and wrong.reason == "sub-indication not among the accepted ones"
