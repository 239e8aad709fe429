"""pyHanko's past certificate validation, with its control time at the validation time.

EN 319 102-1 5.6.2.1 (past certificate validation) starts its time slide at the *current time*
of the validation. pyHanko's ``ades_lta_validation`` past-validates the signer's and each
archive timestamp's path with ``past_validate(init_control_time=None)``, which reads the wall
clock. On the testbed the validation time is the simulated instant, years ahead of the wall
clock in the archival stories: the time slide then starts *before* every proof of existence
the document timestamps give, and a B-LTA whose archive timestamps were renewed in time comes
out NO_POE (measured: "No proof of existence available for certificate ... at control time
<wall clock>").

:func:`control_time_at` runs pyHanko's long-term validation with that one reading of the clock
answered by the validation time, as the oracle's own POE clock already is (:mod:`.policy`).
Only ``pyhanko_certvalidator.ltv.ades_past`` is affected, and only while the call runs; the
oracle validates one document at a time, so no other validation sees it.

Not pinned, on purpose, measured: the ``POEManager()`` pyHanko builds for the archive
timestamps' evidence record (``_validate_prima_facie_poe``) dates what nothing proves at the
wall clock too. Pinned as well, pyHanko's time slide for an older archive timestamp falls back
to an older CRL than the newer timestamp covers and answers NO_POE even for a document renewed
in time (so does it, pins or not, when the renewal also embeds the current CRLs: the slide
takes every CRL of a certificate into account, not only the newest). Left alone, it makes the
*newest* archive timestamp look as old as the wall clock, so the oracle checks that one itself:
it must validate at the validation time (:func:`conformance.oracle.processes._anchored`,
EN 319 102-1 5.6.3.4).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, tzinfo

from pyhanko_certvalidator.ltv import ades_past


@contextmanager
def control_time_at(moment: datetime) -> Iterator[None]:
    """Inside: pyHanko's past validation starts its time slide at ``moment``."""

    class _PinnedDatetime(datetime):
        @classmethod
        def now(cls, tz: tzinfo | None = None) -> datetime:  # type: ignore[override]
            return moment.astimezone(tz) if tz is not None else moment

    original = ades_past.datetime
    ades_past.datetime = _PinnedDatetime  # type: ignore[misc]
    try:
        yield
    finally:
        ades_past.datetime = original  # type: ignore[misc]
