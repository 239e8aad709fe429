"""Conformance cases, derived from scenario checkpoints: one case per checkpoint and role.

A case's ID is data, not a function name: ``role::scenario::checkpoint`` (e.g.
``verifier::revoked-after-signing::verify-revoked-after-timestamp``). Its requirement IDs come
from the checkpoint and must exist in the legal catalogue; its expected outcome is the
checkpoint's expectation. Nothing here is stored as an expiring file: cases are regenerated from
the scenarios on every run.
"""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass
from pathlib import Path

from bilingual import say
from scenarios import (
    FORMAT_REQUIREMENTS,
    PDF_ONLY_REQUIREMENTS,
    Scenario,
    Sign,
    SignatureFormat,
    Verify,
    catalogue_paths,
    format_variants,
    load_scenario,
    played_format,
)
from testbed import InvalidInputError

from .requirements import Text, catalogue


@dataclass(frozen=True)
class Case:
    id: str
    role: str
    scenario: str
    checkpoint: str
    step_index: int
    requirements: tuple[str, ...]
    title: Text
    expected: str
    flags: tuple[str, ...]
    level: str | None = None
    """Signer: the PAdES baseline level the signing step asks for."""
    visible: bool = False
    """Signer: a visible signature is asked for."""
    evidence: bool = False
    """The software must say where it stored the validation data (TT15-5.4 / 6.2)."""
    own_trust: bool = False
    """The step chooses its own trust anchors (a root removed, another regime's only)."""
    format: str = SignatureFormat.PADES.value
    """The signature format the case is played in (``scenario`` is then ``id@format``
    for every format but PAdES, :mod:`scenarios.formats`)."""


IMPLICIT_REQUIREMENTS = {
    "verifier": ("TT15-6.4.a", "TT15-6.4.b"),
    "signer": ("TT15-5.6.b",),
}
"""Requirements every checkpoint of a role evidences, because the judge checks them at every
checkpoint of that role (scenarios/judge.py): a verifier must tell the person "hợp lệ" /
"không hợp lệ" in Vietnamese and show the seven TT15-6.4.b fields (every verify checkpoint
checks them, :attr:`scenarios.VerifyExpectation.display`), a signer "đã ký" / "chưa ký"."""

FORMAT_REQUIREMENT = "TT15-PL1-1.5-baseline"
"""The requirement a signer's output in the wrong format fails (a plain CMS signature where a
PAdES baseline level was asked for): the inspector's problem names it, and the runner gives
that problem the cost the policy gives this requirement (the law's reading is open)."""


def case_id(role: str, scenario: str, checkpoint: str) -> str:
    return f"{role}::{scenario}::{checkpoint}"


def _expected(step: Sign | Verify) -> str:
    if isinstance(step, Sign):
        assert step.expect is not None
        return step.expect.outcome + ("" if step.expect.warning is None else
                                      (", with a warning" if step.expect.warning
                                       else ", no warning"))
    subs = "|".join(s.value for s in step.expect.sub_indications) or "any"
    return f"{step.expect.indication.value} ({subs})"


def case_requirements(requirements: list[str], role: str,
                      fmt: SignatureFormat) -> tuple[str, ...]:
    """A checkpoint's requirements in ``fmt``: as written for PAdES; in another format, the
    ones about PDF signatures (Annex I row 1.5) left out and the format's own row added
    (rows 1.4, 1.6, 1.7: :data:`scenarios.FORMAT_REQUIREMENTS`)."""
    own = [] if fmt is SignatureFormat.PADES else [FORMAT_REQUIREMENTS[fmt]]
    kept = [r for r in requirements
            if fmt is SignatureFormat.PADES or r not in PDF_ONLY_REQUIREMENTS]
    return tuple(dict.fromkeys([*kept, *IMPLICIT_REQUIREMENTS[role], *own]))


def cases_of(scenario: Scenario) -> list[Case]:
    """The cases of ``scenario`` as played in its first format (a variant has one only)."""
    fmt = played_format(scenario)
    found = []
    for index, step in scenario.checkpoints():
        assert step.checkpoint is not None
        role = "signer" if isinstance(step, Sign) else "verifier"
        found.append(Case(
            id=case_id(role, scenario.id, step.checkpoint.id), role=role, scenario=scenario.id,
            checkpoint=step.checkpoint.id, step_index=index,
            requirements=case_requirements(step.checkpoint.requirements, role, fmt),
            title=Text(vi=step.checkpoint.why.vi, en=step.checkpoint.why.en),
            expected=_expected(step), flags=tuple(flag.value for flag in step.checkpoint.flags),
            level=step.level if isinstance(step, Sign) else None,
            visible=isinstance(step, Sign) and step.visible,
            evidence=step.expect is not None and step.expect.evidence,
            own_trust=step.trust is not None, format=fmt.value))
    return found


def all_cases(paths: list[Path] | None = None) -> list[Case]:
    """Every case of the catalogue, in every format its scenarios apply to; IDs unique,
    requirement IDs known."""
    known = catalogue()
    cases: list[Case] = []
    seen: set[str] = set()
    for path in paths or catalogue_paths():
        for case in (c for v in format_variants(load_scenario(path)) for c in cases_of(v)):
            if case.id in seen:
                raise InvalidInputError(f"{path}: {case.id}: " + say(
                    "điểm kiểm tra được định nghĩa hai lần", "case is defined twice"))
            unknown = [r for r in case.requirements if r not in known]
            if unknown:
                raise InvalidInputError(f"{path}: {case.checkpoint}: " + say(
                    f"yêu cầu {unknown[0]} không có trong conformance/requirements.yaml",
                    f"requirement {unknown[0]} is not in conformance/requirements.yaml"))
            seen.add(case.id)
            cases.append(case)
    return cases


def matches(case: Case, patterns: list[str]) -> bool:
    """``--only`` patterns (shell-style, on the case ID); none means every case."""
    return not patterns or any(fnmatch.fnmatchcase(case.id, pattern) or pattern in case.id
                               for pattern in patterns)
