"""Why a certificate is revoked: the RFC 5280 CRLReason values the testbed uses.

Kept apart from :mod:`testbed.world` (the registry's pydantic models) so that the command line
can list the reasons (``kyso ca revoke --reason``) without building those models.
"""

from __future__ import annotations

from enum import StrEnum

from ..errors import InvalidInputError


class RevocationReason(StrEnum):
    """RFC 5280 CRLReason values the testbed uses, with the Vietnamese situations they model."""

    UNSPECIFIED = "unspecified"
    KEY_COMPROMISE = "key_compromise"
    """Lost or exposed token (ND68 Art. 17)."""
    CA_COMPROMISE = "ca_compromise"
    AFFILIATION_CHANGED = "affiliation_changed"
    """Change of position or agency."""
    SUPERSEDED = "superseded"
    """Replaced by a new certificate (change of information)."""
    CESSATION_OF_OPERATION = "cessation_of_operation"
    """Retirement, resignation, dissolution, device retired."""
    CERTIFICATE_HOLD = "certificate_hold"
    """Suspension (tạm dừng), TT15 Annex II 1.1."""
    PRIVILEGE_WITHDRAWN = "privilege_withdrawn"

    @classmethod
    def parse(cls, text: str, *, field: str = "reason") -> RevocationReason:
        normalised = text.strip().replace("-", "_").lower()
        camel = {member.value.replace("_", ""): member for member in cls}
        if normalised in cls._value2member_map_:
            return cls(normalised)
        if normalised.replace("_", "") in camel:
            return camel[normalised.replace("_", "")]
        allowed = ", ".join(member.value for member in cls)
        raise InvalidInputError(f"{field}: '{text}' is not one of {allowed}")


__all__ = ["RevocationReason"]
