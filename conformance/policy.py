"""Validation policies as data: what a deviation from a requirement costs (FAIL / WARNING / INFO
/ IGNORE), the way EU DSS validation policies give each constraint a level.

Where the law is ambiguous (RSASSA-PSS only? PAdES mandatory? key usage optional?), the
requirement states both readings and the policy decides. A lab can pass its own file
(``--policy FILE``); reports print the policy's name and sha256.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from pydantic import BaseModel, ConfigDict, ValidationError

from bilingual import say
from reports import Severity
from testbed import InvalidInputError

from .data_files import first_problem, read_yaml
from .requirements import Level, Requirement, Text, catalogue

POLICY_DIR = Path(__file__).resolve().parent / "policies"
_ORDER = [Severity.IGNORE, Severity.INFO, Severity.WARNING, Severity.FAIL]


class Policy(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    description: Text
    levels: dict[Level, Severity]
    overrides: dict[str, Severity] = {}
    conduct: dict[str, Severity] = {}
    """What the program did besides its answer (:mod:`.conduct`): check name → cost; a check
    not named costs a WARNING."""

    def severity(self, requirement: Requirement) -> Severity:
        return self.overrides.get(requirement.id, self.levels.get(requirement.level,
                                                                  Severity.FAIL))

    def conduct_severity(self, check: str) -> Severity:
        return self.conduct.get(check, Severity.WARNING)

    def case_severity(self, requirement_ids: list[str]) -> Severity:
        """A case evidencing several requirements costs what the most severe one costs."""
        known = catalogue()
        severities = [self.severity(known[i]) for i in requirement_ids if i in known]
        return max(severities, key=_ORDER.index, default=Severity.FAIL)


class PolicyError(InvalidInputError):
    """A policy file that cannot be used (one line: file, field, problem)."""


def load_policy(name_or_path: str) -> tuple[Policy, str]:
    """A shipped policy by name ('default', 'strict') or a lab's file; returns (policy, sha256)."""
    path = Path(name_or_path)
    if not path.suffix:
        path = POLICY_DIR / f"{name_or_path}.yaml"
        if not path.exists():
            shipped = ", ".join(p.stem for p in sorted(POLICY_DIR.glob("*.yaml")))
            raise PolicyError(f"--policy: '{name_or_path}' " + say(
                f"không phải chính sách có sẵn ({shipped}) cũng không phải tệp .yaml",
                f"is not a shipped policy ({shipped}) nor a .yaml file"))
    raw, data = read_yaml(path, PolicyError)
    try:
        policy = Policy.model_validate(data)
    except ValidationError as error:
        where, message = first_problem(error)
        raise PolicyError(f"{path}: {where}: {message}") from None
    unknown = sorted(set(policy.overrides) - set(catalogue()))
    if unknown:
        raise PolicyError(f"{path}: overrides.{unknown[0]}: " + say(
            "không phải yêu cầu trong danh mục", "not a requirement of the catalogue"))
    from .conduct import CONDUCT_CHECKS

    strange = sorted(set(policy.conduct) - set(CONDUCT_CHECKS))
    if strange:
        known = ", ".join(CONDUCT_CHECKS)
        raise PolicyError(f"{path}: conduct.{strange[0]}: " + say(
            f"không phải kiểm tra hành vi ({known})", f"not a conduct check ({known})"))
    return policy, hashlib.sha256(raw).hexdigest()
