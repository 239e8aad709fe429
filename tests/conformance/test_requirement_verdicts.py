"""A failed case fails the requirements its failure is about, not every clause it cites."""

from __future__ import annotations

from datetime import UTC, datetime

from conformance.runner import failed_requirements
from reports.results import CaseResult, Text, Verdict


def _case(reason: str, role: str = "verifier") -> CaseResult:
    return CaseResult(id=f"{role}::story::checkpoint", title=Text(vi="x", en="x"),
                      requirements=["TT15-6.1.c", "TT15-6.4.a" if role == "verifier"
                                    else "TT15-5.6.b"],
                      expected="x", actual="y", verdict=Verdict.FAIL, reason=reason,
                      judged_at=datetime(2026, 11, 22, tzinfo=UTC), duration_seconds=0.1)


def test_wrong_indication_fails_the_checkpoint_clauses_only() -> None:
    assert failed_requirements(_case("wrong indication")) == {"TT15-6.1.c"}


def test_english_only_fails_the_vietnamese_message_requirement_only() -> None:
    assert failed_requirements(_case("the person is told nothing we recognise in Vietnamese, "
                                     "not 'Chữ ký số hợp lệ'")) == {"TT15-6.4.a"}
    assert failed_requirements(_case("the signer is not told 'đã ký' in Vietnamese "
                                     "(TT15-5.6.b)", role="signer")) == {"TT15-5.6.b"}


def test_a_wrong_display_field_fails_the_seven_fields_requirement() -> None:
    assert failed_requirements(_case("display: signer: 'x' does not name the signer")) == \
        {"TT15-6.4.b"}
    # an integrity field not in Vietnamese is a display field's failure, not the result's
    assert failed_requirements(_case("display: integrity: 'Intact' says neither 'toàn vẹn' "
                                     "nor 'không toàn vẹn' in Vietnamese")) == {"TT15-6.4.b"}


def test_the_seven_fields_are_evidenced_by_every_verifier_case_and_failed_by_display_only(
        ) -> None:
    from conformance.cases import all_cases

    verifier_cases = [case for case in all_cases() if case.role == "verifier"]
    assert verifier_cases and all("TT15-6.4.b" in case.requirements for case in verifier_cases)
    cited = _case("wrong indication").model_copy(
        update={"requirements": ["TT15-6.1.c", "TT15-6.4.a", "TT15-6.4.b"]})
    assert failed_requirements(cited) == {"TT15-6.1.c"}
    assert failed_requirements(cited.model_copy(update={
        "reason": "the person is told nothing we recognise in Vietnamese"})) == {"TT15-6.4.a"}


def test_a_passed_checkpoint_with_notes_is_a_pass_rated_warning() -> None:
    """Vietnamese written without diacritics is read, and reported as a warning (not a FAIL)."""
    from conformance.cases import Case
    from conformance.runner import _judge_case, pass_severity
    from reports import Severity
    from scenarios import Judgement, StepResult

    case = Case(id="signer::story::cp", role="signer", scenario="story", checkpoint="cp",
                step_index=0, requirements=("TT15-5.6.b",), title=Text(vi="x", en="x"),
                expected="signed", flags=())
    at = datetime(2026, 11, 22, tzinfo=UTC)
    noted = StepResult(index=0, at=at, description="x", judgement=Judgement(
        True, "signed", "signed", notes=("signing result: 'ky so thanh cong' is Vietnamese "
                                         "written without diacritics",)))
    verdict, _, reason = _judge_case(case, noted, set())
    assert verdict is Verdict.PASS and reason.startswith("as expected; warning: signing result")
    assert pass_severity(verdict, noted) is Severity.WARNING
    clean = StepResult(index=0, at=at, description="x",
                       judgement=Judgement(True, "signed", "signed"))
    assert _judge_case(case, clean, set())[2] == "as expected"
    assert pass_severity(Verdict.PASS, clean) is Severity.INFO


