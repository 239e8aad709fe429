"""``kyso requirements``: the coverage table, requirement → confidence → level → policy cost →
cases → (with ``--mutants``) the defects those cases catch.

It is how a lab reads what the suite can and cannot say about a product: a mandatory requirement
with no case is a gap in the suite, a NOT-FOUND clause is cited but never invented.
The table is printed one requirement per block, wrapped to 100 columns (one line per requirement
ran to 3,000 characters and hid what the requirement says); ``--json`` gives the same rows to a
machine, untruncated and unwrapped.
"""

from __future__ import annotations

import json
import textwrap
from typing import Any

from .cases import Case, all_cases
from .policy import Policy
from .requirements import Level, catalogue, clause_sort_key

WIDTH = 100
"""The terminal the table must fit."""

_INDENT = "    "

LEGEND = ("Mỗi yêu cầu: mã  mức · độ tin cậy · kết quả khi không đạt; nội dung; các ca\n"
          "Each requirement: ID  level · confidence · verdict if unmet; its text; its cases")


def coverage_rows(policy: Policy, caught: dict[str, list[str]] | None = None
                  ) -> list[dict[str, Any]]:
    """One row per requirement; ``caught`` maps 'scenario::checkpoint' → defect names
    (``defects`` is ``None`` without it: not played, which is not "none caught")."""
    cases = all_cases()
    rows = []
    for requirement in sorted(catalogue().values(), key=lambda r: clause_sort_key(r.id)):
        mine: list[Case] = [c for c in cases if requirement.id in c.requirements]
        defects = sorted({d for c in mine for d in (caught or {}).get(
            f"{c.scenario}::{c.checkpoint}", [])})
        rows.append({
            "id": requirement.id, "clause": requirement.clause,
            "confidence": requirement.confidence.value, "level": requirement.level.value,
            "cost": policy.severity(requirement).value, "roles": list(requirement.roles),
            "statement": {"vi": requirement.statement.vi, "en": requirement.statement.en},
            "cases": [c.id for c in mine],
            "defects": defects if caught is not None else None,
        })
    return rows


def mandatory_without_cases() -> list[str]:
    cases = all_cases()
    return [r.id for r in catalogue().values() if r.level is Level.MANDATORY
            and not any(r.id in c.requirements for c in cases)]


def _wrapped(label: str, words: list[str]) -> list[str]:
    """``label`` then the words, wrapped to :data:`WIDTH` and indented under the block."""
    return textwrap.wrap(f"{label} {' '.join(words) or '—'}", width=WIDTH,
                         initial_indent=_INDENT, subsequent_indent=_INDENT * 2,
                         break_on_hyphens=False, break_long_words=True)


def _block(row: dict[str, Any]) -> list[str]:
    first = (f"{row['id']}  {row['level']} · {row['confidence']} · "
             f"không đạt / if unmet → {row['cost']}")
    lines = textwrap.wrap(first, width=WIDTH, subsequent_indent=_INDENT * 2)
    lines += textwrap.wrap(row["statement"]["vi"], width=WIDTH, initial_indent=_INDENT,
                           subsequent_indent=_INDENT)
    lines += _wrapped(f"ca / cases ({len(row['cases'])}):", row["cases"])
    if row["defects"] is not None:
        lines += _wrapped("lỗi phát hiện được / defects caught:", row["defects"])
    return lines


def render_coverage(rows: list[dict[str, Any]]) -> str:
    """One block per requirement, every line at most :data:`WIDTH` columns."""
    lines = [LEGEND, ""]
    for row in rows:
        lines += [*_block(row), ""]
    gaps = mandatory_without_cases()
    footer = (f"{len(rows)} yêu cầu; bắt buộc chưa có ca: {', '.join(gaps) or 'không có'} / "
              f"{len(rows)} requirements; mandatory without a case yet: "
              f"{', '.join(gaps) if gaps else 'none'}")
    lines += textwrap.wrap(footer, width=WIDTH, break_on_hyphens=False)
    return "\n".join(lines)


def render_coverage_json(rows: list[dict[str, Any]], policy: str, digest: str) -> str:
    """The same rows for a machine: the policy, its digest, and one entry per requirement."""
    return json.dumps({"policy": policy, "sha256": digest, "requirements": rows,
                       "mandatory_without_cases": mandatory_without_cases()},
                      ensure_ascii=False, indent=2)
