"""Comparing an answer with a checkpoint's expectation: did the software do what it must?

Kept small and literal: the indication must match, the sub-indication must be one of the
accepted ones (when the checkpoint lists any), the Vietnamese result the person is shown must be
of the expected class, and every display field the checkpoint names must be shown, with the
right value (:mod:`scenarios.display`: checked against the testbed's truth when the player
gives it). Conformance adds validation policies on top (FAIL / WARNING / INFO); a scenario run
only needs yes or no, with the reason in words.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from .display import SignatureTruth, classify_vietnamese_result, display_problems
from .model import SignExpectation, VerifyExpectation
from .outcomes import MessageClass, SignerAnswer, SignerOutcome, VerifierAnswer


@dataclass(frozen=True)
class Judgement:
    passed: bool
    expected: str
    actual: str
    reason: str = ""


def classify_vietnamese_signing(text: str | None) -> SignerOutcome | None:
    """Whether a Vietnamese text tells the signer 'signed' or 'not signed' (TT15-5.6.b)."""
    if not text:
        return None
    folded = unicodedata.normalize("NFC", text).casefold()
    if any(phrase in folded for phrase in ("chưa ký", "không ký", "không thể ký",
                                           "ký không thành công", "từ chối ký")):
        return SignerOutcome.REFUSED
    if "đã ký" in folded or "ký thành công" in folded:
        return SignerOutcome.SIGNED
    return None


def judge_verification(expect: VerifyExpectation, answer: VerifierAnswer,
                       truth: SignatureTruth | None = None) -> Judgement:
    """``truth``: what the testbed knows about the judged signature; with it, the display
    fields the expectation names are checked for their values (:mod:`scenarios.display`)."""
    accepted = "|".join(s.value for s in expect.sub_indications) or "any"
    expected = f"{expect.indication.value} ({accepted})"
    if not answer.signatures:
        return Judgement(False, expected, "no signature reported",
                         answer.error or "the verifier reported no signature")
    try:
        signature = answer.signatures[expect.signature]
    except IndexError:
        return Judgement(False, expected, f"{len(answer.signatures)} signature(s)",
                         f"signature {expect.signature} was not reported")
    actual = signature.indication.value + (
        f" ({signature.sub_indication.value})" if signature.sub_indication else "")
    if signature.indication is not expect.indication:
        return Judgement(False, expected, actual, "wrong indication")
    # a sub-indication is EN 319 102-1 detail TT15 does not require a program to show: one
    # that reports none is judged on its indication; one that reports a wrong one fails
    if expect.sub_indications and signature.sub_indication is not None \
            and signature.sub_indication not in expect.sub_indications:
        return Judgement(False, expected, actual, "sub-indication not among the accepted ones")
    wanted_class = expect.message_class or MessageClass.of(expect.indication)
    shown = classify_vietnamese_result(signature.display.get("result"))
    if shown is not wanted_class:
        return Judgement(False, expected, actual,
                         f"the person is told {shown.value if shown else 'nothing we recognise'}"
                         f" in Vietnamese, not '{wanted_class.vietnamese}'")
    missing = [field.value for field in expect.display
               if not signature.display.get(field.value, "").strip()]
    if missing:
        return Judgement(False, expected, actual, f"display misses {', '.join(missing)}")
    problems = display_problems(expect, signature.display, truth)
    if problems:
        return Judgement(False, expected, actual, "display: " + "; ".join(problems))
    return Judgement(True, expected, actual)


def judge_signing(expect: SignExpectation, answer: SignerAnswer, output_exists: bool
                  ) -> Judgement:
    warned = bool(answer.warnings)
    expected = expect.outcome + ("" if expect.warning is None
                                 else (", with a warning" if expect.warning else ", no warning"))
    actual = answer.outcome.value + (", with a warning" if warned else "")
    if expect.outcome == "warn-or-refuse":
        if answer.outcome is SignerOutcome.SIGNED and not warned:
            return Judgement(False, expected, actual,
                             "signed without warning although the status was unobtainable")
        if answer.outcome is SignerOutcome.REFUSED and output_exists:
            return Judgement(False, expected, actual, "refused but left a signed document")
        if answer.outcome is SignerOutcome.SIGNED and not output_exists:
            return Judgement(False, expected, actual, "said 'signed' but wrote no document")
        return _vietnamese_result(expect, answer, expected, actual)
    if answer.outcome.value != expect.outcome:
        detail = f": {answer.reason}" if answer.reason else ""
        return Judgement(False, expected, actual, f"the signer {answer.outcome.value}{detail}")
    if answer.outcome is SignerOutcome.SIGNED and not output_exists:
        return Judgement(False, expected, actual, "said 'signed' but wrote no document")
    if answer.outcome is SignerOutcome.REFUSED and output_exists:
        return Judgement(False, expected, actual, "refused but left a signed document behind")
    if expect.warning is not None and warned != expect.warning:
        return Judgement(False, expected, actual,
                         "a warning was expected" if expect.warning else "an unexpected warning")
    return _vietnamese_result(expect, answer, expected, actual)


def _vietnamese_result(expect: SignExpectation, answer: SignerAnswer, expected: str,
                       actual: str) -> Judgement:
    if expect.vietnamese_result and classify_vietnamese_signing(answer.display) \
            is not answer.outcome:
        word = "đã ký" if answer.outcome is SignerOutcome.SIGNED else "chưa ký"
        return Judgement(False, expected, actual,
                         f"the signer is not told '{word}' in Vietnamese (TT15-5.6.b)")
    return Judgement(True, expected, actual)