def test_findings_carry_their_requirements_and_the_policy_cost() -> None:
    """An English-only signer: the technical findings pass and evidence the checkpoint's
    clauses; the display finding fails TT15-5.6.b alone, at the policy's cost for it."""
    from conformance.case_findings import case_findings, fails_requirement
    from conformance.cases import Case
    from conformance.policy import load_policy
    from reports import FindingCategory, Severity
    from scenarios.checkpoints import SignExpectation
    from scenarios.judge import judge_signing
    from scenarios.outcomes import SignerAnswer, SignerOutcome

    policy, _ = load_policy("default")
    case = Case(id="signer::story::cp", role="signer", scenario="story", checkpoint="cp",
                step_index=0, requirements=("TT15-PL1-1.5", "TT15-6.1.c", "TT15-5.6.b"),
                title=Text(vi="x", en="x"), expected="signed", flags=())
    judgement = judge_signing(SignExpectation(outcome="signed"),
                              SignerAnswer(outcome=SignerOutcome.SIGNED, display="Signed."), True)
    findings = case_findings(case, judgement.checks, policy)
    technical = [f for f in findings if f.category is FindingCategory.TECHNICAL]
    display = [f for f in findings if f.category is FindingCategory.DISPLAY]
    assert technical and all(f.verdict is Verdict.PASS and f.severity is Severity.INFO
                             and f.requirements == ["TT15-PL1-1.5", "TT15-6.1.c"]
                             for f in technical)
    assert [(f.check, f.verdict, f.severity, f.requirements) for f in display] == [
        ("result", Verdict.FAIL, Severity.FAIL, ["TT15-5.6.b"])]
    result = _case("the signer is not told 'đã ký' in Vietnamese (TT15-5.6.b)", role="signer")
    result = result.model_copy(update={"findings": findings, "severity": Severity.FAIL})
    assert failed_requirements(result) == {"TT15-5.6.b"}
    assert fails_requirement(result, "TT15-5.6.b")
    assert not fails_requirement(result, "TT15-6.1.c")
    # a technical failure of a requirement the policy only warns about costs WARNING
    wrong = case_findings(case, judge_signing(
        SignExpectation(outcome="refused"),
        SignerAnswer(outcome=SignerOutcome.SIGNED, display="Đã ký"), True).checks, policy)
    outcome = next(f for f in wrong if f.check == "outcome")
    assert outcome.verdict is Verdict.FAIL and outcome.severity is Severity.FAIL
    warned = Case(**{**case.__dict__, "requirements": ("TT15-PL1-1.5", "TT15-5.6.b")})
    costly = case_findings(warned, judge_signing(
        SignExpectation(outcome="refused"),
        SignerAnswer(outcome=SignerOutcome.SIGNED, display="Đã ký"), True).checks, policy)
    assert next(f for f in costly if f.check == "outcome").severity is Severity.WARNING


def test_a_signature_in_the_wrong_format_fails_the_format_requirement() -> None:
    """The format requirement is evidenced by the output's inspection alone; a wrong format
    fails it (and the checkpoint's clauses only when another problem stands beside it)."""
    from conformance.case_findings import check_requirements
    from conformance.cases import FORMAT_REQUIREMENT, Case
    from scenarios.findings import technical

    case = Case(id="signer::story::cp", role="signer", scenario="story", checkpoint="cp",
                step_index=0, requirements=("TT15-6.1.c", FORMAT_REQUIREMENT, "TT15-5.6.b"),
                title=Text(vi="x", en="x"), expected="signed", flags=())
    wrong_format = ("asked for PAdES B-T, the signature is CMS (adbe.pkcs7.detached) (/SubFilter "
                    f"adbe.pkcs7.detached), not a PAdES baseline signature ({FORMAT_REQUIREMENT})")

    def output(*problems: str) -> list[str]:
        check = technical("output", not problems, "as asked", "; ".join(problems) or "as asked",
                          "the output is wrong")
        return check_requirements(case, check)

    assert output(wrong_format) == [FORMAT_REQUIREMENT]
    assert output(wrong_format, "asked for PAdES B-T, the signature carries only what B-B "
                  "needs") == [FORMAT_REQUIREMENT, "TT15-6.1.c"]
    assert output("the document is truncated") == ["TT15-6.1.c"]
    assert output() == ["TT15-6.1.c", FORMAT_REQUIREMENT]
    refused = technical("outcome", False, "signed", "refused", "it refused")
    assert check_requirements(case, refused) == ["TT15-6.1.c"]
