"""Why a certificate is revoked: the RFC 5280 CRLReason values the testbed uses.

Kept apart from :mod:`testbed.world` (the registry's pydantic models) so that the command line
can list the reasons (``kyso ca revoke --reason``) without building those models.
"""

from __future__ import annotations

from enum import StrEnum

from bilingual import say

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

    def words(self) -> str:
        """The reason in words for a person, bilingual (:func:`bilingual.say`): Vietnamese first,
        English after, or English alone with ``KYSO_LANG=en``. The value stays the machine code."""
        vietnamese, english = _WORDS[self]
        return say(vietnamese, english)

    @property
    def vietnamese(self) -> str:
        """The Vietnamese words alone (``lộ khóa bí mật``), for a message built with ``say``."""
        return _WORDS[self][0]

    @property
    def english(self) -> str:
        """The English words alone (``key compromise``)."""
        return _WORDS[self][1]

    @classmethod
    def parse(cls, text: str, *, field: str = "reason") -> RevocationReason:
        normalised = text.strip().replace("-", "_").lower()
        camel = {member.value.replace("_", ""): member for member in cls}
        if normalised in cls._value2member_map_:
            return cls(normalised)
        if normalised.replace("_", "") in camel:
            return camel[normalised.replace("_", "")]
        allowed = ", ".join(member.value for member in cls)
        raise InvalidInputError(say(
            f"{field}: '{text}' không phải một lý do thu hồi trong {allowed}",
            f"{field}: '{text}' is not one of {allowed}"))


_WORDS: dict[RevocationReason, tuple[str, str]] = {
    RevocationReason.UNSPECIFIED: ("không nêu lý do", "unspecified"),
    RevocationReason.KEY_COMPROMISE: ("lộ khóa bí mật", "key compromise"),
    RevocationReason.CA_COMPROMISE: ("lộ khóa bí mật của CA", "CA compromise"),
    RevocationReason.AFFILIATION_CHANGED: ("thay đổi thông tin/nơi công tác",
                                           "affiliation changed"),
    RevocationReason.SUPERSEDED: ("được thay thế", "superseded"),
    RevocationReason.CESSATION_OF_OPERATION: ("ngừng hoạt động", "cessation of operation"),
    RevocationReason.CERTIFICATE_HOLD: ("tạm dừng", "certificate hold"),
    RevocationReason.PRIVILEGE_WITHDRAWN: ("rút quyền", "privilege withdrawn"),
}
"""Each reason's words: (Vietnamese, English)."""


__all__ = ["RevocationReason"]
