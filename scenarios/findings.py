"""The checks of one checkpoint, each judged on its own: what the judge found, check by check.

A checkpoint is not one yes-or-no. A verifier's answer is judged on its indication, its
sub-indication, the Vietnamese result the person is told, each TT15-6.4.b field the checkpoint
names and the evidence it stored; a signer's on its outcome, the document it wrote (or did not),
the warning asked for, the Vietnamese result, the evidence and the output's form. Each is a
:class:`Check`, *technical* (what the software concluded and did) or *display* (what the person
is shown), so a product that answers every technical question rightly but shows English is told
exactly that, not one reason that hides the rest.

A check says which requirements it evidences only by kind (:attr:`Check.about`): the
checkpoint's own clauses, the Vietnamese message every checkpoint of a role asks for, or the
seven display fields. Conformance maps the kind to requirement IDs and the policy to a cost;
scenarios know nothing of the legal catalogue.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

from .checkpoints import VerifyExpectation
from .display import SignatureTruth, check_field, expected_integrity
from .outcomes import DisplayField, MessageClass

Category = Literal["technical", "display"]
About = Literal["checkpoint", "message", "fields"]

NOT_SHOWN = "not shown"


@dataclass(frozen=True)
class Check:
    """One check of a checkpoint and what came of it."""

    name: str
    """indication, sub-indication, result, display:<field>, evidence, outcome, document,
    warning, output, diacritics:<what>, declared:<what>."""
    category: Category
    about: About
    """Which requirements it evidences: ``checkpoint`` (the checkpoint's own clauses),
    ``message`` (the Vietnamese result: TT15-6.4.a / 5.6.b), ``fields`` (TT15-6.4.b)."""
    passed: bool
    expected: str
    actual: str
    reason: str = ""
    """Why it failed (empty when it passed)."""
    note: str = ""
    """A remark on a passed check (written without diacritics; a vendor's phrase)."""
    warning: bool = False
    """The note is a warning (the runner rates the case WARNING), not a mere fact."""


def technical(name: str, passed: bool, expected: str, actual: str, reason: str) -> Check:
    """A check of what the software concluded or did (the checkpoint's own clauses)."""
    return Check(name, "technical", "checkpoint", passed, expected, actual,
                 "" if passed else reason)


def first_reason(checks: Sequence[Check]) -> str:
    """The reason of a checkpoint's verdict: its first failed check's, in words (empty: none
    failed). Failed display fields are said together, as "display misses a, b" when some are
    not shown at all, else "display: " and each field's problem."""
    failed = [check for check in checks if not check.passed]
    if not failed:
        return ""
    if not failed[0].name.startswith("display:"):
        return failed[0].reason
    fields = [check for check in failed if check.name.startswith("display:")]
    missing = [check.name.removeprefix("display:") for check in fields
               if check.actual == NOT_SHOWN]
    if missing:
        return f"display misses {', '.join(missing)}"
    return "display: " + "; ".join(check.reason for check in fields)


def _quote(text: str, limit: int = 80) -> str:
    text = " ".join(text.split())
    return f"'{text[:limit]}…'" if len(text) > limit else f"'{text}'"


def shown(text: str | None) -> str:
    """What the person was shown, quoted (or "not shown")."""
    return _quote(text) if text and text.strip() else NOT_SHOWN


def _field_expectation(field: DisplayField, expect: VerifyExpectation,
                       truth: SignatureTruth | None) -> str:
    """What a field must show, in words (the testbed's truth when it is known)."""
    if field is DisplayField.INTEGRITY:
        wanted = expected_integrity(expect)
        return "intact or not intact" if wanted is None else wanted.value
    if field is DisplayField.VALIDITY_AT_SIGNING_TIME:
        wanted_class = expect.message_class or MessageClass.of(expect.indication)
        return f"'{wanted_class.vietnamese}'"
    if truth is None:
        return f"the {field.english_label.lower()}, shown"
    if field is DisplayField.ISSUER:
        return " or ".join(f"'{name}'" for name in truth.issuer_names)
    if field is DisplayField.SIGNER:
        return f"'{truth.signer_name}'"
    if field is DisplayField.MANAGING_UNIT:
        return " or ".join(f"'{unit}'" for unit in truth.signer_units) or "any unit"
    if field is DisplayField.SIGNING_TIME:
        return " or ".join(moment.isoformat() for moment in truth.signing_times) + " (±2 min)"
    return f"{truth.not_before.date().isoformat()} – {truth.not_after.date().isoformat()}"


def field_checks(expect: VerifyExpectation, display: Mapping[str, str],
                 truth: SignatureTruth | None, concluded: VerifyExpectation | None = None
                 ) -> list[Check]:
    """One display check per field the expectation names, in the order listed.

    ``concluded``: when the program's indication is wrong, what it concluded. The validity at
    signing time restates that conclusion, so it is judged against it (the indication's finding
    already fails the wrong answer, at the policy's cost); the other fields state facts and are
    judged against the truth.
    """
    checks = []
    for field in expect.display:
        text = display.get(field.value)
        judged = concluded if concluded is not None and \
            field is DisplayField.VALIDITY_AT_SIGNING_TIME else expect
        problem = check_field(field, text, judged, truth)
        checks.append(Check(f"display:{field.value}", "display", "fields", problem is None,
                            _field_expectation(field, judged, truth), shown(text),
                            problem or ""))
    return checks
