"""A judged case's findings: each check of its checkpoint with its requirement IDs and its cost.

The judge (:mod:`scenarios.findings`) says what each check is about only by kind: the
checkpoint's own clauses, the Vietnamese message every checkpoint of a role asks for
(:data:`~conformance.cases.IMPLICIT_REQUIREMENTS`), or the seven TT15-6.4.b fields. Here the kind
becomes requirement IDs and the validation policy gives each failed finding its cost, so the
case's cost is the worst of its findings' and a requirement fails only for findings about it.
What the program did besides its answer (it printed its PIN, tried files its case did not
give it) is a finding too (:mod:`.conduct`).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from reports import CaseResult, Finding, FindingCategory, Severity, Verdict
from scenarios import Check

from .cases import FORMAT_REQUIREMENT, IMPLICIT_REQUIREMENTS, Case
from .policy import Policy

FIELDS_REQUIREMENT = "TT15-6.4.b"
"""The seven fields a verifier must show: what every display-field finding evidences."""


def check_requirements(case: Case, check: Check) -> list[str]:
    """The requirement IDs a check of ``case`` evidences.

    The signature's format (:data:`~conformance.cases.FORMAT_REQUIREMENT`) is evidenced by the
    inspection of the signed output alone: a refusal says nothing about it. The inspector names
    that requirement in a wrong-format problem; the finding then fails it (at the policy's cost:
    the law's reading is open), and the checkpoint's own clauses only when another problem
    stands beside it.
    """
    language = IMPLICIT_REQUIREMENTS.get(case.role, ())
    if check.about == "message":
        return [r for r in language if r != FIELDS_REQUIREMENT]
    if check.about == "fields":
        return [FIELDS_REQUIREMENT]
    own = [r for r in case.requirements if r not in language and r != FORMAT_REQUIREMENT]
    if check.name != "output":
        return own
    if check.passed:
        return [*own, FORMAT_REQUIREMENT] if FORMAT_REQUIREMENT in case.requirements else own
    problems = check.actual.split("; ")
    if not any(FORMAT_REQUIREMENT in problem for problem in problems):
        return own
    others = [problem for problem in problems if FORMAT_REQUIREMENT not in problem]
    return [FORMAT_REQUIREMENT, *(own if others else [])]


def case_findings(case: Case, checks: Iterable[Check], policy: Policy) -> list[Finding]:
    """One finding per check: a failure costs what the policy says of its requirements (of
    the case's when it names none); a pass is INFO, or WARNING when it carries a warning."""
    findings = []
    for check in checks:
        requirements = check_requirements(case, check)
        if check.passed:
            severity = Severity.WARNING if check.warning else Severity.INFO
        else:
            severity = policy.case_severity(requirements or list(case.requirements))
        findings.append(Finding(
            check=check.name, category=FindingCategory(check.category),
            requirements=requirements, expected=check.expected, actual=check.actual,
            verdict=Verdict.PASS if check.passed else Verdict.FAIL, severity=severity,
            reason=check.reason or check.note))
    return findings


def failed_requirements(case: CaseResult) -> set[str]:
    """Which of a failed case's requirements its failure is about.

    With findings (results version 2): the requirements of its failed findings. Without (a
    case judged before findings, or from an old file): read from the reason, which names the
    first problem: a Vietnamese message that is missing (TT15-6.4.a / 5.6.b, checked at every
    checkpoint of the role), a display field that is missing or wrong (TT15-6.4.b), or anything
    else (the checkpoint's own clauses).
    """
    if case.findings:
        return {requirement for finding in case.findings if finding.verdict is Verdict.FAIL
                for requirement in finding.requirements}
    role = case.id.split("::", 1)[0]
    implicit = IMPLICIT_REQUIREMENTS.get(role, ())
    if case.reason.startswith("display") or "display misses" in case.reason:
        return {FIELDS_REQUIREMENT}
    if "in Vietnamese" in case.reason:
        return set(implicit) - {FIELDS_REQUIREMENT}
    return set(case.requirements) - set(implicit)


def fails_requirement(case: CaseResult, requirement: str) -> bool:
    """Whether ``case`` fails ``requirement`` at a cost of FAIL: one of its failed findings
    about the requirement is rated FAIL (without findings: the case's own rating)."""
    if case.verdict is not Verdict.FAIL:
        return False
    if case.findings:
        return any(finding.verdict is Verdict.FAIL and finding.severity is Severity.FAIL
                   and requirement in finding.requirements for finding in case.findings)
    return requirement in failed_requirements(case) and case.severity is Severity.FAIL


def finding_counts(cases: Iterable[CaseResult]) -> dict[FindingCategory, dict[Verdict, int]]:
    """Findings counted by category and verdict, for the summary."""
    counts: dict[FindingCategory, Counter[Verdict]] = {}
    for case in cases:
        for finding in case.findings:
            counts.setdefault(finding.category, Counter())[finding.verdict] += 1
    return {category: dict(counter) for category, counter in counts.items()}
