"""``kyso requirements``: the coverage table, requirement → confidence → level → policy cost →
cases → (with ``--mutants``) the defects those cases catch.

It is how a lab reads what the suite can and cannot say about a product: a mandatory requirement
with no case is a gap in the suite, a NOT-FOUND clause is cited but never invented.
"""

from __future__ import annotations

from .cases import Case, all_cases
from .policy import Policy
from .requirements import Level, catalogue, clause_sort_key


def coverage_rows(policy: Policy, caught: dict[str, list[str]] | None = None
                  ) -> list[dict[str, str]]:
    """One row per requirement; ``caught`` maps 'scenario::checkpoint' → defect names."""
    cases = all_cases()
    rows = []
    for requirement in sorted(catalogue().values(), key=lambda r: clause_sort_key(r.id)):
        mine: list[Case] = [c for c in cases if requirement.id in c.requirements]
        defects = sorted({d for c in mine for d in (caught or {}).get(
            f"{c.scenario}::{c.checkpoint}", [])})
        rows.append({
            "id": requirement.id, "confidence": requirement.confidence.value,
            "level": requirement.level.value, "cost": policy.severity(requirement).value,
            "roles": ",".join(requirement.roles), "cases": str(len(mine)),
            "case_ids": " ".join(c.id for c in mine),
            "defects": ", ".join(defects) if caught is not None else "",
        })
    return rows


def mandatory_without_cases() -> list[str]:
    cases = all_cases()
    return [r.id for r in catalogue().values() if r.level is Level.MANDATORY
            and not any(r.id in c.requirements for c in cases)]


def render_coverage(rows: list[dict[str, str]], *, with_defects: bool) -> str:
    header = f"{'requirement':16} {'confidence':20} {'level':13} {'cost':8} {'cases':>5}  " + \
        ("defects caught" if with_defects else "case IDs")
    lines = [header, "-" * len(header)]
    for row in rows:
        detail = row["defects"] if with_defects else row["case_ids"]
        lines.append(f"{row['id']:16} {row['confidence']:20} {row['level']:13} {row['cost']:8} "
                     f"{row['cases']:>5}  {detail or '—'}")
    gaps = mandatory_without_cases()
    lines.append(f"{len(rows)} requirements; mandatory without a case yet: "
                 f"{', '.join(gaps) if gaps else 'none'}")
    return "\n".join(lines)
