"""Simulated time: the only place in kyso that reads the real clock.

A testbed is either *pinned* at an instant (the services answer as of that instant for as long as
it stays pinned) or *follows* the wall clock with a fixed offset. Third-party software never sends
certomancer's fake-time header, so the services ask this clock instead.

Every instant handed out is timezone-aware UTC and truncated to whole seconds: RFC 5280
GeneralizedTime has no fractions, and pyca/cryptography and NSS reject OCSP responses that carry
them (measured; see the stack notes).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone

from .errors import InvalidInputError

_DURATION = re.compile(r"^([+-])?\s*(\d+)\s*(s|m|h|d|w|y)$")
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400, "y": 365 * 86400}
VIETNAM = timezone(timedelta(hours=7), "ICT")
"""Vietnam time (UTC+07:00, no daylight saving): the zone of local times in scenarios."""


def wall_clock() -> datetime:
    """The real current time, UTC, whole seconds. Nothing else in kyso may read the real clock."""
    return datetime.now(UTC).replace(microsecond=0)


def whole_seconds(instant: datetime) -> datetime:
    """``instant`` in UTC without fractions of a second."""
    return instant.astimezone(UTC).replace(microsecond=0)


def parse_instant(text: str, *, field: str = "time") -> datetime:
    """Parse an ISO 8601 instant; a value without a zone is taken as Vietnam time (+07:00).

    Vietnamese testers write local times; silently reading them as UTC would shift every
    scenario by seven hours.
    """
    try:
        parsed = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except (ValueError, AttributeError):
        raise InvalidInputError(
            f"{field}: '{text}' is not an ISO 8601 date-time (e.g. 2026-11-22T09:00:00+07:00)"
        ) from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=VIETNAM)
    return whole_seconds(parsed)


def parse_duration(text: str, *, field: str = "duration") -> timedelta:
    """Parse ``+30d``, ``-2h``, ``90s``, ``1y`` (365 days) into a timedelta."""
    match = _DURATION.match(text.strip()) if isinstance(text, str) else None
    if not match:
        raise InvalidInputError(
            f"{field}: '{text}' is not a duration like +30d, -2h, 90s, 1w or 1y"
        )
    sign, amount, unit = match.groups()
    seconds = int(amount) * _UNIT_SECONDS[unit]
    return timedelta(seconds=-seconds if sign == "-" else seconds)





@dataclass(frozen=True)
class Clock:
    """A testbed's notion of now: pinned at ``pinned_at``, or wall clock + ``offset``."""

    pinned_at: datetime | None = None
    offset: timedelta = timedelta(0)

    def now(self) -> datetime:
        """The testbed's current instant (UTC, whole seconds)."""
        if self.pinned_at is not None:
            return whole_seconds(self.pinned_at)
        return whole_seconds(wall_clock() + self.offset)

    @property
    def is_pinned(self) -> bool:
        return self.pinned_at is not None

    def pinned(self, instant: datetime) -> Clock:
        """A clock pinned at ``instant``."""
        return Clock(pinned_at=whole_seconds(instant))

    def following(self, instant: datetime) -> Clock:
        """A clock that reads ``instant`` now and then moves with the wall clock."""
        return Clock(pinned_at=None, offset=whole_seconds(instant) - wall_clock())

    def advanced(self, delta: timedelta) -> Clock:
        """The same kind of clock, moved by ``delta``."""
        if self.pinned_at is not None:
            return Clock(pinned_at=self.pinned_at + delta)
        return Clock(pinned_at=None, offset=self.offset + delta)

    def describe(self) -> str:
        mode = "pinned" if self.is_pinned else f"following the wall clock, offset {self.offset}"
        return f"{self.now().isoformat()} ({mode})"
