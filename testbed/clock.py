"""Simulated time: the only place in kyso that reads the real clock.

A testbed is either *pinned* at an instant (the services answer as of that instant for as long as
it stays pinned) or *follows* the wall clock with a fixed offset. Third-party software never sends
certomancer's fake-time header, so the services ask this clock instead.

Every instant handed out is timezone-aware UTC and truncated to whole seconds: RFC 5280
GeneralizedTime has no fractions, and pyca/cryptography and NSS reject OCSP responses that carry
them (measured; see the stack notes). A time shown to a person is Vietnam time with its zone
written out (:func:`display_time`); machine files keep UTC with its ``Z``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone

from bilingual import say

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
        raise InvalidInputError(say(
            f"{field}: '{text}' không phải thời điểm ISO 8601 (ví dụ 2026-11-22T09:00:00+07:00)",
            f"{field}: '{text}' is not an ISO 8601 date-time (e.g. 2026-11-22T09:00:00+07:00)",
        )) from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=VIETNAM)
    return whole_seconds(parsed)


def parse_duration(text: str, *, field: str = "duration") -> timedelta:
    """Parse ``+30d``, ``-2h``, ``90s``, ``1y`` (365 days) into a timedelta."""
    match = _DURATION.match(text.strip()) if isinstance(text, str) else None
    if not match:
        raise InvalidInputError(say(
            f"{field}: '{text}' không phải khoảng thời gian dạng +30d, -2h, 90s, 1w hoặc 1y",
            f"{field}: '{text}' is not a duration like +30d, -2h, 90s, 1w or 1y",
        ))
    sign, amount, unit = match.groups()
    seconds = int(amount) * _UNIT_SECONDS[unit]
    return timedelta(seconds=-seconds if sign == "-" else seconds)


def display_time(instant: datetime) -> str:
    """``instant`` as a person reads it: Vietnam time, whole seconds, the zone written out.

    ``2026-11-22T02:00:00Z`` shows as ``2026-11-22 09:00:00 +07:00``. A naive ``instant`` is
    taken as UTC, the testbed's own convention. For messages only: machine files (the registry,
    JSON results) keep UTC with its ``Z``.
    """
    if instant.tzinfo is None:
        instant = instant.replace(tzinfo=UTC)
    return instant.astimezone(VIETNAM).strftime("%Y-%m-%d %H:%M:%S +07:00")


def _display_offset(offset: timedelta) -> str:
    """``+2d 03:00:00``, ``-1:30:00``: a clock's offset from the wall clock, signed."""
    sign = "-" if offset < timedelta(0) else "+"
    seconds = int(abs(offset).total_seconds())
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, seconds = divmod(rest, 60)
    return f"{sign}{days}d {hours:02}:{minutes:02}:{seconds:02}" if days else \
        f"{sign}{hours:02}:{minutes:02}:{seconds:02}"


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
        """The clock for a person (``kyso up``, ``kyso clock``): Vietnam time and its mode."""
        if self.is_pinned:
            mode = say("đồng hồ đứng yên", "pinned")
        else:
            offset = _display_offset(self.offset)
            mode = say(f"chạy theo đồng hồ thật, lệch {offset}",
                       f"following the wall clock, offset {offset}")
        return f"{display_time(self.now())} ({mode})"
