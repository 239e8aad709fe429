"""Which authorities of a testbed issue subscriber certificates, and which one a branch uses.

Shared by the one-by-one issuance (:mod:`.lifecycle`) and the bulk one (:mod:`.population`):
both must pick the same issuing CA for a branch and refuse a root the same way.
"""

from __future__ import annotations

from bilingual import say

from ..errors import InvalidInputError
from ..world import WorldState
from .branches import Branch


def issuing_cas(state: WorldState) -> list[str]:
    """The labels of the authorities that issue subscriber certificates."""
    return [label for label, record in state.authorities.items() if record.issues_subscribers]


def issuing_ca(state: WorldState, branch: Branch) -> str:
    """The authority that issues the subscribers of ``branch``."""
    for label, record in state.authorities.items():
        if record.branch is branch and record.issues_subscribers:
            return label
    raise InvalidInputError(say(f"branch: không có CA cấp phát cho nhánh '{branch.value}'",
                                f"branch: no issuing CA for '{branch.value}'"))


__all__ = ["issuing_ca", "issuing_cas"]
