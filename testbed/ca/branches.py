"""The branches of the testbed's PKI: công vụ, public (NEAC) and an unrelated root.

Kept apart from :mod:`testbed.ca.hierarchy` (the authorities as data, with their names and key
types) so that the command line and the subscriber profiles can name a branch without loading
the hierarchy's models.
"""

from __future__ import annotations

from enum import StrEnum


class Branch(StrEnum):
    """The regime a hierarchy branch belongs to (see legal-requirements.md, 'regimes')."""

    CONG_VU = "cong-vu"
    PUBLIC = "public"
    OTHER = "other"


__all__ = ["Branch"]
