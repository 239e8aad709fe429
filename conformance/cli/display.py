"""Times as a person reads them: Vietnam time, the zone shown (``2026-12-08 09:00:00 +07:00``).

kyso's readers are in Vietnam, and the law's deadlines (a CRL's next update, a certificate's
end, a revocation's date) are Vietnamese office times: every time ``kyso`` prints for a person
is converted to +07:00 and says so. Machine files (``--json``, ``results.json``) keep UTC with
its ``Z``; this module is only for what a person reads.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

VIETNAM_TIME = timezone(timedelta(hours=7))
"""Indochina Time, UTC+07:00 all year (Vietnam has no daylight saving)."""


def display_time(moment: datetime) -> str:
    """``moment`` in Vietnam time, to the second, the zone shown: "YYYY-MM-DD HH:MM:SS +07:00".
    A naive ``moment`` is taken as UTC (kyso's internal convention)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(VIETNAM_TIME).strftime("%Y-%m-%d %H:%M:%S +07:00")


__all__ = ["VIETNAM_TIME", "display_time"]
